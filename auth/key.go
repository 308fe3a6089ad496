package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// The JWS algorithms (RFC 7518, RFC 8037) that keys can sign with.
const (
	// AlgEdDSA is Ed25519, the default: small keys, fast, deterministic.
	AlgEdDSA = "EdDSA"
	// AlgRS256 is RSASSA-PKCS1-v1_5 with SHA-256 and a key of at least
	// 2048 bits, for verifiers that know nothing newer.
	AlgRS256 = "RS256"
	// AlgES256 is ECDSA on P-256 with SHA-256.
	AlgES256 = "ES256"
	// AlgHS256 is HMAC with SHA-256 and a shared secret of at least 32
	// bytes. Whoever can verify such a token can also mint one, so its
	// key never appears in the JWKS.
	AlgHS256 = "HS256"
)

// Algorithms returns the JWS algorithms this package signs with, the
// default first.
func Algorithms() []string {
	return []string{AlgEdDSA, AlgRS256, AlgES256, AlgHS256}
}

// The PEM labels of the private keys this package reads.
const (
	pemTypePKCS8    = "PRIVATE KEY"     // PKCS #8, any algorithm
	pemTypePKCS1    = "RSA PRIVATE KEY" // PKCS #1
	pemTypeSEC1     = "EC PRIVATE KEY"  // SEC 1
	pemTypeECParams = "EC PARAMETERS"   // what openssl ecparam writes first
)

// SigningKey is a key that signs and verifies tokens: its key id (kid),
// its JWS algorithm and its key material: a private and a public key, or
// for HS256 a shared secret. It is immutable. Printing or logging it
// shows only the kid and the algorithm.
type SigningKey struct {
	id     string
	alg    string
	signer crypto.Signer    // nil for HS256
	public crypto.PublicKey // nil for HS256
	secret []byte           // HS256 only
}

// NewSigningKey returns the EdDSA signing key for priv. Its kid is the
// RFC 7638 JWK thumbprint of the public key, so it is stable across
// restarts and instances. A priv that is not a well-formed Ed25519 key
// (wrong length, or a public half that does not match the seed) yields a
// key without a kid, which NewKeyRing rejects with ErrInvalidKey.
func NewSigningKey(priv ed25519.PrivateKey) *SigningKey {
	pub, ok := ed25519Public(priv)
	if !ok {
		return &SigningKey{alg: AlgEdDSA}
	}
	return &SigningKey{
		id:     ed25519Thumbprint(pub),
		alg:    AlgEdDSA,
		signer: priv,
		public: pub,
	}
}

// ID returns the key id, carried in the kid header of tokens it signs.
func (k *SigningKey) ID() string { return k.id }

// Algorithm returns the JWS algorithm name, such as "EdDSA".
func (k *SigningKey) Algorithm() string { return k.alg }

// Public returns the public key, to verify signatures or publish it. It
// is nil for an HS256 key, which has none.
func (k *SigningKey) Public() crypto.PublicKey { return k.public }

// Symmetric reports whether the key is a shared secret (HS256), which
// must never be published.
func (k *SigningKey) Symmetric() bool { return k.alg == AlgHS256 }

// signKey returns what the jwt library signs with for this key, or nil
// when the key cannot sign.
func (k *SigningKey) signKey() any {
	switch {
	case k.alg == AlgHS256 && len(k.secret) > 0:
		return k.secret
	case k.alg != AlgHS256 && k.signer != nil:
		return k.signer
	}
	return nil
}

// verifyKey returns what the jwt library verifies with for this key, or
// nil when the key has nothing to verify with.
func (k *SigningKey) verifyKey() any {
	switch {
	case k.alg == AlgHS256 && len(k.secret) > 0:
		return k.secret
	case k.alg != AlgHS256 && k.public != nil:
		return k.public
	}
	return nil
}

// String describes the key without its secret.
func (k *SigningKey) String() string {
	return fmt.Sprintf("SigningKey(kid=%s, alg=%s)", k.id, k.alg)
}

// LogValue logs the key as its kid and algorithm, never its secret.
func (k *SigningKey) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("kid", k.id), slog.String("alg", k.alg))
}

