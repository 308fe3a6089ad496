package store

import (
	"context"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/models"
)

// CreateUser inserts u. It returns models.ErrEmailTaken when another
// account has the same normalized email.
func (s *Store) CreateUser(ctx context.Context, u *models.User) error {
	_, err := s.idb.NewInsert().
		Model(u).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert user: %w", mapError(err))
	}
	return nil
}

// UserByID returns the user with id, or models.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id string) (*models.User, error) {
	u := new(models.User)
	err := s.idb.NewSelect().
		Model(u).
		Where("id = ?", id).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select user: %w", mapError(err))
	}
	return u, nil
}

// UserByEmail returns the user whose normalized email is normalized, or
// models.ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, normalized string) (*models.User, error) {
	u := new(models.User)
	err := s.idb.NewSelect().
		Model(u).
		Where("email_normalized = ?", normalized).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select user by email: %w", mapError(err))
	}
	return u, nil
}

// ProfileUpdate holds the profile fields to change. A nil field is left
// as it is; a field pointing at nil clears the column.
type ProfileUpdate struct {
	DisplayName **string
	Bio         **string
	AvatarURL   **string
}

// UpdateProfile applies p to the user with id and returns the user as it
// is afterwards, or models.ErrNotFound.
func (s *Store) UpdateProfile(ctx context.Context, id string, p ProfileUpdate,
	now time.Time) (*models.User, error) {
	q := s.idb.NewUpdate().
		Model((*models.User)(nil)).
		Set("updated_at = ?", now).
		Where("id = ?", id)
	if p.DisplayName != nil {
		q = q.Set("display_name = ?", *p.DisplayName)
	}
	if p.Bio != nil {
		q = q.Set("bio = ?", *p.Bio)
	}
	if p.AvatarURL != nil {
		q = q.Set("avatar_url = ?", *p.AvatarURL)
	}
	if err := exactlyOne(q.Exec(ctx)); err != nil {
		return nil, fmt.Errorf("update profile: %w", err)
	}
	return s.UserByID(ctx, id)
}

// SetPasswordHash replaces the stored hash of the user with id.
func (s *Store) SetPasswordHash(ctx context.Context, id, hash string,
	now time.Time) error {
	res, err := s.idb.NewUpdate().
		Model((*models.User)(nil)).
		Set("password_hash = ?", hash).
		Set("updated_at = ?", now).
		Where("id = ?", id).
		Exec(ctx)
	if err := exactlyOne(res, err); err != nil {
		return fmt.Errorf("update password hash: %w", err)
	}
	return nil
}

// TouchLogin records a successful login of the user with id at now.
func (s *Store) TouchLogin(ctx context.Context, id string, now time.Time) error {
	res, err := s.idb.NewUpdate().
		Model((*models.User)(nil)).
		Set("last_login_at = ?", now).
		Where("id = ?", id).
		Exec(ctx)
	if err := exactlyOne(res, err); err != nil {
		return fmt.Errorf("update last login: %w", err)
	}
	return nil
}
