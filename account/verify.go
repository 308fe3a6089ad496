package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// RequestEmailVerification mails the caller a new verification link,
// which makes earlier ones stop working. It reports true also when the
// address is verified already, and when a link went to it less than
// EmailConfig.Interval ago; then nothing is sent and an earlier link
// stays valid.
func (s *Service) RequestEmailVerification(ctx context.Context,
	c *auth.Caller) (bool, error) {
	if c.User.EmailVerified {
		return true, nil
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		user, err := tx.UserByID(ctx, c.User.ID)
		if err != nil || user.EmailVerified {
			return err
		}
		return s.queueVerification(ctx, tx, user)
	})
	if err != nil {
		return false, err
	}
	s.wakeMail()
	return true, nil
}

// VerifyEmail marks the address of the token's user verified and returns
// the user. A token past its lifetime gives models.ErrExpiredToken, any
// other unusable one models.ErrInvalidToken (see checkToken), both at
// "token".
func (s *Service) VerifyEmail(ctx context.Context,
	token string) (*models.User, error) {
	var id string
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		_, user, err := s.useToken(ctx, tx, token, models.PurposeVerifyEmail)
		if err != nil {
			return err
		}
		id = user.ID
		if err := tx.SetEmailVerified(ctx, user.ID, s.clock()); err != nil {
			return err
		}
		return s.audit(ctx, tx, auditEntry{Type: models.AuditEmailVerified,
			Actor: user.ID, Target: user.ID})
	})
	if err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, id)
}

// requireVerified is what login checks once the password checked out:
// with Config.RequireEmailVerification set, an account whose address is
// not verified gets models.ErrEmailNotVerified, and a new verification
// link (at most one per EmailConfig.Interval), since without logging in
// it cannot ask for one.
func (s *Service) requireVerified(ctx context.Context,
	user *models.User) error {
	if !s.cfg.RequireEmailVerification || user.EmailVerified {
		return nil
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		return s.queueVerification(ctx, tx, user)
	})
	if err != nil {
		return err
	}
	s.wakeMail()
	return models.ErrEmailNotVerified
}

// registerJob is what a registration under RequireEmailVerification
// leaves for the mail worker.
type registerJob struct {
	Email        string  `json:"email"`
	DisplayName  *string `json:"display_name,omitempty"`
	PasswordHash string  `json:"password_hash"`
}

// registerPending is how Register proceeds under
// Config.RequireEmailVerification, with the user newUser validated and
// the normalized password: it hashes the password and queues a job, and
// answers (nil, nil), whether or not the address is registered. The mail
// worker then creates the account and mails it a verification link, or,
// when the address is taken, tells its owner that someone tried to
// register with it. So the answer and the work on the request path are
// the same either way, and a stranger learns nothing; the account exists
// a moment later (a worker poll at most).
func (s *Service) registerPending(ctx context.Context, user *models.User,
	password string) (*AuthResult, error) {
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	job := registerJob{Email: user.Email, DisplayName: user.DisplayName,
		PasswordHash: hash}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		_, err := s.outbox.Queue(ctx, tx, s.clock(), mail.Item{
			Purpose: jobRegisterRequest, To: user.EmailNormalized,
			ToNormalized: user.EmailNormalized, Data: job})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.wakeMail()
	return nil, nil
}

// resolveRegisterRequest runs a registration queued by registerPending.
// An existing account, verified or not, is never handed to the new
// registrant: its owner is told instead, and can reset the password.
func (s *Service) resolveRegisterRequest(ctx context.Context,
	tx *store.Store, m *models.OutboxMessage, data []byte) error {
	var job registerJob
	if err := json.Unmarshal(data, &job); err != nil {
		return fmt.Errorf("register job: %w", err)
	}
	existing, err := tx.UserByEmail(ctx, *m.Recipient)
	if err == nil {
		return s.notify(ctx, tx, existing, mail.RegisterAttemptNotice,
			mail.Data{})
	}
	if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	now := s.clock()
	user := &models.User{
		ID:              newID(),
		Email:           job.Email,
		EmailNormalized: *m.Recipient,
		PasswordHash:    job.PasswordHash,
		DisplayName:     job.DisplayName,
		Role:            models.RoleUser,
		CreatedAt:       now,
		UpdatedAt:       now,
	}
	if err := tx.CreateUser(ctx, user); err != nil {
		return err
	}
	// The registrant's address and user agent were not kept for the
	// job, so the event has none.
	err = s.auditAs(ctx, tx, auditEntry{Type: models.AuditRegister,
		Actor: user.ID, Target: user.ID}, auth.Client{})
	if err != nil {
		return err
	}
	return s.queueVerification(ctx, tx, user)
}
