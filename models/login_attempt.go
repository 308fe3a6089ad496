package models

import (
	"time"

	"github.com/uptrace/bun"
)

// LoginAttempts counts the failed logins of one email address since its
// last successful login, for exponential back-off. The address is kept
// only as a keyed digest, and the row exists whether or not the address
// is registered, so it reveals nothing about accounts.
type LoginAttempts struct {
	bun.BaseModel `bun:"table:login_attempts"`

	EmailDigest string     `bun:"email_digest,pk"`
	Failures    int        `bun:"failures,notnull"`
	LockedUntil *time.Time `bun:"locked_until"`
	UpdatedAt   time.Time  `bun:"updated_at,notnull"`
}
