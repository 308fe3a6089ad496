package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/usergraph/usergraph/internal/testdb"
)

// fetchJWKS reads the server's JWKS with an independent JOSE library.
func (s *testServer) fetchJWKS(t testing.TB) (jose.JSONWebKeySet, *http.Response) {
	t.Helper()
	res, err := http.Get(s.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("decode JWKS: %v in %s", err, body)
	}
	return set, res
}

// verifyWithJWKS checks token's signature against the published keys
// with go-jose, not with the library that signed it, and returns the kid.
func verifyWithJWKS(t testing.TB, set jose.JSONWebKeySet, token string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{
		jose.EdDSA, jose.ES256, jose.RS256})
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("kid %q: %d keys in the JWKS", kid, len(keys))
	}
	if _, err := jws.Verify(keys[0].Key); err != nil {
		t.Fatalf("token does not verify against the JWKS: %v", err)
	}
	return kid
}

func TestJWKSVerifiesTokens(t *testing.T) {
	for _, alg := range []string{"EdDSA", "ES256", "RS256"} {
		t.Run(alg, func(t *testing.T) {
			s := newTestServer(t, func(c *Config) {
				c.Tokens.Algorithm = alg
			})
			token, _ := s.mustRegister(t, "jwks@example.com")
			set, res := s.fetchJWKS(t)
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc,
				"max-age=3600") {
				t.Errorf("Cache-Control = %q", cc)
			}
			if len(set.Keys) != 1 || set.Keys[0].Algorithm != alg {
				t.Fatalf("JWKS keys = %+v", set.Keys)
			}
			verifyWithJWKS(t, set, token)
		})
	}
}

func TestJWKSHidesSharedSecret(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.Tokens.Algorithm = "HS256" })
	token, _ := s.mustRegister(t, "hs@example.com")
	set, _ := s.fetchJWKS(t)
	if len(set.Keys) != 0 {
		t.Fatalf("JWKS publishes %d keys for HS256", len(set.Keys))
	}
	if res := s.me(t, token); res.code() != "" {
		t.Fatalf("HS256 token refused: %s", res.Body)
	}
}

// TestKeyRotation walks the three rotation steps and checks that no token
// is signed by a key the JWKS has not shown for its cache lifetime, and
// that old tokens stay valid until they expire.
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	cfg := clockedConfig(t, testdb.SQLite(t), nil)
	cfg.Tokens.SigningKey = ""
	s := startTestApp(t, cfg, withClock(clock.Now))
	m := s.app.keys
	reload := func() {
		t.Helper()
		ring, err := m.Ring(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.app.tokens.SetKeyRing(ring)
	}
	oldToken, _ := s.mustRegister(t, "rotate@example.com")
	set, _ := s.fetchJWKS(t)
	oldKid := verifyWithJWKS(t, set, oldToken)

	// Publish: the new key is in the JWKS but does not sign yet.
	next, err := m.Publish(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	reload()
	set, _ = s.fetchJWKS(t)
	if len(set.Key(next.ID)) != 1 {
		t.Fatal("published key missing from the JWKS")
	}
	if kid := verifyWithJWKS(t, set, s.mustLogin(t, "rotate@example.com")); kid != oldKid {
		t.Fatal("a published key signed before activation")
	}
	if err := m.Activate(ctx, next.ID); err == nil {
		t.Fatal("activated before the JWKS cache lifetime passed")
	}

	// Activate: after the JWKS max-age, new tokens use the new key and
	// old tokens still verify.
	clock.Advance(time.Hour)
	oldToken = s.mustLogin(t, "rotate@example.com")
	if err := m.Activate(ctx, next.ID); err != nil {
		t.Fatal(err)
	}
	reload()
	newToken := s.mustLogin(t, "rotate@example.com")
	set, _ = s.fetchJWKS(t)
	if kid := verifyWithJWKS(t, set, newToken); kid != next.ID {
		t.Fatalf("new token signed by %s, want %s", kid, next.ID)
	}
	if res := s.me(t, oldToken); res.code() != "" {
		t.Fatalf("old token refused after activation: %s", res.Body)
	}

	// Retire: the old key leaves once every token it signed has expired.
	clock.Advance(cfg.Tokens.AccessTTL + 3*time.Minute)
	if err := m.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	reload()
	set, _ = s.fetchJWKS(t)
	if len(set.Key(oldKid)) != 0 {
		t.Fatal("retired key still published after its window")
	}
	fresh := s.mustLogin(t, "rotate@example.com")
	if kid := verifyWithJWKS(t, set, fresh); kid != next.ID {
		t.Fatalf("token signed by %s after retirement", kid)
	}
	if res := s.me(t, fresh); res.code() != "" {
		t.Fatalf("token refused after retirement: %s", res.Body)
	}
}
