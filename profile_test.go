package main

import (
	"strings"
	"testing"
)

func TestUpdateProfile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		token, _ := s.mustRegister(t, "profile@example.com")
		want := wantedProfile{"Pat", "Likes tea.\nAnd cake.",
			"https://img.example.com/pat.png"}

		t.Run("set all three", func(t *testing.T) {
			p := s.updateProfile(t, token, map[string]any{
				"displayName": want.name, "bio": want.bio,
				"avatarUrl": want.avatar})
			wantErrors(t, p.Errors)
			wantProfile(t, p.User, want)
			wantProfile(t, s.mustMe(t, token), want)
		})
		t.Run("omitted is unchanged", func(t *testing.T) {
			want.name = "Pat Doe"
			p := s.updateProfile(t, token,
				map[string]any{"displayName": want.name})
			wantErrors(t, p.Errors)
			wantProfile(t, s.mustMe(t, token), want)
		})
		t.Run("null clears", func(t *testing.T) {
			want.bio = "<nil>"
			p := s.updateProfile(t, token, map[string]any{"bio": nil})
			wantErrors(t, p.Errors)
			wantProfile(t, s.mustMe(t, token), want)
		})
		t.Run("empty string clears", func(t *testing.T) {
			want.avatar = "<nil>"
			p := s.updateProfile(t, token, map[string]any{"avatarUrl": ""})
			wantErrors(t, p.Errors)
			wantProfile(t, s.mustMe(t, token), want)
		})
		t.Run("empty input changes nothing", func(t *testing.T) {
			p := s.updateProfile(t, token, map[string]any{})
			wantErrors(t, p.Errors)
			wantProfile(t, p.User, want)
		})
		for _, bad := range []string{"javascript:alert(1)", "/me.png",
			"img.example.com/a.png", "https://user:pw@example.com/a.png",
			"data:image/png;base64,AAAA"} {
			t.Run("avatar "+bad, func(t *testing.T) {
				res := s.gql(t, token, updateProfileMutation,
					map[string]any{"input": map[string]any{
						"displayName": "Changed", "avatarUrl": bad}})
				var p userPayload
				res.field(t, "updateProfile", &p)
				wantErrors(t, p.Errors,
					at("INVALID_INPUT", "input", "avatarUrl"))
				wantNull(t, res, "updateProfile", "user")
				wantProfile(t, s.mustMe(t, token), want)
			})
		}
		t.Run("limits", func(t *testing.T) {
			s.wantProfileLimit(t, token, "displayName", "é", 100)
			s.wantProfileLimit(t, token, "bio", "b", 1000)
		})
		t.Run("needs a token", func(t *testing.T) {
			res := s.gql(t, "", updateProfileMutation,
				map[string]any{"input": map[string]any{"bio": "x"}})
			wantCode(t, res, "UNAUTHENTICATED")
		})
	})
}

// wantProfileLimit checks that field accepts limit repetitions of r and
// refuses one more.
func (s *testServer) wantProfileLimit(t *testing.T, token, field,
	r string, limit int) {
	t.Helper()
	p := s.updateProfile(t, token,
		map[string]any{field: strings.Repeat(r, limit+1)})
	wantErrors(t, p.Errors, at("INVALID_INPUT", "input", field))

	p = s.updateProfile(t, token,
		map[string]any{field: strings.Repeat(r, limit)})
	wantErrors(t, p.Errors)
}

// wantedProfile is a profile to expect; "<nil>" stands for null.
type wantedProfile struct{ name, bio, avatar string }

func wantProfile(t testing.TB, u *testUser, want wantedProfile) {
	t.Helper()
	if u == nil {
		t.Fatal("no user")
	}
	got := wantedProfile{deref(u.DisplayName), deref(u.Bio), deref(u.AvatarURL)}
	if got != want {
		t.Errorf("profile = %+v; want %+v", got, want)
	}
}

// mustMe returns the caller of token.
func (s *testServer) mustMe(t testing.TB, token string) *testUser {
	t.Helper()
	var me testUser
	s.me(t, token).field(t, "me", &me)
	return &me
}
