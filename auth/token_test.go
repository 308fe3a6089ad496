package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://auth.example.test"
	testAudience = "usergraph"
	testLeeway   = 30 * time.Second
	testTTL      = 15 * time.Minute
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// tokenFixture is Tokens on a one-key ring with a clock the test sets.
type tokenFixture struct {
	priv   ed25519.PrivateKey
	key    *SigningKey
	tokens *Tokens
	now    time.Time
}

func newTokenFixture(t testing.TB) *tokenFixture {
	t.Helper()
	f := &tokenFixture{priv: mustGenerateKey(t), now: testNow}
	f.key = NewSigningKey(f.priv)
	f.tokens = mustTokens(t, f, f.key)
	return f
}

func mustTokens(t testing.TB, f *tokenFixture, active *SigningKey,
	retired ...*SigningKey) *Tokens {
	t.Helper()
	ring, err := NewKeyRing(active, retired...)
	if err != nil {
		t.Fatalf("NewKeyRing: %v", err)
	}
	tokens, err := NewTokens(ring, TokenConfig{
		Issuer:   testIssuer,
		Audience: testAudience,
		Leeway:   testLeeway,
		Now:      func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatalf("NewTokens: %v", err)
	}
	return tokens
}

func (f *tokenFixture) issue(t testing.TB) string {
	t.Helper()
	token, err := f.tokens.IssueAccess("user-1", "session-1", f.now.Add(testTTL))
	if err != nil {
		t.Fatalf("IssueAccess: %v", err)
	}
	return token
}

// claims returns the claims of a valid token issued now.
func (f *tokenFixture) claims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIssuer,
		"aud": testAudience,
		"sub": "user-1",
		"sid": "session-1",
		"iat": f.now.Unix(),
		"nbf": f.now.Unix(),
		"exp": f.now.Add(testTTL).Unix(),
		"jti": "id",
	}
}

// forge signs claims with a header of our kid and typ, changed by
// header; a nil value removes a field.
func (f *tokenFixture) forge(t testing.TB, method jwt.SigningMethod,
	key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	token := jwt.NewWithClaims(method, claims)
	token.Header["kid"] = f.key.ID()
	token.Header["typ"] = "at+jwt"
	for name, v := range header {
		if v == nil {
			delete(token.Header, name)
		} else {
			token.Header[name] = v
		}
	}
	signed, err := token.SignedString(key)
	if err != nil {
		t.Fatalf("sign forged token: %v", err)
	}
	return signed
}

// edToken signs claims changed by change with our own key.
func (f *tokenFixture) edToken(t testing.TB, change func(jwt.MapClaims),
	header map[string]any) string {
	t.Helper()
	claims := f.claims()
	if change != nil {
		change(claims)
	}
	return f.forge(t, jwt.SigningMethodEdDSA, f.priv, header, claims)
}

func set(name string, v any) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) { c[name] = v }
}

func unset(name string) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) { delete(c, name) }
}

