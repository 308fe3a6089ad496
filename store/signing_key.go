package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/usergraph/usergraph/models"
)

// lockAttempts bounds how often LockSigningKeys retries when the active
// key changed while it waited for the lock.
const lockAttempts = 10

// CreateSigningKey inserts k. It returns an error matching ErrConflict
// when a key with the same id exists, or when k is active and another
// key already is.
func (s *Store) CreateSigningKey(ctx context.Context, k *models.SigningKey) error {
	_, err := s.idb.NewInsert().
		Model(k).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert signing key: %w", mapError(err))
	}
	return nil
}

// SigningKey returns the key with id, or models.ErrNotFound.
func (s *Store) SigningKey(ctx context.Context, id string) (*models.SigningKey, error) {
	k := new(models.SigningKey)
	q := s.idb.NewSelect().
		Model(k).
		Where("id = ?", id)
	if err := s.forUpdate(q).Scan(ctx); err != nil {
		return nil, fmt.Errorf("select signing key: %w", mapError(err))
	}
	return k, nil
}

// SigningKeys returns every stored key, in the order they were
// published.
func (s *Store) SigningKeys(ctx context.Context) ([]*models.SigningKey, error) {
	var keys []*models.SigningKey
	err := s.idb.NewSelect().
		Model(&keys).
		Order("published_at", "id").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select signing keys: %w", mapError(err))
	}
	return keys, nil
}

// LockSigningKeys serializes transactions that change signing keys: run
// inside Tx, it returns once no other such transaction can change a key
// until this one ends, so that what the caller reads next stays true
// while it writes. On SQLite the transaction already holds the write
// lock. On PostgreSQL it locks the active key's row (SELECT … FOR
// UPDATE), the row every change of keys either updates or locks first;
// with no active key yet, the unique index on the active state still
// keeps a second key from becoming active. It fails outside Tx.
func (s *Store) LockSigningKeys(ctx context.Context) error {
	if !s.inTx() {
		return errors.New("lock signing keys: not in a transaction")
	}
	if s.dialect != Postgres {
		return nil
	}
	for range lockAttempts {
		locked, err := s.activeKeyIDs(ctx, true)
		if err != nil {
			return err
		}
		// A locking read that waited sees the locked row as committed
		// meanwhile, but not a row that became active meanwhile; a new
		// statement does, so compare.
		current, err := s.activeKeyIDs(ctx, false)
		if err != nil {
			return err
		}
		if slices.Equal(locked, current) {
			return nil
		}
	}
	return errors.New("lock signing keys: the active key keeps changing")
}

func (s *Store) activeKeyIDs(ctx context.Context, lock bool) ([]string, error) {
	var ids []string
	q := s.idb.NewSelect().
		Model((*models.SigningKey)(nil)).
		Column("id").
		Where("state = ?", models.KeyActive).
		Order("id")
	if lock {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("lock signing keys: %w", mapError(err))
	}
	return ids, nil
}

// ActivateSigningKey makes the published key id the active one at now
// and retires the key that was active, in one transaction (or in the
// caller's), so that exactly one key is active before and after, on any
// number of instances. Activating the active key again does nothing. It
// returns models.ErrNotFound for an unknown id and an error matching
// models.ErrKeyState when the key is retired.
func (s *Store) ActivateSigningKey(ctx context.Context, id string,
	now time.Time) error {
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.LockSigningKeys(ctx); err != nil {
			return err
		}
		k, err := tx.SigningKey(ctx, id)
		if err != nil {
			return err
		}
		switch k.State {
		case models.KeyActive:
			return nil
		case models.KeyRetired:
			return fmt.Errorf("%w: key %s is retired", models.ErrKeyState, id)
		}

		// Retire first: the unique index allows one active row at a time.
		_, err = tx.idb.NewUpdate().
			Model((*models.SigningKey)(nil)).
			Set("state = ?", models.KeyRetired).
			Set("retired_at = ?", now).
			Where("state = ?", models.KeyActive).
			Exec(ctx)
		if err != nil {
			return mapError(err)
		}
		res, err := tx.idb.NewUpdate().
			Model((*models.SigningKey)(nil)).
			Set("state = ?", models.KeyActive).
			Set("activated_at = ?", now).
			Where("id = ?", id).
			Where("state = ?", models.KeyPublished).
			Exec(ctx)
		return exactlyOne(res, err)
	})
	if err != nil {
		return fmt.Errorf("activate signing key: %w", err)
	}
	return nil
}

// RetireSigningKey retires the published key id at now, so that it never
// signs. Retiring a retired key does nothing. It returns
// models.ErrNotFound for an unknown id and an error matching
// models.ErrKeyState for the active key, which only ActivateSigningKey
// retires, so that there is always a key to sign with.
func (s *Store) RetireSigningKey(ctx context.Context, id string,
	now time.Time) error {
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.LockSigningKeys(ctx); err != nil {
			return err
		}
		k, err := tx.SigningKey(ctx, id)
		if err != nil {
			return err
		}
		switch k.State {
		case models.KeyRetired:
			return nil
		case models.KeyActive:
			return fmt.Errorf("%w: key %s is active; activate another "+
				"key to retire it", models.ErrKeyState, id)
		}
		res, err := tx.idb.NewUpdate().
			Model((*models.SigningKey)(nil)).
			Set("state = ?", models.KeyRetired).
			Set("retired_at = ?", now).
			Where("id = ?", id).
			Where("state = ?", models.KeyPublished).
			Exec(ctx)
		return exactlyOne(res, err)
	})
	if err != nil {
		return fmt.Errorf("retire signing key: %w", err)
	}
	return nil
}

// DeleteRetiredSigningKeys deletes the keys retired at or before cutoff
// and returns how many it deleted.
func (s *Store) DeleteRetiredSigningKeys(ctx context.Context,
	cutoff time.Time) (int, error) {
	res, err := s.idb.NewDelete().
		Model((*models.SigningKey)(nil)).
		Where("state = ?", models.KeyRetired).
		Where("retired_at <= ?", cutoff).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete retired signing keys: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}
