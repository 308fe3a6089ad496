package graph

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/graph/generated"
	"github.com/usergraph/usergraph/graph/model"
	"github.com/usergraph/usergraph/telemetry"
	"github.com/vektah/gqlparser/v2/ast"
)

// Options configure the GraphQL handler.
type Options struct {
	Accounts *account.Service
	Log      *slog.Logger
	// MaxBodyBytes bounds a POST body.
	MaxBodyBytes int64
	// QueryCacheSize is how many parsed documents are kept (LRU).
	QueryCacheSize int
	// Introspection enables schema introspection (the playground needs it).
	Introspection bool
	// Cookie configures the refresh-token cookie for SPA clients.
	Cookie RefreshCookie
	// Limits bound the GraphQL document.
	Limits Limits
	// Suggestions lets validation errors suggest field names ("Did you
	// mean …"), which tells a stranger about the schema.
	Suggestions bool
	// APQCacheSize is how many automatic persisted queries are kept (LRU).
	APQCacheSize int
	// Trusted, when not nil, is the only set of documents executed; APQ
	// registration is then off.
	Trusted TrustedDocuments
	// RateLimiter limits mutations per client network, when not nil.
	RateLimiter *auth.RateLimiter
}

// NewHandler returns the GraphQL endpoint: POST with a JSON body, and GET
// for queries only. No other transport (websocket, multipart, form) is
// offered.
func NewHandler(o Options) http.Handler {
	cfg := generated.Config{Resolvers: &Resolver{Accounts: o.Accounts,
		Log: o.Log, Cookie: o.Cookie}}
	cfg.Directives.Auth = auth.AuthDirective
	cfg.Directives.HasRole = auth.HasRoleDirective
	setComplexity(&cfg.Complexity)

	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(getQuery{})
	srv.AddTransport(postJSON{maxBytes: o.MaxBodyBytes})
	srv.AddTransport(otherMethod{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	srv.SetDisableSuggestion(!o.Suggestions)
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	// Order matters: the document is found (by hash) before it is
	// measured, and measured before gqlgen parses and validates it.
	if o.Trusted != nil {
		srv.Use(trustedOnly{docs: o.Trusted})
	} else {
		srv.Use(extension.AutomaticPersistedQuery{
			Cache: lru.New[string](o.APQCacheSize)})
	}
	srv.Use(newLimitGuard(o.Limits, o.QueryCacheSize))
	srv.Use(extension.FixedComplexityLimit(o.Limits.MaxComplexity))
	srv.AroundResponses(boundErrors(o.Limits.MaxErrors))
	srv.SetErrorPresenter(errorPresenter(o.Log))
	srv.SetRecoverFunc(recoverFunc(o.Log))
	srv.AroundOperations(recordOperation)
	srv.AroundRootFields(recordRootField)
	srv.AroundRootFields(limitMutations(o.RateLimiter))
	return withExchange(withUserLoader(o.Accounts, srv))
}

// setComplexity gives list fields their real cost.
func setComplexity(c *generated.ComplexityRoot) {
	c.Query.Users = func(child int, first *int, _ *string,
		_ *model.UserFilter, _ *model.UserOrder) int {
		return pageCost(child, first, 20)
	}
	c.Query.AuditEvents = func(child int, first *int, _ *string,
		_ *model.AuditEventFilter) int {
		return pageCost(child, first, 50)
	}
	c.User.SecurityEvents = func(child int, first *int, _ *string) int {
		return pageCost(child, first, 20)
	}
	// A user has at most the session cap of sessions; 50 by default.
	c.Query.Sessions = func(child int) int { return 50 * max(1, child) }
}

// boundErrors keeps at most max errors in a response, so that a document
// cannot amplify itself into thousands of error objects.
func boundErrors(max int) graphql.ResponseMiddleware {
	return func(ctx context.Context,
		next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp != nil && len(resp.Errors) > max {
			resp.Errors = resp.Errors[:max]
		}
		return resp
	}
}

func recordOperation(ctx context.Context,
	next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	name := oc.OperationName
	if name == "" && oc.Operation != nil {
		name = oc.Operation.Name
	}
	telemetry.FromContext(ctx).SetOperation(name)
	return next(ctx)
}

func recordRootField(ctx context.Context,
	next graphql.RootResolver) graphql.Marshaler {
	fc := graphql.GetRootFieldContext(ctx)
	if fc != nil && fc.Field.Field != nil {
		telemetry.FromContext(ctx).SetRootField(fc.Field.Name)
	}
	return next(ctx)
}
