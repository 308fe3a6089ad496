package mail

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// messageIDDomain is the right-hand side of every Message-ID.
const messageIDDomain = "usergraph"

// Outbox queues messages and jobs in the caller's transaction, with
// flood control: at most one item of a purpose per recipient per
// interval, whoever asks. It is safe for concurrent use.
type Outbox struct {
	seal      *sealer
	digestKey []byte
	interval  time.Duration
}

// NewOutbox returns an Outbox that seals data and keys recipients with
// keys derived from secrets, and lets one item of a purpose through per
// recipient per interval (at least a second).
func NewOutbox(secrets *auth.Secrets, interval time.Duration) (*Outbox,
	error) {
	if interval < time.Second {
		return nil, errors.New("mail interval must be at least 1s")
	}
	s, err := newSealer(secrets.KeyEncryptionKey())
	if err != nil {
		return nil, err
	}
	return &Outbox{seal: s, digestKey: secrets.DigestKey(),
		interval: interval}, nil
}

// Item is one message (Purpose is a template) or job (Purpose names a
// worker job) to queue.
type Item struct {
	Purpose string
	// UserID is the account the item is about, or empty; the item is
	// deleted with the account.
	UserID string
	// To is the address to send to; for a job, what it concerns.
	To string
	// ToNormalized is To's normalized form, which flood control counts
	// by.
	ToNormalized string
	// Data is marshalled to JSON and sealed: Data for a template, what
	// the job needs for a job.
	Data any
}

// Allowed reports whether an item of purpose may be queued for the
// normalized address now, that is, whether none was queued within the
// interval. Inside a transaction it also makes others queueing for the
// address wait until this one ends, so check and queue act as one.
func (o *Outbox) Allowed(ctx context.Context, tx *store.Store, purpose,
	normalized string, now time.Time) (bool, error) {
	digest := o.RecipientDigest(normalized)
	if err := tx.LockOutboxRecipient(ctx, digest); err != nil {
		return false, err
	}
	recent, err := tx.OutboxQueuedAfter(ctx, digest, []string{purpose},
		now.Add(-o.interval))
	return !recent, err
}

// Queue writes it to the outbox at now, if Allowed, and reports whether
// it did. Call it in the transaction of the change that causes the
// message.
func (o *Outbox) Queue(ctx context.Context, tx *store.Store, now time.Time,
	it Item) (bool, error) {
	ok, err := o.Allowed(ctx, tx, it.Purpose, it.ToNormalized, now)
	if err != nil || !ok {
		return false, err
	}
	data, err := json.Marshal(it.Data)
	if err != nil {
		return false, fmt.Errorf("outbox data: %w", err)
	}
	id := uuid.Must(uuid.NewV7()).String()
	sealed := o.seal.seal(id, data)
	to := it.To
	m := &models.OutboxMessage{
		ID:              id,
		Purpose:         it.Purpose,
		Recipient:       &to,
		RecipientDigest: o.RecipientDigest(it.ToNormalized),
		Data:            &sealed,
		MessageID:       uuid.Must(uuid.NewRandom()).String() + "@" + messageIDDomain,
		NextAttemptAt:   now,
		CreatedAt:       now,
	}
	if it.UserID != "" {
		m.UserID = &it.UserID
	}
	return true, tx.CreateOutboxMessage(ctx, m)
}

// RecipientDigest is the keyed digest of a normalized address under
// which the outbox counts what it sent there. It is an HMAC, so that
// the rows kept for counting do not reveal the address.
func (o *Outbox) RecipientDigest(normalized string) string {
	m := hmac.New(sha256.New, o.digestKey)
	m.Write([]byte("mail recipient\x00"))
	m.Write([]byte(normalized))
	return hex.EncodeToString(m.Sum(nil))
}
