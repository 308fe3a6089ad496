package main

import (
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/testdb"
)

// loginCode logs in and names the outcome: the payload error code, the
// top-level code, or "ok".
func loginCode(t *testing.T, s *testServer, email, password string) (string,
	*gqlResponse) {
	t.Helper()
	p, res := s.login(t, email, password)
	switch {
	case res.code() != "":
		return res.code(), res
	case len(p.Errors) > 0:
		return p.Errors[0].Code, res
	}
	return "ok", res
}

func TestLoginBackoff(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url := b.New(t)
			clock := newFakeClock()
			key := newKeyPEM(t)
			// Two instances on one database: the count is shared.
			a := startTestApp(t, clockedConfig(t, url, key), withClock(clock.Now))
			c := startTestApp(t, clockedConfig(t, url, key), withClock(clock.Now))
			a.mustRegister(t, "owner@example.com")

			for _, email := range []string{"owner@example.com",
				"nobody@example.com"} {
				for i := range 5 {
					s := a
					if i%2 == 1 {
						s = c
					}
					if code, _ := loginCode(t, s, email, "wrong password guess!"); code != "INVALID_CREDENTIALS" {
						t.Fatalf("%s failure %d: %s", email, i, code)
					}
				}
				// The sixth failure starts the back-off, on both instances,
				// for a registered and an unknown address alike.
				loginCode(t, a, email, "wrong password guess!")
				for _, s := range []*testServer{a, c} {
					code, res := loginCode(t, s, email, testPassword)
					if code != "RATE_LIMITED" {
						t.Fatalf("%s during back-off: %s", email, code)
					}
					if r, _ := res.Errors[0].Extensions["retryAfter"].(float64); r < 1 {
						t.Errorf("retryAfter = %v", res.Errors[0].Extensions["retryAfter"])
					}
				}
			}

			t.Run("the back-off ends and a success clears it", func(t *testing.T) {
				clock.Advance(2 * time.Second)
				if code, _ := loginCode(t, c, "owner@example.com", testPassword); code != "ok" {
					t.Fatalf("after the back-off: %s", code)
				}
				for range 5 {
					loginCode(t, a, "owner@example.com", "wrong password guess!")
				}
				if code, _ := loginCode(t, a, "owner@example.com", testPassword); code != "ok" {
					t.Fatalf("count not cleared by the success: %s", code)
				}
			})
			t.Run("the back-off is capped", func(t *testing.T) {
				for range 40 {
					loginCode(t, a, "nobody@example.com", "wrong password guess!")
					clock.Advance(16 * time.Minute)
				}
				code, _ := loginCode(t, a, "nobody@example.com", "wrong guess")
				if code != "INVALID_CREDENTIALS" {
					t.Fatalf("after the cap: %s", code)
				}
			})
		})
	}
}
