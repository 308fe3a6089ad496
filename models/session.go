package models

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// Session is one login of a user on one client. Access tokens name it in
// their sid claim; a session that is revoked or past ExpiresAt makes every
// token naming it invalid on the next request.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID         string     `bun:"id,pk"`
	UserID     string     `bun:"user_id,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	LastUsedAt time.Time  `bun:"last_used_at,notnull"`
	ExpiresAt  time.Time  `bun:"expires_at,notnull"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	UserAgent  *string    `bun:"user_agent"`
	IPAddress  *string    `bun:"ip_address"`

	// User is filled only by queries that join it.
	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// Active reports whether s can still authenticate requests at now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// LogValue keeps the client's address and user agent out of logs.
func (s *Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", s.ID),
		slog.String("user_id", s.UserID))
}
