package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func mustGenerateKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	key, err := GenerateEd25519Key()
	if err != nil {
		t.Fatalf("GenerateEd25519Key: %v", err)
	}
	return key
}

func TestSigningKeyThumbprint(t *testing.T) {
	t.Run("RFC 8037 A.3", func(t *testing.T) {
		// The key of RFC 8037 appendix A.1 and its thumbprint from A.3.
		b64 := base64.RawURLEncoding
		seed, _ := b64.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
		key := NewSigningKey(ed25519.NewKeyFromSeed(seed))

		x := b64.EncodeToString(key.Public().(ed25519.PublicKey))
		if x != "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" {
			t.Fatalf("public key x = %s, not the RFC's", x)
		}
		const want = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
		if key.ID() != want {
			t.Errorf("kid = %s, want %s", key.ID(), want)
		}
	})
	t.Run("random key", func(t *testing.T) {
		priv := mustGenerateKey(t)
		// encoding/json sorts map keys, as RFC 7638 requires.
		jwk, _ := json.Marshal(map[string]string{
			"kty": "OKP",
			"crv": "Ed25519",
			"x": base64.RawURLEncoding.EncodeToString(
				priv.Public().(ed25519.PublicKey)),
		})
		sum := sha256.Sum256(jwk)
		want := base64.RawURLEncoding.EncodeToString(sum[:])
		if got := NewSigningKey(priv).ID(); got != want {
			t.Errorf("kid = %s, want %s", got, want)
		}
	})
}

func TestSigningKeyHidesSecret(t *testing.T) {
	key := NewSigningKey(mustGenerateKey(t))
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "key", key)
	printed := fmt.Sprint(key) + fmt.Sprintf("%v %s", key, key)

	for _, out := range []string{logged.String(), printed} {
		if !strings.Contains(out, key.ID()) {
			t.Errorf("output %q lacks the kid", out)
		}
		if strings.Contains(out, "signer") || strings.Contains(out, "[") {
			t.Errorf("output %q shows key material", out)
		}
	}
}

func TestPrivateKeyPEM(t *testing.T) {
	priv := mustGenerateKey(t)
	data, err := EncodePrivateKeyPEM(priv)
	if err != nil {
		t.Fatalf("EncodePrivateKeyPEM: %v", err)
	}
	if !bytes.HasPrefix(data, []byte("-----BEGIN PRIVATE KEY-----\n")) {
		t.Errorf("PEM starts %q", data[:28])
	}
	got, err := ParsePrivateKeyPEM(data)
	if err != nil {
		t.Fatalf("ParsePrivateKeyPEM: %v", err)
	}
	if !priv.Equal(got) {
		t.Error("parsed key differs from the encoded one")
	}
	if _, err := EncodePrivateKeyPEM(priv[:40]); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("EncodePrivateKeyPEM(short) = %v, want ErrInvalidKey", err)
	}
}

func TestParsePrivateKeyPEMRejects(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, err := x509.MarshalPKCS8PrivateKey(p384)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	block := func(typ string, der []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	}
	legacyEncrypted := pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"},
		Bytes:   x509.MarshalPKCS1PrivateKey(rsa1024),
	})
	tests := map[string][]byte{
		"empty":               nil,
		"not PEM":             []byte("hello"),
		"public key":          block("PUBLIC KEY", p384DER),
		"SEC 1 label, PKCS#8": block("EC PRIVATE KEY", p384DER),
		"encrypted":           block("ENCRYPTED PRIVATE KEY", p384DER),
		"legacy encrypted":    legacyEncrypted,
		"bad DER":             block("PRIVATE KEY", []byte{0x30, 0x03, 0x02}),
		"ECDSA P-384":         block("PRIVATE KEY", p384DER),
		"RSA 1024 bits":       block("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsa1024)),
		"EC parameters only":  block("EC PARAMETERS", []byte{0x06, 0x00}),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParsePrivateKeyPEM(data); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("ParsePrivateKeyPEM = %v, want ErrInvalidKey", err)
			}
		})
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.pem")

	key, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("first call = created %v, %v; want a new key", created, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode = %v, want 0600", mode)
	}

	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created {
		t.Fatalf("second call = created %v, %v; want the file read", created, err)
	}
	if !key.Equal(again) || NewSigningKey(key).ID() != NewSigningKey(again).ID() {
		t.Error("re-read key or its kid differs")
	}
	tmp := filepath.Join(filepath.Dir(path), ".signing-key-*")
	leftovers, _ := filepath.Glob(tmp)
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestLoadOrCreateKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.pem")
	const n = 8
	keys := make([]ed25519.PrivateKey, n)
	created := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			keys[i], created[i], err = LoadOrCreateKeyFile(path)
			if err != nil {
				t.Errorf("LoadOrCreateKeyFile: %v", err)
			}
		})
	}
	wg.Wait()

	creators := 0
	for i := range n {
		if created[i] {
			creators++
		}
		if !keys[i].Equal(keys[0]) {
			t.Errorf("caller %d got another key", i)
		}
	}
	if creators != 1 {
		t.Errorf("%d callers created the file, want 1", creators)
	}
}

func TestLoadOrCreateKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}

	if _, _, err := LoadOrCreateKeyFile(garbage); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("garbage file: err = %v, want ErrInvalidKey", err)
	}
	missingDir := filepath.Join(dir, "no", "such", "dir", "key.pem")
	if _, _, err := LoadOrCreateKeyFile(missingDir); err == nil {
		t.Error("missing directory: no error")
	}
}

func TestNewKeyRing(t *testing.T) {
	a := NewSigningKey(mustGenerateKey(t))
	b := NewSigningKey(mustGenerateKey(t))
	corrupt := mustGenerateKey(t)
	corrupt[40] ^= 1 // public half no longer matches the seed

	ring, err := NewKeyRing(a, b)
	if err != nil {
		t.Fatalf("NewKeyRing: %v", err)
	}
	if ring.Active() != a {
		t.Error("Active is not the first key")
	}
	for _, k := range []*SigningKey{a, b} {
		if got, ok := ring.Key(k.ID()); !ok || got != k {
			t.Errorf("Key(%s) = %v, %v", k.ID(), got, ok)
		}
	}
	if _, ok := ring.Key(""); ok {
		t.Error(`Key("") found a key`)
	}

	bad := map[string][]*SigningKey{
		"no active":     {nil},
		"nil retired":   {a, nil},
		"duplicate kid": {a, NewSigningKey(mustGenerateKey(t)), a},
		"short key":     {NewSigningKey(mustGenerateKey(t)[:32])},
		"corrupt key":   {NewSigningKey(corrupt)},
	}
	for name, keys := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := NewKeyRing(keys[0], keys[1:]...)
			if !errors.Is(err, ErrInvalidKey) {
				t.Errorf("NewKeyRing = %v, want ErrInvalidKey", err)
			}
		})
	}
}
