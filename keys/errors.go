package keys

import "errors"

// Sentinel errors of this package; test for them with errors.Is. Besides
// these, methods return models.ErrNotFound for an unknown kid,
// models.ErrKeyState for a change the key's state does not allow,
// store.ErrConflict for a key that is already stored, and
// auth.ErrInvalidKey for key material that is not fit to sign.
var (
	// ErrInvalidKEK means the key-encryption key is not 32 bytes.
	ErrInvalidKEK = errors.New("key-encryption key must be 32 bytes")

	// ErrDecrypt means a stored key could not be decrypted: the
	// key-encryption key is not the one it was sealed with, or the
	// stored value was altered or moved to another key's row.
	ErrDecrypt = errors.New("signing key cannot be decrypted: wrong " +
		"key-encryption key, or the stored key was altered")

	// ErrTooEarly means a key was to be activated before it had been
	// published for Config.PublishLead, so verifiers that cache the JWKS
	// might not know it yet.
	ErrTooEarly = errors.New("signing key published too recently to sign")

	// ErrNoActiveKey means keys are stored but none of them is active.
	ErrNoActiveKey = errors.New("no active signing key")
)
