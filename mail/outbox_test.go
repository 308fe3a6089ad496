package mail_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/store"
)

func TestOutboxFloodControl(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		o, clock := newOutbox(t), newFakeClock()
		q := func(purpose, to string) bool {
			return queue(t, s, o, clock.Now(), purpose, to, mail.Data{})
		}
		if !q(mail.ResetPassword, "ada@example.com") {
			t.Fatal("first message held back")
		}
		clock.Advance(59 * time.Second)
		if q(mail.ResetPassword, "ada@example.com") {
			t.Error("second message within the interval queued")
		}
		if !q(mail.VerifyEmail, "ada@example.com") {
			t.Error("other purpose held back")
		}
		if !q(mail.ResetPassword, "bob@example.com") {
			t.Error("other recipient held back")
		}
		clock.Advance(time.Second)
		if !q(mail.ResetPassword, "ada@example.com") {
			t.Error("held back after the interval")
		}
	})
}

func TestOutboxFloodControlConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		o, now := newOutbox(t), time.Now().UTC()
		const n = 8
		queued := make(chan bool, n)
		for range n {
			go func() {
				var ok bool
				err := s.Tx(context.Background(), func(tx *store.Store) error {
					var err error
					ok, err = o.Queue(context.Background(), tx, now, mail.Item{
						Purpose: mail.VerifyEmail, To: "ada@example.com",
						ToNormalized: "ada@example.com"})
					return err
				})
				if err != nil {
					t.Error(err)
				}
				queued <- ok
			}()
		}
		count := 0
		for range n {
			if <-queued {
				count++
			}
		}
		if count != 1 {
			t.Errorf("%d of %d concurrent requests queued, want 1", count, n)
		}
	})
}

func TestOutboxKeepsNoSecretInClear(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		o, clock, rec := newOutbox(t), newFakeClock(), &recorder{}
		const token = "Zm9vYmFyYmF6cXV4LXNlY3JldC10b2tlbi12YWx1ZQ"
		queue(t, s, o, clock.Now(), mail.ResetPassword, "ada@example.com",
			mail.Data{Token: token, Email: "ada@example.com"})
		m := onlyMessage(t, s)
		if strings.Contains(*m.Data, token) || strings.Contains(*m.Data, "ada@") {
			t.Errorf("data in clear: %s", *m.Data)
		}
		plain := sha256.Sum256([]byte("ada@example.com"))
		if m.RecipientDigest == hex.EncodeToString(plain[:]) ||
			m.RecipientDigest != o.RecipientDigest("ada@example.com") {
			t.Errorf("recipient digest %s is not the keyed one", m.RecipientDigest)
		}
		if !strings.HasPrefix(m.MessageID, "") || !strings.HasSuffix(m.MessageID, "@usergraph") {
			t.Errorf("message id %s", m.MessageID)
		}

		runOnce(t, newWorker(t, s, rec, clock, testWorkerConfig(), nil))
		if sent := rec.Sent(); len(sent) != 1 || !strings.Contains(sent[0].Text, token) {
			t.Fatalf("sent %+v", sent)
		}
		m, err := s.OutboxMessage(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.SentAt == nil || m.Data != nil || m.Recipient != nil {
			t.Errorf("after sending: sent %v, data %v, recipient %v",
				m.SentAt, m.Data, m.Recipient)
		}
	})
}

func TestOutboxDataNeedsTheSameSecret(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		clock := newFakeClock()
		other, err := auth.NewSecrets([]byte("another master secret, 32 bytes or more!"))
		if err != nil {
			t.Fatal(err)
		}
		o, err := mail.NewOutbox(other, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		queue(t, s, o, clock.Now(), mail.ResetPassword, "ada@example.com",
			mail.Data{Token: "T"})
		rec := &recorder{}
		cfg := testWorkerConfig()
		cfg.MaxAttempts = 1
		runOnce(t, newWorker(t, s, rec, clock, cfg, nil))
		m := onlyMessage(t, s)
		if len(rec.Attempts()) != 0 || m.FailedAt == nil || m.LastError == nil {
			t.Errorf("sent %d; failed %v (%v)", len(rec.Attempts()), m.FailedAt,
				m.LastError)
		}
	})
}
