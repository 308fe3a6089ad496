package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// typAccessToken is the typ header of access tokens (RFC 9068). Requiring
// it keeps any other JWT signed with the same keys from passing as one.
const typAccessToken = "at+jwt"

// maxLeeway bounds TokenConfig.Leeway: more would let an expired
// 15-minute token live on noticeably.
const maxLeeway = 5 * time.Minute

// maxTokenLen bounds the input VerifyAccess decodes; our tokens are a
// few hundred bytes.
const maxTokenLen = 8 << 10

// TokenConfig configures Tokens.
type TokenConfig struct {
	Issuer   string        // iss of issued tokens, required on verify
	Audience string        // aud of issued tokens, required on verify
	Leeway   time.Duration // clock skew allowed on exp, nbf and iat
	Now      func() time.Time
}

// Validate reports every invalid field: Issuer and Audience must be set,
// and Leeway must be between 0 and 5 minutes.
func (c TokenConfig) Validate() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("issuer is required"))
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("audience is required"))
	}
	if c.Leeway < 0 || c.Leeway > maxLeeway {
		errs = append(errs, fmt.Errorf("leeway %v outside 0..%v",
			c.Leeway, maxLeeway))
	}
	return errors.Join(errs...)
}

// Tokens issues and verifies access tokens: JWTs signed by the active key
// of a KeyRing. It is safe for concurrent use, SetKeyRing included.
type Tokens struct {
	cfg   TokenConfig
	state atomic.Pointer[tokenState]
}

// tokenState is a ring with the parser that accepts its algorithms. They
// are swapped together so that a verification never mixes two rings.
type tokenState struct {
	ring   *KeyRing
	parser *jwt.Parser
}

// NewTokens returns Tokens that sign with ring's active key and accept
// tokens signed by any key in ring. A nil cfg.Now means time.Now. It
// fails if ring is nil or cfg is invalid.
func NewTokens(ring *KeyRing, cfg TokenConfig) (*Tokens, error) {
	if ring == nil {
		return nil, errors.New("token config: no key ring")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("token config: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &Tokens{cfg: cfg}
	t.SetKeyRing(ring)
	return t, nil
}

// SetKeyRing makes ring the one that signs and verifies from now on, as
// when keys rotate while serving. Calls in flight finish with the ring
// they started with. It panics if ring is nil.
func (t *Tokens) SetKeyRing(ring *KeyRing) {
	if ring == nil {
		panic("auth: SetKeyRing with a nil ring")
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods(ring.algs),
		jwt.WithIssuer(t.cfg.Issuer),
		jwt.WithAudience(t.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithNotBeforeRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(t.cfg.Leeway),
		jwt.WithTimeFunc(t.cfg.Now),
		jwt.WithStrictDecoding(),
	)
	t.state.Store(&tokenState{ring: ring, parser: parser})
}

// KeyRing returns the ring in use. Its method value fits JWKSHandler.
func (t *Tokens) KeyRing() *KeyRing { return t.state.Load().ring }

// AccessClaims is what a verified access token says.
type AccessClaims struct {
	UserID    string
	SessionID string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// IssueAccess returns an access token for the user's session, valid from
// now until expiresAt, signed by the active key. It fails if an id is
// empty or expiresAt is not in the future.
func (t *Tokens) IssueAccess(
	userID, sessionID string, expiresAt time.Time,
) (string, error) {
	now := t.cfg.Now()
	switch {
	case userID == "" || sessionID == "":
		return "", errors.New("issue access token: empty user or session id")
	case !expiresAt.After(now):
		return "", errors.New("issue access token: expiry is not in the future")
	}

	claims := accessClaims{
		Issuer:    t.cfg.Issuer,
		Subject:   userID,
		Audience:  t.cfg.Audience,
		SessionID: sessionID,
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(expiresAt),
		ID:        newTokenID(),
	}
	return t.sign(claims)
}

func (t *Tokens) sign(claims accessClaims) (string, error) {
	key := t.KeyRing().Active()
	token := jwt.NewWithClaims(jwt.GetSigningMethod(key.alg), claims)
	token.Header["kid"] = key.id
	token.Header["typ"] = typAccessToken
	signed, err := token.SignedString(key.signKey())
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return signed, nil
}

// newTokenID returns 128 random bits in unpadded base64url.
func newTokenID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails; it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// VerifyAccess checks an access token's signature, header and claims and
// returns its claims. Every failure wraps ErrInvalidToken; a token that
// is valid but expired also matches ErrTokenExpired.
func (t *Tokens) VerifyAccess(token string) (AccessClaims, error) {
	if len(token) > maxTokenLen {
		return AccessClaims{}, fmt.Errorf("%w: too long", ErrInvalidToken)
	}
	var c accessClaims
	st := t.state.Load()
	if _, err := st.parser.ParseWithClaims(token, &c, st.keyFor); err != nil {
		return AccessClaims{}, invalidToken(err)
	}
	return AccessClaims{
		UserID:    c.Subject,
		SessionID: c.SessionID,
		IssuedAt:  c.IssuedAt.Time,
		ExpiresAt: c.ExpiresAt.Time,
	}, nil
}

// keyFor picks the key that must have signed token, from its header.
func (st *tokenState) keyFor(token *jwt.Token) (any, error) {
	if typ, _ := token.Header["typ"].(string); typ != typAccessToken {
		return nil, errors.New("typ is not " + typAccessToken)
	}
	// No extension is understood, so RFC 7515 says refuse any "crit".
	if _, ok := token.Header["crit"]; ok {
		return nil, errors.New("unsupported crit header")
	}
	kid, _ := token.Header["kid"].(string)
	key, ok := st.ring.Key(kid)
	if !ok {
		return nil, errors.New("missing or unknown kid")
	}

	// The key decides the algorithm, never the token: this stops an
	// HS256 token keyed with a public key, and any other algorithm swap.
	if token.Method.Alg() != key.alg {
		return nil, errors.New("alg does not match the key")
	}
	return key.verifyKey(), nil
}

// invalidToken wraps a parser error in ErrInvalidToken.
func invalidToken(err error) error {
	switch {
	// The signature is checked before the claims, so an expired token
	// here was really ours.
	case errors.Is(err, jwt.ErrTokenExpired):
		return fmt.Errorf("%w: %w", ErrInvalidToken, ErrTokenExpired)
	// Decoding errors can quote the input; keep it out of logs.
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fmt.Errorf("%w: malformed", ErrInvalidToken)
	}
	return fmt.Errorf("%w: %w", ErrInvalidToken, err)
}
