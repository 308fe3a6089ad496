package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/rs/cors"
)

// securityHeaders sets the headers every response carries: no MIME
// sniffing, no framing, no referrer, no caching of API answers, a
// content security policy that allows nothing (pages that need more set
// their own), and in production HSTS.
func securityHeaders(production bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Content-Security-Policy",
				"default-src 'none'; frame-ancestors 'none'")
			if r.URL.Path != "/metrics" {
				h.Set("Cache-Control", "no-store")
			}
			if production {
				h.Set("Strict-Transport-Security",
					"max-age=63072000; includeSubDomains")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// corsHandler allows cross-origin requests from the listed origins only.
// Credentials (the refresh cookie) are allowed for those origins; with
// "*" any origin may call the API, but never with credentials.
func corsHandler(origins []string) func(http.Handler) http.Handler {
	if len(origins) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	anyOrigin := false
	for _, o := range origins {
		anyOrigin = anyOrigin || o == "*"
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Content-Type", "Authorization",
			"X-Refresh-Token-Transport", "X-Request-Id"},
		ExposedHeaders:   []string{"X-Request-Id", "Retry-After"},
		AllowCredentials: !anyOrigin,
		MaxAge:           600,
	}).Handler
}

var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// playgroundHandler serves the GraphQL playground with a content
// security policy that admits its own inline script (by hash), its
// assets from the CDN it loads them from, and requests to this origin.
func playgroundHandler(endpoint string) http.Handler {
	h := playground.Handler("usergraph", endpoint)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	page := rec.Body.Bytes()
	var hashes []string
	for _, m := range inlineScript.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		hashes = append(hashes, "'sha256-"+
			base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	const cdn = "https://cdn.jsdelivr.net"
	csp := strings.Join([]string{
		"default-src 'none'",
		"script-src " + cdn + " " + strings.Join(hashes, " "),
		"style-src " + cdn + " 'unsafe-inline'",
		"img-src 'self' data: " + cdn,
		"font-src " + cdn + " data:",
		"connect-src 'self'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
		"form-action 'none'",
	}, "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_, _ = bytes.NewReader(page).WriteTo(w)
	})
}
