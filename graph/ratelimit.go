package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/usergraph/usergraph/auth"
	"github.com/vektah/gqlparser/v2/ast"
)

// limitMutations takes a token from the client's bucket for every
// mutation root field (aliases included) before it runs, and refuses the
// field with RATE_LIMITED when the bucket is empty.
func limitMutations(l *auth.RateLimiter) graphql.RootFieldMiddleware {
	return func(ctx context.Context,
		next graphql.RootResolver) graphql.Marshaler {
		oc := graphql.GetOperationContext(ctx)
		fc := graphql.GetRootFieldContext(ctx)
		if l == nil || oc.Operation == nil || fc == nil ||
			oc.Operation.Operation != ast.Mutation {
			return next(ctx)
		}
		ok, wait := l.Allow(fc.Field.Name, auth.ClientFrom(ctx).IP)
		if ok {
			return next(ctx)
		}
		graphql.AddError(ctx, &auth.RateLimitError{RetryAfter: wait})
		return graphql.Null
	}
}
