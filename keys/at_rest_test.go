package keys_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/keys"
	"github.com/usergraph/usergraph/store"
)

// TestEncryptionAtRest checks that what the database holds cannot mint
// tokens: no form of the private material is in it, and a Manager with
// another KEK cannot open it.
func TestEncryptionAtRest(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		for _, alg := range auth.Algorithms() {
			t.Run(alg, func(t *testing.T) {
				checkAtRest(t, s, alg)
			})
		}
	})
}

func checkAtRest(t *testing.T, s *store.Store, alg string) {
	ctx := context.Background()
	c := newClock()
	m := newManager(t, s, c, testConfig)
	row, err := m.Publish(ctx, alg)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	stored, err := s.SigningKey(ctx, row.ID)
	if err != nil {
		t.Fatal(err)
	}
	key, ok := mustRing(t, m).Key(row.ID)
	if !ok {
		t.Fatal("published key not in the ring")
	}
	material, err := key.MarshalPrivate()
	if err != nil {
		t.Fatal(err)
	}

	if !strings.HasPrefix(stored.PrivateKey, "v1:") {
		t.Errorf("private_key %.10q... lacks the version prefix", stored.PrivateKey)
	}
	for form, leak := range secretForms(material) {
		if strings.Contains(stored.PrivateKey, leak) ||
			strings.Contains(stored.PublicJWK, leak) {
			t.Errorf("the database holds the key's %s form", form)
		}
	}
	if (stored.PublicJWK == "") != (alg == auth.AlgHS256) ||
		strings.Contains(stored.PublicJWK, `"d"`) {
		t.Errorf("public_jwk = %s", stored.PublicJWK)
	}

	other := []byte(strings.Repeat("k", 32))
	thief, err := keys.New(s, other, c.Now, testConfig)
	if err != nil {
		t.Fatal(err)
	}
	_, err = thief.Ring(ctx)
	if !errors.Is(err, keys.ErrDecrypt) {
		t.Fatalf("Ring with another KEK = %v, want ErrDecrypt", err)
	}
	if strings.Contains(err.Error(), string(material)) {
		t.Error("the error shows the key")
	}
}

// secretForms returns encodings of material someone might find in a
// database dump: the PEM text and its DER in base64 for an asymmetric
// key, the raw secret and its usual encodings for HS256.
func secretForms(material []byte) map[string]string {
	forms := map[string]string{
		"raw":       string(material),
		"hex":       hex.EncodeToString(material),
		"base64":    base64.StdEncoding.EncodeToString(material),
		"base64url": base64.RawURLEncoding.EncodeToString(material),
	}
	if block, _ := pem.Decode(material); block != nil {
		der := base64.StdEncoding.EncodeToString(block.Bytes)
		forms["PEM"] = "BEGIN PRIVATE KEY"
		forms["DER base64"] = der
		forms["DER base64, first line"] = der[:64]
		forms["DER hex"] = hex.EncodeToString(block.Bytes)
	}
	return forms
}
