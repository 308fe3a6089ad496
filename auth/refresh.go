package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// refreshTokenBytes is the entropy of a refresh token: 256 bits.
const refreshTokenBytes = 32

// maxRefreshTokenLen bounds what is hashed when a client presents a
// token; a real one is 43 characters.
const maxRefreshTokenLen = 128

// NewRefreshToken returns a new random refresh token, URL-safe.
func NewRefreshToken() (string, error) {
	b := make([]byte, refreshTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random refresh token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// TokenDigest returns the SHA-256 digest, in hex, under which a refresh
// token (or any other random one-time token) is stored. The token itself
// is never stored. It returns ok false for a value that cannot be a token
// this server issued, so the caller can refuse it without a lookup.
func TokenDigest(token string) (digest string, ok bool) {
	if token == "" || len(token) > maxRefreshTokenLen {
		return "", false
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:]), true
}

// RefreshSuccessor returns the token that replaces parent when parent is
// rotated. It is derived, not random, so that a client that presents
// parent twice within the grace window (two tabs, a retried request) gets
// the same successor from any instance, while nothing but its digest is
// stored. Without the server's key the successor cannot be computed.
func (s *Secrets) RefreshSuccessor(parent string) string {
	m := hmac.New(sha256.New, s.refresh)
	m.Write([]byte("successor\x00"))
	m.Write([]byte(parent))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
