package auth

import (
	"context"
	"errors"

	"github.com/usergraph/usergraph/models"
)

// Errors the directives return; the GraphQL layer maps them to the
// UNAUTHENTICATED and FORBIDDEN codes.
var (
	// ErrUnauthenticated means a field needs a logged-in caller and the
	// request has none (no token, or one that is no longer accepted).
	ErrUnauthenticated = errors.New("authentication required")
	// ErrForbidden means the caller lacks the role a field needs.
	ErrForbidden = errors.New("not allowed")
)

// Caller is the authenticated user of a request and the session their
// access token belongs to, both loaded fresh for the request.
type Caller struct {
	User    *models.User
	Session *models.Session
}

// Client describes where a request came from, for sessions and audit.
type Client struct {
	IP        string
	UserAgent string
}

type (
	callerKey struct{}
	clientKey struct{}
	failKey   struct{}
)

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the authenticated caller of ctx, if there is one.
func CallerFrom(ctx context.Context) (*Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(*Caller)
	return c, ok && c != nil
}

// WithClient returns ctx carrying c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client description of ctx (zero if none).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// withFailure records that the request carried a token that could not be
// checked because of an internal failure (the database did not answer),
// so that a protected field reports that rather than UNAUTHENTICATED.
func withFailure(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, failKey{}, err)
}

func failureFrom(ctx context.Context) error {
	err, _ := ctx.Value(failKey{}).(error)
	return err
}
