package auth

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func TestIssueVerifyPerAlgorithm(t *testing.T) {
	for _, alg := range Algorithms() {
		t.Run(alg, func(t *testing.T) {
			f := newTokenFixture(t)
			key := mustSigningKey(t, alg)
			f.tokens = mustTokens(t, f, key)
			token := f.issue(t)

			header := decodeSegment(t, strings.Split(token, ".")[0])
			if header["alg"] != alg || header["kid"] != key.ID() {
				t.Errorf("header = %v", header)
			}
			claims, err := f.tokens.VerifyAccess(token)
			if err != nil {
				t.Fatalf("VerifyAccess: %v", err)
			}
			if claims.UserID != "user-1" || claims.SessionID != "session-1" {
				t.Errorf("claims = %+v", claims)
			}
			_, err = f.tokens.VerifyAccess(tamper(t, token))
			checkVerifyError(t, err, ErrInvalidToken)
		})
	}
}

// publicForms returns the encodings of k's public key that a forger
// might try as an HMAC secret.
func publicForms(t *testing.T, k *SigningKey) map[string][]byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	j, _ := k.JWK()
	forms := map[string][]byte{
		"PEM": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		"DER": der,
		"JWK": mustJSON(t, j),
	}
	if pub, ok := k.Public().(ed25519.PublicKey); ok {
		forms["raw"] = pub
	}
	return forms
}

// TestVerifyAccessRefusesForgeries runs a ring of every algorithm
// against tokens an attacker who knows the JWKS could make.
func TestVerifyAccessRefusesForgeries(t *testing.T) {
	f := newTokenFixture(t)
	rs, es, hs := mustSigningKey(t, AlgRS256), mustSigningKey(t, AlgES256),
		mustSigningKey(t, AlgHS256)
	f.tokens = mustTokens(t, f, f.key, rs, es, hs)
	stranger := mustSigningKey(t, AlgES256)
	tokens := map[string]string{}

	for _, k := range []*SigningKey{f.key, rs, es} {
		kid := map[string]any{"kid": k.ID()}
		for form, secret := range publicForms(t, k) {
			name := "HS256 keyed with " + k.alg + " public " + form
			tokens[name] = f.forge(t, jwt.SigningMethodHS256, secret, kid,
				f.claims())
		}
	}
	for _, k := range []*SigningKey{f.key, rs, es, hs} {
		kid := map[string]any{"kid": k.ID()}
		tokens["alg none, "+k.alg+" kid"] = f.forge(t, jwt.SigningMethodNone,
			jwt.UnsafeAllowNoneSignatureType, kid, f.claims())
		valid := f.forge(t, jwt.GetSigningMethod(k.alg), k.signKey(), kid,
			f.claims())
		tokens["tampered "+k.alg] = tamper(t, valid)
	}
	tokens["unknown kid"] = f.forge(t, jwt.SigningMethodES256,
		stranger.signer, map[string]any{"kid": stranger.ID()}, f.claims())
	tokens["stranger under a known kid"] = f.forge(t, jwt.SigningMethodES256,
		stranger.signer, map[string]any{"kid": es.ID()}, f.claims())

	for name, token := range tokens {
		t.Run(name, func(t *testing.T) {
			_, err := f.tokens.VerifyAccess(token)
			checkVerifyError(t, err, ErrInvalidToken)
		})
	}
}

func TestSetKeyRing(t *testing.T) {
	f := newTokenFixture(t)
	oldToken := f.issue(t)
	next := mustSigningKey(t, AlgES256)

	// Published: the new key verifies but does not sign yet.
	f.tokens.SetKeyRing(mustRing(t, f.key, next))
	if got := f.tokens.KeyRing().Active(); got != f.key {
		t.Errorf("active = %v, want %v", got, f.key)
	}
	// Active: the new key signs, the old one still verifies.
	f.tokens.SetKeyRing(mustRing(t, next, f.key))
	newToken := f.issue(t)
	if kid := decodeSegment(t, strings.Split(newToken, ".")[0])["kid"]; kid != next.ID() {
		t.Errorf("new token kid = %v, want %s", kid, next.ID())
	}
	for name, token := range map[string]string{"old": oldToken, "new": newToken} {
		if _, err := f.tokens.VerifyAccess(token); err != nil {
			t.Errorf("%s token: %v", name, err)
		}
	}
	// Gone: the old key's tokens no longer verify.
	f.tokens.SetKeyRing(mustRing(t, next))
	if _, err := f.tokens.VerifyAccess(oldToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("old token after the key left the ring: %v", err)
	}
}

// TestSetKeyRingConcurrent swaps rings while tokens are issued and
// verified; run with -race. Both rings hold both keys, so every token
// must verify whichever ring is in place.
func TestSetKeyRingConcurrent(t *testing.T) {
	f := newTokenFixture(t)
	other := mustSigningKey(t, AlgHS256)
	rings := []*KeyRing{mustRing(t, f.key, other), mustRing(t, other, f.key)}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				if i == 0 {
					f.tokens.SetKeyRing(rings[j%2])
					continue
				}
				token, err := f.tokens.IssueAccess("user-1", "session-1",
					f.now.Add(testTTL))
				if err == nil {
					_, err = f.tokens.VerifyAccess(token)
				}
				if err != nil {
					t.Errorf("issue and verify: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSetKeyRingNil(t *testing.T) {
	f := newTokenFixture(t)
	defer func() {
		if recover() == nil {
			t.Error("SetKeyRing(nil) did not panic")
		}
	}()
	f.tokens.SetKeyRing(nil)
}
