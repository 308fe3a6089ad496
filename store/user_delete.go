package store

import (
	"context"
	"fmt"

	"github.com/usergraph/usergraph/models"
)

// DeleteUser deletes the user with id, or returns models.ErrNotFound.
// The database removes what belongs to the user with it (sessions and
// their refresh tokens, and every other table whose rows reference the
// user ON DELETE CASCADE) and sets the user's id in audit events to
// NULL. Run it in a transaction with ScrubAuditEvents.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	res, err := s.idb.NewDelete().
		Model((*models.User)(nil)).
		Where("id = ?", id).
		Exec(ctx)
	if err := exactlyOne(res, err); err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	return nil
}
