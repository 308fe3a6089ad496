package account

import (
	"context"
	"errors"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/store"
)

// LockoutConfig is the back-off after failed logins of one address.
// After FreeFailures failures in a row, each further failure holds back
// logins of that address for Base, then twice as long, and so on, up to
// Max. A successful login or a password reset clears the count. The
// count is kept per address, registered or not, and in the database, so
// every instance applies it and it tells nothing about accounts; the cap
// keeps a stranger from keeping the owner out for long, and the owner
// can always reset the password.
type LockoutConfig struct {
	FreeFailures int
	Base         time.Duration
	Max          time.Duration
}

// DefaultLockoutConfig allows 5 failures, then backs off from 1 second
// to at most 15 minutes.
func DefaultLockoutConfig() LockoutConfig {
	return LockoutConfig{FreeFailures: 5, Base: time.Second,
		Max: 15 * time.Minute}
}

// Validate names the first setting out of bounds.
func (c LockoutConfig) Validate() error {
	switch {
	case c.FreeFailures < 1 || c.FreeFailures > 100:
		return errors.New("free login failures must be between 1 and 100")
	case c.Base < time.Second || c.Base > c.Max:
		return errors.New("login back-off must start at 1s or more and " +
			"not exceed its maximum")
	case c.Max > 24*time.Hour:
		return errors.New("login back-off maximum must be at most 24h")
	}
	return nil
}

// delay is how long logins wait after the given number of failures.
func (c LockoutConfig) delay(failures int) time.Duration {
	over := failures - c.FreeFailures
	if over <= 0 {
		return 0
	}
	d := c.Base
	for i := 1; i < over && d < c.Max; i++ {
		d *= 2
	}
	return min(d, c.Max)
}

// checkLockout refuses a login of the normalized address while it is held
// back, with an *auth.RateLimitError saying how long. It runs before any
// password is hashed, for registered and unknown addresses alike.
func (s *Service) checkLockout(ctx context.Context, normalized string) error {
	now := s.clock()
	until, err := s.store.LoginLockedUntil(ctx, s.emailDigest(normalized),
		now)
	if err != nil || until == nil {
		return err
	}
	return &auth.RateLimitError{RetryAfter: until.Sub(now)}
}

// countFailure counts a failed login of the normalized address and, past
// the free failures, holds its logins back.
func (s *Service) countFailure(ctx context.Context, normalized string) error {
	digest := s.emailDigest(normalized)
	now := s.clock()
	return s.store.Tx(ctx, func(tx *store.Store) error {
		n, err := tx.RecordLoginFailure(ctx, digest, now)
		if err != nil {
			return err
		}
		if d := s.cfg.Lockout.delay(n); d > 0 {
			return tx.LockLogins(ctx, digest, now.Add(d))
		}
		return nil
	})
}

// clearFailures forgets the failed logins of the normalized address.
func (s *Service) clearFailures(ctx context.Context, tx *store.Store,
	normalized string) error {
	return tx.ClearLoginFailures(ctx, s.emailDigest(normalized))
}

// PurgeLoginAttempts forgets failure counts untouched for a day: by then
// any back-off they caused has ended.
func (s *Service) PurgeLoginAttempts(ctx context.Context) (int, error) {
	return s.store.PurgeLoginAttempts(ctx, s.clock().Add(-24*time.Hour))
}
