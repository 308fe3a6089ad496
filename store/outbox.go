package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
	"github.com/usergraph/usergraph/models"
)

// CreateOutboxMessage queues m. Call it in the transaction of the change
// that causes the message, so that both happen or neither.
func (s *Store) CreateOutboxMessage(ctx context.Context,
	m *models.OutboxMessage) error {
	_, err := s.idb.NewInsert().
		Model(m).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert outbox message: %w", mapError(err))
	}
	return nil
}

// LockOutboxRecipient makes transactions that queue mail for the same
// recipient digest take turns until the calling transaction ends, so
// that a flood check and the insert after it act as one. On PostgreSQL
// it takes a transaction-scoped advisory lock; SQLite transactions hold
// the write lock already. Outside a transaction it does nothing.
func (s *Store) LockOutboxRecipient(ctx context.Context, digest string) error {
	if s.dialect != Postgres || !s.inTx() {
		return nil
	}
	_, err := s.idb.ExecContext(ctx,
		"SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
		"mail_outbox:"+digest)
	if err != nil {
		return fmt.Errorf("lock outbox recipient: %w", mapError(err))
	}
	return nil
}

// OutboxQueuedAfter reports whether a message or job with one of
// purposes was queued for the recipient digest after since, whether or
// not it has been sent.
func (s *Store) OutboxQueuedAfter(ctx context.Context, digest string,
	purposes []string, since time.Time) (bool, error) {
	ok, err := s.idb.NewSelect().
		Model((*models.OutboxMessage)(nil)).
		Where("recipient_digest = ?", digest).
		Where("purpose IN (?)", bun.List(purposes)).
		Where("created_at > ?", since).
		Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("select outbox: %w", mapError(err))
	}
	return ok, nil
}

