package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestRateLimitedMutations(t *testing.T) {
	s := newTestServer(t, func(c *Config) {
		c.HTTP.RateLimits = "login=3/1m"
	})
	s.mustRegister(t, "rl@example.com")
	login := func(accept, xff string) *gqlResponse {
		req := s.post(t, "application/json", []byte(`{"query":
			"mutation { login(input: {email: \"rl@example.com\", password: \"wrong password here!\"}) { errors { code } } }"}`))
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		return do(t, req)
	}
	for i := range 3 {
		if res := login("", ""); res.code() != "" {
			t.Fatalf("attempt %d: %s", i, res.Body)
		}
	}

	t.Run("over the rate", func(t *testing.T) {
		res := login("", "")
		wantCode(t, res, "RATE_LIMITED")
		retry, _ := res.Errors[0].Extensions["retryAfter"].(float64)
		if retry < 1 || res.Header.Get("Retry-After") !=
			strconv.Itoa(int(retry)) || res.Status != http.StatusOK {
			t.Errorf("retryAfter %v, Retry-After %q, status %d", retry,
				res.Header.Get("Retry-After"), res.Status)
		}
	})
	t.Run("429 for graphql-response+json clients", func(t *testing.T) {
		res := login("application/graphql-response+json", "")
		if res.Status != http.StatusTooManyRequests ||
			!strings.HasPrefix(res.Header.Get("Content-Type"),
				"application/graphql-response+json") {
			t.Errorf("status %d, content type %q", res.Status,
				res.Header.Get("Content-Type"))
		}
	})
	t.Run("X-Forwarded-For is not believed from an untrusted peer",
		func(t *testing.T) {
			wantCode(t, login("", "198.51.100.77"), "RATE_LIMITED")
		})
	t.Run("queries are not limited", func(t *testing.T) {
		if res := s.gql(t, "", `{ __typename }`, nil); res.code() != "" {
			t.Fatal(string(res.Body))
		}
	})
}

func TestTrustedProxy(t *testing.T) {
	s := newTestServer(t, func(c *Config) {
		c.HTTP.TrustedProxies = "127.0.0.1, ::1"
		c.HTTP.RateLimits = "login=2/1m"
	})
	s.mustRegister(t, "proxy@example.com")
	loginFrom := func(ip string) *gqlResponse {
		req := s.post(t, "application/json", []byte(`{"query":
			"mutation { login(input: {email: \"proxy@example.com\", password: \"correct horse battery staple\"}) { accessToken } }"}`))
		req.Header.Set("X-Forwarded-For", "6.6.6.6, "+ip)
		return do(t, req)
	}
	var token string
	for range 2 {
		res := loginFrom("198.51.100.10")
		var p pairPayload
		res.field(t, "login", &p)
		token = *p.AccessToken
	}
	wantCode(t, loginFrom("198.51.100.10"), "RATE_LIMITED")
	if res := loginFrom("198.51.100.11"); res.code() != "" {
		t.Fatalf("another client limited: %s", res.Body)
	}
	for _, sess := range s.sessions(t, token) {
		if sess.Current && (sess.IPAddress == nil ||
			*sess.IPAddress != "198.51.100.10") {
			t.Errorf("session address = %v, want the client's", sess.IPAddress)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newTestServer(t)
	for _, path := range []string{"/graphql?query=%7B__typename%7D",
		"/healthz", "/", "/.well-known/jwks.json", "/nope"} {
		res, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		for _, h := range []string{"X-Content-Type-Options",
			"X-Frame-Options", "Referrer-Policy", "Content-Security-Policy"} {
			if res.Header.Get(h) == "" {
				t.Errorf("%s: no %s", path, h)
			}
		}
	}
	t.Run("the playground's policy admits its script by hash", func(t *testing.T) {
		res, err := http.Get(s.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "'sha256-") ||
			strings.Contains(csp, "script-src 'unsafe-inline'") ||
			!strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("CSP = %q", csp)
		}
	})
}

func TestCORS(t *testing.T) {
	s := newTestServer(t, func(c *Config) {
		c.HTTP.CORSOrigins = "https://app.example.com"
	})
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers",
			"authorization,content-type") // as browsers send it
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	ok := preflight("https://app.example.com")
	if ok.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		ok.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("listed origin: %v", ok.Header)
	}
	bad := preflight("https://evil.example.net")
	if bad.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("unlisted origin allowed: %v", bad.Header)
	}
}

func TestGraphQLResponseMediaType(t *testing.T) {
	s := newTestServer(t)
	req := s.post(t, "application/json", []byte(`{"query": "{ nope }"}`))
	req.Header.Set("Accept", "application/graphql-response+json")
	res := do(t, req)
	if res.Status != http.StatusBadRequest {
		t.Errorf("status %d, want 400", res.Status)
	}
}
