package account

import (
	"context"
	"fmt"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// ChangePasswordInput is the caller's current password and the new one.
type ChangePasswordInput struct {
	CurrentPassword string
	NewPassword     string
}

// ChangePassword replaces the caller's password and revokes every other
// session of theirs; the current session stays. A wrong current password
// gives models.ErrInvalidCredentials at "currentPassword", a new one
// that breaks the policy models.ErrWeakPassword at "newPassword".
func (s *Service) ChangePassword(ctx context.Context, c *auth.Caller,
	in ChangePasswordInput) (*models.User, error) {
	err := s.confirmPassword(ctx, c, in.CurrentPassword, "currentPassword")
	if err != nil {
		return nil, err
	}
	password, err := s.cfg.Password.Check(in.NewPassword,
		c.User.EmailNormalized)
	if err != nil {
		return nil, asUserError(err).At("newPassword")
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	now := s.clock()
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.SetPasswordHash(ctx, c.User.ID, hash, now); err != nil {
			return err
		}
		_, err := tx.RevokeSessions(ctx, c.User.ID, c.Session.ID, now)
		if err != nil {
			return err
		}
		if err := s.notifyPasswordChanged(ctx, tx, c.User); err != nil {
			return err
		}
		return s.audit(ctx, tx, auditEntry{Type: models.AuditPasswordChange,
			Actor: c.User.ID, Target: c.User.ID})
	})
	if err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, c.User.ID)
}

// confirmPassword checks that password is the caller's, before a change
// that needs it re-entered. A wrong one gives INVALID_CREDENTIALS at
// field.
func (s *Service) confirmPassword(ctx context.Context, c *auth.Caller,
	password, field string) error {
	ok, _, err := s.hasher.Verify(ctx, NormalizePassword(password),
		c.User.PasswordHash)
	if err != nil {
		return fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return &models.Error{Field: []string{field},
			Code:    models.CodeInvalidCredentials,
			Message: "The password is incorrect."}
	}
	return nil
}
