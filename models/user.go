package models

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// User is an account. Email keeps the address as its owner typed it (for
// display and mail); EmailNormalized is the unique key it is found by.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID              string     `bun:"id,pk"`
	Email           string     `bun:"email,notnull"`
	EmailNormalized string     `bun:"email_normalized,notnull"`
	EmailVerified   bool       `bun:"email_verified,notnull"`
	PasswordHash    string     `bun:"password_hash,notnull"`
	DisplayName     *string    `bun:"display_name"`
	Bio             *string    `bun:"bio"`
	AvatarURL       *string    `bun:"avatar_url"`
	Role            Role       `bun:"role,notnull"`
	Disabled        bool       `bun:"disabled,notnull"`
	CreatedAt       time.Time  `bun:"created_at,notnull"`
	UpdatedAt       time.Time  `bun:"updated_at,notnull"`
	LastLoginAt     *time.Time `bun:"last_login_at"`
}

// LogValue keeps the password hash and the address out of logs.
func (u *User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", u.ID))
}