// ed25519Public returns the public half of priv after checking that priv
// is a whole key whose public half matches its seed.
func ed25519Public(priv ed25519.PrivateKey) (ed25519.PublicKey, bool) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, false
	}
	derived := ed25519.NewKeyFromSeed(priv.Seed())
	if !derived.Equal(priv) {
		return nil, false
	}
	return derived.Public().(ed25519.PublicKey), true
}

// ed25519Thumbprint returns the RFC 7638 thumbprint of pub.
func ed25519Thumbprint(pub ed25519.PublicKey) string {
	return publicJWK(pub).thumbprint()
}

// GenerateEd25519Key returns a new random Ed25519 private key. It fails
// only if the system's random source does.
func GenerateEd25519Key() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return priv, nil
}

// ParsePrivateKeyPEM parses the first PEM block of data as an unencrypted
// private key: PKCS #8 ("PRIVATE KEY") holding an Ed25519, RSA or P-256
// ECDSA key, PKCS #1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY",
// after an optional "EC PARAMETERS" block, as openssl writes it). The key
// must be fit for its algorithm (see SigningKeyFromPEM). A missing or
// mislabelled block, an encrypted key, bad DER, or another key type gives
// an error wrapping ErrInvalidKey.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	key, err := SigningKeyFromPEM(data)
	if err != nil {
		return nil, err
	}
	return key.signer, nil
}

// parsePrivateKeyBlock decodes the first private key PEM block of data.
func parsePrivateKeyBlock(data []byte) (any, error) {
	block, rest := pem.Decode(data)
	if block != nil && block.Type == pemTypeECParams {
		block, _ = pem.Decode(rest)
	}
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrInvalidKey)
	}
	if _, ok := block.Headers["DEK-Info"]; ok {
		return nil, fmt.Errorf("%w: the PEM block is encrypted", ErrInvalidKey)
	}
	var key any
	var err error
	switch block.Type {
	case pemTypePKCS8:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case pemTypePKCS1:
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case pemTypeSEC1:
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block %q, want %q (PKCS #8), "+
			"%q or %q", ErrInvalidKey, block.Type, pemTypePKCS8,
			pemTypePKCS1, pemTypeSEC1)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return key, nil
}

// EncodePrivateKeyPEM encodes key as an unencrypted PKCS #8 PEM block.
// A malformed key gives an error wrapping ErrInvalidKey.
func EncodePrivateKeyPEM(key ed25519.PrivateKey) ([]byte, error) {
	if _, ok := ed25519Public(key); !ok {
		return nil, fmt.Errorf("%w: malformed ed25519 key", ErrInvalidKey)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemTypePKCS8, Bytes: der}), nil
}

// LoadOrCreateKeyFile reads the Ed25519 key in the PKCS #8 PEM file at
// path, or, when there is no such file, creates one with a new key and
// mode 0600 and reports created. Processes starting together end up
// with the same key: only one creates the file and the others read it,
// and none ever sees it half-written. It does not check the mode of an
// existing file. Errors come from the file system, or wrap ErrInvalidKey
// when the file holds no usable key.
func LoadOrCreateKeyFile(
	path string,
) (key ed25519.PrivateKey, created bool, err error) {
	key, err = readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key, err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		key, err = readKeyFile(path)
		return key, false, err
	}
	return key, err == nil, err
}

func readKeyFile(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	signer, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	priv, ok := signer.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key file %s: %w: not Ed25519",
			path, ErrInvalidKey)
	}
	return priv, nil
}

// createKeyFile writes a new key to a temporary file beside path and
// links it into place. A link, unlike a rename, fails when path exists,
// so a concurrent creator's key is never replaced; the error then
// matches fs.ErrExist.
func createKeyFile(path string) (ed25519.PrivateKey, error) {
	key, err := GenerateEd25519Key()
	if err != nil {
		return nil, err
	}
	data, err := EncodePrivateKeyPEM(key)
	if err != nil {
		return nil, err
	}

	// CreateTemp makes the file with mode 0600.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".signing-key-*")
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, data); err != nil {
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	return key, nil
}

// writeSynced writes data to f, flushes it to disk and closes f.
func writeSynced(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
