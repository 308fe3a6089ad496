package models

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// TokenPurpose is what a one-time token may be used for. A token of one
// purpose is refused for every other.
type TokenPurpose string

// The purposes of one-time tokens, as stored.
const (
	PurposeVerifyEmail   TokenPurpose = "verify_email"
	PurposeResetPassword TokenPurpose = "reset_password"
	PurposeChangeEmail   TokenPurpose = "change_email"
)

// OneTimeToken is a random token sent by email (in a link) to prove
// that its reader controls an address. Only its SHA-256 digest is kept.
// It is bound to a user, a purpose and the address it was sent to: for
// change_email the new address, otherwise the user's address at the
// time, so a link sent to an address the account no longer has is
// refused. It is used once (UsedAt is set), and issuing a newer token
// of the same purpose for the user marks the older ones used.
type OneTimeToken struct {
	bun.BaseModel `bun:"table:one_time_tokens"`

	ID      string       `bun:"id,pk"`
	UserID  string       `bun:"user_id,notnull"`
	Purpose TokenPurpose `bun:"purpose,notnull"`
	Digest  string       `bun:"digest,notnull"`
	// Email is the address the token was sent to, as typed; for
	// change_email, the address the account changes to.
	Email           string     `bun:"email,notnull"`
	EmailNormalized string     `bun:"email_normalized,notnull"`
	CreatedAt       time.Time  `bun:"created_at,notnull"`
	ExpiresAt       time.Time  `bun:"expires_at,notnull"`
	UsedAt          *time.Time `bun:"used_at"`
}

// LogValue keeps the digest and the address out of logs.
func (t *OneTimeToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", t.ID),
		slog.String("user_id", t.UserID),
		slog.String("purpose", string(t.Purpose)))
}
