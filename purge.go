package main

import (
	"context"
	"log/slog"
	"time"
)

// purgeLoop deletes ended sessions, and audit events past their
// retention, every interval until ctx ends. Each
// instance runs one; the deletes are idempotent, so several instances
// purging at once only repeat each other's work.
func (a *app) purgeLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.purge(ctx)
	}
}

func (a *app) purge(ctx context.Context) {
	n, err := a.accounts.PurgeSessions(ctx)
	a.reportPurge(ctx, "sessions", n, err)
	n, err = a.accounts.PurgeOneTimeTokens(ctx)
	a.reportPurge(ctx, "one-time tokens", n, err)
	n, err = a.accounts.PurgeLoginAttempts(ctx)
	a.reportPurge(ctx, "login attempts", n, err)
	before := a.now().Add(-a.cfg.AuditRetention)
	n, err = a.accounts.PurgeAuditEvents(ctx, before)
	a.reportPurge(ctx, "audit events", n, err)
}

func (a *app) reportPurge(ctx context.Context, what string, n int,
	err error) {
	switch {
	case err != nil && ctx.Err() == nil:
		a.log.Error("purge "+what, slog.String("error", err.Error()))
	case n > 0:
		a.log.Info("purged "+what, slog.Int("count", n))
	}
}
