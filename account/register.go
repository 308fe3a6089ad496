package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// RegisterInput is what a new account starts with. DisplayName may be
// nil or empty for none.
type RegisterInput struct {
	Email       string
	Password    string
	DisplayName *string
}

// Register creates an account and logs it in. It returns models.Errors
// for invalid input (every problem at once) and models.ErrEmailTaken,
// at field "email", when the address is registered already; concurrent
// registrations of one address leave exactly one account.
func (s *Service) Register(ctx context.Context, in RegisterInput,
	client auth.Client) (*AuthResult, error) {
	res, err := s.register(ctx, in, client)
	s.metrics.Registration(resultLabel(err))
	return res, err
}

func (s *Service) register(ctx context.Context, in RegisterInput,
	client auth.Client) (*AuthResult, error) {
	user, password, err := s.newUser(in)
	if err != nil {
		return nil, err
	}
	if s.cfg.RequireEmailVerification {
		// The same answer for new and registered addresses: nil, nil.
		return s.registerPending(ctx, user, password)
	}
	// Checked before hashing only to spare the work; the unique index
	// decides races.
	_, err = s.store.UserByEmail(ctx, user.EmailNormalized)
	if err == nil {
		return nil, models.ErrEmailTaken.At("email")
	}
	if !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	user.PasswordHash, err = s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	res, err := s.startSession(ctx, user, client, func(tx *store.Store) error {
		if err := tx.CreateUser(ctx, user); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, auditEntry{Type: models.AuditRegister,
			Actor: user.ID, Target: user.ID}, client)
	})
	if errors.Is(err, models.ErrEmailTaken) {
		return nil, models.ErrEmailTaken.At("email")
	}
	return res, err
}

// newUser validates in and returns the user it describes (without a
// password hash) and the normalized password to hash.
func (s *Service) newUser(in RegisterInput) (*models.User, string, error) {
	var errs models.Errors
	address, normalized, err := NormalizeEmail(in.Email)
	if err != nil {
		errs = append(errs, asUserError(err).At("email"))
	}
	password, err := s.cfg.Password.Check(in.Password, normalized)
	if err != nil {
		errs = append(errs, asUserError(err).At("password"))
	}
	name, err := cleanText(in.DisplayName, CheckDisplayName)
	if err != nil {
		errs = append(errs, asUserError(err).At("displayName"))
	}
	if len(errs) > 0 {
		return nil, "", errs
	}
	now := s.clock()
	return &models.User{
		ID:              newID(),
		Email:           address,
		EmailNormalized: normalized,
		Role:            models.RoleUser,
		DisplayName:     name,
		CreatedAt:       now,
		UpdatedAt:       now,
	}, password, nil
}
