package graph

import (
	"context"

	"github.com/usergraph/usergraph/auth"
)

// mustCaller returns the caller of a field guarded by @auth or @hasRole.
// The directive has already refused anonymous requests, so a missing
// caller is a schema mistake (a guarded resolver without its directive).
func mustCaller(ctx context.Context) *auth.Caller {
	c, ok := auth.CallerFrom(ctx)
	if !ok {
		panic("graph: resolver needs @auth but the request has no caller")
	}
	return c
}
