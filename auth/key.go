package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// AlgEdDSA is the JWS name of Ed25519 signatures (RFC 8037).
const AlgEdDSA = "EdDSA"

// pemTypePKCS8 is the PEM label of an unencrypted PKCS #8 private key.
const pemTypePKCS8 = "PRIVATE KEY"

// SigningKey is a key that signs and verifies tokens: its key id (kid),
// its JWS algorithm, its private key and its public key. It is immutable.
// Printing or logging it shows only the kid and the algorithm.
type SigningKey struct {
	id     string
	alg    string
	signer crypto.Signer
	public crypto.PublicKey
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

// Public returns the public key, to verify signatures or publish it.
func (k *SigningKey) Public() crypto.PublicKey { return k.public }

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

// ed25519Thumbprint returns the RFC 7638 thumbprint of pub: SHA-256 over
// the required JWK members in lexicographic order, without whitespace,
// in unpadded base64url.
func ed25519Thumbprint(pub ed25519.PublicKey) string {
	x := base64.RawURLEncoding.EncodeToString(pub)
	jwk := `{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`
	sum := sha256.Sum256([]byte(jwk))
	return base64.RawURLEncoding.EncodeToString(sum[:])
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
// PKCS #8 private key. Only Ed25519 keys are supported for now; a missing
// or mislabelled block, bad DER, or another key type gives an error
// wrapping ErrInvalidKey.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrInvalidKey)
	}
	if block.Type != pemTypePKCS8 {
		return nil, fmt.Errorf("%w: PEM block %q, want %q (PKCS #8)",
			ErrInvalidKey, block.Type, pemTypePKCS8)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not supported, only Ed25519",
			ErrInvalidKey, key)
	}
	return priv, nil
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
