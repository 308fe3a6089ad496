package auth

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// MinSecretBytes is the least entropy a master secret must carry.
const MinSecretBytes = 32

// Secrets are the server's symmetric keys, each derived with HKDF from
// one master secret that every instance is configured with. Deriving
// keeps one value to manage and keeps the keys independent: learning one
// says nothing of the others.
type Secrets struct {
	refresh []byte
	kek     []byte
	digest  []byte
}

// NewSecrets derives the server's keys from master. It fails when master
// is shorter than MinSecretBytes.
func NewSecrets(master []byte) (*Secrets, error) {
	if len(master) < MinSecretBytes {
		return nil, fmt.Errorf("master secret must be at least %d bytes",
			MinSecretBytes)
	}
	derive := func(purpose string) []byte {
		k, err := hkdf.Key(sha256.New, master, nil,
			"usergraph "+purpose, 32)
		if err != nil {
			// Only reachable with an output length HKDF cannot give.
			panic(err)
		}
		return k
	}
	return &Secrets{
		refresh: derive("refresh-token successor v1"),
		kek:     derive("key encryption v1"),
		digest:  derive("keyed digest v1"),
	}, nil
}

// KeyEncryptionKey is the 32-byte key that encrypts signing keys stored
// in the database.
func (s *Secrets) KeyEncryptionKey() []byte { return s.kek }

// DigestKey is the 32-byte HMAC key for values kept only as keyed
// digests, such as an email address recorded for counting.
func (s *Secrets) DigestKey() []byte { return s.digest }

// LogValue hides the keys.
func (s *Secrets) LogValue() slog.Value { return slog.StringValue("[secrets]") }

// ParseSecret decodes a master secret given as base64 (standard or URL
// alphabet, padding optional). White space around it is ignored.
func ParseSecret(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	for _, enc := range []*base64.Encoding{base64.StdEncoding,
		base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(text); err == nil {
			if len(b) < MinSecretBytes {
				return nil, fmt.Errorf("secret decodes to %d bytes; at "+
					"least %d are needed", len(b), MinSecretBytes)
			}
			return b, nil
		}
	}
	return nil, errors.New("secret is not base64")
}

// LoadOrCreateSecretFile reads a base64 master secret from path, creating
// the file (mode 0600) with a new random secret if it does not exist.
// created reports whether it did.
func LoadOrCreateSecretFile(path string) (secret []byte, created bool,
	err error) {
	data, err := os.ReadFile(path)
	if err == nil {
		secret, err = ParseSecret(string(data))
		return secret, false, err
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	secret = make([]byte, MinSecretBytes)
	if _, err := rand.Read(secret); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process created it first: use theirs.
		return LoadOrCreateSecretFile(path)
	}
	if err != nil {
		return nil, false, err
	}
	text := base64.StdEncoding.EncodeToString(secret) + "\n"
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, err
	}
	return secret, true, f.Close()
}
