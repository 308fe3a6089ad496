package mail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/mailpit"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

func TestWorkerDelivers(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		o, clock, rec := newOutbox(t), newFakeClock(), &recorder{}
		queue(t, s, o, clock.Now(), mail.VerifyEmail, "ada@example.com",
			mail.Data{Email: "ada@example.com", Token: "T1", ValidFor: time.Hour})
		queue(t, s, o, clock.Now(), mail.PasswordChangedNotice, "bob@example.com",
			mail.Data{Email: "bob@example.com"})
		w := newWorker(t, s, rec, clock, testWorkerConfig(), nil)
		if n := runOnce(t, w); n != 2 {
			t.Fatalf("attempted %d, want 2", n)
		}
		sent := rec.Sent()
		if len(sent) != 2 || sent[0].To != "ada@example.com" ||
			!strings.Contains(sent[0].Text, appURL+"/verify-email#token=T1") ||
			sent[1].To != "bob@example.com" || sent[0].MessageID == sent[1].MessageID {
			t.Fatalf("sent %+v", sent)
		}
		if n := runOnce(t, w); n != 0 || len(rec.Sent()) != 2 {
			t.Errorf("sent again: %d", n)
		}
	})
}

func TestWorkerRetriesWithTheSameMessageID(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		o, clock := newOutbox(t), newFakeClock()
		rec := &recorder{fail: func(n int) error {
			if n < 2 {
				return errDown
			}
			return nil
		}}
		queue(t, s, o, clock.Now(), mail.ResetPassword, "ada@example.com",
			mail.Data{Token: "T"})
		w := newWorker(t, s, rec, clock, testWorkerConfig(), nil)

		runOnce(t, w)
		m := onlyMessage(t, s)
		if m.Attempts != 1 || m.SentAt != nil || m.LastError == nil {
			t.Fatalf("after one failure: %+v", m)
		}
		if strings.Contains(*m.LastError, "bob@") ||
			!strings.Contains(*m.LastError, "[address]") {
			t.Errorf("last error keeps the address: %s", *m.LastError)
		}
		wait := m.NextAttemptAt.Sub(clock.Now())
		if wait < 45*time.Second || wait > time.Minute {
			t.Errorf("first retry after %v, want 45s to 1m", wait)
		}
		if runOnce(t, w) != 0 {
			t.Error("retried before its time")
		}

		clock.Advance(time.Minute)
		runOnce(t, w)
		m = onlyMessage(t, s)
		if wait := m.NextAttemptAt.Sub(clock.Now()); wait < 90*time.Second ||
			wait > 2*time.Minute {
			t.Errorf("second retry after %v, want 1m30s to 2m", wait)
		}
		clock.Advance(2 * time.Minute)
		runOnce(t, w)
		m = onlyMessage(t, s)
		if m.SentAt == nil || m.Attempts != 3 || m.LastError != nil {
			t.Fatalf("after success: %+v", m)
		}
		attempts := rec.Attempts()
		if len(attempts) != 3 {
			t.Fatalf("%d attempts", len(attempts))
		}
		for _, a := range attempts {
			if a.MessageID != m.MessageID {
				t.Errorf("attempt with Message-ID %s, want %s", a.MessageID,
					m.MessageID)
			}
		}
	})
}

func TestWorkerGivesUp(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		o, clock := newOutbox(t), newFakeClock()
		rec := &recorder{fail: func(int) error { return errDown }}
		queue(t, s, o, clock.Now(), mail.ResetPassword, "ada@example.com",
			mail.Data{Token: "T"})
		cfg := testWorkerConfig()
		w := newWorker(t, s, rec, clock, cfg, nil)
		for range cfg.MaxAttempts {
			runOnce(t, w)
			clock.Advance(cfg.RetryMax)
		}
		m := onlyMessage(t, s)
		if m.FailedAt == nil || m.Recipient != nil || m.Data != nil {
			t.Fatalf("not given up: %+v", m)
		}
		clock.Advance(time.Hour)
		if runOnce(t, w) != 0 || len(rec.Attempts()) != cfg.MaxAttempts {
			t.Errorf("%d attempts, want %d", len(rec.Attempts()), cfg.MaxAttempts)
		}
	})
}

