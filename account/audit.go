package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// DefaultAuditRetention is how long audit events are kept unless the
// operator configures otherwise.
const DefaultAuditRetention = 365 * 24 * time.Hour

// auditEntry is an event to record. Actor and Target are user ids, empty
// for none; Email is a normalized address to keep as a keyed digest,
// empty for none.
type auditEntry struct {
	Type   models.AuditEventType
	Actor  string
	Target string
	Email  string
}

// audit records e as done from the request's client (auth.ClientFrom),
// on tx, which must be the transaction that makes the change e records:
// then the change and its record are kept together or not at all. It is
// how every use case of this package writes the audit log, e.g.
//
//	err := s.store.Tx(ctx, func(tx *store.Store) error {
//		// … the change …
//		return s.audit(ctx, tx, auditEntry{
//			Type: models.AuditPasswordReset, Actor: u.ID, Target: u.ID})
//	})
//
// An error from it must fail the transaction.
func (s *Service) audit(ctx context.Context, tx *store.Store,
	e auditEntry) error {
	return s.auditAs(ctx, tx, e, auth.ClientFrom(ctx))
}

// auditAs is audit with the client given, for use cases that take it
// as an argument (login, register) or must not keep it (a user deleting
// their own account).
func (s *Service) auditAs(ctx context.Context, tx *store.Store,
	e auditEntry, client auth.Client) error {
	ev := &models.AuditEvent{
		ID:        newID(),
		Type:      e.Type,
		ActorID:   optional(e.Actor),
		TargetID:  optional(e.Target),
		IPAddress: optional(client.IP),
		UserAgent: optional(client.UserAgent),
		CreatedAt: s.clock(),
	}
	if e.Email != "" {
		d := s.emailDigest(e.Email)
		ev.EmailDigest = &d
	}
	if err := tx.CreateAuditEvent(ctx, ev); err != nil {
		return fmt.Errorf("audit %s: %w", e.Type, err)
	}
	return nil
}

// emailDigest is the keyed digest (HMAC-SHA256 under the server's
// digest key, in hex) of a normalized address: equal for equal
// addresses, and useless to anyone without the server's secret, unlike
// a plain hash, which anyone can compute for a guessed address.
func (s *Service) emailDigest(normalized string) string {
	m := hmac.New(sha256.New, s.secrets.DigestKey())
	m.Write([]byte(normalized))
	return hex.EncodeToString(m.Sum(nil))
}

// AuditQuery, AuditFilter and Page are the store's paging types.
type (
	AuditQuery  = store.AuditQuery
	AuditFilter = store.AuditFilter
	Page[T any] = store.Page[T]
)

// AuditEvents returns one page of the audit log, newest first. It is
// for administrators; the caller's role is checked by the API layer
// (@hasRole). Bad paging or filter values give an INVALID_INPUT
// *models.Error at "first", "after", or "filter" and its member.
func (s *Service) AuditEvents(ctx context.Context,
	q AuditQuery) (*Page[*models.AuditEvent], error) {
	return s.store.AuditEvents(ctx, q)
}

// SecurityEvents returns one page of the events that concern the user
// userID (as actor or target), newest first. The user themself and
// administrators may read them; anyone else gets auth.ErrForbidden.
// Paging errors are as for AuditEvents.
func (s *Service) SecurityEvents(ctx context.Context, c *auth.Caller,
	userID string, first int, after string) (
	*Page[*models.AuditEvent], error) {
	if c == nil || (c.User.ID != userID && !isAdmin(c)) {
		return nil, auth.ErrForbidden
	}
	page, err := s.store.AuditEvents(ctx, store.AuditQuery{First: first,
		After: after, Filter: store.AuditFilter{UserID: userID}})
	if err != nil || isAdmin(c) {
		return page, err
	}
	// A user sees where their own actions and the anonymous attempts on
	// their account came from, but not an administrator's address and
	// browser.
	for i, e := range page.Nodes {
		if e.ActorID != nil && *e.ActorID != c.User.ID {
			scrubbed := *e
			scrubbed.IPAddress, scrubbed.UserAgent = nil, nil
			page.Nodes[i] = &scrubbed
		}
	}
	return page, nil
}

// PurgeAuditEvents deletes the audit events recorded before before and
// returns how many it deleted. A purge loop calls it with the current
// time less the configured retention (DefaultAuditRetention by default).
func (s *Service) PurgeAuditEvents(ctx context.Context,
	before time.Time) (int, error) {
	return s.store.PurgeAuditEvents(ctx, before)
}
