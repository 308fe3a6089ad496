package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

func newOutboxRow(userID *string, digest string,
	now time.Time) *models.OutboxMessage {
	to, data := "ada@example.com", "v1:sealed"
	return &models.OutboxMessage{
		ID:              uuid.Must(uuid.NewV7()).String(),
		UserID:          userID,
		Purpose:         "verify_email",
		Recipient:       &to,
		RecipientDigest: digest,
		Data:            &data,
		MessageID:       uuid.NewString() + "@usergraph",
		NextAttemptAt:   now,
		CreatedAt:       now,
	}
}

func mustQueue(t *testing.T, s *store.Store,
	m *models.OutboxMessage) *models.OutboxMessage {
	t.Helper()
	if err := s.CreateOutboxMessage(context.Background(), m); err != nil {
		t.Fatalf("queue: %v", err)
	}
	return m
}

func TestOutboxLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		m := mustQueue(t, s, newOutboxRow(nil, "d1", now))
		mustQueue(t, s, newOutboxRow(nil, "d2", now.Add(time.Hour)))

		got, err := s.ClaimOutboxMessages(ctx, now, now.Add(time.Minute), 10, "c1")
		if err != nil || len(got) != 1 || got[0].ID != m.ID ||
			got[0].Attempts != 1 || *got[0].Claim != "c1" {
			t.Fatalf("claim: %v, %+v", err, got)
		}
		if again, _ := s.ClaimOutboxMessages(ctx, now, now.Add(time.Minute),
			10, "c2"); len(again) != 0 {
			t.Fatal("claimed a leased message")
		}

		next := now.Add(30 * time.Second)
		err = s.RetryOutboxMessage(ctx, m.ID, "c2", next, "x")
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("retry under another claim: %v", err)
		}
		if err := s.RetryOutboxMessage(ctx, m.ID, "c1", next, "421 busy"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.ClaimOutboxMessages(ctx, next, next.Add(time.Minute), 10, "c3")
		if len(got) != 1 || got[0].Attempts != 2 || *got[0].LastError != "421 busy" {
			t.Fatalf("second claim: %+v", got)
		}
		if err := s.MarkOutboxSent(ctx, m.ID, "c3", next); err != nil {
			t.Fatal(err)
		}
		sent, err := s.OutboxMessage(ctx, m.ID)
		if err != nil || sent.SentAt == nil || sent.Recipient != nil ||
			sent.Data != nil || sent.Claim != nil || sent.LastError != nil {
			t.Errorf("sent row: %+v, %v", sent, err)
		}
		if err := s.MarkOutboxSent(ctx, m.ID, "c3", next); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("marked sent twice: %v", err)
		}
		if n, _ := s.PendingOutbox(ctx); n != 1 {
			t.Errorf("%d pending, want 1", n)
		}
	})
}

func TestOutboxFailAndPurge(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		m := mustQueue(t, s, newOutboxRow(nil, "d", now))
		pending := mustQueue(t, s, newOutboxRow(nil, "d", now.Add(time.Hour)))
		if _, err := s.ClaimOutboxMessages(ctx, now, now.Add(time.Minute), 1, "c"); err != nil {
			t.Fatal(err)
		}
		if err := s.FailOutboxMessage(ctx, m.ID, "c", now, "550 no"); err != nil {
			t.Fatal(err)
		}
		failed, _ := s.OutboxMessage(ctx, m.ID)
		if failed.FailedAt == nil || failed.Recipient != nil || failed.Data != nil {
			t.Errorf("failed row: %+v", failed)
		}
		ok, err := s.OutboxQueuedAfter(ctx, "d", []string{"verify_email"},
			now.Add(-time.Minute))
		if err != nil || !ok {
			t.Errorf("flood check does not count a failed row: %v", err)
		}
		n, err := s.PurgeOutbox(ctx, now.Add(2*time.Hour))
		if err != nil || n != 1 {
			t.Errorf("purged %d: %v", n, err)
		}
		if _, err := s.OutboxMessage(ctx, pending.ID); err != nil {
			t.Errorf("purge removed a pending row: %v", err)
		}
	})
}

func TestOutboxQueuedAfter(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		mustQueue(t, s, newOutboxRow(nil, "d", now))
		for _, tc := range []struct {
			digest, purpose string
			since           time.Time
			want            bool
		}{
			{"d", "verify_email", now.Add(-time.Second), true},
			{"d", "verify_email", now, false},
			{"d", "reset_password", now.Add(-time.Second), false},
			{"other", "verify_email", now.Add(-time.Second), false},
		} {
			got, err := s.OutboxQueuedAfter(ctx, tc.digest,
				[]string{tc.purpose}, tc.since)
			if err != nil || got != tc.want {
				t.Errorf("%+v: %v, %v", tc, got, err)
			}
		}
	})
}

// Mail, tokens and flood-control rows go with their account; DeleteOutboxFor
// removes what is keyed only by the address.
func TestMailGoesWithTheUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		u := mustCreateUser(t, s, "ada@example.com")
		tok := mustCreateToken(t, s, u.ID, models.PurposeVerifyEmail, now)
		linked := mustQueue(t, s, newOutboxRow(&u.ID, "ada", now))
		job := mustQueue(t, s, newOutboxRow(nil, "ada", now))
		other := mustQueue(t, s, newOutboxRow(nil, "bob", now))
		if err := s.DeleteUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OneTimeTokenForUpdate(ctx, tok.Digest); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("token kept: %v", err)
		}
		if _, err := s.OutboxMessage(ctx, linked.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("mail kept: %v", err)
		}
		if n, err := s.DeleteOutboxFor(ctx, "ada"); err != nil || n != 1 {
			t.Errorf("deleted %d by digest: %v", n, err)
		}
		for id, want := range map[string]bool{job.ID: false, other.ID: true} {
			_, err := s.OutboxMessage(ctx, id)
			if (err == nil) != want {
				t.Errorf("row %s kept %v, want %v", id, err == nil, want)
			}
		}
	})
}

// Claimers running at once get disjoint messages: on PostgreSQL rows
// another claimer holds are skipped, not waited for or taken twice.
func TestOutboxConcurrentClaims(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		const rows, claimers = 50, 5
		for i := range rows {
			mustQueue(t, s, newOutboxRow(nil, fmt.Sprint(i), now))
		}
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		for c := range claimers {
			claim := fmt.Sprint("claimer-", c)
			wg.Go(func() {
				for {
					got, err := s.ClaimOutboxMessages(ctx, now,
						now.Add(time.Hour), 3, claim)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got {
						if prev, dup := seen[m.ID]; dup {
							t.Errorf("%s claimed by %s and %s", m.ID, prev, claim)
						}
						seen[m.ID] = claim
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != rows {
			t.Errorf("%d rows claimed, want %d", len(seen), rows)
		}
	})
}
