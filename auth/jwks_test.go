package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRing(t testing.TB, active *SigningKey, others ...*SigningKey) *KeyRing {
	t.Helper()
	ring, err := NewKeyRing(active, others...)
	if err != nil {
		t.Fatalf("NewKeyRing: %v", err)
	}
	return ring
}

// decodeJWKS returns the members of each key in a JWKS document.
func decodeJWKS(t *testing.T, body []byte) []map[string]string {
	t.Helper()
	var set struct{ Keys []map[string]string }
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	return set.Keys
}

func TestJWKS(t *testing.T) {
	ed, rs := mustSigningKey(t, AlgEdDSA), mustSigningKey(t, AlgRS256)
	es, hs := mustSigningKey(t, AlgES256), mustSigningKey(t, AlgHS256)
	body, err := mustRing(t, es, hs, ed, rs).JWKS()
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	keys := decodeJWKS(t, body)
	if len(keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3 (no HS256): %s", len(keys), body)
	}
	if strings.Contains(string(body), hs.ID()) || strings.Contains(string(body), `"oct"`) {
		t.Errorf("JWKS shows the HS256 key: %s", body)
	}

	// Members by algorithm, in ring order: active first.
	want := []struct {
		key     *SigningKey
		kty     string
		members []string
	}{
		{es, "EC", []string{"crv", "x", "y"}},
		{ed, "OKP", []string{"crv", "x"}},
		{rs, "RSA", []string{"n", "e"}},
	}
	for i, w := range want {
		got := keys[i]
		if got["kid"] != w.key.ID() || got["alg"] != w.key.Algorithm() ||
			got["kty"] != w.kty || got["use"] != "sig" {
			t.Errorf("key %d = %v, want kid %s alg %s kty %s use sig",
				i, got, w.key.ID(), w.key.Algorithm(), w.kty)
		}
		for _, m := range w.members {
			if got[m] == "" {
				t.Errorf("%s key lacks %q", w.kty, m)
			}
		}
		if len(got) != 4+len(w.members) {
			t.Errorf("%s key has extra members: %v", w.kty, got)
		}
		if _, secret := got["d"]; secret {
			t.Errorf("%s key shows its private part", w.kty)
		}
	}
	if keys[0]["crv"] != "P-256" || keys[1]["crv"] != "Ed25519" ||
		keys[2]["e"] != "AQAB" {
		t.Errorf("curves or exponent: %v", keys)
	}
}

func TestJWKSOnlySymmetric(t *testing.T) {
	body, err := mustRing(t, mustSigningKey(t, AlgHS256)).JWKS()
	if err != nil || string(body) != `{"keys":[]}` {
		t.Errorf("JWKS = %s, %v; want an empty set", body, err)
	}
}

// TestJWKSVerifiesWithGoJOSE checks tokens against the served JWKS with
// an independent JOSE implementation, as a resource server would.
func TestJWKSVerifiesWithGoJOSE(t *testing.T) {
	for _, alg := range []string{AlgEdDSA, AlgRS256, AlgES256} {
		t.Run(alg, func(t *testing.T) {
			f := newTokenFixture(t)
			key := mustSigningKey(t, alg)
			f.tokens = mustTokens(t, f, key, f.key, mustSigningKey(t, AlgHS256))
			token := f.issue(t)

			srv := httptest.NewServer(JWKSHandler(f.tokens.KeyRing, time.Hour))
			t.Cleanup(srv.Close)
			set := fetchJWKS(t, srv.URL)
			found := set.Key(key.ID())
			if len(found) != 1 {
				t.Fatalf("JWKS has %d keys with kid %s", len(found), key.ID())
			}

			jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{
				jose.EdDSA, jose.RS256, jose.ES256})
			if err != nil {
				t.Fatalf("go-jose parses the token: %v", err)
			}
			if got := jws.Signatures[0].Header.KeyID; got != key.ID() {
				t.Errorf("kid = %s", got)
			}
			payload, err := jws.Verify(found[0])
			if err != nil {
				t.Fatalf("go-jose verifies the token: %v", err)
			}
			var claims map[string]any
			if err := json.Unmarshal(payload, &claims); err != nil ||
				claims["sub"] != "user-1" {
				t.Errorf("payload %s", payload)
			}

			// The other published key must not verify it.
			other := set.Key(f.key.ID())
			if len(other) != 1 {
				t.Fatal("retired EdDSA key missing from JWKS")
			}
			if _, err := jws.Verify(other[0]); err == nil {
				t.Error("go-jose verified the token with another key")
			}
		})
	}
}

func fetchJWKS(t *testing.T, url string) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("go-jose reads the JWKS: %v", err)
	}
	return set
}

func TestJWKSHandler(t *testing.T) {
	ring := mustRing(t, mustSigningKey(t, AlgEdDSA))
	current := ring
	h := JWKSHandler(func() *KeyRing { return current }, 90*time.Minute)
	serve := func(method string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/.well-known/jwks.json", nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	t.Run("GET", func(t *testing.T) {
		rec := serve(http.MethodGet, nil)
		want, _ := ring.JWKS()
		if rec.Code != http.StatusOK || rec.Body.String() != string(want) {
			t.Fatalf("GET = %d %s", rec.Code, rec.Body)
		}
		headers := map[string]string{
			"Content-Type":  "application/json",
			"Cache-Control": "public, max-age=5400",
		}
		for name, v := range headers {
			if got := rec.Header().Get(name); got != v {
				t.Errorf("%s = %q, want %q", name, got, v)
			}
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		rec := serve(http.MethodHead, nil)
		if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
			t.Errorf("HEAD = %d with %d bytes", rec.Code, rec.Body.Len())
		}
	})
	t.Run("If-None-Match", func(t *testing.T) {
		etag := serve(http.MethodGet, nil).Header().Get("ETag")
		rec := serve(http.MethodGet, map[string]string{"If-None-Match": etag})
		if etag == "" || rec.Code != http.StatusNotModified {
			t.Errorf("ETag %q, conditional GET = %d", etag, rec.Code)
		}
	})
	t.Run("POST", func(t *testing.T) {
		rec := serve(http.MethodPost, nil)
		if rec.Code != http.StatusMethodNotAllowed ||
			rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST = %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
		}
	})
	t.Run("new ring", func(t *testing.T) {
		current = mustRing(t, mustSigningKey(t, AlgES256), ring.Active())
		if keys := decodeJWKS(t, serve(http.MethodGet, nil).Body.Bytes()); len(keys) != 2 {
			t.Errorf("JWKS after rotation has %d keys, want 2", len(keys))
		}
	})
	t.Run("no ring", func(t *testing.T) {
		current = nil
		if rec := serve(http.MethodGet, nil); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("GET without a ring = %d", rec.Code)
		}
	})
}
