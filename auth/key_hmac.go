package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// HS256 secret sizes: at least the output size of SHA-256 (RFC 7518
// section 3.2), and a bound so that no one configures a file by mistake.
const (
	minHMACSecret = 32
	maxHMACSecret = 1024
)

// hmacKIDPrefix separates the kid digest from any other use of a hash of
// the secret.
const hmacKIDPrefix = "usergraph-hs256-kid"

// NewHMACKey returns the HS256 signing key for secret, a copy of which it
// keeps. Its kid is the first 22 characters of the base64url SHA-256 of a
// fixed prefix and the secret: stable across restarts, and of no help in
// recovering a random secret. It fails with an error wrapping
// ErrInvalidKey when secret is shorter than 32 or longer than 1024 bytes.
//
// Anyone who can verify an HS256 token can mint one, so use it only when
// every verifier is as trusted as this server.
func NewHMACKey(secret []byte) (*SigningKey, error) {
	if n := len(secret); n < minHMACSecret || n > maxHMACSecret {
		return nil, fmt.Errorf("%w: HS256 secret of %d bytes, want %d to %d",
			ErrInvalidKey, n, minHMACSecret, maxHMACSecret)
	}
	return &SigningKey{
		id:     hmacKID(secret),
		alg:    AlgHS256,
		secret: bytes.Clone(secret),
	}, nil
}

func hmacKID(secret []byte) string {
	h := sha256.New()
	h.Write([]byte(hmacKIDPrefix))
	h.Write(secret)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))[:22]
}

func generateHMACKey() (*SigningKey, error) {
	secret := make([]byte, minHMACSecret)
	rand.Read(secret) // never fails; it crashes the program instead
	return NewHMACKey(secret)
}
