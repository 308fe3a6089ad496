package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/usergraph/usergraph/telemetry"
)

// Authenticator turns an access token into the caller it belongs to. It
// returns an error matching ErrInvalidToken when the token is not (or no
// longer) accepted, and any other error for an internal failure.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*Caller, error)
}

// maxUserAgent bounds what is kept of a client's User-Agent header.
const maxUserAgent = 512

// Middleware reads the Bearer token of each request and, when it is
// valid, puts the Caller into the request context. A missing or invalid
// token is not an error here: public fields still work, and protected
// fields refuse through the @auth directive. The client's address and
// user agent are recorded for every request.
func Middleware(a Authenticator, proxies Proxies,
	log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := WithClient(r.Context(), clientOf(r, proxies))
			if token, ok := bearer(r); ok {
				ctx = authenticate(ctx, a, token, log)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func authenticate(ctx context.Context, a Authenticator, token string,
	log *slog.Logger) context.Context {
	caller, err := a.Authenticate(ctx, token)
	switch {
	case err == nil:
		telemetry.FromContext(ctx).SetUser(caller.User.ID)
		return WithCaller(ctx, caller)
	case errors.Is(err, ErrInvalidToken):
		return ctx
	default:
		log.ErrorContext(ctx, "authenticate request",
			slog.String("request_id", telemetry.FromContext(ctx).ID),
			slog.String("error", err.Error()))
		return withFailure(ctx, err)
	}
}

// bearer extracts the token of an "Authorization: Bearer" header. The
// scheme is case-insensitive (RFC 9110).
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// clientOf describes the client of r: its address as proxies tell it,
// and its user agent.
func clientOf(r *http.Request, proxies Proxies) Client {
	ip := proxies.ClientIP(r)
	ua := r.UserAgent()
	if len(ua) > maxUserAgent {
		ua = strings.ToValidUTF8(ua[:maxUserAgent], "")
	}
	return Client{IP: ip, UserAgent: ua}
}
