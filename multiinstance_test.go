package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/testdb"
)

// twoInstances starts two servers with separate in-memory state on one
// new PostgreSQL database, sharing only what every instance of a
// deployment shares: the database, the signing key, the master secret
// (and, here, a fake clock).
func twoInstances(t *testing.T) (a, b *testServer, clock *fakeClock) {
	t.Helper()
	url := testdb.Postgres(t)
	key := newKeyPEM(t)
	clock = newFakeClock()
	a = startTestApp(t, clockedConfig(t, url, key), withClock(clock.Now))
	b = startTestApp(t, clockedConfig(t, url, key), withClock(clock.Now))
	return a, b, clock
}

func TestMultiInstance(t *testing.T) {
	a, b, clock := twoInstances(t)
	a.mustRegister(t, "multi@example.com")

	t.Run("register on A, log in on B", func(t *testing.T) {
		p := b.loginPair(t, "multi@example.com")
		if res := a.me(t, p.Access); res.code() != "" {
			t.Fatalf("A refuses B's token: %s", res.Body)
		}
	})

	t.Run("logout on B is refused on A at once", func(t *testing.T) {
		p := a.loginPair(t, "multi@example.com")
		b.mutateBool(t, p.Access, `mutation { logout }`, nil, "logout")
		a.wantUnauthenticated(t, p.Access)
		a.wantInvalidToken(t, p.Refresh)
	})

	t.Run("rotation on A, repeat on B inside the window", func(t *testing.T) {
		p0 := a.loginPair(t, "multi@example.com")
		p1 := a.mustRefresh(t, p0.Refresh)
		clock.Advance(3 * time.Second)
		again := b.mustRefresh(t, p0.Refresh)
		if again.Refresh != p1.Refresh {
			t.Fatal("B derived another successor: the chain branched")
		}
	})

	t.Run("rotation on A, reuse on B after the window", func(t *testing.T) {
		p0 := a.loginPair(t, "multi@example.com")
		p1 := a.mustRefresh(t, p0.Refresh)
		clock.Advance(11 * time.Second)
		b.wantInvalidToken(t, p0.Refresh)
		a.wantInvalidToken(t, p1.Refresh)
		a.wantUnauthenticated(t, p1.Access)
	})

	t.Run("parallel refreshes split across both", func(t *testing.T) {
		p0 := a.loginPair(t, "multi@example.com")
		var wg sync.WaitGroup
		got := make([]pairPayload, 10)
		errs := make([]error, 10)
		for i := range 10 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = s.tryRefresh(p0.Refresh)
			}()
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil || got[i].RefreshToken == nil ||
				*got[i].RefreshToken != *got[0].RefreshToken {
				t.Fatalf("refresh %d: %v %+v", i, errs[i], got[i].Errors)
			}
		}
	})
}

func TestMultiInstanceRegistrationRace(t *testing.T) {
	a, b, _ := twoInstances(t)
	const n = 20
	var wg sync.WaitGroup
	codes := make([]string, n)
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		email := "Race@Example.com"
		if i%3 == 0 {
			email = strings.ToLower(email)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = registerOutcome(s, email)
		}()
	}
	wg.Wait()
	count := map[string]int{}
	for _, c := range codes {
		count[c]++
	}
	if count["ok"] != 1 || count["EMAIL_TAKEN"] != n-1 {
		t.Fatalf("outcomes = %v; want 1 ok and %d EMAIL_TAKEN", count, n-1)
	}
}

// registerOutcome registers email on s and names the outcome: "ok", a
// payload error code, or a description of anything else.
func registerOutcome(s *testServer, email string) string {
	res, err := s.tryGQL("", registerMutation, map[string]any{
		"input": map[string]any{"email": email, "password": testPassword}})
	if err != nil {
		return err.Error()
	}
	if len(res.Errors) > 0 {
		return fmt.Sprintf("top-level %s", res.Body)
	}
	var p authPayload
	if err := decodeField(res, "register", &p); err != nil {
		return err.Error()
	}
	switch {
	case len(p.Errors) == 1:
		return p.Errors[0].Code
	case len(p.Errors) == 0 && p.AccessToken != nil:
		return "ok"
	}
	return fmt.Sprintf("unexpected %s", res.Body)
}
