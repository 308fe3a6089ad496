package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

// mustSigningKey returns a new random key of alg.
func mustSigningKey(t testing.TB, alg string) *SigningKey {
	t.Helper()
	k, err := GenerateSigningKey(alg)
	if err != nil {
		t.Fatalf("GenerateSigningKey(%s): %v", alg, err)
	}
	return k
}

func mustP384(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestGenerateSigningKey(t *testing.T) {
	for _, alg := range Algorithms() {
		t.Run(alg, func(t *testing.T) {
			k := mustSigningKey(t, alg)
			if k.Algorithm() != alg || k.ID() == "" {
				t.Fatalf("key = %v", k)
			}
			if k.Symmetric() != (alg == AlgHS256) {
				t.Errorf("Symmetric = %v", k.Symmetric())
			}
			if other := mustSigningKey(t, alg); other.ID() == k.ID() {
				t.Error("two generated keys share a kid")
			}
		})
	}
	if _, err := GenerateSigningKey("HS384"); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("GenerateSigningKey(HS384) = %v, want ErrInvalidKey", err)
	}
}

func TestMarshalPrivateRoundTrip(t *testing.T) {
	for _, alg := range Algorithms() {
		t.Run(alg, func(t *testing.T) {
			k := mustSigningKey(t, alg)
			material, err := k.MarshalPrivate()
			if err != nil {
				t.Fatalf("MarshalPrivate: %v", err)
			}
			got, err := ParseSigningKey(alg, material)
			if err != nil {
				t.Fatalf("ParseSigningKey: %v", err)
			}
			if got.ID() != k.ID() || got.Algorithm() != alg {
				t.Errorf("parsed %v, want %v", got, k)
			}
			if alg != AlgHS256 && !bytes.HasPrefix(material,
				[]byte("-----BEGIN PRIVATE KEY-----")) {
				t.Errorf("material is not PKCS #8 PEM: %.30q", material)
			}
		})
	}
}

func TestParseSigningKeyRejects(t *testing.T) {
	es, _ := mustSigningKey(t, AlgES256).MarshalPrivate()
	tests := []struct {
		name, alg string
		material  []byte
	}{
		{"ES256 key as EdDSA", AlgEdDSA, es},
		{"ES256 key as RS256", AlgRS256, es},
		{"PEM as HS256 secret of wrong size", AlgHS256, make([]byte, 31)},
		{"oversized HS256 secret", AlgHS256, make([]byte, 1025)},
		{"unknown algorithm", "PS256", es},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSigningKey(tt.alg, tt.material)
			if !errors.Is(err, ErrInvalidKey) {
				t.Errorf("ParseSigningKey = %v, want ErrInvalidKey", err)
			}
		})
	}
}

// TestSigningKeyFromPEMForms reads the forms openssl writes by default.
func TestSigningKeyFromPEMForms(t *testing.T) {
	rsaKey := mustSigningKey(t, AlgRS256)
	ecKey := mustSigningKey(t, AlgES256)
	sec1, err := x509.MarshalECPrivateKey(ecKey.signer.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	block := func(typ string, der []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	}
	params := block("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48,
		0xce, 0x3d, 0x03, 0x01, 0x07})
	pkcs1 := x509.MarshalPKCS1PrivateKey(rsaKey.signer.(*rsa.PrivateKey))
	tests := []struct {
		name string
		data []byte
		want *SigningKey
	}{
		{"PKCS #1", block("RSA PRIVATE KEY", pkcs1), rsaKey},
		{"SEC 1", block("EC PRIVATE KEY", sec1), ecKey},
		{"SEC 1 after parameters",
			append(params, block("EC PRIVATE KEY", sec1)...), ecKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SigningKeyFromPEM(tt.data)
			if err != nil {
				t.Fatalf("SigningKeyFromPEM: %v", err)
			}
			if got.ID() != tt.want.ID() || got.Algorithm() != tt.want.Algorithm() {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewHMACKey(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	k, err := NewHMACKey(secret)
	if err != nil {
		t.Fatalf("NewHMACKey: %v", err)
	}
	sum := sha256.Sum256(append([]byte("usergraph-hs256-kid"), secret...))
	if want := base64.RawURLEncoding.EncodeToString(sum[:])[:22]; k.ID() != want {
		t.Errorf("kid = %q, want %q", k.ID(), want)
	}
	secret[0] = 'x' // the key keeps its own copy
	again, _ := NewHMACKey([]byte(strings.Repeat("s", 32)))
	if again.ID() != k.ID() {
		t.Error("kid is not stable, or the key shares the caller's slice")
	}
	if k.Public() != nil {
		t.Error("HS256 key has a public key")
	}
	if _, ok := k.JWK(); ok {
		t.Error("HS256 key has a JWK")
	}
}

func TestNewKeyRejectsUnfitKeys(t *testing.T) {
	ec := mustP384(t)
	if _, err := NewECDSAKey(ec); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewECDSAKey(P-384) = %v, want ErrInvalidKey", err)
	}
	if _, err := NewECDSAKey(nil); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewECDSAKey(nil) = %v, want ErrInvalidKey", err)
	}
	if _, err := NewRSAKey(nil); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewRSAKey(nil) = %v, want ErrInvalidKey", err)
	}
	bad := *mustSigningKey(t, AlgRS256).signer.(*rsa.PrivateKey)
	bad.D = bad.Primes[0] // no longer the inverse of E
	if _, err := NewRSAKey(&bad); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("NewRSAKey(corrupt) = %v, want ErrInvalidKey", err)
	}
}
