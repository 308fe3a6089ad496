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
}

// NewHandler returns the GraphQL endpoint: POST with a JSON body, and GET
// for queries only. No other transport (websocket, multipart, form) is
// offered.
func NewHandler(o Options) http.Handler {
	cfg := generated.Config{Resolvers: &Resolver{Accounts: o.Accounts,
		Log: o.Log, Cookie: o.Cookie}}
	cfg.Directives.Auth = auth.AuthDirective
	cfg.Directives.HasRole = auth.HasRoleDirective

	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(getQuery{limits: o.Limits})
	srv.AddTransport(postJSON{maxBytes: o.MaxBodyBytes, limits: o.Limits})
	srv.AddTransport(otherMethod{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.SetErrorPresenter(errorPresenter(o.Log))
	srv.SetRecoverFunc(recoverFunc(o.Log))
	srv.AroundOperations(recordOperation)
	srv.AroundRootFields(recordRootField)
	return withExchange(srv)
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
