package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
)

// NewECDSAKey returns the ES256 signing key for priv, with the RFC 7638
// thumbprint of its public key as kid. It fails with an error wrapping
// ErrInvalidKey when priv is nil, not on P-256, or its public half does
// not match its private scalar.
func NewECDSAKey(priv *ecdsa.PrivateKey) (*SigningKey, error) {
	if priv == nil || priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: not a P-256 ECDSA key", ErrInvalidKey)
	}
	// Round-trip the scalar: this checks it is in range and that the
	// public point is the one it yields.
	raw, err := priv.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	derived, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	if !derived.PublicKey.Equal(&priv.PublicKey) {
		return nil, fmt.Errorf("%w: public key does not match", ErrInvalidKey)
	}
	pub := &derived.PublicKey
	return &SigningKey{
		id:     publicJWK(pub).thumbprint(),
		alg:    AlgES256,
		signer: derived,
		public: pub,
	}, nil
}

func generateECDSAKey() (*SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ecdsa key: %w", err)
	}
	return NewECDSAKey(priv)
}
