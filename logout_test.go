package main

import "testing"

func TestLogout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		first, _ := s.mustRegister(t, "leaver@example.com")
		second := s.mustLogin(t, "leaver@example.com")
		stranger, _ := s.mustRegister(t, "stranger@example.com")

		t.Run("returns true", func(t *testing.T) {
			if !s.logout(t, first) {
				t.Fatal("logout = false")
			}
		})
		t.Run("token stops working", func(t *testing.T) {
			wantCode(t, s.me(t, first), "UNAUTHENTICATED")
			wantCode(t, s.gql(t, first, logoutMutation, nil),
				"UNAUTHENTICATED")
		})
		t.Run("other sessions unaffected", func(t *testing.T) {
			for _, token := range []string{second, stranger} {
				if res := s.me(t, token); res.code() != "" {
					t.Errorf("me: %s", res.Body)
				}
			}
		})
		t.Run("needs a token", func(t *testing.T) {
			wantCode(t, s.gql(t, "", logoutMutation, nil),
				"UNAUTHENTICATED")
		})
	})
}
