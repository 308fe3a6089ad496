package graph

import (
	"context"

	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/graph/model"
	"github.com/usergraph/usergraph/models"
)

// loggedIn maps the outcome of a use case that logs a user in, putting
// the refresh token into the cookie instead of the body when the client
// asked for that.
func (r *Resolver) loggedIn(ctx context.Context, res *account.AuthResult,
	err error, arg string, cookie bool) (*model.AuthPayload, error) {
	errs, err := userErrors(ctx, err, arg)
	if err != nil {
		return nil, err
	}
	p := authPayload(res, errs)
	if res != nil && len(errs) == 0 && (cookie || r.Cookie.wanted(ctx)) {
		r.Cookie.set(ctx, res.RefreshToken, res.Session.ExpiresAt)
		p.RefreshToken = nil
	}
	return p, nil
}

// refreshCredential returns the refresh token of the argument or, when it
// is absent, of the cookie.
func (r *Resolver) refreshCredential(ctx context.Context,
	arg *string) (token string, fromCookie bool) {
	if arg != nil && *arg != "" {
		return *arg, false
	}
	return r.Cookie.read(ctx), true
}

// refresh runs refreshToken; a failed refresh from the cookie clears it,
// so the client stops sending a dead token.
func (r *Resolver) refresh(ctx context.Context,
	arg *string) (*model.AuthPayload, error) {
	token, fromCookie := r.refreshCredential(ctx, arg)
	res, err := r.Accounts.Refresh(ctx, token)
	p, err := r.loggedIn(ctx, res, err, "", fromCookie)
	if err == nil && len(p.Errors) > 0 && fromCookie {
		r.Cookie.clear(ctx)
	}
	return p, err
}

func isCurrent(ctx context.Context, s *models.Session) bool {
	return s.ID == mustCaller(ctx).Session.ID
}
