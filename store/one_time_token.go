package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/usergraph/usergraph/models"
)

// CreateOneTimeToken marks every unused token of t's user and purpose
// used at t.CreatedAt, then inserts t, in one transaction: the newest
// link is the only one that works.
func (s *Store) CreateOneTimeToken(ctx context.Context,
	t *models.OneTimeToken) error {
	return s.Tx(ctx, func(tx *Store) error {
		_, err := tx.InvalidateOneTimeTokens(ctx, t.UserID, t.CreatedAt,
			t.Purpose)
		if err != nil {
			return err
		}
		_, err = tx.idb.NewInsert().
			Model(t).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("insert one-time token: %w", mapError(err))
		}
		return nil
	})
}

// OneTimeTokenForUpdate returns the one-time token with digest, used or
// not, or models.ErrNotFound. Inside a transaction on PostgreSQL it
// locks the row until the transaction ends, so that two uses of one
// token take turns and the second sees the first.
func (s *Store) OneTimeTokenForUpdate(ctx context.Context,
	digest string) (*models.OneTimeToken, error) {
	return byDigestForUpdate[models.OneTimeToken](ctx, s, digest,
		"one-time token")
}

// UseOneTimeToken marks the token id used at now. It returns
// models.ErrNotFound if the token is unknown or was used already.
func (s *Store) UseOneTimeToken(ctx context.Context, id string,
	now time.Time) error {
	return markUsed[models.OneTimeToken](ctx, s, id, now, "one-time token")
}

// InvalidateOneTimeTokens marks the unused tokens of userID with one of
// purposes used at now, so that their links stop working, and returns
// how many it marked. With no purposes it marks every token of the user.
// A password change calls it for models.PurposeResetPassword, an email
// change for every purpose.
func (s *Store) InvalidateOneTimeTokens(ctx context.Context, userID string,
	now time.Time, purposes ...models.TokenPurpose) (int, error) {
	q := s.idb.NewUpdate().
		Model((*models.OneTimeToken)(nil)).
		Set("used_at = ?", now).
		Where("user_id = ?", userID).
		Where("used_at IS NULL")
	if len(purposes) > 0 {
		q = q.Where("purpose IN (?)", bun.List(purposes))
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("invalidate one-time tokens: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// PurgeOneTimeTokens deletes the tokens that expired before before, used
// or not, and returns how many it deleted.
func (s *Store) PurgeOneTimeTokens(ctx context.Context,
	before time.Time) (int, error) {
	res, err := s.idb.NewDelete().
		Model((*models.OneTimeToken)(nil)).
		Where("expires_at < ?", before).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge one-time tokens: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}
