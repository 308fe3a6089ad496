package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/testclock"
	"github.com/usergraph/usergraph/internal/testdb"
)

// fakeClock is the settable clock a test shares with its servers.
type fakeClock = testclock.Clock

func newFakeClock() *fakeClock {
	return testclock.New(time.Now().UTC().Truncate(time.Second))
}

// testSecret is a fixed master secret, so that several instances in one
// test derive the same keys.
var testSecret = base64.StdEncoding.EncodeToString(
	[]byte("usergraph test master secret 0123456789"))

// startTestApp starts an app with cfg behind a real listener.
func startTestApp(t testing.TB, cfg *Config, opts ...appOption) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs,
		&slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := newApp(ctx, cfg, log, opts...)
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	srv := httptest.NewServer(a.routes())
	t.Cleanup(func() {
		srv.Close()
		a.close()
	})
	return &testServer{URL: srv.URL, app: a, logs: logs}
}

// clockedConfig is testConfig with a fixed key and secret, for servers
// that share a fake clock (and maybe a database).
func clockedConfig(t testing.TB, dbURL string, key []byte) *Config {
	t.Helper()
	cfg := testConfig(t, dbURL)
	cfg.Tokens.SigningKey = string(key)
	cfg.Tokens.Secret = testSecret
	return cfg
}

// forEachClockedBackend runs fn on a server with a fake clock, once per
// database kind.
func forEachClockedBackend(t *testing.T,
	fn func(t *testing.T, s *testServer, clock *fakeClock)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			clock := newFakeClock()
			cfg := clockedConfig(t, b.New(t), newKeyPEM(t))
			fn(t, startTestApp(t, cfg, withClock(clock.Now)), clock)
		})
	}
}

// tokenPair is the tokens of an AuthPayload.
type tokenPair struct {
	Access  string
	Refresh string
}

const pairFields = `accessToken refreshToken refreshTokenExpiresAt
	errors { field code message }`

type pairPayload struct {
	AccessToken           *string     `json:"accessToken"`
	RefreshToken          *string     `json:"refreshToken"`
	RefreshTokenExpiresAt *string     `json:"refreshTokenExpiresAt"`
	Errors                []userError `json:"errors"`
}

// loginPair logs email in and returns its tokens.
func (s *testServer) loginPair(t testing.TB, email string) tokenPair {
	t.Helper()
	res := s.gql(t, "", `mutation($in: LoginInput!) { login(input: $in) {
		`+pairFields+` } }`, map[string]any{"in": map[string]any{
		"email": email, "password": testPassword}})
	var p pairPayload
	res.field(t, "login", &p)
	if p.AccessToken == nil || p.RefreshToken == nil {
		t.Fatalf("login: %s", res.Body)
	}
	return tokenPair{*p.AccessToken, *p.RefreshToken}
}

