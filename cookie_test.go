package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/usergraph/usergraph/internal/testdb"
)

// cookieServer starts a server that offers the refresh cookie.
func cookieServer(t *testing.T, secure bool) *testServer {
	t.Helper()
	cfg := clockedConfig(t, testdb.SQLite(t), newKeyPEM(t))
	cfg.Cookie.Enabled = true
	cfg.Cookie.Secure = secure
	return startTestApp(t, cfg)
}

// cookieRequest posts query as JSON, asking for the cookie transport and
// sending cookie if it is not nil.
func (s *testServer) cookieRequest(t testing.TB, access, query string,
	cookie *http.Cookie) *gqlResponse {
	t.Helper()
	req := s.post(t, "application/json",
		[]byte(`{"query": `+quote(query)+`}`))
	req.Header.Set("X-Refresh-Token-Transport", "cookie")
	if access != "" {
		req.Header.Set("Authorization", "Bearer "+access)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return do(t, req)
}

// refreshCookie returns the refresh cookie res sets, or nil.
func refreshCookie(res *gqlResponse) *http.Cookie {
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == "usergraph_refresh" {
			return c
		}
	}
	return nil
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`,
		"\t", `\t`).Replace(s) + `"`
}

const cookieLogin = `mutation { login(input: {email: "spa@example.com",
	password: "correct horse battery staple"}) { accessToken refreshToken
	refreshTokenExpiresAt errors { code } } }`

func TestRefreshCookie(t *testing.T) {
	s := cookieServer(t, true)
	s.mustRegister(t, "spa@example.com")

	res := s.cookieRequest(t, "", cookieLogin, nil)
	ck := refreshCookie(res)
	var p pairPayload
	res.field(t, "login", &p)

	t.Run("login sets the cookie, not the body", func(t *testing.T) {
		if ck == nil {
			t.Fatalf("no refresh cookie in %v", res.Header["Set-Cookie"])
		}
		if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode ||
			ck.Path != "/graphql" || ck.MaxAge <= 0 {
			t.Errorf("cookie attributes: %+v", ck)
		}
		if p.RefreshToken != nil || p.AccessToken == nil ||
			p.RefreshTokenExpiresAt == nil {
			t.Errorf("payload = %+v", p)
		}
	})

	t.Run("a form or text/plain POST cannot spend it", func(t *testing.T) {
		for _, ct := range []string{"application/x-www-form-urlencoded",
			"text/plain", "multipart/form-data; boundary=x"} {
			req := s.post(t, ct, []byte(`{"query":"mutation { refreshToken { accessToken } }"}`))
			req.AddCookie(ck)
			res := do(t, req)
			if res.Status < 400 || refreshCookie(res) != nil {
				t.Errorf("%s: status %d, set-cookie %v", ct, res.Status,
					res.Header["Set-Cookie"])
			}
		}
	})

	t.Run("refresh reads and rotates the cookie", func(t *testing.T) {
		res := s.cookieRequest(t, "", `mutation { refreshToken {
			accessToken refreshToken errors { code } } }`, ck)
		var r pairPayload
		res.field(t, "refreshToken", &r)
		next := refreshCookie(res)
		if len(r.Errors) > 0 || r.AccessToken == nil || r.RefreshToken != nil ||
			next == nil || next.Value == ck.Value {
			t.Fatalf("refresh: %s, cookie %+v", res.Body, next)
		}
		ck = next
	})

	t.Run("logout clears the cookie and ends the session", func(t *testing.T) {
		res := s.cookieRequest(t, "", `mutation { logout }`, ck)
		cleared := refreshCookie(res)
		if cleared == nil || cleared.MaxAge >= 0 || cleared.Value != "" {
			t.Fatalf("logout did not clear the cookie: %v",
				res.Header["Set-Cookie"])
		}
		s.wantInvalidToken(t, ck.Value)
	})
}

func TestRefreshCookieOptIn(t *testing.T) {
	t.Run("a mobile client on the same server gets the body", func(t *testing.T) {
		s := cookieServer(t, false)
		s.mustRegister(t, "spa@example.com")
		res := s.gql(t, "", cookieLogin, nil)
		var p pairPayload
		res.field(t, "login", &p)
		if p.RefreshToken == nil || refreshCookie(res) != nil {
			t.Fatalf("payload %+v, set-cookie %v", p, res.Header["Set-Cookie"])
		}
	})
	t.Run("disabled by configuration, the header is ignored", func(t *testing.T) {
		s := newTestServer(t)
		s.mustRegister(t, "spa@example.com")
		res := s.cookieRequest(t, "", cookieLogin, nil)
		var p pairPayload
		res.field(t, "login", &p)
		if p.RefreshToken == nil || refreshCookie(res) != nil {
			t.Fatalf("payload %+v, set-cookie %v", p, res.Header["Set-Cookie"])
		}
	})
}
