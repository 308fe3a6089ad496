package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/testdb"
)

type testSession struct {
	ID         string  `json:"id"`
	CreatedAt  string  `json:"createdAt"`
	LastUsedAt string  `json:"lastUsedAt"`
	ExpiresAt  string  `json:"expiresAt"`
	UserAgent  *string `json:"userAgent"`
	IPAddress  *string `json:"ipAddress"`
	Current    bool    `json:"current"`
}

// sessions lists the caller's sessions.
func (s *testServer) sessions(t testing.TB, access string) []testSession {
	t.Helper()
	res := s.gql(t, access, `{ sessions { id createdAt lastUsedAt expiresAt
		userAgent ipAddress current } }`, nil)
	var out []testSession
	res.field(t, "sessions", &out)
	return out
}

// loginAs logs in with a given User-Agent and returns the tokens.
func (s *testServer) loginAs(t testing.TB, email, agent string) tokenPair {
	t.Helper()
	req := s.post(t, "application/json", []byte(`{"query":
		"mutation($in: LoginInput!) { login(input: $in) { accessToken refreshToken } }",
		"variables": {"in": {"email": "`+email+`", "password": "`+
		testPassword+`"}}}`))
	req.Header.Set("User-Agent", agent)
	var p pairPayload
	do(t, req).field(t, "login", &p)
	if p.AccessToken == nil {
		t.Fatal("login failed")
	}
	return tokenPair{*p.AccessToken, *p.RefreshToken}
}

func (s *testServer) mutateBool(t testing.TB, access, query string,
	vars map[string]any, field string) bool {
	t.Helper()
	res := s.gql(t, access, query, vars)
	var ok bool
	res.field(t, field, &ok)
	return ok
}

func TestSessionsList(t *testing.T) {
	forEachClockedBackend(t, func(t *testing.T, s *testServer,
		clock *fakeClock) {
		s.mustRegister(t, "list@example.com")
		phone := s.loginAs(t, "list@example.com", "PhoneApp/1.0")
		clock.Advance(time.Minute)
		laptop := s.loginAs(t, "list@example.com", "Firefox/140")

		got := s.sessions(t, phone.Access)
		// Newest use first: the laptop, the phone, the registration.
		if len(got) != 3 {
			t.Fatalf("%d sessions, want 3", len(got))
		}
		if *got[0].UserAgent != "Firefox/140" || got[0].Current {
			t.Errorf("first = %+v; want the laptop, not current", got[0])
		}
		if *got[1].UserAgent != "PhoneApp/1.0" || !got[1].Current {
			t.Errorf("second = %+v; want the phone, current", got[1])
		}
		if got[0].IPAddress == nil || *got[0].IPAddress != "127.0.0.1" {
			t.Errorf("ipAddress = %v", got[0].IPAddress)
		}

		t.Run("a refresh moves the session to the front", func(t *testing.T) {
			clock.Advance(time.Minute)
			phone = s.mustRefresh(t, phone.Refresh)
			got := s.sessions(t, laptop.Access)
			if *got[0].UserAgent != "PhoneApp/1.0" {
				t.Errorf("first = %+v; want the phone", got[0])
			}
		})
	})
}

func TestRevocationPaths(t *testing.T) {
	revokeSession := `mutation($id: ID!) { revokeSession(id: $id) }`
	paths := map[string]func(t *testing.T, s *testServer, victim,
		other tokenPair){
		"logout": func(t *testing.T, s *testServer, v, _ tokenPair) {
			s.mutateBool(t, v.Access, `mutation { logout }`, nil, "logout")
		},
		"logout with refresh token": func(t *testing.T, s *testServer,
			v, _ tokenPair) {
			ok := s.mutateBool(t, "", `mutation($r: String) {
				logout(refreshToken: $r) }`, map[string]any{"r": v.Refresh},
				"logout")
			if !ok {
				t.Fatal("logout returned false")
			}
		},
		"logoutAll from another session": func(t *testing.T, s *testServer,
			_, o tokenPair) {
			res := s.gql(t, o.Access, `mutation { logoutAll }`, nil)
			var n int
			res.field(t, "logoutAll", &n)
			if n != 3 {
				t.Errorf("logoutAll = %d, want 3", n)
			}
		},
		"revokeSession": func(t *testing.T, s *testServer, v, o tokenPair) {
			id := s.sessions(t, v.Access)[0].ID
			for _, sess := range s.sessions(t, v.Access) {
				if sess.Current {
					id = sess.ID
				}
			}
			if !s.mutateBool(t, o.Access, revokeSession,
				map[string]any{"id": id}, "revokeSession") {
				t.Fatal("revokeSession returned false")
			}
		},
		"password change elsewhere": func(t *testing.T, s *testServer,
			_, o tokenPair) {
			res := s.gql(t, o.Access, `mutation($in: ChangePasswordInput!) {
				changePassword(input: $in) { errors { code } } }`,
				map[string]any{"in": map[string]any{
					"currentPassword": testPassword,
					"newPassword":     "another long enough passphrase"}})
			if res.code() != "" {
				t.Fatal(string(res.Body))
			}
		},
	}
	for name, revoke := range paths {
		t.Run(name, func(t *testing.T) {
			forEachClockedBackend(t, func(t *testing.T, s *testServer,
				_ *fakeClock) {
				s.mustRegister(t, "victim@example.com")
				victim := s.loginPair(t, "victim@example.com")
				other := s.loginPair(t, "victim@example.com")
				revoke(t, s, victim, other)
				s.wantUnauthenticated(t, victim.Access)
				s.wantInvalidToken(t, victim.Refresh)
			})
		})
	}
}