func TestVerifyAccess(t *testing.T) {
	f := newTokenFixture(t)
	other := mustGenerateKey(t)
	pub := []byte(f.priv.Public().(ed25519.PublicKey))
	issued := f.issue(t)
	tests := []struct {
		name  string
		token string
		at    time.Duration // clock offset from issue time
		want  error
	}{
		{"issued", issued, 0, nil},
		{"forged with our key", f.edToken(t, nil, nil), 0, nil},
		{"within leeway", issued, testTTL + testLeeway - time.Second, nil},
		{"expired", issued, testTTL + testLeeway + time.Second, ErrTokenExpired},
		{"not yet valid", issued, -testLeeway - time.Second, ErrInvalidToken},
		{"nbf in future", f.edToken(t,
			set("nbf", testNow.Add(time.Hour).Unix()), nil), 0, ErrInvalidToken},
		{"iat in future", f.edToken(t,
			set("iat", testNow.Add(time.Hour).Unix()), nil), 0, ErrInvalidToken},
		{"wrong iss", f.edToken(t, set("iss", "evil"), nil), 0, ErrInvalidToken},
		{"wrong aud", f.edToken(t, set("aud", "other"), nil), 0, ErrInvalidToken},
		{"aud array", f.edToken(t,
			set("aud", []string{testAudience}), nil), 0, ErrInvalidToken},
		{"exp not a number", f.edToken(t, set("exp", "soon"), nil), 0,
			ErrInvalidToken},
		{"missing exp", f.edToken(t, unset("exp"), nil), 0, ErrInvalidToken},
		{"missing nbf", f.edToken(t, unset("nbf"), nil), 0, ErrInvalidToken},
		{"missing iat", f.edToken(t, unset("iat"), nil), 0, ErrInvalidToken},
		{"missing iss", f.edToken(t, unset("iss"), nil), 0, ErrInvalidToken},
		{"missing aud", f.edToken(t, unset("aud"), nil), 0, ErrInvalidToken},
		{"missing sub", f.edToken(t, unset("sub"), nil), 0, ErrInvalidToken},
		{"empty sub", f.edToken(t, set("sub", ""), nil), 0, ErrInvalidToken},
		{"missing sid", f.edToken(t, unset("sid"), nil), 0, ErrInvalidToken},
		{"alg none", f.forge(t, jwt.SigningMethodNone,
			jwt.UnsafeAllowNoneSignatureType, nil, f.claims()), 0, ErrInvalidToken},
		{"HS256 keyed with public key", f.forge(t, jwt.SigningMethodHS256,
			pub, nil, f.claims()), 0, ErrInvalidToken},
		{"other key, same kid", f.forge(t, jwt.SigningMethodEdDSA,
			other, nil, f.claims()), 0, ErrInvalidToken},
		{"expired, other key", f.forge(t, jwt.SigningMethodEdDSA, other, nil,
			f.claims()), testTTL + time.Hour, ErrInvalidToken},
		{"unknown kid", f.edToken(t, nil,
			map[string]any{"kid": "nope"}), 0, ErrInvalidToken},
		{"missing kid", f.edToken(t, nil,
			map[string]any{"kid": nil}), 0, ErrInvalidToken},
		{"numeric kid", f.edToken(t, nil,
			map[string]any{"kid": 1}), 0, ErrInvalidToken},
		{"typ JWT", f.edToken(t, nil,
			map[string]any{"typ": "JWT"}), 0, ErrInvalidToken},
		{"missing typ", f.edToken(t, nil,
			map[string]any{"typ": nil}), 0, ErrInvalidToken},
		{"crit header", f.edToken(t, nil,
			map[string]any{"crit": []string{"exp"}}), 0, ErrInvalidToken},
		{"tampered payload", tamper(t, issued), 0, ErrInvalidToken},
		{"tampered signature", flipChar(issued, len(issued)-10), 0,
			ErrInvalidToken},
		{"empty", "", 0, ErrInvalidToken},
		{"garbage", "not a token", 0, ErrInvalidToken},
		{"empty segments", "..", 0, ErrInvalidToken},
		{"four segments", issued + ".x", 0, ErrInvalidToken},
		{"too long", issued + strings.Repeat("A", maxTokenLen), 0,
			ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.now = testNow.Add(tt.at)
			got, err := f.tokens.VerifyAccess(tt.token)
			checkVerifyError(t, err, tt.want)
			if tt.want == nil && (got.UserID != "user-1" ||
				got.SessionID != "session-1") {
				t.Errorf("claims = %+v", got)
			}
		})
	}
}

func checkVerifyError(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("VerifyAccess: %v", err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("VerifyAccess = %v, want %v", err, want)
	case err != nil && !errors.Is(err, ErrInvalidToken):
		t.Errorf("VerifyAccess = %v, does not match ErrInvalidToken", err)
	case want == ErrInvalidToken && errors.Is(err, ErrTokenExpired):
		t.Errorf("VerifyAccess = %v, claims expiry", err)
	}
}