// A worker that dies after claiming leaves its messages to be sent by
// another once the lease ends; one queued while no worker ran is sent by
// the next to start.
func TestWorkerRestartLosesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string, s *store.Store) {
		o, clock, rec := newOutbox(t), newFakeClock(), &recorder{}
		queue(t, s, o, clock.Now(), mail.ResetPassword, "ada@example.com",
			mail.Data{Token: "T"})
		cfg := testWorkerConfig()
		claimed, err := s.ClaimOutboxMessages(context.Background(),
			clock.Now(), clock.Now().Add(2*cfg.SendTimeout), 10, "dead worker")
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v, %d", err, len(claimed))
		}

		// A new process: its own pool, its own worker.
		w := newWorker(t, testdb.Open(t, url), rec, clock, cfg, nil)
		if runOnce(t, w) != 0 {
			t.Fatal("took a message under another worker's lease")
		}
		clock.Advance(2 * cfg.SendTimeout)
		runOnce(t, w)
		if sent := rec.Sent(); len(sent) != 1 || sent[0].MessageID != claimed[0].MessageID {
			t.Fatalf("sent %+v", sent)
		}
		if m := onlyMessage(t, s); m.SentAt == nil || m.Attempts != 2 {
			t.Errorf("after restart: %+v", m)
		}
		// The dead worker wakes up: its claim is gone.
		err = s.MarkOutboxSent(context.Background(), claimed[0].ID,
			"dead worker", clock.Now())
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("stale claim marked sent: %v", err)
		}
	})
}

func TestWorkerJobs(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		o, clock, rec := newOutbox(t), newFakeClock(), &recorder{}
		var runs atomic.Int32
		jobs := map[string]mail.JobFunc{"greet": func(ctx context.Context,
			tx *store.Store, m *models.OutboxMessage, data []byte) error {
			if runs.Add(1) == 1 {
				return errors.New("not yet")
			}
			if string(data) != `{"name":"Ada"}` {
				return fmt.Errorf("data %s", data)
			}
			_, err := o.Queue(ctx, tx, clock.Now(), mail.Item{
				Purpose: mail.PasswordChangedNotice, To: *m.Recipient,
				ToNormalized: *m.Recipient, Data: mail.Data{Email: *m.Recipient}})
			return err
		}}
		err := s.Tx(context.Background(), func(tx *store.Store) error {
			_, err := o.Queue(context.Background(), tx, clock.Now(), mail.Item{
				Purpose: "greet", To: "ada@example.com",
				ToNormalized: "ada@example.com",
				Data:         map[string]string{"name": "Ada"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		w := newWorker(t, s, rec, clock, testWorkerConfig(), jobs)
		runOnce(t, w)
		if len(rec.Sent()) != 0 {
			t.Fatal("a failed job sent mail")
		}
		clock.Advance(time.Minute)
		runOnce(t, w)
		if sent := rec.Sent(); len(sent) != 1 || sent[0].To != "ada@example.com" {
			t.Fatalf("sent %+v", sent)
		}
		clock.Advance(time.Hour)
		if runOnce(t, w) != 0 || runs.Load() != 2 {
			t.Errorf("job ran %d times", runs.Load())
		}
	})
}

func TestWorkerPurges(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		o, clock, rec := newOutbox(t), newFakeClock(), &recorder{}
		queue(t, s, o, clock.Now(), mail.ResetPassword, "ada@example.com", mail.Data{})
		runOnce(t, newWorker(t, s, rec, clock, testWorkerConfig(), nil))
		queue(t, s, o, clock.Now(), mail.VerifyEmail, "ada@example.com", mail.Data{})
		ctx := context.Background()
		n, err := s.PurgeOutbox(ctx, clock.Now().Add(time.Second))
		if err != nil || n != 1 {
			t.Fatalf("purged %d: %v", n, err)
		}
		if pending, _ := s.PendingOutbox(ctx); pending != 1 {
			t.Errorf("%d pending after purge, want 1", pending)
		}
	})
}

// Workers of several instances share the outbox: every message goes out
// once, and never two at a time. On PostgreSQL this takes FOR UPDATE
// SKIP LOCKED; on SQLite the claims take the write lock in turn.
func TestWorkersShareTheOutbox(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string, s *store.Store) {
		o, now := newOutbox(t), time.Now().UTC()
		const messages, workers = 60, 4
		for i := range messages {
			queue(t, s, o, now, mail.VerifyEmail,
				fmt.Sprintf("user%d@example.com", i), mail.Data{Token: "T"})
		}
		c := &concurrencyCheck{inFlight: map[string]bool{}, sent: map[string]int{}}
		cfg := testWorkerConfig()
		cfg.BatchSize = 3
		var wg sync.WaitGroup
		for range workers {
			w := newWorker(t, testdb.Open(t, url), c, nil, cfg, nil)
			wg.Go(func() {
				if _, err := w.RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if c.overlap {
			t.Error("one message was being sent by two workers at once")
		}
		if len(c.sent) != messages {
			t.Errorf("%d messages sent, want %d", len(c.sent), messages)
		}
		for id, n := range c.sent {
			if n != 1 {
				t.Errorf("%s sent %d times", id, n)
			}
		}
	})
}

type concurrencyCheck struct {
	mu       sync.Mutex
	inFlight map[string]bool
	sent     map[string]int
	overlap  bool
}

func (c *concurrencyCheck) Send(_ context.Context, m *mail.Message) error {
	c.mu.Lock()
	if c.inFlight[m.MessageID] {
		c.overlap = true
	}
	c.inFlight[m.MessageID] = true
	c.sent[m.MessageID]++
	c.mu.Unlock()
	time.Sleep(2 * time.Millisecond) // an SMTP exchange, shortened
	c.mu.Lock()
	delete(c.inFlight, m.MessageID)
	c.mu.Unlock()
	return nil
}

func TestWorkerRunAndWake(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		o, rec := newOutbox(t), &recorder{}
		cfg := testWorkerConfig()
		cfg.PollInterval = time.Hour // only Wake can make it look
		w := newWorker(t, s, rec, nil, cfg, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			w.Run(ctx)
			close(done)
		}()
		queue(t, s, o, time.Now().UTC(), mail.VerifyEmail, "ada@example.com",
			mail.Data{Token: "T"})
		w.Wake()
		waitFor(t, func() bool { return len(rec.Sent()) == 1 })
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	})
}

