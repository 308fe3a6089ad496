package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/graph"
	"github.com/usergraph/usergraph/telemetry"
)

// routes returns the server's HTTP handler.
func (a *app) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(telemetry.AccessLog(a.log, a.metrics))
	r.Use(recoverPanics(a))
	r.Use(securityHeaders(a.cfg.production()))
	r.Use(corsHandler(a.cfg.HTTP.corsOrigins()))

	gql := graph.NewHandler(graph.Options{
		Accounts:       a.accounts,
		Log:            a.log,
		MaxBodyBytes:   a.cfg.HTTP.MaxBodyBytes,
		QueryCacheSize: a.cfg.HTTP.QueryCacheSize,
		Introspection:  a.cfg.HTTP.Introspection,
		Cookie:         a.refreshCookie(),
		Limits:         a.cfg.limits(),
		Suggestions:    a.cfg.HTTP.Suggestions,
		APQCacheSize:   a.cfg.HTTP.APQCacheSize,
		Trusted:        a.trusted,
		RateLimiter:    a.limiter,
	})
	r.With(auth.Middleware(a.accounts, a.proxies, a.log)).
		Handle("/graphql", gql)
	r.Handle("/.well-known/jwks.json",
		auth.JWKSHandler(a.tokens.KeyRing, a.cfg.Tokens.JWKSMaxAge))
	r.Get("/healthz", a.healthz)
	r.Get("/readyz", a.readyz)
	r.Handle("/metrics", promhttp.HandlerFor(a.metrics.Registry,
		promhttp.HandlerOpts{}))
	if a.cfg.HTTP.Playground {
		r.Get("/", playgroundHandler("/graphql").ServeHTTP)
	}
	return r
}

func (a *app) refreshCookie() graph.RefreshCookie {
	sameSite, _ := a.cfg.sameSite() // checked by Config.Validate
	return graph.RefreshCookie{
		Enabled:  a.cfg.Cookie.Enabled,
		Name:     a.cfg.Cookie.Name,
		Secure:   a.cfg.Cookie.Secure,
		SameSite: sameSite,
		Path:     "/graphql",
	}
}

// healthz answers while the process is up.
func (a *app) healthz(w http.ResponseWriter, _ *http.Request) {
	writeStatus(w, http.StatusOK, "ok", "")
}

// readyz answers 200 only while the database answers and is fully
// migrated, so a load balancer sends no traffic to an instance that
// cannot serve it.
func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		writeStatus(w, http.StatusServiceUnavailable, "unavailable",
			"database unreachable")
		return
	}
	pending, err := a.store.Pending(ctx)
	if err != nil || pending > 0 {
		writeStatus(w, http.StatusServiceUnavailable, "unavailable",
			"migrations pending")
		return
	}
	writeStatus(w, http.StatusOK, "ok", "")
}

func writeStatus(w http.ResponseWriter, code int, status, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	body := map[string]string{"status": status}
	if reason != "" {
		body["reason"] = reason
	}
	_ = json.NewEncoder(w).Encode(body)
}

// recoverPanics turns a panic outside the GraphQL executor (which has its
// own recovery) into a logged 500 without internals.
func recoverPanics(a *app) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				p := recover()
				if p == nil || p == http.ErrAbortHandler {
					if p != nil {
						panic(p)
					}
					return
				}
				a.log.Error("panic in handler",
					"request_id", telemetry.FromContext(r.Context()).ID,
					"panic", p)
				writeStatus(w, http.StatusInternalServerError, "error",
					"internal server error")
			}()
			next.ServeHTTP(w, r)
		})
	}
}
