package models

import (
	"errors"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// KeyState is where a signing key is in its lifecycle. A key moves only
// forward: published, then active, then retired; a published key may
// also be retired without ever signing.
type KeyState string

// The states of a signing key, as stored.
const (
	// KeyPublished: in the JWKS and accepted on tokens, but not signing
	// yet, so that verifiers that cache the JWKS learn it in time.
	KeyPublished KeyState = "published"
	// KeyActive: signs new tokens. At most one key is active, which the
	// database enforces.
	KeyActive KeyState = "active"
	// KeyRetired: signs no more; its tokens are accepted, and it stays
	// in the JWKS, until they have all expired, when it is deleted.
	KeyRetired KeyState = "retired"
)

// ErrKeyState means a signing key is not in a state that allows the
// change asked for, such as activating a retired key.
var ErrKeyState = errors.New("signing key state does not allow this change")

// SigningKey is a key that signs or verifies access tokens, as stored.
// PrivateKey holds the key's secret material sealed with a
// key-encryption key that the database does not hold, so a copy of the
// database alone cannot mint tokens.
type SigningKey struct {
	bun.BaseModel `bun:"table:signing_keys"`

	// ID is the kid: the RFC 7638 thumbprint of the public key, or a
	// digest of an HS256 secret.
	ID        string   `bun:"id,pk"`
	Algorithm string   `bun:"algorithm,notnull"` // JWS name, e.g. "EdDSA"
	State     KeyState `bun:"state,notnull"`
	// PrivateKey is the sealed secret material, a versioned text such
	// as "v1:<base64>".
	PrivateKey string `bun:"private_key,notnull"`
	// PublicJWK is the public JWK as JSON; empty for HS256 keys, which
	// are never published.
	PublicJWK   string     `bun:"public_jwk,nullzero"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	PublishedAt time.Time  `bun:"published_at,notnull"`
	ActivatedAt *time.Time `bun:"activated_at"`
	RetiredAt   *time.Time `bun:"retired_at"`
}

// LogValue logs the key's id, algorithm and state, never its material.
func (k *SigningKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.ID),
		slog.String("alg", k.Algorithm), slog.String("state", string(k.State)))
}