// tamper changes the sub claim of token and keeps its signature.
func tamper(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	payload := decodeSegment(t, parts[1])
	payload["sub"] = "admin"
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("decode segment: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode segment: %v", err)
	}
	return m
}

func TestIssueAccessFormat(t *testing.T) {
	f := newTokenFixture(t)
	token := f.issue(t)
	parts := strings.Split(token, ".")
	header, claims := decodeSegment(t, parts[0]), decodeSegment(t, parts[1])

	wantHeader := map[string]any{"alg": "EdDSA", "kid": f.key.ID(), "typ": "at+jwt"}
	for name, want := range wantHeader {
		if header[name] != want {
			t.Errorf("header %s = %v, want %v", name, header[name], want)
		}
	}
	wantClaims := map[string]any{
		"iss": testIssuer, "aud": testAudience, "sub": "user-1",
		"sid": "session-1", "iat": float64(testNow.Unix()),
		"nbf": float64(testNow.Unix()),
		"exp": float64(testNow.Add(testTTL).Unix()),
	}
	for name, want := range wantClaims {
		if claims[name] != want {
			t.Errorf("claim %s = %v, want %v", name, claims[name], want)
		}
	}

	jti, _ := claims["jti"].(string)
	b, err := base64.RawURLEncoding.DecodeString(jti)
	if err != nil || len(b) != 16 {
		t.Errorf("jti %q is not 128 bits of base64url", jti)
	}
	again := decodeSegment(t, strings.Split(f.issue(t), ".")[1])
	if again["jti"] == jti {
		t.Error("two tokens share a jti")
	}
}

func TestVerifyAccessClaims(t *testing.T) {
	f := newTokenFixture(t)
	got, err := f.tokens.VerifyAccess(f.issue(t))
	if err != nil {
		t.Fatalf("VerifyAccess: %v", err)
	}
	want := AccessClaims{
		UserID:    "user-1",
		SessionID: "session-1",
		IssuedAt:  testNow,
		ExpiresAt: testNow.Add(testTTL),
	}
	if !got.IssuedAt.Equal(want.IssuedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) ||
		got.UserID != want.UserID || got.SessionID != want.SessionID {
		t.Errorf("claims = %+v, want %+v", got, want)
	}
}

func TestVerifyAccessAfterRotation(t *testing.T) {
	f := newTokenFixture(t)
	oldToken := f.issue(t)
	newKey := NewSigningKey(mustGenerateKey(t))
	rotated := mustTokens(t, f, newKey, f.key)
	newToken, err := rotated.IssueAccess("user-1", "session-1", testNow.Add(testTTL))
	if err != nil {
		t.Fatalf("IssueAccess: %v", err)
	}

	if _, err := rotated.VerifyAccess(oldToken); err != nil {
		t.Errorf("token of the retired key: %v", err)
	}
	if _, err := rotated.VerifyAccess(newToken); err != nil {
		t.Errorf("token of the active key: %v", err)
	}
	if _, err := f.tokens.VerifyAccess(newToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("old ring accepted the new key's token: %v", err)
	}
}

