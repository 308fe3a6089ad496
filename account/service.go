// Package account holds usergraph's use cases: registering, logging in,
// authenticating requests, and managing a profile and its credentials.
// It validates input and applies policy; it knows nothing of HTTP or
// GraphQL. Errors a user can fix are *models.Error values whose Field is
// the path within the use case's input (e.g. ["email"]).
package account

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/store"
	"github.com/usergraph/usergraph/telemetry"
)

// Config holds the account policy.
type Config struct {
	// AccessTokenTTL is the lifetime of an access token. A token never
	// outlives its session.
	AccessTokenTTL time.Duration
	// SessionTTL is how long a login stays valid.
	SessionTTL time.Duration
	// MaxSessionAge bounds a session's life however often it is
	// refreshed.
	MaxSessionAge time.Duration
	// RefreshGrace is how long after its rotation a refresh token may be
	// presented again (two tabs, a retried request) and get the same
	// successor instead of ending the session.
	RefreshGrace time.Duration
	// MaxSessions caps a user's active sessions; past it, the least
	// recently used one is revoked.
	MaxSessions int
	// Password is the password policy.
	Password PasswordPolicy
	// RequireEmailVerification keeps an account whose address is not
	// verified from logging in, and makes registration answer alike for
	// new and registered addresses.
	RequireEmailVerification bool
	// Email sets the lifetimes of emailed links and flood control; its
	// zero value stands for DefaultEmailConfig.
	Email EmailConfig
	// Lockout is the back-off after failed logins; its zero value stands
	// for DefaultLockoutConfig.
	Lockout LockoutConfig
}

// Validate names the first setting that is out of bounds.
func (c Config) Validate() error {
	if c.AccessTokenTTL < time.Minute || c.AccessTokenTTL > 24*time.Hour {
		return errors.New("access token lifetime must be between 1m and 24h")
	}
	if c.SessionTTL < c.AccessTokenTTL || c.SessionTTL > 365*24*time.Hour {
		return errors.New("session lifetime must be between the access " +
			"token lifetime and 365 days")
	}
	if c.MaxSessionAge < c.SessionTTL || c.MaxSessionAge > 5*365*24*time.Hour {
		return errors.New("maximum session age must be between the " +
			"session lifetime and 5 years")
	}
	if c.RefreshGrace < 0 || c.RefreshGrace > 5*time.Minute {
		return errors.New("refresh grace window must be between 0 and 5m")
	}
	if c.MaxSessions < 1 || c.MaxSessions > 10_000 {
		return errors.New("sessions per user must be between 1 and 10000")
	}
	if err := c.Email.Validate(); err != nil {
		return err
	}
	if err := c.Lockout.Validate(); err != nil {
		return err
	}
	return c.Password.Validate()
}

// Service runs the account use cases against a store.
type Service struct {
	store   *store.Store
	hasher  *auth.Hasher
	tokens  *auth.Tokens
	secrets *auth.Secrets
	cfg     Config
	metrics *telemetry.Metrics
	log     *slog.Logger
	now     func() time.Time

	outbox   *mail.Outbox
	mailWake func()
}

// Deps are what a Service works with. Now may be nil (time.Now); the
// metrics may be nil; MailWake may be nil.
type Deps struct {
	Store   *store.Store
	Hasher  *auth.Hasher
	Tokens  *auth.Tokens
	Secrets *auth.Secrets
	Metrics *telemetry.Metrics
	Log     *slog.Logger
	Now     func() time.Time
	// MailWake is called after a transaction queued mail, so that it
	// goes out at once: mail.Worker.Wake.
	MailWake func()
}

// New returns a Service. It fails when cfg is out of bounds.
func New(d Deps, cfg Config) (*Service, error) {
	if cfg.Email == (EmailConfig{}) {
		cfg.Email = DefaultEmailConfig()
	}
	if cfg.Lockout == (LockoutConfig{}) {
		cfg.Lockout = DefaultLockoutConfig()
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("account config: %w", err)
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	outbox, err := mail.NewOutbox(d.Secrets, cfg.Email.Interval)
	if err != nil {
		return nil, err
	}
	return &Service{store: d.Store, hasher: d.Hasher, tokens: d.Tokens,
		secrets: d.Secrets, cfg: cfg, metrics: d.Metrics, log: d.Log, now: now,
		outbox: outbox, mailWake: d.MailWake}, nil
}

// clock returns the current time as stored: UTC, to the microsecond that
// both databases keep.
func (s *Service) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// newID returns a new UUIDv7: opaque to clients, ordered by creation.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}
