package main

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/mailpit"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/models"
)

// resetLink asks for a reset link to email, the n-th mail there, and
// returns its token.
func (m *mailServer) resetLink(t testing.TB, email string, n int) string {
	t.Helper()
	m.requestReset(t, email)
	return m.tokenFrom(t, email, n, subjectReset, "reset-password")
}

func TestMailPasswordReset(t *testing.T) {
	forEachMailBackend(t, func(t *testing.T, m *mailServer) {
		const email = "rhea@example.com"
		m.mustRegister(t, email)
		old := m.loginPair(t, email)

		known := m.requestReset(t, email)
		unknown := m.requestReset(t, "nobody@example.com")
		if !bytes.Equal(known.Body, unknown.Body) {
			t.Fatalf("answers differ:\nknown:   %s\nunknown: %s", known.Body,
				unknown.Body)
		}
		m.deliver(t)
		if got := m.pit.Messages(t); len(got) != 1 {
			t.Fatalf("%d messages in Mailpit, want 1 (to the known address)",
				len(got))
		}
		token := m.tokenFrom(t, email, 1, subjectReset, "reset-password")

		t.Run("a weak password is refused, the token kept", func(t *testing.T) {
			p := m.resetPassword(t, token, "short")
			wantErrors(t, p.Errors, at("WEAK_PASSWORD", "input", "newPassword"))
		})

		t.Run("the wrong purpose is invalid", func(t *testing.T) {
			p := m.verifyEmail(t, token)
			wantErrors(t, p.Errors, at("INVALID_TOKEN", "token"))
		})

		p := m.resetPassword(t, token, newPassword)
		wantErrors(t, p.Errors)
		if p.AccessToken == nil || p.RefreshToken == nil || p.User == nil {
			t.Fatalf("reset did not log in: %+v", p)
		}

		t.Run("old sessions end", func(t *testing.T) {
			m.wantUnauthenticated(t, old.Access)
			m.wantInvalidToken(t, old.Refresh)
			if res := m.me(t, *p.AccessToken); res.code() != "" {
				t.Fatalf("me with the new session: %s", res.Body)
			}
		})

		t.Run("only the new password logs in", func(t *testing.T) {
			m.wantLoginFails(t, email, testPassword, "INVALID_CREDENTIALS")
			if q, res := m.login(t, email, newPassword); q.AccessToken == nil {
				t.Fatalf("login with the new password: %s", res.Body)
			}
		})

		t.Run("the address counts as verified", func(t *testing.T) {
			var me testUser
			m.me(t, *p.AccessToken).field(t, "me", &me)
			if !p.User.EmailVerified || !me.EmailVerified {
				t.Errorf("emailVerified = %v, me %v", p.User.EmailVerified,
					me.EmailVerified)
			}
		})

		t.Run("the owner is told", func(t *testing.T) {
			m.newest(t, email, 2, subjectResetNotice)
		})

		t.Run("a used token is invalid", func(t *testing.T) {
			m.wantResetFails(t, token, "INVALID_TOKEN")
		})
	})
}

// Every way a reset link stops working.
func TestMailResetTokenMisuse(t *testing.T) {
	m := newMailServer(t, testdb.SQLite(t), mailOptions{})
	const email = "misuse@example.com"
	m.mustRegister(t, email)
	mails := 0
	next := func() string {
		t.Helper()
		m.later()
		mails++
		return m.resetLink(t, email, mails)
	}

	t.Run("expired", func(t *testing.T) {
		token := next()
		m.clock.Advance(m.cfg.Mail.ResetTTL + time.Second)
		m.wantResetFails(t, token, "EXPIRED_TOKEN")
	})

	t.Run("superseded by a newer link", func(t *testing.T) {
		older := next()
		newer := next()
		m.wantResetFails(t, older, "INVALID_TOKEN")
		if p := m.resetPassword(t, newer, newPassword); len(p.Errors) > 0 {
			t.Fatalf("the newer link: %+v", p.Errors)
		}
		mails++ // the notice
	})

	t.Run("after a password change", func(t *testing.T) {
		token := next()
		access := m.loginWith(t, email, newPassword)
		res := m.gql(t, access, `mutation($in: ChangePasswordInput!) {
			changePassword(input: $in) { errors { code } } }`,
			map[string]any{"in": map[string]any{
				"currentPassword": newPassword, "newPassword": testPassword}})
		var p userPayload
		if res.field(t, "changePassword", &p); len(p.Errors) > 0 {
			t.Fatalf("changePassword: %s", res.Body)
		}
		m.wantResetFails(t, token, "INVALID_TOKEN")
		mails++
		m.newest(t, email, mails, subjectChangedNotice)
	})
}

