package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

func auditText(s string) *string { return &s }

// mustAudit records an event of typ at at, by actor on target (ids or
// empty), from a fixed client, with the email digest if one is given.
func mustAudit(t *testing.T, s *store.Store, typ models.AuditEventType,
	actor, target string, at time.Time,
	digest ...string) *models.AuditEvent {
	t.Helper()
	e := &models.AuditEvent{
		ID:        uuid.Must(uuid.NewV7()).String(),
		Type:      typ,
		IPAddress: auditText("192.0.2.1"),
		UserAgent: auditText("test agent"),
		CreatedAt: at.UTC(),
	}
	if len(digest) > 0 {
		e.EmailDigest = &digest[0]
	}
	if actor != "" {
		e.ActorID = &actor
	}
	if target != "" {
		e.TargetID = &target
	}
	if err := s.CreateAuditEvent(context.Background(), e); err != nil {
		t.Fatalf("create audit event: %v", err)
	}
	return e
}

// auditIDs pages through q and returns the event ids in order.
func auditIDs(t *testing.T, s *store.Store, q store.AuditQuery) []string {
	t.Helper()
	var ids []string
	for {
		p, err := s.AuditEvents(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Nodes {
			ids = append(ids, e.ID)
		}
		if !p.HasNextPage {
			return ids
		}
		q.After = p.EndCursor
	}
}

func eventIDs(es ...*models.AuditEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestAuditEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ada := mustCreateUser(t, s, "ada@example.com")
		bob := mustCreateUser(t, s, "bob@example.com")
		t0 := listBase
		e1 := mustAudit(t, s, models.AuditRegister, ada.ID, ada.ID, t0)
		e2 := mustAudit(t, s, models.AuditRegister, bob.ID, bob.ID, t0)
		e3 := mustAudit(t, s, models.AuditLoginFailure, "", bob.ID,
			t0.Add(time.Second))
		e4 := mustAudit(t, s, models.AuditRoleChange, ada.ID, bob.ID,
			t0.Add(2*time.Second))
		e5 := mustAudit(t, s, models.AuditLogout, ada.ID, ada.ID,
			t0.Add(3*time.Second))
		since, until := t0.Add(time.Second), t0.Add(3*time.Second)

		tests := []struct {
			name   string
			filter store.AuditFilter
			want   []*models.AuditEvent
		}{
			{"all, newest first", store.AuditFilter{},
				[]*models.AuditEvent{e5, e4, e3, e2, e1}},
			{"actor or target", store.AuditFilter{UserID: bob.ID},
				[]*models.AuditEvent{e4, e3, e2}},
			{"types", store.AuditFilter{Types: []models.AuditEventType{
				models.AuditRegister, models.AuditLogout}},
				[]*models.AuditEvent{e5, e2, e1}},
			{"time range", store.AuditFilter{Since: &since, Until: &until},
				[]*models.AuditEvent{e4, e3}},
			{"combined", store.AuditFilter{UserID: ada.ID,
				Types: []models.AuditEventType{models.AuditRoleChange}},
				[]*models.AuditEvent{e4}},
		}
		// e1 and e2 share a time; the id orders them.
		if e2.ID < e1.ID {
			t.Fatal("ids are not increasing")
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := auditIDs(t, s, store.AuditQuery{First: 2,
					Filter: tt.filter})
				if want := eventIDs(tt.want...); !slices.Equal(got, want) {
					t.Fatalf("got %v; want %v", got, want)
				}
			})
		}
		t.Run("page info", func(t *testing.T) {
			p, err := s.AuditEvents(ctx, store.AuditQuery{First: 2})
			if err != nil {
				t.Fatal(err)
			}
			if p.TotalCount != 5 || !p.HasNextPage || p.HasPreviousPage ||
				p.EndCursor != p.Cursors[1] {
				t.Fatalf("page info %+v", p)
			}
			p, err = s.AuditEvents(ctx, store.AuditQuery{First: 10,
				After: p.EndCursor})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Nodes) != 3 || p.HasNextPage || !p.HasPreviousPage {
				t.Fatalf("second page %+v", p)
			}
		})
		t.Run("bad input", func(t *testing.T) {
			for _, q := range []store.AuditQuery{
				{First: 0}, {First: 101}, {First: 1, After: "x"},
				{First: 1, Filter: store.AuditFilter{UserID: "nope"}},
				{First: 1, Filter: store.AuditFilter{
					Types: []models.AuditEventType{"NOPE"}}},
			} {
				_, err := s.AuditEvents(ctx, q)
				if !errors.Is(err, models.ErrInvalidInput) {
					t.Errorf("%+v: err = %v; want INVALID_INPUT", q, err)
				}
			}
		})
	})
}

func TestDeleteUserKeepsEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ada := mustCreateUser(t, s, "ada@example.com")
		bob := mustCreateUser(t, s, "bob@example.com")
		sess := newSession(bob.ID, time.Now().Add(time.Hour))
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		// Failed logins to bob's address, one from before he registered.
		digest := "d1"
		failed := mustAudit(t, s, models.AuditLoginFailure, "", "", listBase,
			digest)
		failedKnown := mustAudit(t, s, models.AuditLoginFailure, "", bob.ID,
			listBase, digest)
		own := mustAudit(t, s, models.AuditLoginSuccess, bob.ID, bob.ID,
			listBase)
		byAda := mustAudit(t, s, models.AuditRoleChange, ada.ID, bob.ID,
			listBase)
		adas := mustAudit(t, s, models.AuditLogout, ada.ID, ada.ID, listBase)
		strangers := mustAudit(t, s, models.AuditLoginFailure, "", "",
			listBase, "d2")

		err := s.Tx(ctx, func(tx *store.Store) error {
			if err := tx.ScrubAuditEvents(ctx, bob.ID, digest); err != nil {
				return err
			}
			return tx.DeleteUser(ctx, bob.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionWithUser(ctx, sess.ID); !errors.Is(err,
			models.ErrNotFound) {
			t.Fatalf("session survived its user: %v", err)
		}
		if err := s.DeleteUser(ctx, bob.ID); !errors.Is(err,
			models.ErrNotFound) {
			t.Fatalf("second delete: %v; want NOT_FOUND", err)
		}
		events := allAuditEvents(t, s)
		for _, e := range []*models.AuditEvent{failed, failedKnown, own,
			byAda} {
			got := events[e.ID]
			if got == nil {
				t.Fatalf("event %s was deleted", e.Type)
			}
			if got.IPAddress != nil || got.UserAgent != nil ||
				got.EmailDigest != nil {
				t.Errorf("%s keeps ip %v, agent %v, digest %v", e.Type,
					got.IPAddress, got.UserAgent, got.EmailDigest)
			}
			if got.TargetID != nil && *got.TargetID == bob.ID ||
				got.ActorID != nil && *got.ActorID == bob.ID {
				t.Errorf("%s still names the deleted user", e.Type)
			}
		}
		if got := events[byAda.ID]; got.ActorID == nil ||
			*got.ActorID != ada.ID {
			t.Error("the actor of an event on the deleted user was lost")
		}
		if got := events[adas.ID]; got.IPAddress == nil {
			t.Error("another user's event lost its address")
		}
		if got := events[strangers.ID]; got.EmailDigest == nil ||
			got.IPAddress == nil {
			t.Error("a failed login to another address was scrubbed")
		}
	})
}

// allAuditEvents returns every event by id.
func allAuditEvents(t *testing.T, s *store.Store) map[string]*models.AuditEvent {
	t.Helper()
	out := map[string]*models.AuditEvent{}
	q := store.AuditQuery{First: store.MaxPageSize}
	for {
		p, err := s.AuditEvents(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Nodes {
			out[e.ID] = e
		}
		if !p.HasNextPage {
			return out
		}
		q.After = p.EndCursor
	}
}

func TestPurgeAuditEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		old1 := mustAudit(t, s, models.AuditRegister, "", "",
			listBase.Add(-48*time.Hour))
		old2 := mustAudit(t, s, models.AuditLoginFailure, "", "",
			listBase.Add(-time.Microsecond))
		keep := mustAudit(t, s, models.AuditLogout, "", "", listBase)
		n, err := s.PurgeAuditEvents(ctx, listBase)
		if err != nil {
			t.Fatal(err)
		}
		events := allAuditEvents(t, s)
		if n != 2 || len(events) != 1 || events[keep.ID] == nil {
			t.Fatalf("purged %d, left %d; want 2 (%s, %s) and %s left", n,
				len(events), old1.ID, old2.ID, keep.ID)
		}
	})
}
