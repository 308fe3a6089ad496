package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// LoginInput is what a user logs in with.
type LoginInput struct {
	Email    string
	Password string
}

// AuthResult is a logged-in user with their session, an access token,
// and the refresh token that gets the next pair. The refresh token
// expires with the session.
type AuthResult struct {
	User                 *models.User
	Session              *models.Session
	AccessToken          string
	AccessTokenExpiresAt time.Time
	RefreshToken         string
}

// Login checks the credentials and starts a session. A wrong password
// and an unknown email both give models.ErrInvalidCredentials after the
// same hashing work; a disabled account is reported only once its
// password checked out. A saturated hasher gives an *auth.BusyError.
func (s *Service) Login(ctx context.Context, in LoginInput,
	client auth.Client) (*AuthResult, error) {
	res, err := s.login(ctx, in, client)
	s.metrics.Login(resultLabel(err))
	return res, err
}

func (s *Service) login(ctx context.Context, in LoginInput,
	client auth.Client) (*AuthResult, error) {
	_, normalized, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, asUserError(err).At("email")
	}
	if err := s.checkLockout(ctx, normalized); err != nil {
		return nil, err
	}
	password := NormalizePassword(in.Password)
	user, err := s.checkPassword(ctx, normalized, password)
	if errors.Is(err, models.ErrInvalidCredentials) {
		if err := s.countFailure(ctx, normalized); err != nil {
			return nil, err
		}
		return nil, s.loginFailed(ctx, user, normalized, client, err)
	}
	if err != nil {
		return nil, err
	}
	if user.Disabled {
		return nil, s.loginFailed(ctx, user, normalized, client,
			models.ErrAccountDisabled)
	}
	if err := s.requireVerified(ctx, user); err != nil {
		return nil, err
	}
	return s.startSession(ctx, user, client, func(tx *store.Store) error {
		if err := tx.TouchLogin(ctx, user.ID, s.clock()); err != nil {
			return err
		}
		if err := s.clearFailures(ctx, tx, normalized); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, auditEntry{Type: models.AuditLoginSuccess,
			Actor: user.ID, Target: user.ID}, client)
	})
}

// loginFailed records a refused login of the normalized address and
// returns why it was refused. user is the account when the address is
// registered, nil otherwise; the write is the same either way, so its
// time tells nothing.
func (s *Service) loginFailed(ctx context.Context, user *models.User,
	normalized string, client auth.Client, why error) error {
	e := auditEntry{Type: models.AuditLoginFailure, Email: normalized}
	if user != nil {
		e.Target = user.ID
	}
	if err := s.auditAs(ctx, s.store, e, client); err != nil {
		return err
	}
	return why
}

