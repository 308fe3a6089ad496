package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// WorkerConfig tunes delivery.
type WorkerConfig struct {
	// PollInterval is how often the worker looks for due messages when
	// nothing wakes it; other instances' mail waits at most this long.
	PollInterval time.Duration
	// BatchSize is how many messages one claim takes.
	BatchSize int
	// MaxAttempts is how many times a message is tried before it is
	// given up; a given-up message loses its recipient and data.
	MaxAttempts int
	// RetryMin is the wait after the first failed attempt; it doubles
	// with each further failure, up to RetryMax, with jitter.
	RetryMin time.Duration
	RetryMax time.Duration
	// SendTimeout bounds one attempt. A claimed message is leased for
	// twice this long: if its worker dies, another retries it after.
	SendTimeout time.Duration
	// Retention is how long sent and given-up rows are kept, without
	// recipient or data. Keep it at least as long as the flood-control
	// interval, which counts them.
	Retention time.Duration
	// PurgeInterval is how often rows past Retention are deleted.
	PurgeInterval time.Duration
}

// DefaultWorkerConfig polls every 2 seconds, tries a message 12 times
// over about 7 hours (30s doubling up to 1h) and keeps sent rows a day.
func DefaultWorkerConfig() WorkerConfig {
	return WorkerConfig{
		PollInterval:  2 * time.Second,
		BatchSize:     20,
		MaxAttempts:   12,
		RetryMin:      30 * time.Second,
		RetryMax:      time.Hour,
		SendTimeout:   time.Minute,
		Retention:     24 * time.Hour,
		PurgeInterval: 10 * time.Minute,
	}
}

// Validate names every setting out of bounds.
func (c WorkerConfig) Validate() error {
	var errs []error
	check := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New(msg))
		}
	}
	check(c.PollInterval >= 10*time.Millisecond && c.PollInterval <= time.Hour,
		"mail poll interval must be between 10ms and 1h")
	check(c.BatchSize >= 1 && c.BatchSize <= 1000,
		"mail batch size must be between 1 and 1000")
	check(c.MaxAttempts >= 1 && c.MaxAttempts <= 100,
		"mail attempts must be between 1 and 100")
	check(c.RetryMin >= 10*time.Millisecond && c.RetryMax >= c.RetryMin &&
		c.RetryMax <= 24*time.Hour,
		"mail retry waits must be 10ms <= min <= max <= 24h")
	check(c.SendTimeout >= 100*time.Millisecond &&
		c.SendTimeout <= 10*time.Minute,
		"mail send timeout must be between 100ms and 10m")
	check(c.Retention >= time.Second && c.Retention <= 365*24*time.Hour,
		"mail retention must be between 1s and 365 days")
	check(c.PurgeInterval >= 10*time.Millisecond &&
		c.PurgeInterval <= 24*time.Hour,
		"mail purge interval must be between 10ms and 24h")
	return errors.Join(errs...)
}

// JobFunc runs an outbox job in tx, typically queueing messages with an
// Outbox in the same transaction; the job is marked done in it. m.
// Recipient is the address the job concerns and data its unsealed data.
// An error rolls everything back and the job is retried like a message.
type JobFunc func(ctx context.Context, tx *store.Store,
	m *models.OutboxMessage, data []byte) error

// WorkerDeps are what a Worker works with. Jobs maps job purposes to
// their functions and may be nil; Now may be nil (time.Now).
type WorkerDeps struct {
	Store     *store.Store
	Sender    Sender
	Templates *Templates
	Secrets   *auth.Secrets
	Jobs      map[string]JobFunc
	Log       *slog.Logger
	Now       func() time.Time
}

// Worker delivers the outbox: it claims due messages, runs jobs, renders
// and sends messages, marks them sent, and retries failures with
// backoff. Delivery is at least once: a crash between sending and
// marking repeats a message, with the same Message-ID. Any number of
// workers, in one process or many, may share a database; they never
// handle one message at the same time.
type Worker struct {
	store  *store.Store
	sender Sender
	tmpl   *Templates
	seal   *sealer
	jobs   map[string]JobFunc
	cfg    WorkerConfig
	log    *slog.Logger
	now    func() time.Time
	wake   chan struct{}
}

// NewWorker returns a Worker. It fails when cfg is out of bounds or a
// dependency is missing.
func NewWorker(d WorkerDeps, cfg WorkerConfig) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mail worker config: %w", err)
	}
	if d.Store == nil || d.Sender == nil || d.Templates == nil ||
		d.Secrets == nil || d.Log == nil {
		return nil, errors.New("mail worker: store, sender, templates, " +
			"secrets and log are required")
	}
	seal, err := newSealer(d.Secrets.KeyEncryptionKey())
	if err != nil {
		return nil, err
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Worker{store: d.Store, sender: d.Sender, tmpl: d.Templates,
		seal: seal, jobs: d.Jobs, cfg: cfg, log: d.Log, now: now,
		wake: make(chan struct{}, 1)}, nil
}

// Run delivers due messages until ctx ends: at once, whenever Wake is
// called, and every PollInterval; it also purges old rows every
// PurgeInterval. It returns when ctx is done; an attempt in progress is
// cut short and retried later, by this or another instance.
func (w *Worker) Run(ctx context.Context) {
	poll := time.NewTicker(w.cfg.PollInterval)
	defer poll.Stop()
	purge := time.NewTicker(w.cfg.PurgeInterval)
	defer purge.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.log.ErrorContext(ctx, "mail outbox",
				slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-w.wake:
		case <-purge.C:
			w.purge(ctx)
		}
	}
}

