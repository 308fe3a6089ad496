package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// GenerateSigningKey returns a new random key for alg, one of
// Algorithms: Ed25519, RSA of 2048 bits, ECDSA on P-256, or a 32-byte
// HS256 secret. An unknown alg gives an error wrapping ErrInvalidKey;
// otherwise it fails only if the system's random source does.
func GenerateSigningKey(alg string) (*SigningKey, error) {
	switch alg {
	case AlgEdDSA:
		priv, err := GenerateEd25519Key()
		if err != nil {
			return nil, err
		}
		return NewSigningKey(priv), nil
	case AlgRS256:
		return generateRSAKey()
	case AlgES256:
		return generateECDSAKey()
	case AlgHS256:
		return generateHMACKey()
	}
	return nil, fmt.Errorf("%w: unsupported algorithm %q", ErrInvalidKey, alg)
}

// SigningKeyFromPEM returns the signing key in the first PEM block of
// data, an unencrypted private key in one of the forms ParsePrivateKeyPEM
// reads. The key type decides the algorithm: Ed25519 signs EdDSA, RSA
// (2048 to 8192 bits) RS256, ECDSA on P-256 ES256. Any other key, or a
// malformed one, gives an error wrapping ErrInvalidKey. HS256 secrets
// are not PEM: use NewHMACKey.
func SigningKeyFromPEM(data []byte) (*SigningKey, error) {
	key, err := parsePrivateKeyBlock(data)
	if err != nil {
		return nil, err
	}
	return signingKeyFor(key)
}

// signingKeyFor returns the signing key for a parsed private key.
func signingKeyFor(key any) (*SigningKey, error) {
	switch priv := key.(type) {
	case ed25519.PrivateKey:
		k := NewSigningKey(priv)
		if k.id == "" {
			return nil, fmt.Errorf("%w: malformed ed25519 key", ErrInvalidKey)
		}
		return k, nil
	case *rsa.PrivateKey:
		return NewRSAKey(priv)
	case *ecdsa.PrivateKey:
		return NewECDSAKey(priv)
	}
	return nil, fmt.Errorf("%w: %T is not supported", ErrInvalidKey, key)
}

// MarshalPrivate returns the key's secret material, which
// ParseSigningKey turns back into the key: an unencrypted PKCS #8 PEM
// block for an asymmetric key, the raw secret for an HS256 key. The
// result is as secret as the key; it fails with an error wrapping
// ErrInvalidKey for a key with no private half.
func (k *SigningKey) MarshalPrivate() ([]byte, error) {
	if k.alg == AlgHS256 {
		if len(k.secret) == 0 {
			return nil, fmt.Errorf("%w: no secret", ErrInvalidKey)
		}
		return bytes.Clone(k.secret), nil
	}
	if k.signer == nil {
		return nil, fmt.Errorf("%w: no private key", ErrInvalidKey)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.signer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemTypePKCS8, Bytes: der}), nil
}

// ParseSigningKey returns the key of algorithm alg whose material
// MarshalPrivate returned. It fails with an error wrapping ErrInvalidKey
// when the material is malformed or is a key of another algorithm.
func ParseSigningKey(alg string, material []byte) (*SigningKey, error) {
	if alg == AlgHS256 {
		return NewHMACKey(material)
	}
	k, err := SigningKeyFromPEM(material)
	if err != nil {
		return nil, err
	}
	if k.alg != alg {
		return nil, fmt.Errorf("%w: key is %s, want %s",
			ErrInvalidKey, k.alg, alg)
	}
	return k, nil
}
