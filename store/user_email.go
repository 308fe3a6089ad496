package store

import (
	"context"
	"time"
)

// SetEmailVerified records that the user with id proved they read mail
// at their address. It returns models.ErrNotFound for an unknown id.
func (s *Store) SetEmailVerified(ctx context.Context, id string,
	now time.Time) error {
	return s.updateUser(ctx, id, "verify email",
		column{"email_verified", true},
		column{"updated_at", now})
}

// SetUserEmail gives the user with id a new, verified address. It
// returns models.ErrEmailTaken when another account has the normalized
// address, and models.ErrNotFound for an unknown id. On PostgreSQL a
// conflict aborts the transaction it runs in.
func (s *Store) SetUserEmail(ctx context.Context, id, email,
	normalized string, now time.Time) error {
	return s.updateUser(ctx, id, "update email",
		column{"email", email},
		column{"email_normalized", normalized},
		column{"email_verified", true},
		column{"updated_at", now})
}
