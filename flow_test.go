package main

import (
	"testing"
	"time"
)

const updateProfileMutation = `mutation($input: UpdateProfileInput!) {
	updateProfile(input: $input) { user { ` + userFields + ` }
		errors { field code message } } }`

const changePasswordMutation = `mutation($input: ChangePasswordInput!) {
	changePassword(input: $input) { user { ` + userFields + ` }
		errors { field code message } } }`

const logoutMutation = `mutation { logout }`

// TestAccountLifecycle walks one account through every operation of
// the API, in the order a client would call them.
func TestAccountLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		const email = "Lin@Example.org"
		const newPassword = "a brand new passphrase"
		var token, id string

		t.Run("register", func(t *testing.T) {
			start := time.Now().Add(-time.Second)
			p := s.register(t, email, testPassword)
			wantErrors(t, p.Errors)
			u := p.User
			if u.Email != email || u.Role != "USER" || u.EmailVerified ||
				u.DisplayName != nil || u.Bio != nil || u.AvatarURL != nil {
				t.Errorf("user = %+v", u)
			}
			wantTime(t, "createdAt", u.CreatedAt, start)
			wantTime(t, "accessTokenExpiresAt", *p.AccessTokenExpiresAt,
				time.Now().Add(14*time.Minute))
			id = u.ID
		})
		t.Run("login", func(t *testing.T) {
			token = s.mustLogin(t, "lin@example.ORG")
		})
		t.Run("me", func(t *testing.T) {
			var me testUser
			s.me(t, token).field(t, "me", &me)
			if me.ID != id || me.Email != email {
				t.Errorf("me = %+v", me)
			}
		})
		t.Run("updateProfile", func(t *testing.T) {
			p := s.updateProfile(t, token, map[string]any{
				"displayName": "Lin", "bio": "Hi."})
			wantErrors(t, p.Errors)
			if p.User.ID != id || deref(p.User.DisplayName) != "Lin" ||
				deref(p.User.Bio) != "Hi." {
				t.Errorf("user = %+v", p.User)
			}
		})
		t.Run("changePassword", func(t *testing.T) {
			p := s.changePassword(t, token, testPassword, newPassword)
			wantErrors(t, p.Errors)
			if p.User == nil || p.User.ID != id {
				t.Errorf("user = %+v", p.User)
			}
			if _, res := s.login(t, email, newPassword); res.code() != "" {
				t.Errorf("login with the new password: %s", res.Body)
			}
		})
		t.Run("logout", func(t *testing.T) {
			if !s.logout(t, token) {
				t.Fatal("logout = false")
			}
			wantCode(t, s.me(t, token), "UNAUTHENTICATED")
		})
	})
}

// updateProfile calls updateProfile with input as given: a key left
// out of input is omitted from the request, a nil value sent as null.
func (s *testServer) updateProfile(t testing.TB, token string,
	input map[string]any) userPayload {
	t.Helper()
	res := s.gql(t, token, updateProfileMutation,
		map[string]any{"input": input})
	var p userPayload
	res.field(t, "updateProfile", &p)
	return p
}

// changePassword calls changePassword and returns its payload.
func (s *testServer) changePassword(t testing.TB, token, current,
	next string) userPayload {
	t.Helper()
	res := s.gql(t, token, changePasswordMutation, map[string]any{
		"input": map[string]any{"currentPassword": current,
			"newPassword": next}})
	var p userPayload
	res.field(t, "changePassword", &p)
	return p
}

// logout calls logout and returns its result.
func (s *testServer) logout(t testing.TB, token string) bool {
	t.Helper()
	res := s.gql(t, token, logoutMutation, nil)
	var ok bool
	res.field(t, "logout", &ok)
	return ok
}

// wantTime fails unless v is an RFC 3339 time in UTC within a minute
// after notBefore.
func wantTime(t testing.TB, name, v string, notBefore time.Time) {
	t.Helper()
	got, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatalf("%s = %q: %v", name, v, err)
	}
	if _, off := got.Zone(); off != 0 {
		t.Errorf("%s = %q: not UTC", name, v)
	}
	if got.Before(notBefore) || got.After(notBefore.Add(time.Minute)) {
		t.Errorf("%s = %v; want within a minute after %v", name, got,
			notBefore)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
