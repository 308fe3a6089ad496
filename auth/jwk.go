package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
)

// JWK is the public half of a signing key as a JSON Web Key (RFC 7517),
// with the members RFC 7518 and RFC 8037 define for its type: crv and x
// for OKP; crv, x and y for EC; n and e for RSA. Binary values are
// unpadded base64url.
type JWK struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

// JWK returns the public JWK of the key, with its kid, its alg and use
// "sig". The second result is false for an HS256 key, whose secret must
// never be published.
func (k *SigningKey) JWK() (JWK, bool) {
	if k.alg == AlgHS256 || k.public == nil {
		return JWK{}, false
	}
	j := publicJWK(k.public)
	if j.Kty == "" {
		return JWK{}, false
	}
	j.Use, j.Alg, j.Kid = "sig", k.alg, k.id
	return j, true
}

// publicJWK returns the key-type members of pub's JWK, or a JWK with no
// kty for a key type this package does not support.
func publicJWK(pub crypto.PublicKey) JWK {
	b64 := base64.RawURLEncoding.EncodeToString
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		return JWK{Kty: "OKP", Crv: "Ed25519", X: b64(pub)}
	case *rsa.PublicKey:
		e := big.NewInt(int64(pub.E)).Bytes()
		return JWK{Kty: "RSA", N: b64(pub.N.Bytes()), E: b64(e)}
	case *ecdsa.PublicKey:
		// The uncompressed point is 0x04, then x and y, each padded to
		// the field size as RFC 7518 section 6.2.1.2 requires.
		p, err := pub.Bytes()
		if err != nil || len(p) != 65 {
			return JWK{}
		}
		return JWK{Kty: "EC", Crv: "P-256", X: b64(p[1:33]), Y: b64(p[33:])}
	}
	return JWK{}
}

// thumbprint returns the RFC 7638 thumbprint of j: SHA-256 over the
// required members of its key type in lexicographic order, without
// whitespace, in unpadded base64url. The values are base64url or fixed
// names, so they need no JSON escaping.
func (j JWK) thumbprint() string {
	var members string
	switch j.Kty {
	case "OKP":
		members = `{"crv":"` + j.Crv + `","kty":"OKP","x":"` + j.X + `"}`
	case "EC":
		members = `{"crv":"` + j.Crv + `","kty":"EC","x":"` + j.X +
			`","y":"` + j.Y + `"}`
	case "RSA":
		members = `{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`
	default:
		return ""
	}
	sum := sha256.Sum256([]byte(members))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
