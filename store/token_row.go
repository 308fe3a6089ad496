package store

import (
	"context"
	"fmt"
	"time"
)

// byDigestForUpdate loads the row of model T whose digest column is
// digest, or returns models.ErrNotFound. Inside a transaction on
// PostgreSQL it locks the row until the transaction ends, so that two
// uses of one token take turns and the second sees what the first did;
// SQLite transactions hold the database's write lock already. what names
// the row in errors.
func byDigestForUpdate[T any](ctx context.Context, s *Store, digest,
	what string) (*T, error) {
	row := new(T)
	q := s.idb.NewSelect().
		Model(row).
		Where("digest = ?", digest)
	if err := s.forUpdate(q).Scan(ctx); err != nil {
		return nil, fmt.Errorf("select %s: %w", what, mapError(err))
	}
	return row, nil
}

// markUsed sets used_at of the row of model T with id, if it is not set
// yet; otherwise, or for an unknown id, it returns models.ErrNotFound.
func markUsed[T any](ctx context.Context, s *Store, id string,
	now time.Time, what string) error {
	res, err := s.idb.NewUpdate().
		Model((*T)(nil)).
		Set("used_at = ?", now).
		Where("id = ?", id).
		Where("used_at IS NULL").
		Exec(ctx)
	if err := exactlyOne(res, err); err != nil {
		return fmt.Errorf("use %s: %w", what, err)
	}
	return nil
}