// A message that reached the server when the acknowledgement got lost
// is sent again, and the server sees the same Message-ID twice.
func TestLostAcknowledgementRepeatsMessageID(t *testing.T) {
	pit := mailpit.Start(t)
	smtp, err := mail.NewSMTPSender(mail.SMTPConfig{URL: "smtp://" + pit.SMTPAddr,
		From: "no-reply@example.com", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := testdb.Open(t, "sqlite:"+t.TempDir()+"/u.db")
	o, clock := newOutbox(t), newFakeClock()
	queue(t, s, o, clock.Now(), mail.VerifyEmail, "ada@example.com",
		mail.Data{Token: "T", Email: "ada@example.com"})
	lossy := &lostAck{Sender: smtp}
	w := newWorker(t, s, lossy, clock, testWorkerConfig(), nil)
	runOnce(t, w)
	clock.Advance(time.Minute)
	runOnce(t, w)
	got := pit.WaitTo(t, "ada@example.com", 2, 5*time.Second)
	m := onlyMessage(t, s)
	if got[0].MessageID != m.MessageID || got[1].MessageID != m.MessageID {
		t.Errorf("Message-IDs %s and %s, want %s", got[0].MessageID,
			got[1].MessageID, m.MessageID)
	}
}

// lostAck delivers every message but reports the first as failed.
type lostAck struct {
	mail.Sender
	n atomic.Int32
}

func (l *lostAck) Send(ctx context.Context, m *mail.Message) error {
	if err := l.Sender.Send(ctx, m); err != nil {
		return err
	}
	if l.n.Add(1) == 1 {
		return errors.New("connection reset before the 250 reply")
	}
	return nil
}

func TestWorkerConfigValidate(t *testing.T) {
	if err := mail.DefaultWorkerConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := mail.DefaultWorkerConfig()
	bad.MaxAttempts, bad.RetryMax, bad.BatchSize = 0, time.Millisecond, 0
	err := bad.Validate()
	for _, want := range []string{"attempts", "retry", "batch"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// onlyMessage returns the one row of the outbox.
func onlyMessage(t *testing.T, s *store.Store) *models.OutboxMessage {
	t.Helper()
	ids := outboxIDs(t, s)
	if len(ids) != 1 {
		t.Fatalf("%d outbox rows, want 1", len(ids))
	}
	m, err := s.OutboxMessage(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func outboxIDs(t *testing.T, s *store.Store) []string {
	t.Helper()
	rows, err := s.RecentOutbox(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(rows))
	for i, m := range rows {
		ids[i] = m.ID
	}
	return ids
}
