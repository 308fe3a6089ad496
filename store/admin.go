package store

import (
	"context"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/models"
)

// ActiveAdmins returns the administrators who are not disabled, by id.
// Inside a transaction on PostgreSQL it locks their rows until the
// transaction ends, so that two transactions that each check "another
// administrator remains" before demoting, disabling or deleting one take
// turns, and the second sees what the first did. SQLite transactions
// hold the database's write lock already.
func (s *Store) ActiveAdmins(ctx context.Context) ([]*models.User, error) {
	var admins []*models.User
	q := s.idb.NewSelect().
		Model(&admins).
		Where("role = ?", models.RoleAdmin).
		Where("NOT disabled").
		OrderExpr("id ASC")
	if err := s.forUpdate(q).Scan(ctx); err != nil {
		return nil, fmt.Errorf("select admins: %w", mapError(err))
	}
	return admins, nil
}

// UserForUpdate returns the user with id, or models.ErrNotFound. Inside
// a transaction on PostgreSQL it locks the row until the transaction
// ends.
func (s *Store) UserForUpdate(ctx context.Context,
	id string) (*models.User, error) {
	u := new(models.User)
	q := s.idb.NewSelect().
		Model(u).
		Where("id = ?", id)
	if err := s.forUpdate(q).Scan(ctx); err != nil {
		return nil, fmt.Errorf("select user: %w", mapError(err))
	}
	return u, nil
}

// SetUserRole gives the user with id role, or returns
// models.ErrNotFound.
func (s *Store) SetUserRole(ctx context.Context, id string,
	role models.Role, now time.Time) error {
	return s.updateUser(ctx, id, "update role",
		column{"role", role},
		column{"updated_at", now})
}

// SetUserDisabled disables or enables the user with id, or returns
// models.ErrNotFound. It does not touch sessions; see RevokeSessions.
func (s *Store) SetUserDisabled(ctx context.Context, id string,
	disabled bool, now time.Time) error {
	return s.updateUser(ctx, id, "update disabled",
		column{"disabled", disabled},
		column{"updated_at", now})
}