// ClaimOutboxMessages takes up to limit messages that are due at now and
// neither sent nor given up, oldest first, and leases them to claim
// until leaseUntil: their next attempt moves there and their attempt
// count goes up by one, so a worker that dies mid-send leaves them to be
// retried after the lease. Concurrent claimers never get the same
// message: on PostgreSQL rows another claimer has locked are skipped
// (FOR UPDATE SKIP LOCKED), on SQLite claims take the write lock in turn.
func (s *Store) ClaimOutboxMessages(ctx context.Context, now,
	leaseUntil time.Time, limit int, claim string) (
	[]*models.OutboxMessage, error) {
	var out []*models.OutboxMessage
	err := s.Tx(ctx, func(tx *Store) error {
		out = nil
		q := tx.idb.NewSelect().
			Model(&out).
			Where("sent_at IS NULL").
			Where("failed_at IS NULL").
			Where("next_attempt_at <= ?", now).
			OrderExpr("next_attempt_at, id").
			Limit(int64(limit))
		if tx.dialect == Postgres {
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("select due outbox: %w", mapError(err))
		}
		if len(out) == 0 {
			return nil
		}
		ids := make([]string, len(out))
		for i, m := range out {
			ids[i] = m.ID
		}
		_, err := tx.idb.NewUpdate().
			Model((*models.OutboxMessage)(nil)).
			Set("claim = ?", claim).
			Set("next_attempt_at = ?", leaseUntil).
			Set("attempts = attempts + 1").
			Where("id IN (?)", bun.List(ids)).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("claim outbox: %w", mapError(err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, m := range out {
		m.Claim = &claim
		m.NextAttemptAt = leaseUntil
		m.Attempts++
	}
	return out, nil
}

// MarkOutboxSent records that the message id, claimed by claim, was
// delivered at now, and clears its recipient and data. It returns
// models.ErrNotFound if the claim was lost: the lease ran out and
// another worker claimed the message.
func (s *Store) MarkOutboxSent(ctx context.Context, id, claim string,
	now time.Time) error {
	return s.updateClaimed(ctx, id, claim, "mark outbox sent",
		column{"sent_at", now},
		column{"recipient", nil},
		column{"data", nil},
		column{"claim", nil},
		column{"last_error", nil})
}

// RetryOutboxMessage records a failed attempt on the message id, claimed
// by claim, and schedules the next one at next. lastError must be short
// and hold no secret. It returns models.ErrNotFound if the claim was
// lost.
func (s *Store) RetryOutboxMessage(ctx context.Context, id, claim string,
	next time.Time, lastError string) error {
	return s.updateClaimed(ctx, id, claim, "retry outbox message",
		column{"next_attempt_at", next},
		column{"last_error", lastError},
		column{"claim", nil})
}

// FailOutboxMessage gives up on the message id, claimed by claim, at
// now, and clears its recipient and data. It returns models.ErrNotFound
// if the claim was lost.
func (s *Store) FailOutboxMessage(ctx context.Context, id, claim string,
	now time.Time, lastError string) error {
	return s.updateClaimed(ctx, id, claim, "fail outbox message",
		column{"failed_at", now},
		column{"last_error", lastError},
		column{"recipient", nil},
		column{"data", nil},
		column{"claim", nil})
}

// OutboxMessage returns the outbox row with id, or models.ErrNotFound.
func (s *Store) OutboxMessage(ctx context.Context,
	id string) (*models.OutboxMessage, error) {
	m := new(models.OutboxMessage)
	err := s.idb.NewSelect().
		Model(m).
		Where("id = ?", id).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select outbox message: %w", mapError(err))
	}
	return m, nil
}

// PendingOutbox counts the messages and jobs neither sent nor given up.
func (s *Store) PendingOutbox(ctx context.Context) (int, error) {
	n, err := s.idb.NewSelect().
		Model((*models.OutboxMessage)(nil)).
		Where("sent_at IS NULL").
		Where("failed_at IS NULL").
		Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count outbox: %w", mapError(err))
	}
	return int(n), nil
}

// PurgeOutbox deletes the messages and jobs queued before before that
// were sent or given up, and returns how many it deleted. Keep them at
// least as long as the flood-control interval, which counts them.
func (s *Store) PurgeOutbox(ctx context.Context,
	before time.Time) (int, error) {
	res, err := s.idb.NewDelete().
		Model((*models.OutboxMessage)(nil)).
		Where("created_at < ?", before).
		WhereGroup(" AND ", func(q *bun.DeleteQuery) *bun.DeleteQuery {
			return q.
				WhereOr("sent_at IS NOT NULL").
				WhereOr("failed_at IS NOT NULL")
		}).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge outbox: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// RecentOutbox returns up to limit outbox rows, oldest first among the
// newest, for operators and tests.
func (s *Store) RecentOutbox(ctx context.Context,
	limit int) ([]*models.OutboxMessage, error) {
	var out []*models.OutboxMessage
	err := s.idb.NewSelect().
		Model(&out).
		OrderExpr("created_at DESC, id DESC").
		Limit(int64(limit)).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select outbox: %w", mapError(err))
	}
	slices.Reverse(out)
	return out, nil
}

// DeleteOutboxFor deletes every outbox row for the recipient digest,
// pending or kept for counting, linked to an account or not, and
// returns how many it deleted. Deleting an account calls it, so that
// nothing keyed by its address stays behind.
func (s *Store) DeleteOutboxFor(ctx context.Context,
	digest string) (int, error) {
	res, err := s.idb.NewDelete().
		Model((*models.OutboxMessage)(nil)).
		Where("recipient_digest = ?", digest).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete outbox: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// updateClaimed assigns cols of the unsent outbox message id while claim
// still holds it. It returns models.ErrNotFound when the claim was lost
// (it expired and another worker took the message); step names the
// change in errors.
func (s *Store) updateClaimed(ctx context.Context, id, claim, step string,
	cols ...column) error {
	q := s.idb.NewUpdate().
		Model((*models.OutboxMessage)(nil)).
		Where("id = ?", id).
		Where("claim = ?", claim).
		Where("sent_at IS NULL")
	for _, c := range cols {
		q = q.Set("? = ?", bun.Ident(c.name), c.value)
	}
	if err := exactlyOne(q.Exec(ctx)); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	return nil
}
