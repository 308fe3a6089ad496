package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
)

// RSA key sizes accepted for RS256. Below 2048 bits is breakable with
// enough money; above 8192 only slows every verification down.
const (
	minRSABits      = 2048
	maxRSABits      = 8192
	generateRSABits = 2048
)

// NewRSAKey returns the RS256 signing key for priv, with the RFC 7638
// thumbprint of its public key as kid. It fails with an error wrapping
// ErrInvalidKey when priv is nil, inconsistent, or not between 2048 and
// 8192 bits.
func NewRSAKey(priv *rsa.PrivateKey) (*SigningKey, error) {
	if priv == nil || priv.N == nil {
		return nil, fmt.Errorf("%w: no RSA key", ErrInvalidKey)
	}
	if bits := priv.N.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil, fmt.Errorf("%w: RSA key of %d bits, want %d to %d",
			ErrInvalidKey, bits, minRSABits, maxRSABits)
	}
	if err := priv.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	pub := &priv.PublicKey
	return &SigningKey{
		id:     publicJWK(pub).thumbprint(),
		alg:    AlgRS256,
		signer: priv,
		public: pub,
	}, nil
}

func generateRSAKey() (*SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, generateRSABits)
	if err != nil {
		return nil, fmt.Errorf("generate rsa key: %w", err)
	}
	return NewRSAKey(priv)
}
