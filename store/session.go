package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/usergraph/usergraph/models"
)

// CreateSession inserts sess.
func (s *Store) CreateSession(ctx context.Context, sess *models.Session) error {
	_, err := s.idb.NewInsert().
		Model(sess).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert session: %w", mapError(err))
	}
	return nil
}

// SessionWithUser loads a session and its user by the session's id in one
// query, or returns models.ErrNotFound. It does not check that the session
// is active; the caller decides with Session.Active.
func (s *Store) SessionWithUser(ctx context.Context, id string) (
	*models.Session, *models.User, error) {
	sess := new(models.Session)
	err := s.idb.NewSelect().
		Model(sess).
		Relation("User").
		Where("session.id = ?", id).
		Scan(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("select session: %w", mapError(err))
	}
	user := sess.User
	sess.User = nil
	return sess, user, nil
}

// RevokeSession revokes the session id of user userID if it is still
// active, and reports whether it did.
func (s *Store) RevokeSession(ctx context.Context, userID, id string,
	now time.Time) (bool, error) {
	res, err := s.idb.NewUpdate().
		Model((*models.Session)(nil)).
		Set("revoked_at = ?", now).
		Where("id = ?", id).
		Where("user_id = ?", userID).
		Where("revoked_at IS NULL").
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("revoke session: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RevokeSessions revokes every active session of userID except keep (which
// may be empty) and returns how many it revoked.
func (s *Store) RevokeSessions(ctx context.Context, userID, keep string,
	now time.Time) (int, error) {
	q := s.idb.NewUpdate().
		Model((*models.Session)(nil)).
		Set("revoked_at = ?", now).
		Where("user_id = ?", userID).
		Where("revoked_at IS NULL").
		Where("expires_at > ?", now)
	if keep != "" {
		q = q.Where("id <> ?", keep)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("revoke sessions: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ActiveSessions returns the sessions of userID that are neither revoked
// nor expired at now, most recently used first.
func (s *Store) ActiveSessions(ctx context.Context, userID string,
	now time.Time) ([]*models.Session, error) {
	var out []*models.Session
	err := s.idb.NewSelect().
		Model(&out).
		Where("user_id = ?", userID).
		Where("revoked_at IS NULL").
		Where("expires_at > ?", now).
		OrderExpr("last_used_at DESC, id DESC").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select sessions: %w", mapError(err))
	}
	return out, nil
}

// TouchSession records a use of session id at now and moves its expiry.
func (s *Store) TouchSession(ctx context.Context, id string, now,
	expiresAt time.Time) error {
	res, err := s.idb.NewUpdate().
		Model((*models.Session)(nil)).
		Set("last_used_at = ?", now).
		Set("expires_at = ?", expiresAt).
		Where("id = ?", id).
		Exec(ctx)
	if err := exactlyOne(res, err); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// RevokeSessionsByID revokes the listed sessions that are still active.
func (s *Store) RevokeSessionsByID(ctx context.Context, ids []string,
	now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.idb.NewUpdate().
		Model((*models.Session)(nil)).
		Set("revoked_at = ?", now).
		Where("id IN (?)", bun.List(ids)).
		Where("revoked_at IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", mapError(err))
	}
	return nil
}

// PurgeSessions deletes sessions that expired before expiredBefore or
// were revoked before revokedBefore, with their refresh-token digests,
// and returns how many sessions it deleted.
func (s *Store) PurgeSessions(ctx context.Context, expiredBefore,
	revokedBefore time.Time) (int, error) {
	res, err := s.idb.NewDelete().
		Model((*models.Session)(nil)).
		WhereOr("expires_at < ?", expiredBefore).
		WhereOr("revoked_at < ?", revokedBefore).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}
