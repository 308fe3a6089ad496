package account

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/internal/mailpit"
	"github.com/usergraph/usergraph/internal/testclock"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

const newPassword = "a new and rather long passphrase"

func TestPasswordResetFlow(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		u := e.user(t, "Ada@Reset.example", false)
		_, old := e.login(t, u)

		if err := e.svc.RequestPasswordReset(ctx, " ada@RESET.example "); err != nil {
			t.Fatal(err)
		}
		token := e.tokenFrom(t, "Ada@Reset.example", subjectReset,
			"reset-password")

		_, err := e.svc.ResetPassword(ctx, token, "short", auth.Client{})
		wantCode(t, err, models.CodeWeakPassword, "newPassword")

		res, err := e.svc.ResetPassword(ctx, token, newPassword,
			auth.Client{IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(ctx, old.AccessToken); err == nil {
			t.Error("a session from before the reset still works")
		}
		if _, err := e.svc.Authenticate(ctx, res.AccessToken); err != nil {
			t.Errorf("the new session does not work: %v", err)
		}
		got := e.reload(t, u)
		if !got.EmailVerified || !res.User.EmailVerified {
			t.Error("address not verified by the reset")
		}
		if _, err := e.svc.checkPassword(ctx, got.EmailNormalized,
			newPassword); err != nil {
			t.Errorf("new password refused: %v", err)
		}
		e.mailTo(t, "Ada@Reset.example", subjectResetNotice)

		_, err = e.svc.ResetPassword(ctx, token, newPassword, auth.Client{})
		wantCode(t, err, models.CodeInvalidToken, "token")
	})
}

func TestRequestPasswordResetInput(t *testing.T) {
	e := newMailEnv(t, testdb.SQLite(t), mailEnvOptions{})
	err := e.svc.RequestPasswordReset(context.Background(), "not an address")
	wantCode(t, err, models.CodeInvalidInput, "email")
}

// Known and unknown addresses get the same answer after the same work:
// one job row, alike but for the address; only the worker, later, tells
// them apart. Flood control holds back a second request for an address
// either way.
func TestPasswordResetAnswersAlike(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		e.user(t, "known@alike.example", true)
		for _, email := range []string{"known@alike.example",
			"unknown@alike.example", "known@alike.example",
			"unknown@alike.example"} {
			if err := e.svc.RequestPasswordReset(ctx, email); err != nil {
				t.Fatalf("%s: %v", email, err)
			}
		}
		rows, err := e.store.RecentOutbox(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("%d outbox rows, want 2", len(rows))
		}
		for _, m := range rows {
			if m.Purpose != jobResetRequest || m.UserID != nil ||
				m.Attempts != 0 || m.SentAt != nil {
				t.Errorf("job row %+v", m)
			}
		}
		e.deliver(t)
		if n := len(e.pit.To(t, "unknown@alike.example")); n != 0 {
			t.Errorf("%d mails to an unknown address", n)
		}
		if n := len(e.pit.To(t, "known@alike.example")); n != 1 {
			t.Errorf("%d mails to a known address, want 1", n)
		}
	})
}

// The time of an answer tells nothing either: over many requests the
// medians for known and unknown addresses are alike. The request path
// does the same statements for both, so any gap is noise; the bound is
// loose enough for a busy CI machine.
func TestPasswordResetTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	e := newMailEnv(t, testdb.SQLite(t), mailEnvOptions{})
	const n = 300
	known, unknown := resetTimes(t, e, n)
	mk, mu := median(known), median(unknown)
	gap := (mk - mu).Abs()
	t.Logf("median known %v, unknown %v", mk, mu)
	if limit := max(mk, mu)/4 + 200*time.Microsecond; gap > limit {
		t.Errorf("medians differ by %v (known %v, unknown %v), more than %v",
			gap, mk, mu, limit)
	}
}

