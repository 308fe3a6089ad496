package store

import (
	"context"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/models"
)

// SetEmailVerified records that the user with id proved they read mail
// at their address. It returns models.ErrNotFound for an unknown id.
func (s *Store) SetEmailVerified(ctx context.Context, id string,
	now time.Time) error {
	res, err := s.idb.NewUpdate().
		Model((*models.User)(nil)).
		Set("email_verified = ?", true).
		Set("updated_at = ?", now).
		Where("id = ?", id).
		Exec(ctx)
	if err := exactlyOne(res, err); err != nil {
		return fmt.Errorf("verify email: %w", err)
	}
	return nil
}

// SetUserEmail gives the user with id a new, verified address. It
// returns models.ErrEmailTaken when another account has the normalized
// address, and models.ErrNotFound for an unknown id. On PostgreSQL a
// conflict aborts the transaction it runs in.
func (s *Store) SetUserEmail(ctx context.Context, id, email,
	normalized string, now time.Time) error {
	res, err := s.idb.NewUpdate().
		Model((*models.User)(nil)).
		Set("email = ?", email).
		Set("email_normalized = ?", normalized).
		Set("email_verified = ?", true).
		Set("updated_at = ?", now).
		Where("id = ?", id).
		Exec(ctx)
	if err := exactlyOne(res, err); err != nil {
		return fmt.Errorf("update email: %w", err)
	}
	return nil
}
