package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// sealV1 prefixes a key sealed with AES-256-GCM: a random 96-bit nonce,
// then the ciphertext and tag, in standard base64, with the kid as
// additional data so that a sealed key pasted into another row fails to
// open. A new format would take a new prefix.
const sealV1 = "v1:"

// kekSize is the size of a key-encryption key: AES-256.
const kekSize = 32

// newAEAD returns AES-256-GCM under kek.
func newAEAD(kek []byte) (cipher.AEAD, error) {
	if len(kek) != kekSize {
		return nil, fmt.Errorf("%w, got %d", ErrInvalidKEK, len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	return cipher.NewGCM(block)
}

// seal encrypts the secret material of the key kid for storage.
func seal(aead cipher.AEAD, kid string, material []byte) string {
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce) // never fails; it crashes the program instead
	out := aead.Seal(nonce, nonce, material, []byte(kid))
	return sealV1 + base64.StdEncoding.EncodeToString(out)
}

// openSealed decrypts what seal stored for the key kid. Every failure wraps
// ErrDecrypt.
func openSealed(aead cipher.AEAD, kid, sealed string) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, sealV1)
	if !ok {
		return nil, fmt.Errorf("%w: unknown format", ErrDecrypt)
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	n := aead.NonceSize()
	if err != nil || len(raw) < n+aead.Overhead() {
		return nil, fmt.Errorf("%w: malformed", ErrDecrypt)
	}
	material, err := aead.Open(nil, raw[:n], raw[n:], []byte(kid))
	if err != nil {
		return nil, ErrDecrypt
	}
	return material, nil
}

// ParseKEK decodes a key-encryption key given in configuration: 32 bytes
// in base64, standard or URL-safe, padded or not (as printed by
// "openssl rand -base64 32"). The error never quotes s.
func ParseKEK(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding,
		base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if kek, err := enc.DecodeString(s); err == nil {
			if len(kek) != kekSize {
				return nil, fmt.Errorf("%w, got %d", ErrInvalidKEK, len(kek))
			}
			return kek, nil
		}
	}
	return nil, fmt.Errorf("%w, in base64; the value is not base64",
		ErrInvalidKEK)
}
