package graph

import (
	"context"
	"mime"
	"net/http"
	"strings"
	"time"
)

// TransportHeader is the request header by which a client asks for the
// refresh token in an HttpOnly cookie (value "cookie") instead of the
// response body. One server thus serves SPAs, which should keep the token
// out of JavaScript's reach, and mobile apps, which keep it in secure
// storage, at once.
const TransportHeader = "X-Refresh-Token-Transport"

// RefreshCookie configures the refresh-token cookie.
type RefreshCookie struct {
	// Enabled lets clients ask for the cookie; when false the header is
	// ignored and the token always travels in the body.
	Enabled  bool
	Name     string
	Secure   bool
	SameSite http.SameSite
	// Path limits the cookie to the GraphQL endpoint.
	Path string
}

type exchangeKey struct{}

// exchange gives resolvers the HTTP request and response they serve, for
// the refresh cookie only.
type exchange struct {
	w http.ResponseWriter
	r *http.Request
}

func withExchange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), exchangeKey{},
			&exchange{w: w, r: r})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func exchangeFrom(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

// wanted reports whether this request asked for the cookie.
func (c RefreshCookie) wanted(ctx context.Context) bool {
	x := exchangeFrom(ctx)
	return c.Enabled && x != nil &&
		strings.EqualFold(x.r.Header.Get(TransportHeader), "cookie")
}

// read returns the refresh token of the request's cookie. The cookie is
// honoured only on a POST with a JSON body: a cross-site form or a
// text/plain request can carry the cookie but cannot send JSON without a
// CORS preflight, so they cannot spend it.
func (c RefreshCookie) read(ctx context.Context) string {
	x := exchangeFrom(ctx)
	if !c.Enabled || x == nil || x.r.Method != http.MethodPost {
		return ""
	}
	mt, _, err := mime.ParseMediaType(x.r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return ""
	}
	ck, err := x.r.Cookie(c.Name)
	if err != nil {
		return ""
	}
	return ck.Value
}

// set stores token in the cookie until expires.
func (c RefreshCookie) set(ctx context.Context, token string,
	expires time.Time) {
	if x := exchangeFrom(ctx); x != nil {
		http.SetCookie(x.w, c.cookie(token,
			int(time.Until(expires).Seconds())))
	}
}

// clear removes the cookie from a client that sent it.
func (c RefreshCookie) clear(ctx context.Context) {
	if x := exchangeFrom(ctx); x != nil && c.Enabled {
		if _, err := x.r.Cookie(c.Name); err == nil {
			http.SetCookie(x.w, c.cookie("", -1))
		}
	}
}

func (c RefreshCookie) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     c.Name,
		Value:    value,
		Path:     c.Path,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   c.Secure,
		SameSite: c.SameSite,
	}
}
