// Package telemetry observes requests: the per-request record that layers
// fill in (operation, user, outcome), the one log line written per
// request, and the Prometheus metrics.
package telemetry

import (
	"context"
	"sync"
)

// Request is what the layers of one HTTP request learn about it, for the
// request's log line and metrics. Its methods are safe for concurrent use
// (gqlgen resolves fields in parallel).
type Request struct {
	ID string

	mu        sync.Mutex
	op        string
	field     string
	userID    string
	errorCode string
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// FromContext returns the request record of ctx. Outside a request it
// returns a throwaway record, so callers never need to check.
func FromContext(ctx context.Context) *Request {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok {
		return r
	}
	return &Request{}
}

// SetOperation records the GraphQL operation name.
func (r *Request) SetOperation(op string) {
	r.mu.Lock()
	r.op = op
	r.mu.Unlock()
}

// SetRootField records the first root field the operation selects. It
// labels metrics: unlike operation names, which clients choose freely,
// root fields come from the schema, so the label set stays bounded.
func (r *Request) SetRootField(field string) {
	r.mu.Lock()
	if r.field == "" {
		r.field = field
	}
	r.mu.Unlock()
}

// SetUser records the authenticated user's id.
func (r *Request) SetUser(id string) {
	r.mu.Lock()
	r.userID = id
	r.mu.Unlock()
}

// SetErrorCode records the most significant error code of the response.
// An internal error outranks every other code; otherwise the first wins.
func (r *Request) SetErrorCode(code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.errorCode == "" || code == "INTERNAL_SERVER_ERROR" {
		r.errorCode = code
	}
}

// Snapshot is what a Request recorded, read at the end of the request.
type Snapshot struct {
	Op, RootField, UserID, ErrorCode string
}

// Snapshot returns what has been recorded so far.
func (r *Request) Snapshot() Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Snapshot{r.op, r.field, r.userID, r.errorCode}
}