// TestVerifyAccessPinsAlgorithmToKey uses a ring holding a key of every
// algorithm, so every one of them passes the parser's method list and
// only the key's own algorithm decides how a signature is checked.
func TestVerifyAccessPinsAlgorithmToKey(t *testing.T) {
	f := newTokenFixture(t)
	rs, es, hs := mustSigningKey(t, AlgRS256), mustSigningKey(t, AlgES256),
		mustSigningKey(t, AlgHS256)
	f.tokens = mustTokens(t, f, f.key, rs, es, hs)
	kid := func(k *SigningKey) map[string]any {
		return map[string]any{"kid": k.ID()}
	}
	forge := func(method jwt.SigningMethod, key any, k *SigningKey) string {
		return f.forge(t, method, key, kid(k), f.claims())
	}
	tests := map[string]string{
		"RS256 under the ES256 kid": forge(jwt.SigningMethodRS256, rs.signer, es),
		"ES256 under the EdDSA kid": forge(jwt.SigningMethodES256, es.signer, f.key),
		"EdDSA under the RS256 kid": forge(jwt.SigningMethodEdDSA, f.priv, rs),
		"HS256 under the RS256 kid": forge(jwt.SigningMethodHS256, hs.secret, rs),
		"RS256 under the HS256 kid": forge(jwt.SigningMethodRS256, rs.signer, hs),
		"HS384 under the HS256 kid": forge(jwt.SigningMethodHS384, hs.secret, hs),
		"ES384 under the ES256 kid": forge(jwt.SigningMethodES384,
			mustP384(t), es),
	}
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := f.tokens.VerifyAccess(token)
			checkVerifyError(t, err, ErrInvalidToken)
		})
	}

	for _, k := range []*SigningKey{f.key, rs, es, hs} {
		valid := forge(jwt.GetSigningMethod(k.alg), k.signKey(), k)
		if _, err := f.tokens.VerifyAccess(valid); err != nil {
			t.Errorf("%s token of the %s key: %v", k.alg, k.alg, err)
		}
	}
}

func TestIssueAccessRejects(t *testing.T) {
	f := newTokenFixture(t)
	exp := testNow.Add(testTTL)
	tests := []struct {
		name, user, session string
		expires             time.Time
	}{
		{"empty user", "", "s", exp},
		{"empty session", "u", "", exp},
		{"expiry now", "u", "s", testNow},
		{"expiry past", "u", "s", testNow.Add(-time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := f.tokens.IssueAccess(tt.user, tt.session, tt.expires)
			if err == nil {
				t.Errorf("IssueAccess = %q, want an error", token)
			}
		})
	}
}

func TestNewTokensRejects(t *testing.T) {
	ring, err := NewKeyRing(NewSigningKey(mustGenerateKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	good := TokenConfig{Issuer: "i", Audience: "a", Leeway: time.Minute}
	if _, err := NewTokens(ring, good); err != nil {
		t.Fatalf("NewTokens(good) = %v", err)
	}
	if _, err := NewTokens(nil, good); err == nil {
		t.Error("NewTokens(nil ring) succeeded")
	}
	bad := map[string]func(*TokenConfig){
		"no issuer":      func(c *TokenConfig) { c.Issuer = "" },
		"no audience":    func(c *TokenConfig) { c.Audience = "" },
		"negative skew":  func(c *TokenConfig) { c.Leeway = -time.Second },
		"excessive skew": func(c *TokenConfig) { c.Leeway = time.Hour },
	}
	for name, change := range bad {
		t.Run(name, func(t *testing.T) {
			cfg := good
			change(&cfg)
			if _, err := NewTokens(ring, cfg); err == nil {
				t.Error("NewTokens succeeded")
			}
		})
	}
}

func FuzzVerifyAccess(f *testing.F) {
	fx := newTokenFixture(f)
	issued := fx.issue(f)
	f.Add(issued)
	f.Add(flipChar(issued, strings.Index(issued, ".")+5))
	f.Add(fx.edToken(f, unset("sub"), nil))
	f.Add(fx.edToken(f, set("exp", "soon"), nil))
	f.Add(fx.edToken(f, nil, map[string]any{"kid": 1, "crit": "x"}))
	f.Add(fx.forge(f, jwt.SigningMethodNone,
		jwt.UnsafeAllowNoneSignatureType, nil, fx.claims()))
	for _, s := range []string{"", ".", "..", "a.b.c", "e30.e30.", "e30.bnVsbA.x"} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, token string) {
		claims, err := fx.tokens.VerifyAccess(token)
		if err != nil && !errors.Is(err, ErrInvalidToken) {
			t.Errorf("error %v does not match ErrInvalidToken", err)
		}
		if err == nil && (claims.UserID == "" || claims.SessionID == "") {
			t.Errorf("accepted a token without ids: %+v", claims)
		}
	})
}

// flipChar replaces the base64url character at i with another one.
func flipChar(s string, i int) string {
	c := byte('A')
	if s[i] == c {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