// outbox returns the newest outbox row of purpose.
func (m *mailServer) outbox(t testing.TB,
	purpose string) *models.OutboxMessage {
	t.Helper()
	rows, err := m.app.store.RecentOutbox(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(rows) - 1; i >= 0; i-- { // oldest first
		if rows[i].Purpose == purpose {
			return rows[i]
		}
	}
	t.Fatalf("no %s in the outbox", purpose)
	return nil
}

// loginWith logs in with password and returns the access token.
func (m *mailServer) loginWith(t testing.TB, email, password string) string {
	t.Helper()
	p, res := m.login(t, email, password)
	if p.AccessToken == nil {
		t.Fatalf("login %s: %s", email, res.Body)
	}
	return *p.AccessToken
}

// A reset asked for while the SMTP server is down arrives once it is up.
func TestMailResetSurvivesSMTPOutage(t *testing.T) {
	addr := mailpit.FreeAddr(t) // nothing listens there yet
	m := newMailServer(t, testdb.SQLite(t), mailOptions{smtpAddr: addr})
	const email = "outage@example.com"
	m.mustRegister(t, email)
	m.requestReset(t, email)

	// The job runs and queues the link, whose delivery fails.
	if n := m.deliver(t); n != 2 {
		t.Fatalf("attempted %d, want the job and the message", n)
	}
	pending := m.outbox(t, mail.ResetPassword)
	if pending.SentAt != nil || pending.Attempts != 1 ||
		pending.LastError == nil {
		t.Fatalf("after the failure: %+v", pending)
	}
	if n := m.deliver(t); n != 0 {
		t.Fatalf("retried %d before the backoff", n)
	}

	// The first retry waits RetryMin less up to a quarter of jitter.
	m.pit = mailpit.StartOn(t, addr)
	m.clock.Advance(mail.DefaultWorkerConfig().RetryMin)
	token := m.tokenFrom(t, email, 1, subjectReset, "reset-password")
	if got := m.pit.To(t, email)[0].MessageID; got != pending.MessageID {
		t.Errorf("Message-ID %s, want %s", got, pending.MessageID)
	}
	if p := m.resetPassword(t, token, newPassword); len(p.Errors) > 0 {
		t.Fatalf("reset with the delayed link: %+v", p.Errors)
	}
}

// Flood control: one reset mail per address per interval, however often
// it is asked for.
func TestMailResetFloodControl(t *testing.T) {
	m := newMailServer(t, testdb.SQLite(t), mailOptions{})
	const email = "flood@example.com"
	m.mustRegister(t, email)
	m.requestReset(t, email)
	m.deliver(t)
	m.clock.Advance(m.cfg.Mail.Interval / 2)
	m.requestReset(t, email)
	m.inbox(t, email, 1)

	m.later()
	m.requestReset(t, email)
	m.inbox(t, email, 2)
}

// requestPasswordReset does the same work for a known and an unknown
// address, so their response times tell nothing. Medians of alternating
// requests must be close; the bound is loose enough for a loaded CI
// machine and the race detector, and tight enough to catch a password
// hash or an SMTP exchange on one path only.
func TestMailResetTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test: slow")
	}
	// No Mailpit: the worker does not run, requests only queue jobs.
	// Production hashing, so that a hash on one path would stand out.
	m := newMailServer(t, testdb.SQLite(t), mailOptions{
		smtpAddr: mailpit.FreeAddr(t), config: func(c *Config) {
			c.Password.Argon2MemoryKiB, c.Password.Argon2Time = 19456, 2
		}})
	const known, unknown = "timing@example.com", "nobody@example.com"
	m.mustRegister(t, known)

	const rounds = 40
	var k, u []time.Duration
	for i := range rounds + 5 {
		m.later() // each request queues a job, none is dropped
		var a, b time.Duration
		if i%2 == 0 {
			a = m.timeReset(t, known)
			b = m.timeReset(t, unknown)
		} else {
			b = m.timeReset(t, unknown)
			a = m.timeReset(t, known)
		}
		if i >= 5 { // the first rounds warm caches up
			k, u = append(k, a), append(u, b)
		}
	}
	mk, mu := median(k), median(u)
	t.Logf("median known %v, unknown %v", mk, mu)
	diff := max(mk-mu, mu-mk)
	if diff > 5*time.Millisecond+max(mk, mu)/4 {
		t.Errorf("medians differ by %v: known %v, unknown %v", diff, mk, mu)
	}
}

// timeReset returns how long requestPasswordReset for email took.
func (m *mailServer) timeReset(t testing.TB, email string) time.Duration {
	t.Helper()
	start := time.Now()
	m.requestReset(t, email)
	return time.Since(start)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
