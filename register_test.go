package main

import (
	"strings"
	"sync"
	"testing"
)

func TestRegisterLoginMe(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		p := s.register(t, "  Ada@Example.com ", testPassword)
		if len(p.Errors) != 0 || p.AccessToken == nil {
			t.Fatalf("register: %+v", p.Errors)
		}
		if p.User.Email != "Ada@Example.com" || p.User.Role != "USER" {
			t.Errorf("user = %+v", p.User)
		}
		token := s.mustLogin(t, "ada@example.COM")
		res := s.me(t, token)
		var me testUser
		res.field(t, "me", &me)
		if me.ID != p.User.ID {
			t.Errorf("me.id = %q, want %q", me.ID, p.User.ID)
		}
	})
}

func TestRegisterEmailTaken(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		s.mustRegister(t, "Grace@Example.com")

		res := s.gql(t, "", registerMutation, map[string]any{
			"input": map[string]any{"email": " grace@EXAMPLE.COM",
				"password": "another long passphrase"}})
		var p authPayload
		res.field(t, "register", &p)
		wantErrors(t, p.Errors, at("EMAIL_TAKEN", "input", "email"))
		wantNull(t, res, "register", "user", "accessToken",
			"accessTokenExpiresAt")

		t.Run("first password still the one", func(t *testing.T) {
			s.mustLogin(t, "grace@example.com")
			p, _ := s.login(t, "grace@example.com", "another long passphrase")
			wantErrors(t, p.Errors, at("INVALID_CREDENTIALS"))
		})
	})
}

func TestRegisterInvalidInput(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name                   string
		email, password, dName string
		want                   []userError
	}{
		{"bad email", "not-an-email", testPassword, "",
			[]userError{at("INVALID_INPUT", "input", "email")}},
		{"display name in email", "Ada <ada@example.com>", testPassword, "",
			[]userError{at("INVALID_INPUT", "input", "email")}},
		{"short password", "short@example.com", "fourteen chars", "",
			[]userError{at("WEAK_PASSWORD", "input", "password")}},
		{"password is the email", "Same.As.Email@example.com",
			"same.as.email@EXAMPLE.com", "",
			[]userError{at("WEAK_PASSWORD", "input", "password")}},
		{"display name too long", "long@example.com", testPassword,
			strings.Repeat("n", 101),
			[]userError{at("INVALID_INPUT", "input", "displayName")}},
		{"several at once", "a@@example", "short", "bad\x00name",
			[]userError{
				at("INVALID_INPUT", "input", "email"),
				at("WEAK_PASSWORD", "input", "password"),
				at("INVALID_INPUT", "input", "displayName"),
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := map[string]any{"email": tt.email,
				"password": tt.password}
			if tt.dName != "" {
				input["displayName"] = tt.dName
			}
			res := s.gql(t, "", registerMutation,
				map[string]any{"input": input})
			if len(res.Errors) != 0 {
				t.Fatalf("top-level errors: %s", res.Body)
			}
			var p authPayload
			res.field(t, "register", &p)
			wantErrors(t, p.Errors, tt.want...)
			wantNull(t, res, "register", "user", "accessToken",
				"accessTokenExpiresAt")
		})
	}

	t.Run("nothing was created", func(t *testing.T) {
		p, _ := s.login(t, "short@example.com", "fourteen chars")
		wantErrors(t, p.Errors, at("INVALID_CREDENTIALS"))
		p = s.register(t, "long@example.com", testPassword)
		wantErrors(t, p.Errors)
	})
}

func TestRegisterConcurrentSameEmail(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		const n = 20
		emails := []string{"race@example.com", "Race@example.com",
			"RACE@EXAMPLE.COM", "race@Example.Com"}
		results := make([]*gqlResponse, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = s.tryGQL("", registerMutation,
					map[string]any{"input": map[string]any{
						"email":    emails[i%len(emails)],
						"password": testPassword}})
			})
		}
		wg.Wait()

		var ok, taken int
		for i, res := range results {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if len(res.Errors) != 0 {
				t.Fatalf("top-level errors: %s", res.Body)
			}
			var p authPayload
			res.field(t, "register", &p)
			switch {
			case len(p.Errors) == 0 && p.AccessToken != nil:
				ok++
			case len(p.Errors) == 1 && p.Errors[0].Code == "EMAIL_TAKEN":
				taken++
			default:
				t.Errorf("unexpected payload: %s", res.Body)
			}
		}
		if ok != 1 || taken != n-1 {
			t.Errorf("%d succeeded and %d got EMAIL_TAKEN; want 1 and %d",
				ok, taken, n-1)
		}
		s.mustLogin(t, "RaCe@example.com")
	})
}
