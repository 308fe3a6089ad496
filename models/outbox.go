package models

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// OutboxMessage is an email waiting to be sent, or a job that the mail
// worker turns into emails, written in the same transaction as the
// change that causes it. Once it is sent (or given up), its recipient
// and data are cleared; the row stays a while, keyed by an HMAC of the
// address, so that flood control can count it.
type OutboxMessage struct {
	bun.BaseModel `bun:"table:mail_outbox"`

	ID string `bun:"id,pk"`
	// UserID is the account the message is about, if any; the message
	// is deleted with the account.
	UserID *string `bun:"user_id"`
	// Purpose names the template to render, or the job to run.
	Purpose string `bun:"purpose,notnull"`
	// Recipient is the address to send to (for a job, the normalized
	// address it concerns); nil once sent.
	Recipient *string `bun:"recipient"`
	// RecipientDigest is a keyed digest of the normalized recipient,
	// what flood control counts by.
	RecipientDigest string `bun:"recipient_digest,notnull"`
	// Data is the template or job data, sealed; nil once sent. It may
	// hold a one-time token, which is why it is sealed and cleared.
	Data *string `bun:"data"`
	// MessageID is the Message-ID header, without angle brackets, the
	// same on every attempt so that a repeat can be recognized.
	MessageID     string     `bun:"message_id,notnull"`
	Attempts      int        `bun:"attempts,notnull"`
	NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
	Claim         *string    `bun:"claim"`
	SentAt        *time.Time `bun:"sent_at"`
	FailedAt      *time.Time `bun:"failed_at"`
	LastError     *string    `bun:"last_error"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
}

// LogValue keeps the recipient and the data out of logs.
func (m *OutboxMessage) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", m.ID),
		slog.String("purpose", m.Purpose),
		slog.String("message_id", m.MessageID),
		slog.Int("attempts", m.Attempts))
}
