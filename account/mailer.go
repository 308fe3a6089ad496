package account

import (
	"context"
	"errors"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// EmailConfig sets how long emailed links work and how often mail may go
// to one address.
type EmailConfig struct {
	// VerifyTTL is the lifetime of an email verification link.
	VerifyTTL time.Duration
	// ResetTTL is the lifetime of a password reset link.
	ResetTTL time.Duration
	// ChangeTTL is the lifetime of an email change confirmation link.
	ChangeTTL time.Duration
	// Interval is flood control: at most one message of a purpose goes
	// to an address per Interval, whoever asks. Requests past it are
	// answered as usual and dropped; an earlier link stays valid.
	Interval time.Duration
}

// DefaultEmailConfig returns verification links valid 24 hours, reset
// and change links valid 1 hour, and one message of a kind per address
// per minute.
func DefaultEmailConfig() EmailConfig {
	return EmailConfig{VerifyTTL: 24 * time.Hour, ResetTTL: time.Hour,
		ChangeTTL: time.Hour, Interval: time.Minute}
}

// Validate names the first setting out of bounds. The zero value is
// valid: it stands for DefaultEmailConfig.
func (c EmailConfig) Validate() error {
	switch {
	case c == EmailConfig{}:
		return nil
	case c.VerifyTTL < time.Minute || c.VerifyTTL > 30*24*time.Hour:
		return errors.New("verification link lifetime must be between " +
			"1m and 30 days")
	case c.ResetTTL < time.Minute || c.ResetTTL > 24*time.Hour:
		return errors.New("reset link lifetime must be between 1m and 24h")
	case c.ChangeTTL < time.Minute || c.ChangeTTL > 7*24*time.Hour:
		return errors.New("email change link lifetime must be between " +
			"1m and 7 days")
	case c.Interval < time.Second || c.Interval > 24*time.Hour:
		return errors.New("mail interval must be between 1s and 24h")
	}
	return nil
}

// The outbox jobs of the account flows: the worker resolves them into
// messages later, so that the request path does the same work whether
// or not an address is registered.
const (
	jobResetRequest    = "reset_request"
	jobRegisterRequest = "register_request"
)

// MailJobs returns the outbox jobs of the account flows, for
// mail.WorkerDeps.Jobs. Without a worker running them, password reset
// requests (and registrations, under RequireEmailVerification) wait in
// the outbox.
func (s *Service) MailJobs() map[string]mail.JobFunc {
	return map[string]mail.JobFunc{
		jobResetRequest:    s.resolveResetRequest,
		jobRegisterRequest: s.resolveRegisterRequest,
	}
}

// PurgeOneTimeTokens deletes the one-time tokens that have expired, used
// or not, and returns how many it deleted.
func (s *Service) PurgeOneTimeTokens(ctx context.Context) (int, error) {
	return s.store.PurgeOneTimeTokens(ctx, s.clock())
}

func (s *Service) tokenTTL(p models.TokenPurpose) time.Duration {
	switch p {
	case models.PurposeVerifyEmail:
		return s.cfg.Email.VerifyTTL
	case models.PurposeResetPassword:
		return s.cfg.Email.ResetTTL
	}
	return s.cfg.Email.ChangeTTL
}

// link is a message that carries a new one-time token.
type link struct {
	user    *models.User
	token   models.TokenPurpose
	message string
	// to and toNormalized are the address the token is sent to and
	// bound to.
	to, toNormalized string
	data             mail.Data
}

// sendLink issues a one-time token, which supersedes the user's earlier
// ones of its purpose, and queues the message that carries it, in tx.
// When flood control holds the message back it issues nothing, so the
// link sent last stays the valid one.
func (s *Service) sendLink(ctx context.Context, tx *store.Store,
	l link) error {
	now := s.clock()
	ok, err := s.outbox.Allowed(ctx, tx, l.message, l.toNormalized, now)
	if err != nil || !ok {
		return err
	}
	token, err := auth.NewRefreshToken() // 256 random bits, URL-safe
	if err != nil {
		return err
	}
	digest, _ := auth.TokenDigest(token)
	ttl := s.tokenTTL(l.token)
	err = tx.CreateOneTimeToken(ctx, &models.OneTimeToken{
		ID:              newID(),
		UserID:          l.user.ID,
		Purpose:         l.token,
		Digest:          digest,
		Email:           l.to,
		EmailNormalized: l.toNormalized,
		CreatedAt:       now,
		ExpiresAt:       now.Add(ttl),
	})
	if err != nil {
		return err
	}
	d := l.data
	d.Email, d.Token, d.ValidFor = l.to, token, ttl
	_, err = s.outbox.Queue(ctx, tx, now, mail.Item{Purpose: l.message,
		UserID: l.user.ID, To: l.to, ToNormalized: l.toNormalized, Data: d})
	return err
}

// notify queues a notice of purpose to the user's current address in tx,
// unless flood control holds it back.
func (s *Service) notify(ctx context.Context, tx *store.Store,
	user *models.User, purpose string, d mail.Data) error {
	d.Email = user.Email
	_, err := s.outbox.Queue(ctx, tx, s.clock(), mail.Item{Purpose: purpose,
		UserID: user.ID, To: user.Email, ToNormalized: user.EmailNormalized,
		Data: d})
	return err
}

// queueVerification sends user a new email verification link in tx.
func (s *Service) queueVerification(ctx context.Context, tx *store.Store,
	user *models.User) error {
	return s.sendLink(ctx, tx, link{user: user,
		token: models.PurposeVerifyEmail, message: mail.VerifyEmail,
		to: user.Email, toNormalized: user.EmailNormalized})
}

// wakeMail tells the mail worker, if there is one, that mail was queued.
func (s *Service) wakeMail() {
	if s.mailWake != nil {
		s.mailWake()
	}
}

// checkToken returns the one-time token text stands for, if it has
// purpose and may be used now, with its user; on PostgreSQL inside a
// transaction it locks the token. Otherwise it returns
// models.ErrExpiredToken for a genuine token past its lifetime, and
// models.ErrInvalidToken for anything else: unknown, used, superseded,
// of another purpose, sent to an address the account no longer has, or
// of another user than the caller logged in on ctx, if any. Both errors
// concern the input "token".
func (s *Service) checkToken(ctx context.Context, st *store.Store,
	text string, purpose models.TokenPurpose) (*models.OneTimeToken,
	*models.User, error) {
	invalid := models.ErrInvalidToken.At("token")
	digest, ok := auth.TokenDigest(text)
	if !ok {
		return nil, nil, invalid
	}
	t, err := st.OneTimeTokenForUpdate(ctx, digest)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, invalid
	}
	if err != nil {
		return nil, nil, err
	}
	if t.Purpose != purpose || t.UsedAt != nil {
		return nil, nil, invalid
	}
	user, err := st.UserByID(ctx, t.UserID)
	if err != nil {
		return nil, nil, err
	}
	if purpose != models.PurposeChangeEmail &&
		t.EmailNormalized != user.EmailNormalized {
		return nil, nil, invalid
	}
	if c, ok := auth.CallerFrom(ctx); ok && c.User.ID != user.ID {
		return nil, nil, invalid
	}
	if !s.clock().Before(t.ExpiresAt) {
		return nil, nil, models.ErrExpiredToken.At("token")
	}
	return t, user, nil
}

// useToken is checkToken that also marks the token used, in tx.
func (s *Service) useToken(ctx context.Context, tx *store.Store,
	text string, purpose models.TokenPurpose) (*models.OneTimeToken,
	*models.User, error) {
	t, user, err := s.checkToken(ctx, tx, text, purpose)
	if err != nil {
		return nil, nil, err
	}
	err = tx.UseOneTimeToken(ctx, t.ID, s.clock())
	if errors.Is(err, models.ErrNotFound) {
		// Used meanwhile: SQLite has no row lock, but the write lock
		// makes this unreachable there too.
		return nil, nil, models.ErrInvalidToken.At("token")
	}
	return t, user, err
}

// forgetMail is what deleting an account must also do in its
// transaction: the outbox rows keyed by the account's address go too,
// including pending jobs and the rows kept for flood control that are
// not linked to the account (those that are go with it by cascade).
func (s *Service) forgetMail(ctx context.Context, tx *store.Store,
	user *models.User) error {
	_, err := tx.DeleteOutboxFor(ctx,
		s.outbox.RecipientDigest(user.EmailNormalized))
	return err
}
