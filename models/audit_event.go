package models

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// AuditEventType names what an audit event records. The values match the
// GraphQL enum AuditEventType one to one.
type AuditEventType string

// The audit event types.
const (
	// AuditRegister: an account was created (actor and target: the new
	// user).
	AuditRegister AuditEventType = "REGISTER"
	// AuditLoginSuccess: a login started a session.
	AuditLoginSuccess AuditEventType = "LOGIN_SUCCESS"
	// AuditLoginFailure: a login was refused for a wrong password, an
	// unknown address or a disabled account. No actor; the target is the
	// account when the address is registered; the address is kept only
	// as a keyed digest.
	AuditLoginFailure AuditEventType = "LOGIN_FAILURE"
	// AuditLogout: a user ended their current session, or all of them.
	AuditLogout AuditEventType = "LOGOUT"
	// AuditRefreshTokenReuse: a rotated refresh token was presented
	// after its grace window, and its session was ended. No actor: the
	// presenter is not known to be the user.
	AuditRefreshTokenReuse AuditEventType = "REFRESH_TOKEN_REUSE"
	// AuditPasswordChange: a user changed their password.
	AuditPasswordChange AuditEventType = "PASSWORD_CHANGE"
	// AuditPasswordReset: a password was reset with an emailed token.
	AuditPasswordReset AuditEventType = "PASSWORD_RESET"
	// AuditEmailChange: an account's address changed.
	AuditEmailChange AuditEventType = "EMAIL_CHANGE"
	// AuditEmailVerified: an account's address was verified.
	AuditEmailVerified AuditEventType = "EMAIL_VERIFIED"
	// AuditRoleChange: an administrator changed a user's role.
	AuditRoleChange AuditEventType = "ROLE_CHANGE"
	// AuditUserDisabled: an administrator disabled an account.
	AuditUserDisabled AuditEventType = "USER_DISABLED"
	// AuditUserEnabled: an administrator enabled an account again.
	AuditUserEnabled AuditEventType = "USER_ENABLED"
	// AuditUserDeleted: an account was deleted, by an administrator or
	// by its owner.
	AuditUserDeleted AuditEventType = "USER_DELETED"
	// AuditSessionRevoked: a user ended one of their sessions by id.
	AuditSessionRevoked AuditEventType = "SESSION_REVOKED"
)

// AuditEventTypes lists every audit event type.
func AuditEventTypes() []AuditEventType {
	return []AuditEventType{AuditRegister, AuditLoginSuccess,
		AuditLoginFailure, AuditLogout, AuditRefreshTokenReuse,
		AuditPasswordChange, AuditPasswordReset, AuditEmailChange,
		AuditEmailVerified, AuditRoleChange, AuditUserDisabled,
		AuditUserEnabled, AuditUserDeleted, AuditSessionRevoked}
}

// Valid reports whether t is one of the defined types.
func (t AuditEventType) Valid() bool {
	return slices.Contains(AuditEventTypes(), t)
}

// String returns the type's name.
func (t AuditEventType) String() string { return string(t) }

// UnmarshalGQL reads an AuditEventType from a GraphQL enum value.
func (t *AuditEventType) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("audit event type must be a string")
	}
	*t = AuditEventType(s)
	if !t.Valid() {
		return fmt.Errorf("%q is not a valid AuditEventType", s)
	}
	return nil
}

// MarshalGQL writes t as a GraphQL enum value.
func (t AuditEventType) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(t)))
}

// AuditEvent records who did what to which account, when, and from
// where. ActorID is the user who acted (nil when anonymous), TargetID the
// account acted on; both become nil when that user is deleted, and the
// events of a deleted user then keep no address, IP or user agent.
// EmailDigest is an HMAC-SHA256 (hex) of a normalized address under the
// server's digest key, set where an address must be recorded (failed
// logins); the address itself is never stored.
type AuditEvent struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID          string         `bun:"id,pk"`
	Type        AuditEventType `bun:"type,notnull"`
	ActorID     *string        `bun:"actor_id"`
	TargetID    *string        `bun:"target_id"`
	EmailDigest *string        `bun:"email_digest"`
	IPAddress   *string        `bun:"ip_address"`
	UserAgent   *string        `bun:"user_agent"`
	CreatedAt   time.Time      `bun:"created_at,notnull"`
}

// LogValue logs the event's id, type and users, never the client's
// address, user agent or the email digest.
func (e *AuditEvent) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("id", e.ID),
		slog.String("type", string(e.Type))}
	if e.ActorID != nil {
		attrs = append(attrs, slog.String("actor_id", *e.ActorID))
	}
	if e.TargetID != nil {
		attrs = append(attrs, slog.String("target_id", *e.TargetID))
	}
	return slog.GroupValue(attrs...)
}
