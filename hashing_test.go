package main

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// TestHashSaturation fills the one hashing slot of a server without a
// queue: other requests that need a hash are turned away with
// RATE_LIMITED and a retry hint, and the one holding the slot finishes.
func TestHashSaturation(t *testing.T) {
	s := newTestServer(t, func(c *Config) {
		c.Password.HashConcurrency = 1
		c.Password.HashQueue = 0
		// Slow enough (about 150 ms) to be caught in the act.
		c.Password.Argon2MemoryKiB = 64 << 10
		c.Password.Argon2Time = 1
	})
	s.mustRegister(t, "busy@example.com")

	for name, send := range map[string]func(testing.TB) *gqlResponse{
		"login": func(t testing.TB) *gqlResponse {
			_, res := s.login(t, "busy@example.com", testPassword)
			return res
		},
		"login of an unknown email": func(t testing.TB) *gqlResponse {
			_, res := s.login(t, "nobody@example.com", testPassword)
			return res
		},
		"register": func(t testing.TB) *gqlResponse {
			return s.gql(t, "", registerMutation, map[string]any{
				"input": map[string]any{"email": "late@example.com",
					"password": testPassword}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			res := s.whileHashing(t, send)
			wantCode(t, res, "RATE_LIMITED")
			if res.Data != nil || res.Status != 200 {
				t.Errorf("status %d: %s", res.Status, res.Body)
			}
			retry, ok := res.Errors[0].Extensions["retryAfter"].(float64)
			if !ok || retry < 1 || retry != math.Trunc(retry) {
				t.Errorf("retryAfter = %v; want a whole number >= 1",
					res.Errors[0].Extensions["retryAfter"])
			}
		})
	}
	t.Run("metrics count it", func(t *testing.T) {
		m := s.metrics(t)
		if n := m[`usergraph_logins_total{result="rate_limited"}`]; n < 2 {
			t.Errorf("rate-limited logins = %v; want 2", n)
		}
	})
	t.Run("free again afterwards", func(t *testing.T) {
		s.mustLogin(t, "busy@example.com")
	})
}

// whileHashing runs send while a login holds the server's only hashing
// slot, and returns its response. Should that login finish before send
// gets through, it tries again, a few times.
func (s *testServer) whileHashing(t *testing.T,
	send func(testing.TB) *gqlResponse) *gqlResponse {
	t.Helper()
	var res *gqlResponse
	for range 5 {
		done := make(chan error, 1)
		go func() {
			res, err := s.tryGQL("", loginMutation, map[string]any{
				"input": map[string]any{"email": "busy@example.com",
					"password": testPassword}})
			if err == nil && !strings.Contains(string(res.Body),
				`"accessToken":"`) {
				err = fmt.Errorf("holder did not log in: %s", res.Body)
			}
			done <- err
		}()
		s.waitHashing(t)
		res = send(t)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if res.code() == "RATE_LIMITED" {
			return res
		}
	}
	return res
}

// waitHashing returns once a hash is running on s.
func (s *testServer) waitHashing(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.app.hasher.InFlight() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no hash started")
		}
		time.Sleep(time.Millisecond)
	}
}