// refresh exchanges token and returns the payload.
func (s *testServer) refresh(t testing.TB, token string) pairPayload {
	t.Helper()
	res, err := s.tryRefresh(token)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// tryRefresh is refresh for use off the test goroutine.
func (s *testServer) tryRefresh(token string) (pairPayload, error) {
	res, err := s.tryGQL("", `mutation($t: String) { refreshToken(token: $t)
		{ `+pairFields+` } }`, map[string]any{"t": token})
	if err != nil {
		return pairPayload{}, err
	}
	var p pairPayload
	err = decodeField(res, "refreshToken", &p)
	return p, err
}

// mustRefresh exchanges token and fails unless it succeeds.
func (s *testServer) mustRefresh(t testing.TB, token string) tokenPair {
	t.Helper()
	p := s.refresh(t, token)
	if len(p.Errors) > 0 || p.AccessToken == nil || p.RefreshToken == nil {
		t.Fatalf("refresh: %+v", p.Errors)
	}
	return tokenPair{*p.AccessToken, *p.RefreshToken}
}

// wantInvalidToken fails unless refreshing with token gives INVALID_TOKEN.
func (s *testServer) wantInvalidToken(t testing.TB, token string) {
	t.Helper()
	p := s.refresh(t, token)
	wantErrors(t, p.Errors, at("INVALID_TOKEN"))
	if p.AccessToken != nil || p.RefreshToken != nil {
		t.Errorf("tokens issued with errors: %+v", p)
	}
}

// wantUnauthenticated fails unless me with access is UNAUTHENTICATED.
func (s *testServer) wantUnauthenticated(t testing.TB, access string) {
	t.Helper()
	wantCode(t, s.me(t, access), "UNAUTHENTICATED")
}

func TestRefreshRotation(t *testing.T) {
	forEachClockedBackend(t, func(t *testing.T, s *testServer,
		clock *fakeClock) {
		s.mustRegister(t, "rot@example.com")
		p0 := s.loginPair(t, "rot@example.com")

		clock.Advance(time.Minute)
		p1 := s.mustRefresh(t, p0.Refresh)
		if p1.Refresh == p0.Refresh || p1.Access == p0.Access {
			t.Fatal("refresh returned the same tokens")
		}
		if res := s.me(t, p1.Access); res.code() != "" {
			t.Fatalf("me with refreshed token: %s", res.Body)
		}

		t.Run("repeat inside the grace window gets the same successor",
			func(t *testing.T) {
				clock.Advance(5 * time.Second)
				again := s.mustRefresh(t, p0.Refresh)
				if again.Refresh != p1.Refresh {
					t.Fatal("repeat got a different refresh token")
				}
			})

		p2 := s.mustRefresh(t, p1.Refresh)

		t.Run("reuse after the window ends the session", func(t *testing.T) {
			clock.Advance(11 * time.Second)
			s.wantInvalidToken(t, p0.Refresh)
			s.wantInvalidToken(t, p2.Refresh)
			s.wantUnauthenticated(t, p2.Access)
		})
	})
}

func TestRefreshParallel(t *testing.T) {
	forEachClockedBackend(t, func(t *testing.T, s *testServer,
		clock *fakeClock) {
		s.mustRegister(t, "tabs@example.com")
		p0 := s.loginPair(t, "tabs@example.com")

		const n = 10
		results := make([]pairPayload, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = s.tryRefresh(p0.Refresh)
			}()
		}
		wg.Wait()
		var next string
		for i, r := range results {
			if errs[i] != nil || len(r.Errors) > 0 || r.RefreshToken == nil {
				t.Fatalf("refresh %d: %v %+v", i, errs[i], r.Errors)
			}
			if next == "" {
				next = *r.RefreshToken
			} else if *r.RefreshToken != next {
				t.Fatalf("refresh %d got another successor: chain branched", i)
			}
		}
		clock.Advance(30 * time.Second)
		p := s.mustRefresh(t, next)
		if res := s.me(t, p.Access); res.code() != "" {
			t.Fatalf("session lost after parallel refreshes: %s", res.Body)
		}
	})
}

func TestRefreshRejects(t *testing.T) {
	forEachClockedBackend(t, func(t *testing.T, s *testServer,
		clock *fakeClock) {
		s.mustRegister(t, "rej@example.com")
		p := s.loginPair(t, "rej@example.com")
		for name, token := range map[string]string{
			"unknown": "bm90LWEtcmVhbC10b2tlbi1hdC1hbGwtMDEyMzQ1Njc4",
			"empty":   "",
			"huge":    string(make([]byte, 4096)),
			"access":  p.Access,
		} {
			t.Run(name, func(t *testing.T) { s.wantInvalidToken(t, token) })
		}
		t.Run("expired session", func(t *testing.T) {
			clock.Advance(31 * 24 * time.Hour)
			s.wantInvalidToken(t, p.Refresh)
		})
	})
}

func TestSessionExpirySlides(t *testing.T) {
	clock := newFakeClock()
	cfg := clockedConfig(t, testdb.SQLite(t), newKeyPEM(t))
	cfg.Tokens.SessionTTL = 24 * time.Hour
	cfg.Tokens.MaxSessionAge = 72 * time.Hour
	s := startTestApp(t, cfg, withClock(clock.Now))
	s.mustRegister(t, "slide@example.com")
	p := s.loginPair(t, "slide@example.com")

	// Refreshing every 20 hours keeps the session alive past its first
	// expiry, but not past its maximum age.
	for range 3 {
		clock.Advance(20 * time.Hour)
		p = s.mustRefresh(t, p.Refresh)
	}
	clock.Advance(13 * time.Hour)
	s.wantInvalidToken(t, p.Refresh)
}

// decodeField decodes data.name of res into v.
func decodeField(res *gqlResponse, name string, v any) error {
	raw, ok := res.Data[name]
	if !ok {
		return fmt.Errorf("no data.%s in %s", name, res.Body)
	}
	return json.Unmarshal(raw, v)
}
