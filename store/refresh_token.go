package store

import (
	"context"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/models"
)

// CreateRefreshToken inserts t.
func (s *Store) CreateRefreshToken(ctx context.Context,
	t *models.RefreshToken) error {
	_, err := s.idb.NewInsert().
		Model(t).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert refresh token: %w", mapError(err))
	}
	return nil
}

// RefreshTokenForUpdate returns the refresh token with digest, or
// models.ErrNotFound. Inside a transaction on PostgreSQL it locks the row
// until the transaction ends, so that concurrent refreshes with one token
// take turns and each sees what the previous one did; SQLite transactions
// hold the database's write lock already.
func (s *Store) RefreshTokenForUpdate(ctx context.Context,
	digest string) (*models.RefreshToken, error) {
	return byDigestForUpdate[models.RefreshToken](ctx, s, digest,
		"refresh token")
}

// MarkRefreshTokenUsed records that the token id was exchanged at now. It
// returns models.ErrNotFound if the token was used already.
func (s *Store) MarkRefreshTokenUsed(ctx context.Context, id string,
	now time.Time) error {
	return markUsed[models.RefreshToken](ctx, s, id, now, "refresh token")
}

// RefreshTokenExists reports whether a token with digest exists.
func (s *Store) RefreshTokenExists(ctx context.Context,
	digest string) (bool, error) {
	ok, err := s.idb.NewSelect().
		Model((*models.RefreshToken)(nil)).
		Where("digest = ?", digest).
		Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("select refresh token: %w", mapError(err))
	}
	return ok, nil
}
