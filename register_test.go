package main

import "testing"

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
