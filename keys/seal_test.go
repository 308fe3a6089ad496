package keys

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

func mustAEAD(t *testing.T) cipher.AEAD {
	t.Helper()
	kek := make([]byte, kekSize)
	rand.Read(kek)
	aead, err := newAEAD(kek)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

func TestSealOpen(t *testing.T) {
	aead, other := mustAEAD(t), mustAEAD(t)
	secret := []byte("-----BEGIN PRIVATE KEY-----\nsecret\n")
	sealed := seal(aead, "kid-a", secret)

	if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "secret") {
		t.Errorf("sealed = %q", sealed)
	}
	if seal(aead, "kid-a", secret) == sealed {
		t.Error("two seals of the same key are equal: the nonce repeats")
	}
	got, err := openSealed(aead, "kid-a", sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open = %q, %v", got, err)
	}

	raw, _ := base64.StdEncoding.DecodeString(sealed[3:])
	raw[len(raw)-1] ^= 1
	tampered := "v1:" + base64.StdEncoding.EncodeToString(raw)
	tests := []struct {
		name, kid, sealed string
		aead              cipher.AEAD
	}{
		{"other KEK", "kid-a", sealed, other},
		{"other kid", "kid-b", sealed, aead},
		{"tampered", "kid-a", tampered, aead},
		{"unknown prefix", "kid-a", "v2:" + sealed[3:], aead},
		{"not base64", "kid-a", "v1:***", aead},
		{"short", "kid-a", "v1:AAAA", aead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := openSealed(tt.aead, tt.kid, tt.sealed)
			if !errors.Is(err, ErrDecrypt) || got != nil {
				t.Errorf("open = %q, %v; want ErrDecrypt", got, err)
			}
		})
	}
}

func TestParseKEK(t *testing.T) {
	kek := bytes.Repeat([]byte{0xfb}, 32) // base64 differs by alphabet
	for _, enc := range []*base64.Encoding{base64.StdEncoding,
		base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		got, err := ParseKEK(" " + enc.EncodeToString(kek) + "\n")
		if err != nil || !bytes.Equal(got, kek) {
			t.Errorf("ParseKEK(%s) = %x, %v", enc.EncodeToString(kek), got, err)
		}
	}
	for _, s := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(kek[:16])} {
		_, err := ParseKEK(s)
		if !errors.Is(err, ErrInvalidKEK) || (s != "" && strings.Contains(err.Error(), s)) {
			t.Errorf("ParseKEK(%q) = %v, want ErrInvalidKEK not quoting it", s, err)
		}
	}
}

// TestRingWithoutActiveKey stores a published key only, which no method
// of Manager leaves behind, and expects Ring to say so.
func TestRingWithoutActiveKey(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{URL: testdb.SQLite(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := New(s, bytes.Repeat([]byte{1}, 32), nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.GenerateSigningKey(auth.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	row, err := m.newRow(k, models.KeyPublished, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSigningKey(ctx, row); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Ring(ctx); !errors.Is(err, ErrNoActiveKey) {
		t.Errorf("Ring = %v, want ErrNoActiveKey", err)
	}
}
