package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/usergraph/usergraph/models"
)

// AuditFilter narrows the audit log; zero fields do not filter.
type AuditFilter struct {
	// UserID keeps the events whose actor or target is that user.
	UserID string
	// Types keeps the events of these types.
	Types []models.AuditEventType
	// Since keeps events at or after it; Until those before it.
	Since *time.Time
	Until *time.Time
}

// AuditQuery asks for one page of the audit log, newest first.
type AuditQuery struct {
	// First is the page size, 1 to MaxPageSize.
	First int
	// After is the cursor of the event the page starts after.
	After  string
	Filter AuditFilter
}

// auditCursor is an event's position: its time (RFC 3339) and id.
type auditCursor struct {
	Time string `json:"t"`
	ID   string `json:"i"`
}

// CreateAuditEvent inserts e. Call it on the transaction that makes the
// change e records, so that both are kept or neither.
func (s *Store) CreateAuditEvent(ctx context.Context,
	e *models.AuditEvent) error {
	_, err := s.idb.NewInsert().
		Model(e).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert audit event: %w", mapError(err))
	}
	return nil
}

// AuditEvents returns one page of the events that match q.Filter, newest
// first (by time, then id), with the filtered total. It returns an
// INVALID_INPUT *models.Error at "first" for a page size out of bounds,
// at "after" for a cursor it did not make, and at "filter" for an
// unknown event type or a user id that is not a UUID.
func (s *Store) AuditEvents(ctx context.Context,
	q AuditQuery) (*Page[*models.AuditEvent], error) {
	if q.First < 1 || q.First > MaxPageSize {
		return nil, models.Invalid(fmt.Sprintf(
			"Ask for 1 to %d events at a time.", MaxPageSize), "first")
	}
	if err := q.Filter.check(); err != nil {
		return nil, err
	}
	var after *auditCursor
	if q.After != "" {
		c, err := parseAuditCursor(q.After)
		if err != nil {
			return nil, err
		}
		after = c
	}
	total, err := s.idb.NewSelect().
		Model((*models.AuditEvent)(nil)).
		Apply(q.Filter.apply).
		Count(ctx)
	if err != nil {
		return nil, fmt.Errorf("count audit events: %w", mapError(err))
	}
	var events []*models.AuditEvent
	sel := s.idb.NewSelect().
		Model(&events).
		Apply(q.Filter.apply)
	if after != nil {
		t, _ := time.Parse(time.RFC3339Nano, after.Time)
		sel = sel.Where("(created_at, id) < (?, ?)", t.UTC(), after.ID)
	}
	err = sel.
		OrderExpr("created_at DESC, id DESC").
		Limit(int64(q.First) + 1).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select audit events: %w", mapError(err))
	}
	return newPage(events, q.First, after != nil, int(total),
		auditEventCursor), nil
}

// purgeBatch is how many events one statement of PurgeAuditEvents
// deletes, so that a large purge never holds SQLite's write lock long.
const purgeBatch = 5000

// PurgeAuditEvents deletes the events recorded before before and returns
// how many it deleted.
func (s *Store) PurgeAuditEvents(ctx context.Context,
	before time.Time) (int, error) {
	total := 0
	for {
		batch := s.idb.NewSelect().
			Model((*models.AuditEvent)(nil)).
			Column("id").
			Where("created_at < ?", before.UTC()).
			Limit(purgeBatch)
		res, err := s.idb.NewDelete().
			Model((*models.AuditEvent)(nil)).
			Where("id IN (?)", batch).
			Exec(ctx)
		if err != nil {
			return total, fmt.Errorf("purge audit events: %w", mapError(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(n)
		if n < purgeBatch {
			return total, nil
		}
	}
}

// ScrubAuditEvents removes the IP address, user agent and email digest
// from every event that names the user userID (as actor or target), and
// from every event that carries emailDigest (failed logins to the
// user's address, also from before the account existed). Account
// deletion calls it in its transaction, so that a deleted user's events
// keep nothing that leads back to them.
func (s *Store) ScrubAuditEvents(ctx context.Context, userID,
	emailDigest string) error {
	_, err := s.idb.NewUpdate().
		Model((*models.AuditEvent)(nil)).
		Set("ip_address = NULL").
		Set("user_agent = NULL").
		Set("email_digest = NULL").
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.
				WhereOr("actor_id = ?", userID).
				WhereOr("target_id = ?", userID).
				WhereOr("email_digest = ?", emailDigest)
		}).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("scrub audit events: %w", mapError(err))
	}
	return nil
}

// check refuses filter values no event can match.
func (f AuditFilter) check() error {
	if f.UserID != "" {
		if _, err := uuid.Parse(f.UserID); err != nil {
			return models.Invalid("The user id is not valid.",
				"filter", "user")
		}
	}
	for _, t := range f.Types {
		if !t.Valid() {
			return models.Invalid("Unknown event type.", "filter", "types")
		}
	}
	return nil
}

// apply adds f's conditions to q.
func (f AuditFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if f.UserID != "" {
		q = q.Where("(actor_id = ? OR target_id = ?)", f.UserID, f.UserID)
	}
	if len(f.Types) > 0 {
		q = q.Where("type IN (?)", bun.List(f.Types))
	}
	if f.Since != nil {
		q = q.Where("created_at >= ?", f.Since.UTC())
	}
	if f.Until != nil {
		q = q.Where("created_at < ?", f.Until.UTC())
	}
	return q
}

func auditEventCursor(e *models.AuditEvent) string {
	return encodeCursor(auditCursor{
		Time: e.CreatedAt.UTC().Format(time.RFC3339Nano), ID: e.ID})
}

func parseAuditCursor(s string) (*auditCursor, error) {
	bad := models.Invalid("The cursor is not valid for this list.",
		"after")
	var c auditCursor
	if err := decodeCursor(s, &c); err != nil {
		return nil, bad
	}
	if _, err := uuid.Parse(c.ID); err != nil {
		return nil, bad
	}
	if _, err := time.Parse(time.RFC3339Nano, c.Time); err != nil {
		return nil, bad
	}
	return &c, nil
}
