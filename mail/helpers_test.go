package mail_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/internal/testclock"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/store"
)

// fakeClock is a clock that tests move by hand.
type fakeClock = testclock.Clock

func newFakeClock() *fakeClock {
	return testclock.New(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
}

// recorder is a Sender that keeps what it was given and fails while
// fail says so.
type recorder struct {
	mu       sync.Mutex
	sent     []*mail.Message
	attempts []*mail.Message
	fail     func(n int) error // n counts attempts from 0; nil never fails
}

var errDown = errors.New("451 4.3.0 <bob@example.com>: try again later")

func (r *recorder) Send(_ context.Context, m *mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.attempts)
	r.attempts = append(r.attempts, m)
	if r.fail != nil {
		if err := r.fail(n); err != nil {
			return err
		}
	}
	r.sent = append(r.sent, m)
	return nil
}

func (r *recorder) Sent() []*mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*mail.Message(nil), r.sent...)
}

func (r *recorder) Attempts() []*mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*mail.Message(nil), r.attempts...)
}

// forEachStore runs fn on a new, migrated store of each database kind.
func forEachStore(t *testing.T, fn func(t *testing.T, url string, s *store.Store)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url := b.New(t)
			fn(t, url, testdb.Open(t, url))
		})
	}
}

func testSecrets(t testing.TB) *auth.Secrets {
	t.Helper()
	s, err := auth.NewSecrets([]byte("usergraph mail test master secret 0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const appURL = "https://app.example.test"

func testTemplates(t testing.TB) *mail.Templates {
	t.Helper()
	tmpl, err := mail.LoadTemplates(mail.TemplateConfig{
		Links: mail.LinkConfig{AppURL: appURL}})
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// testWorkerConfig retries after a minute, doubling up to ten, gives up
// after five attempts and leases a claim for two seconds.
func testWorkerConfig() mail.WorkerConfig {
	cfg := mail.DefaultWorkerConfig()
	cfg.PollInterval = 20 * time.Millisecond
	cfg.MaxAttempts = 5
	cfg.RetryMin = time.Minute
	cfg.RetryMax = 10 * time.Minute
	cfg.SendTimeout = time.Second
	return cfg
}

func newWorker(t testing.TB, s *store.Store, sender mail.Sender,
	clock *fakeClock, cfg mail.WorkerConfig,
	jobs map[string]mail.JobFunc) *mail.Worker {
	t.Helper()
	now := time.Now
	if clock != nil {
		now = clock.Now
	}
	w, err := mail.NewWorker(mail.WorkerDeps{Store: s, Sender: sender,
		Templates: testTemplates(t), Secrets: testSecrets(t), Jobs: jobs,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func newOutbox(t testing.TB) *mail.Outbox {
	t.Helper()
	o, err := mail.NewOutbox(testSecrets(t), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// queue puts one message of purpose to address into the outbox at now.
func queue(t testing.TB, s *store.Store, o *mail.Outbox, now time.Time,
	purpose, address string, d mail.Data) bool {
	t.Helper()
	var ok bool
	err := s.Tx(context.Background(), func(tx *store.Store) error {
		var err error
		ok, err = o.Queue(context.Background(), tx, now, mail.Item{
			Purpose: purpose, To: address, ToNormalized: address, Data: d})
		return err
	})
	if err != nil {
		t.Fatalf("queue: %v", err)
	}
	return ok
}

func runOnce(t testing.TB, w *mail.Worker) int {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("run once: %v", err)
	}
	return n
}
