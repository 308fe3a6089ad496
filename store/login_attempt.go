package store

import (
	"context"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/models"
)

// LoginLockedUntil returns until when logins of the address with digest
// are held back, or nil when they are not.
func (s *Store) LoginLockedUntil(ctx context.Context, digest string,
	now time.Time) (*time.Time, error) {
	var a models.LoginAttempts
	err := s.idb.NewSelect().
		Model(&a).
		Where("email_digest = ?", digest).
		Where("locked_until > ?", now).
		Scan(ctx)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("select login attempts: %w", mapError(err))
	}
	return a.LockedUntil, nil
}

// RecordLoginFailure counts one more failed login of the address with
// digest and returns the count, atomically: concurrent failures on any
// instance each count.
func (s *Store) RecordLoginFailure(ctx context.Context, digest string,
	now time.Time) (int, error) {
	a := &models.LoginAttempts{EmailDigest: digest, Failures: 1,
		UpdatedAt: now}
	_, err := s.idb.NewInsert().
		Model(a).
		On("CONFLICT (email_digest) DO UPDATE").
		Set("failures = login_attempts.failures + 1").
		Set("updated_at = EXCLUDED.updated_at").
		Returning("failures").
		Exec(ctx, &a.Failures)
	if err != nil {
		return 0, fmt.Errorf("count login failure: %w", mapError(err))
	}
	return a.Failures, nil
}

// LockLogins holds back logins of the address with digest until until.
func (s *Store) LockLogins(ctx context.Context, digest string,
	until time.Time) error {
	_, err := s.idb.NewUpdate().
		Model((*models.LoginAttempts)(nil)).
		Set("locked_until = ?", until).
		Where("email_digest = ?", digest).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("lock logins: %w", mapError(err))
	}
	return nil
}

// ClearLoginFailures forgets the failed logins of the address with
// digest, after a successful login or a password reset.
func (s *Store) ClearLoginFailures(ctx context.Context, digest string) error {
	_, err := s.idb.NewDelete().
		Model((*models.LoginAttempts)(nil)).
		Where("email_digest = ?", digest).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("clear login failures: %w", mapError(err))
	}
	return nil
}

// PurgeLoginAttempts deletes the counts not touched since before.
func (s *Store) PurgeLoginAttempts(ctx context.Context,
	before time.Time) (int, error) {
	res, err := s.idb.NewDelete().
		Model((*models.LoginAttempts)(nil)).
		Where("updated_at < ?", before).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge login attempts: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}
