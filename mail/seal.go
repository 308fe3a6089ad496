package mail

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealV1 prefixes outbox data sealed with AES-256-GCM: a random 96-bit
// nonce, then ciphertext and tag, in standard base64, with the row's id
// as additional data so that data pasted into another row fails to open.
const sealV1 = "v1:"

// errOpen means sealed outbox data could not be opened: it was damaged,
// or the master secret changed since it was written.
var errOpen = errors.New("outbox data cannot be opened")

// sealer keeps outbox data, which may hold a live one-time token,
// unreadable to anyone with only a copy of the database.
type sealer struct {
	aead cipher.AEAD
}

// newSealer derives the outbox key from kek (the master secret's
// key-encryption key), so that it differs from the key sealing signing
// keys.
func newSealer(kek []byte) (*sealer, error) {
	key, err := hkdf.Key(sha256.New, kek, nil, "usergraph mail outbox v1", 32)
	if err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(id string, plain []byte) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce) // never fails; it crashes the program instead
	out := s.aead.Seal(nonce, nonce, plain, []byte(id))
	return sealV1 + base64.StdEncoding.EncodeToString(out)
}

func (s *sealer) open(id, sealed string) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, sealV1)
	if !ok {
		return nil, fmt.Errorf("%w: unknown format", errOpen)
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	n := s.aead.NonceSize()
	if err != nil || len(raw) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: malformed", errOpen)
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(id))
	if err != nil {
		return nil, errOpen
	}
	return plain, nil
}
