package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
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
	return s.updateUser(ctx, id, "update password hash",
		column{"password_hash", hash},
		column{"updated_at", now})
}

// TouchLogin records a successful login of the user with id at now.
func (s *Store) TouchLogin(ctx context.Context, id string, now time.Time) error {
	return s.updateUser(ctx, id, "update last login",
		column{"last_login_at", now})
}

// column is one assignment of an UPDATE: a column and its new value.
type column struct {
	name  string
	value any
}

// updateUser assigns cols of the user with id. It returns
// models.ErrNotFound for an unknown id and maps a unique violation (a
// taken email) to its domain error; step names the change in errors.
func (s *Store) updateUser(ctx context.Context, id, step string,
	cols ...column) error {
	q := s.idb.NewUpdate().
		Model((*models.User)(nil)).
		Where("id = ?", id)
	for _, c := range cols {
		q = q.Set("? = ?", bun.Ident(c.name), c.value)
	}
	if err := exactlyOne(q.Exec(ctx)); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	return nil
}