// resetTimes times n requests for registered and n for unregistered
// addresses, in random order, each address asked for once.
func resetTimes(t testing.TB, e *mailEnv, n int) (known,
	unknown []time.Duration) {
	ctx := context.Background()
	type req struct {
		email string
		known bool
	}
	var reqs []req
	for i := range n {
		email := fmt.Sprintf("known%d@timing.example", i)
		now := e.clock.Now()
		err := e.store.CreateUser(ctx, &models.User{ID: newID(), Email: email,
			EmailNormalized: email, PasswordHash: e.hash, Role: models.RoleUser,
			CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req{email, true},
			req{fmt.Sprintf("unknown%d@timing.example", i), false})
	}
	rand.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
	for _, r := range reqs {
		start := time.Now()
		err := e.svc.RequestPasswordReset(ctx, r.email)
		d := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if r.known {
			known = append(known, d)
		} else {
			unknown = append(unknown, d)
		}
	}
	return known, unknown
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func BenchmarkRequestPasswordReset(b *testing.B) {
	for _, kind := range []string{"known", "unknown"} {
		b.Run(kind, func(b *testing.B) {
			e := newBenchEnv(b)
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				email := fmt.Sprintf("%s%d@bench.example", kind, i)
				if kind == "known" {
					b.StopTimer()
					now := e.clock.Now()
					err := e.store.CreateUser(ctx, &models.User{ID: newID(),
						Email: email, EmailNormalized: email,
						PasswordHash: e.hash, Role: models.RoleUser,
						CreatedAt: now, UpdatedAt: now})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if err := e.svc.RequestPasswordReset(ctx, email); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// newBenchEnv is a mail environment for a benchmark, without Mailpit.
func newBenchEnv(b *testing.B) *mailEnv {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: testdb.SQLite(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	secrets, err := auth.NewSecrets([]byte("account mail bench master secret, 32+ bytes"))
	if err != nil {
		b.Fatal(err)
	}
	clock := testclock.New(time.Now().UTC())
	svc, err := New(Deps{Store: st, Secrets: secrets, Now: clock.Now},
		Config{AccessTokenTTL: 15 * time.Minute, SessionTTL: time.Hour,
			MaxSessionAge: time.Hour, MaxSessions: 1,
			Password: DefaultPasswordPolicy()})
	if err != nil {
		b.Fatal(err)
	}
	return &mailEnv{svc: svc, store: st, clock: clock, hash: "x"}
}

// SMTP down when a reset is asked for, then up: the worker retries
// until the message arrives.
func TestPasswordResetSurvivesSMTPOutage(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			addr := mailpit.FreeAddr(t) // nothing listens there yet
			e := newMailEnv(t, b.New(t), mailEnvOptions{smtpAddr: addr,
				realClock: true, worker: func(c *mail.WorkerConfig) {
					c.PollInterval = 20 * time.Millisecond
					c.RetryMin, c.RetryMax = 50*time.Millisecond, 200*time.Millisecond
					c.MaxAttempts = 100
				}})
			e.user(t, "ada@outage.example", true)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				e.worker.Run(ctx)
				close(done)
			}()
			defer func() {
				cancel()
				<-done
			}()
			if err := e.svc.RequestPasswordReset(ctx, "ada@outage.example"); err != nil {
				t.Fatal(err)
			}
			m := waitOutbox(t, e.store, func(m *models.OutboxMessage) bool {
				return m.Purpose == mail.ResetPassword && m.Attempts >= 2 &&
					m.LastError != nil
			})
			t.Logf("failed %d times: %s", m.Attempts, *m.LastError)

			pit := mailpit.StartOn(t, addr)
			got := pit.WaitTo(t, "ada@outage.example", 1, 10*time.Second)
			if got[0].Subject != subjectReset || got[0].MessageID != m.MessageID {
				t.Errorf("received %q %s, want %q %s", got[0].Subject,
					got[0].MessageID, subjectReset, m.MessageID)
			}
		})
	}
}

// waitOutbox waits until an outbox row satisfies cond and returns it.
func waitOutbox(t *testing.T, s *store.Store,
	cond func(*models.OutboxMessage) bool) *models.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		rows, err := s.RecentOutbox(context.Background(), 100)
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		for _, m := range rows {
			if cond(m) {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no such outbox row")
	return nil
}

// The outbox outlives a worker: mail queued while none runs, or left
// half done by one that stopped, goes out when the next one starts.
func TestMailSurvivesWorkerRestart(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		u := e.user(t, "ada@restart.example", true)
		if err := e.svc.RequestPasswordReset(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		// The first worker ran the job, then stopped before sending.
		first, err := e.store.ClaimOutboxMessages(ctx, e.clock.Now(),
			e.clock.Now().Add(time.Minute), 1, "first worker")
		if err != nil || len(first) != 1 {
			t.Fatalf("claim: %v", err)
		}
		err = e.store.Tx(ctx, func(tx *store.Store) error {
			if err := e.svc.resolveResetRequest(ctx, tx, first[0], nil); err != nil {
				return err
			}
			return tx.MarkOutboxSent(ctx, first[0].ID, "first worker", e.clock.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.store.ClaimOutboxMessages(ctx, e.clock.Now(),
			e.clock.Now().Add(time.Minute), 1, "first worker")
		if err != nil {
			t.Fatal(err)
		}

		e.clock.Advance(time.Minute)
		e.tokenFrom(t, u.Email, subjectReset, "reset-password")
	})
}
