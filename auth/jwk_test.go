package auth

import (
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func TestThumbprintRFC7638(t *testing.T) {
	// The RSA key of RFC 7638 section 3.1 and its thumbprint.
	n, err := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nn" +
		"drQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebW" +
		"KRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ" +
		"5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajr" +
		"n1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_x" +
		"BniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	if err != nil {
		t.Fatal(err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	const want = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	if got := publicJWK(pub).thumbprint(); got != want {
		t.Errorf("thumbprint = %s, want %s", got, want)
	}
}

// TestKIDIsJOSEThumbprint checks each kid against go-jose's own RFC 7638
// thumbprint of the published JWK.
func TestKIDIsJOSEThumbprint(t *testing.T) {
	for _, alg := range []string{AlgEdDSA, AlgRS256, AlgES256} {
		t.Run(alg, func(t *testing.T) {
			k := mustSigningKey(t, alg)
			j, ok := k.JWK()
			if !ok {
				t.Fatal("no JWK")
			}
			jose := joseKey(t, j)
			sum, err := jose.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatalf("Thumbprint: %v", err)
			}
			if want := base64.RawURLEncoding.EncodeToString(sum); k.ID() != want {
				t.Errorf("kid = %s, go-jose thumbprint = %s", k.ID(), want)
			}
			if !jose.IsPublic() || !jose.Valid() {
				t.Error("go-jose finds the JWK not a valid public key")
			}
		})
	}
}

// joseKey reads j with go-jose.
func joseKey(t *testing.T, j JWK) jose.JSONWebKey {
	t.Helper()
	b := mustJSON(t, j)
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(b); err != nil {
		t.Fatalf("go-jose reads %s: %v", b, err)
	}
	return k
}
