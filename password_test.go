package main

import "testing"

func TestChangePassword(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		const email = "changer@example.com"
		const newPassword = "an entirely different passphrase"
		current, id := s.mustRegister(t, email)
		other := s.mustLogin(t, email)

		t.Run("wrong current password", func(t *testing.T) {
			p := s.changePassword(t, current, "not my password at all",
				newPassword)
			wantErrors(t, p.Errors,
				at("INVALID_CREDENTIALS", "input", "currentPassword"))
			if p.User != nil {
				t.Errorf("user = %+v; want null", p.User)
			}
		})
		for name, weak := range map[string]string{
			"too short": "short", "the email": "Changer@Example.com"} {
			t.Run("new password "+name, func(t *testing.T) {
				p := s.changePassword(t, current, testPassword, weak)
				wantErrors(t, p.Errors,
					at("WEAK_PASSWORD", "input", "newPassword"))
			})
		}
		t.Run("refusals changed nothing", func(t *testing.T) {
			s.mustLogin(t, email)
			if res := s.me(t, other); res.code() != "" {
				t.Errorf("other session: %s", res.Body)
			}
		})

		t.Run("success", func(t *testing.T) {
			p := s.changePassword(t, current, testPassword, newPassword)
			wantErrors(t, p.Errors)
			if p.User == nil || p.User.ID != id {
				t.Errorf("user = %+v", p.User)
			}
		})
		t.Run("old password fails", func(t *testing.T) {
			p, _ := s.login(t, email, testPassword)
			wantErrors(t, p.Errors, at("INVALID_CREDENTIALS"))
		})
		t.Run("new password works", func(t *testing.T) {
			if p, res := s.login(t, email, newPassword); p.AccessToken == nil {
				t.Errorf("login: %s", res.Body)
			}
		})
		t.Run("current session stays", func(t *testing.T) {
			if res := s.me(t, current); res.code() != "" {
				t.Errorf("me: %s", res.Body)
			}
		})
		t.Run("other session ends", func(t *testing.T) {
			wantCode(t, s.me(t, other), "UNAUTHENTICATED")
		})
		t.Run("needs a token", func(t *testing.T) {
			res := s.gql(t, "", changePasswordMutation, map[string]any{
				"input": map[string]any{"currentPassword": newPassword,
					"newPassword": testPassword}})
			wantCode(t, res, "UNAUTHENTICATED")
		})
	})
}
