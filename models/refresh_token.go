package models

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// RefreshToken is one link of a session's refresh-token chain. Only the
// SHA-256 digest of the token is kept. A token is used once: using it
// sets UsedAt and issues its successor. Presenting a used token again
// after the grace window means it was stolen or replayed, and ends the
// session.
type RefreshToken struct {
	bun.BaseModel `bun:"table:refresh_tokens"`

	ID        string     `bun:"id,pk"`
	SessionID string     `bun:"session_id,notnull"`
	Digest    string     `bun:"digest,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

// LogValue keeps the digest out of logs.
func (t *RefreshToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", t.ID),
		slog.String("session_id", t.SessionID))
}