// Wake makes Run look for due messages now rather than at the next
// poll, e.g. right after a transaction queued one. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// RunOnce handles every message due now, batch by batch, including
// those that the jobs it runs queue, and returns how many it attempted.
// Failed attempts are scheduled for retry, not returned; the error is
// one of the outbox itself.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		now := w.clock()
		claim := uuid.Must(uuid.NewV7()).String()
		batch, err := w.store.ClaimOutboxMessages(ctx, now,
			now.Add(2*w.cfg.SendTimeout), w.cfg.BatchSize, claim)
		if err != nil || len(batch) == 0 {
			return total, err
		}
		for _, m := range batch {
			if ctx.Err() != nil {
				// The rest stay leased and are retried after the lease.
				return total, ctx.Err()
			}
			w.handle(ctx, m)
			total++
		}
	}
	return total, ctx.Err()
}

var (
	// errGaveUp stops a message that was claimed more often than
	// allowed, e.g. because its worker kept dying mid-send.
	errGaveUp = errors.New("too many attempts")
	// errClaimLost means the lease on a message ran out and another
	// worker has claimed it since.
	errClaimLost = errors.New("claim lost")
)

// handle makes one attempt at m and records its outcome.
func (w *Worker) handle(ctx context.Context, m *models.OutboxMessage) {
	err := errGaveUp
	if m.Attempts <= w.cfg.MaxAttempts {
		err = w.attempt(ctx, m)
	}
	if errors.Is(err, errClaimLost) {
		w.log.WarnContext(ctx, "mail claim lost", slog.Any("message", m))
		return
	}
	if err != nil {
		w.failed(ctx, m, err)
	}
}

func (w *Worker) attempt(ctx context.Context, m *models.OutboxMessage) error {
	var data []byte
	if m.Data != nil {
		var err error
		if data, err = w.seal.open(m.ID, *m.Data); err != nil {
			return err
		}
	}
	if job, ok := w.jobs[m.Purpose]; ok {
		return w.store.Tx(ctx, func(tx *store.Store) error {
			if err := job(ctx, tx, m, data); err != nil {
				return err
			}
			return w.markSent(ctx, tx, m)
		})
	}
	msg, err := w.render(m, data)
	if err != nil {
		return err
	}
	sendCtx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	err = w.sender.Send(sendCtx, msg)
	cancel()
	if err != nil {
		return err
	}
	// Sent: record it even if ctx ended meanwhile, or it goes out again.
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx),
		w.cfg.SendTimeout)
	defer cancel()
	if err := w.markSent(markCtx, w.store, m); err != nil {
		return err
	}
	w.log.InfoContext(ctx, "mail sent", slog.Any("message", m))
	return nil
}

func (w *Worker) markSent(ctx context.Context, st *store.Store,
	m *models.OutboxMessage) error {
	err := st.MarkOutboxSent(ctx, m.ID, *m.Claim, w.clock())
	if errors.Is(err, models.ErrNotFound) {
		return errClaimLost
	}
	return err
}

func (w *Worker) render(m *models.OutboxMessage, data []byte) (*Message,
	error) {
	if m.Recipient == nil {
		return nil, errors.New("message has no recipient")
	}
	var d Data
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("message data: %w", err)
	}
	msg, err := w.tmpl.Render(m.Purpose, *m.Recipient, d)
	if err != nil {
		return nil, err
	}
	msg.MessageID = m.MessageID
	msg.Date = m.CreatedAt
	return msg, nil
}

// failed schedules the next attempt at m, or gives it up.
func (w *Worker) failed(ctx context.Context, m *models.OutboxMessage,
	cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx),
		w.cfg.SendTimeout)
	defer cancel()
	reason := shortError(cause)
	now := w.clock()
	if m.Attempts >= w.cfg.MaxAttempts {
		err := w.store.FailOutboxMessage(ctx, m.ID, *m.Claim, now, reason)
		w.log.ErrorContext(ctx, "mail given up", slog.Any("message", m),
			slog.String("error", reason), errAttr(err))
		return
	}
	next := now.Add(w.backoff(m.Attempts))
	err := w.store.RetryOutboxMessage(ctx, m.ID, *m.Claim, next, reason)
	w.log.WarnContext(ctx, "mail attempt failed", slog.Any("message", m),
		slog.String("error", reason), slog.Time("next_attempt_at", next),
		errAttr(err))
}

// backoff is the wait after the attempts-th failure: RetryMin doubled
// per earlier failure, capped at RetryMax, then cut by up to a quarter
// at random so that messages that failed together do not retry together.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.cfg.RetryMin
	for i := 1; i < attempts && d < w.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, w.cfg.RetryMax)
	return d - rand.N(d/4+1)
}

func (w *Worker) purge(ctx context.Context) {
	n, err := w.store.PurgeOutbox(ctx, w.clock().Add(-w.cfg.Retention))
	if err != nil && ctx.Err() == nil {
		w.log.ErrorContext(ctx, "purge mail outbox",
			slog.String("error", err.Error()))
	}
	if n > 0 {
		w.log.InfoContext(ctx, "purged mail outbox", slog.Int("count", n))
	}
}

func (w *Worker) clock() time.Time {
	return w.now().UTC().Truncate(time.Microsecond)
}

// addressLike matches what might be an email address in an error, such
// as an SMTP server's "550 <bob@example.com>: no such user".
var addressLike = regexp.MustCompile(`[^\s<>"'@]+@[^\s<>"']+`)

// shortError makes err fit for last_error and logs: no address, at most
// 200 bytes.
func shortError(err error) string {
	s := addressLike.ReplaceAllString(err.Error(), "[address]")
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "")
	}
	return s
}

func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.Attr{}
	}
	return slog.String("store_error", err.Error())
}