func TestRevokeSessionOfAnotherUser(t *testing.T) {
	s := newTestServer(t)
	s.mustRegister(t, "a@example.com")
	s.mustRegister(t, "b@example.com")
	a := s.loginPair(t, "a@example.com")
	b := s.loginPair(t, "b@example.com")
	bID := s.sessions(t, b.Access)[0].ID
	for _, id := range []string{bID, "00000000-0000-0000-0000-000000000000"} {
		if s.mutateBool(t, a.Access, `mutation($id: ID!) {
			revokeSession(id: $id) }`, map[string]any{"id": id},
			"revokeSession") {
			t.Errorf("revokeSession(%s) = true", id)
		}
	}
	if res := s.me(t, b.Access); res.code() != "" {
		t.Fatalf("b was logged out: %s", res.Body)
	}
}

func TestLogoutAllKeepCurrent(t *testing.T) {
	s := newTestServer(t)
	s.mustRegister(t, "keep@example.com")
	cur := s.loginPair(t, "keep@example.com")
	other := s.loginPair(t, "keep@example.com")
	res := s.gql(t, cur.Access, `mutation { logoutAll(keepCurrent: true) }`,
		nil)
	var n int
	res.field(t, "logoutAll", &n)
	if n != 2 {
		t.Errorf("logoutAll = %d, want 2 (registration and other)", n)
	}
	if res := s.me(t, cur.Access); res.code() != "" {
		t.Fatalf("current session ended: %s", res.Body)
	}
	s.wantUnauthenticated(t, other.Access)
}

func TestLogoutAfterAccessTokenExpired(t *testing.T) {
	clock := newFakeClock()
	cfg := clockedConfig(t, testdb.SQLite(t), newKeyPEM(t))
	s := startTestApp(t, cfg, withClock(clock.Now))
	s.mustRegister(t, "late@example.com")
	p := s.loginPair(t, "late@example.com")
	clock.Advance(20 * time.Minute)
	s.wantUnauthenticated(t, p.Access)

	res := s.gql(t, p.Access, `mutation($r: String) {
		logout(refreshToken: $r) }`, map[string]any{"r": p.Refresh})
	var ok bool
	res.field(t, "logout", &ok)
	if !ok {
		t.Fatal("logout with refresh token returned false")
	}
	s.wantInvalidToken(t, p.Refresh)

	t.Run("without any credential", func(t *testing.T) {
		wantCode(t, s.gql(t, "", `mutation { logout }`, nil),
			"UNAUTHENTICATED")
	})
}

func TestSessionCap(t *testing.T) {
	clock := newFakeClock()
	cfg := clockedConfig(t, testdb.SQLite(t), newKeyPEM(t))
	cfg.Tokens.MaxSessions = 3
	s := startTestApp(t, cfg, withClock(clock.Now))
	s.mustRegister(t, "cap@example.com") // session 1
	var pairs []tokenPair
	for range 3 {
		clock.Advance(time.Second)
		pairs = append(pairs, s.loginPair(t, "cap@example.com"))
	}
	if n := len(s.sessions(t, pairs[2].Access)); n != 3 {
		t.Fatalf("%d active sessions, want the cap of 3", n)
	}
	// The registration session was the least recently used.
	if res := s.me(t, pairs[0].Access); res.code() != "" {
		t.Fatalf("a recent session was revoked: %s", res.Body)
	}
}

func TestPurgeEndedSessions(t *testing.T) {
	clock := newFakeClock()
	cfg := clockedConfig(t, testdb.SQLite(t), nil)
	cfg.Tokens.SigningKey = ""
	s := startTestApp(t, cfg, withClock(clock.Now))
	s.mustRegister(t, "purge@example.com")
	ended := s.loginPair(t, "purge@example.com")
	s.mutateBool(t, ended.Access, `mutation { logout }`, nil, "logout")
	clock.Advance(25 * time.Hour)
	kept := s.loginPair(t, "purge@example.com")

	// The registration session is still within its 30 days; the revoked
	// one is past the day revoked sessions are kept.
	n, err := s.app.accounts.PurgeSessions(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want the revoked session", n, err)
	}
	clock.Advance(31 * 24 * time.Hour)
	n, err = s.app.accounts.PurgeSessions(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("purged %d, %v; want the 2 expired sessions", n, err)
	}
	s.wantInvalidToken(t, kept.Refresh)
	s.wantInvalidToken(t, ended.Refresh)
}

func TestRevokeSessionMalformedID(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		token, _ := s.mustRegister(t, "nul@example.com")
		for _, id := range []string{"a\x00b", "", "'; DROP TABLE users; --",
			strings.Repeat("x", 10_000)} {
			res := s.gql(t, token, `mutation($id: ID!) {
				revokeSession(id: $id) }`, map[string]any{"id": id})
			var ok bool
			res.field(t, "revokeSession", &ok)
			if ok || res.code() != "" {
				t.Errorf("revokeSession(%q) = %v, %s", id, ok, res.Body)
			}
		}
	})
}
