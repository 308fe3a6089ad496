package main

import (
	"context"
	"log/slog"
	"time"
)

// purgeLoop deletes ended sessions every interval until ctx ends. Each
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
		n, err := a.accounts.PurgeSessions(ctx)
		if err != nil && ctx.Err() == nil {
			a.log.Error("purge sessions", slog.String("error", err.Error()))
			continue
		}
		if n > 0 {
			a.log.Info("purged sessions", slog.Int("count", n))
		}
	}
}
