package main

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/usergraph/usergraph/auth"
)

// TestMeRefusesBadTokens sends every kind of broken, forged or retired
// access token to me, and each one to a public field, which must not
// care.
func TestMeRefusesBadTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		token, _ := s.mustRegister(t, "holder@example.com")
		other, _ := s.mustRegister(t, "other@example.com")
		loggedOut := s.mustLogin(t, "holder@example.com")
		if !s.logout(t, loggedOut) {
			t.Fatal("logout = false")
		}
		key := s.signingKey(t)
		_, wrongKey, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()

		t.Run("forged with the server's key works", func(t *testing.T) {
			good := forge(t, token, jwt.SigningMethodEdDSA, key, nil)
			if res := s.me(t, good); res.code() != "" {
				t.Fatalf("me: %s", res.Body)
			}
		})

		tests := []struct {
			name, authorization string
		}{
			{"no header", ""},
			{"malformed", "Bearer not.a.token"},
			{"garbage", "Bearer %%%"},
			{"empty bearer", "Bearer "},
			{"no scheme", token},
			{"wrong scheme", "Token " + token},
			{"basic scheme", "Basic " + token},
			{"truncated signature", "Bearer " + token[:len(token)-4]},
			{"expired", "Bearer " + forge(t, token, jwt.SigningMethodEdDSA,
				key, withTimes(now.Add(-20*time.Minute),
					now.Add(-2*time.Minute)))},
			{"not yet valid", "Bearer " + forge(t, token,
				jwt.SigningMethodEdDSA, key, func(c jwt.MapClaims) {
					c["nbf"] = now.Add(10 * time.Minute).Unix()
				})},
			{"other key, same kid", "Bearer " + forge(t, token,
				jwt.SigningMethodEdDSA, wrongKey, nil)},
			{"alg none", "Bearer " + forge(t, token, jwt.SigningMethodNone,
				jwt.UnsafeAllowNoneSignatureType, nil)},
			{"HS256 keyed with the public key", "Bearer " + forge(t, token,
				jwt.SigningMethodHS256, []byte(key.Public().(ed25519.PublicKey)),
				nil)},
			{"wrong issuer", "Bearer " + forge(t, token,
				jwt.SigningMethodEdDSA, key, setClaim("iss", "someone-else"))},
			{"wrong audience", "Bearer " + forge(t, token,
				jwt.SigningMethodEdDSA, key, setClaim("aud", "another-api"))},
			{"no session id", "Bearer " + forge(t, token,
				jwt.SigningMethodEdDSA, key, setClaim("sid", nil))},
			{"unknown session", "Bearer " + forge(t, token,
				jwt.SigningMethodEdDSA, key,
				setClaim("sid", uuid.Must(uuid.NewV7()).String()))},
			{"revoked session", "Bearer " + loggedOut},
			{"session of another user", "Bearer " + forge(t, token,
				jwt.SigningMethodEdDSA, key,
				setClaim("sid", claimsOf(t, other)["sid"]))},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := s.gqlAuth(t, tt.authorization,
					`{ me { id } }`, nil)
				wantCode(t, res, "UNAUTHENTICATED")
				if res.Data != nil || res.Status != 200 {
					t.Errorf("status %d, body %s", res.Status, res.Body)
				}
				if strings.Contains(string(res.Body), token) {
					t.Error("the response echoes the token")
				}

				p := s.gqlAuth(t, tt.authorization, loginMutation,
					map[string]any{"input": map[string]any{
						"email": "other@example.com", "password": testPassword}})
				if p.code() != "" || !strings.Contains(string(p.Body),
					`"accessToken":"`) {
					t.Errorf("public login with this header: %s", p.Body)
				}
			})
		}
	})
}

// signingKey returns the key s signs access tokens with now.
func (s *testServer) signingKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	pem, err := s.app.tokens.KeyRing().Active().MarshalPrivate()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.ParsePrivateKeyPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	return signer.(ed25519.PrivateKey)
}

// claimsOf returns the claims of a token, unverified.
func claimsOf(t testing.TB, token string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token,
		claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// forge signs the claims of token, changed by edit, with method and
// key, keeping the kid and typ headers of token.
func forge(t testing.TB, token string, method jwt.SigningMethod, key any,
	edit func(jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{}
	orig, _, err := jwt.NewParser().ParseUnverified(token, claims)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(claims)
	}
	forged := jwt.NewWithClaims(method, claims)
	forged.Header["kid"] = orig.Header["kid"]
	forged.Header["typ"] = orig.Header["typ"]
	signed, err := forged.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// setClaim sets a claim, or removes it when v is nil.
func setClaim(name string, v any) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) {
		if v == nil {
			delete(c, name)
			return
		}
		c[name] = v
	}
}

// withTimes issues a token at iat that expires at exp.
func withTimes(iat, exp time.Time) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) {
		c["iat"], c["nbf"], c["exp"] = iat.Unix(), iat.Unix(), exp.Unix()
	}
}