// checkPassword returns the user with the normalized email if password is
// theirs, upgrading the stored hash when its parameters are outdated.
// Otherwise it returns models.ErrInvalidCredentials, with the user when
// the address is registered (for the audit log) and nil when it is not.
func (s *Service) checkPassword(ctx context.Context, normalized,
	password string) (*models.User, error) {
	user, err := s.store.UserByEmail(ctx, normalized)
	if errors.Is(err, models.ErrNotFound) {
		// Spend the same work as for a real account, so the time of the
		// answer does not tell whether the address is registered.
		if err := s.hasher.VerifyDummy(ctx, password); err != nil {
			return nil, err
		}
		return nil, models.ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, stale, err := s.hasher.Verify(ctx, password, user.PasswordHash)
	if err != nil {
		return nil, fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return user, models.ErrInvalidCredentials
	}
	if stale {
		s.upgradeHash(ctx, user, password)
	}
	return user, nil
}

// upgradeHash rehashes a password whose stored hash uses old parameters.
// It is best effort: the login succeeds even if the upgrade does not.
func (s *Service) upgradeHash(ctx context.Context, u *models.User,
	password string) {
	hash, err := s.hasher.Hash(ctx, password)
	if err == nil {
		err = s.store.SetPasswordHash(ctx, u.ID, hash, s.clock())
	}
	if err != nil {
		s.log.WarnContext(ctx, "upgrade password hash",
			"user_id", u.ID, "error", err.Error())
		return
	}
	u.PasswordHash = hash
}

// startSession creates a session for user with the first link of its
// refresh-token chain, runs also in the same transaction, revokes the
// user's least recently used sessions past the cap, and issues the
// session's first access token.
func (s *Service) startSession(ctx context.Context, user *models.User,
	client auth.Client, also func(tx *store.Store) error) (*AuthResult, error) {
	now := s.clock()
	sess := &models.Session{
		ID:         newID(),
		UserID:     user.ID,
		CreatedAt:  now,
		LastUsedAt: now,
		ExpiresAt:  now.Add(s.cfg.SessionTTL),
		UserAgent:  optional(client.UserAgent),
		IPAddress:  optional(client.IP),
	}
	refresh, err := auth.NewRefreshToken()
	if err != nil {
		return nil, err
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		if err := s.createRefreshToken(ctx, tx, sess.ID, refresh, now); err != nil {
			return err
		}
		return s.capSessions(ctx, tx, user.ID, now)
	})
	if err != nil {
		return nil, err
	}
	return s.authResult(user, sess, refresh)
}

// capSessions revokes the least recently used active sessions of userID
// beyond the configured cap.
func (s *Service) capSessions(ctx context.Context, tx *store.Store,
	userID string, now time.Time) error {
	active, err := tx.ActiveSessions(ctx, userID, now)
	if err != nil || len(active) <= s.cfg.MaxSessions {
		return err
	}
	var ids []string
	for _, old := range active[s.cfg.MaxSessions:] {
		ids = append(ids, old.ID)
	}
	return tx.RevokeSessionsByID(ctx, ids, now)
}

func (s *Service) createRefreshToken(ctx context.Context, tx *store.Store,
	sessionID, token string, now time.Time) error {
	digest, _ := auth.TokenDigest(token)
	return tx.CreateRefreshToken(ctx, &models.RefreshToken{
		ID:        newID(),
		SessionID: sessionID,
		Digest:    digest,
		CreatedAt: now,
	})
}

// authResult issues an access token for sess and bundles the result.
func (s *Service) authResult(user *models.User, sess *models.Session,
	refresh string) (*AuthResult, error) {
	token, exp, err := s.issueAccess(user, sess)
	if err != nil {
		return nil, err
	}
	return &AuthResult{User: user, Session: sess, AccessToken: token,
		AccessTokenExpiresAt: exp, RefreshToken: refresh}, nil
}

// issueAccess signs an access token for sess that expires after the
// configured lifetime or with the session, whichever comes first.
func (s *Service) issueAccess(user *models.User,
	sess *models.Session) (string, time.Time, error) {
	exp := s.clock().Add(s.cfg.AccessTokenTTL).Truncate(time.Second)
	if sess.ExpiresAt.Before(exp) {
		exp = sess.ExpiresAt.Truncate(time.Second)
	}
	token, err := s.tokens.IssueAccess(user.ID, sess.ID, exp)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issue access token: %w", err)
	}
	return token, exp, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// asUserError returns err as a *models.Error; validators only return
// those, so anything else is a programming error shown as invalid input.
func asUserError(err error) *models.Error {
	var e *models.Error
	if errors.As(err, &e) {
		return e
	}
	return models.ErrInvalidInput
}

// resultLabel names the outcome of an attempt for metrics.
func resultLabel(err error) string {
	if err == nil {
		return "success"
	}
	var busy *auth.BusyError
	if errors.As(err, &busy) || errors.Is(err, auth.ErrRateLimited) {
		return "rate_limited"
	}
	if es, ok := models.UserErrors(err); ok {
		return string(es[0].Code)
	}
	return "error"
}
