package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// The operator is whoever runs the command line against the database:
// trusted, with no account of its own. Its changes take the same locks
// and keep the same last-administrator guard as an administrator's, and
// are audited with no actor.

// CreateUser creates an account with role for the operator, for example
// the first administrator. The email counts as verified: the operator
// vouches for it. Invalid input gives models.Errors, a registered
// address models.ErrEmailTaken at "email".
func (s *Service) CreateUser(ctx context.Context, email, password string,
	role models.Role) (*models.User, error) {
	if !role.Valid() {
		return nil, models.Invalid("Unknown role.", "role")
	}
	user, pw, err := s.newUser(RegisterInput{Email: email,
		Password: password})
	if err != nil {
		return nil, err
	}
	user.Role, user.EmailVerified = role, true
	if user.PasswordHash, err = s.hasher.Hash(ctx, pw); err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.CreateUser(ctx, user); err != nil {
			return err
		}
		return s.audit(ctx, tx, auditEntry{Type: models.AuditRegister,
			Target: user.ID})
	})
	if errors.Is(err, models.ErrEmailTaken) {
		return nil, models.ErrEmailTaken.At("email")
	}
	return user, err
}

// OperatorSetRole gives the account with email the role. Demoting the
// last active administrator gives models.ErrLastAdmin; an unknown
// address models.ErrNotFound.
func (s *Service) OperatorSetRole(ctx context.Context, email string,
	role models.Role) (*models.User, error) {
	if !role.Valid() {
		return nil, models.Invalid("Unknown role.", "role")
	}
	id, err := s.idByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	return s.lockedChange(ctx, "", id, s.roleChange(ctx, "", role))
}

// OperatorSetDisabled disables (ending every session) or enables the
// account with email. Disabling the last active administrator gives
// models.ErrLastAdmin; an unknown address models.ErrNotFound.
func (s *Service) OperatorSetDisabled(ctx context.Context, email string,
	disabled bool) (*models.User, error) {
	id, err := s.idByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	return s.lockedChange(ctx, "", id, s.disabledChange(ctx, "", disabled))
}

func (s *Service) idByEmail(ctx context.Context, email string) (string,
	error) {
	_, normalized, err := NormalizeEmail(email)
	if err != nil {
		return "", asUserError(err).At("email")
	}
	u, err := s.store.UserByEmail(ctx, normalized)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}
