package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkMe measures an authenticated `me` through the whole handler:
// document limits (remembered after the first request), auth middleware,
// session load, resolver and JSON. Compare with BenchmarkLimitsCheck for
// what measuring a document costs when it is new.
func BenchmarkMe(b *testing.B) {
	s := newTestServer(b)
	token, _ := s.mustRegister(b, "bench@example.com")
	h := s.app.routes()
	body := []byte(`{"query":"{ me { id email displayName role } }"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql",
			bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkLimitsCheck measures the pre-validation document checks alone
// on a typical client query.
func BenchmarkLimitsCheck(b *testing.B) {
	cfg := testConfig(b, "bench.db")
	l := cfg.limits()
	q := `query Me { me { id email emailVerified displayName bio avatarUrl
		role createdAt updatedAt } sessions { id lastUsedAt current } }`
	b.ReportAllocs()
	for b.Loop() {
		if msg := l.Check(q); msg != "" {
			b.Fatal(msg)
		}
	}
}
