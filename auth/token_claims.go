package auth

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

// accessClaims is the JWT payload of an access token. Unlike
// jwt.RegisteredClaims, its aud is a single string, as RFC 7519 allows;
// a token with an audience array is refused as malformed.
type accessClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  string           `json:"aud"`
	SessionID string           `json:"sid"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	ID        string           `json:"jti"`
}

func (c accessClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return c.ExpiresAt, nil
}

func (c accessClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	return c.IssuedAt, nil
}

func (c accessClaims) GetNotBefore() (*jwt.NumericDate, error) {
	return c.NotBefore, nil
}

func (c accessClaims) GetIssuer() (string, error)  { return c.Issuer, nil }
func (c accessClaims) GetSubject() (string, error) { return c.Subject, nil }

func (c accessClaims) GetAudience() (jwt.ClaimStrings, error) {
	if c.Audience == "" {
		return nil, nil
	}
	return jwt.ClaimStrings{c.Audience}, nil
}

// Validate requires what the jwt parser leaves optional; the parser
// calls it after its own checks.
func (c accessClaims) Validate() error {
	var errs []error
	if c.Subject == "" {
		errs = append(errs, errors.New("missing sub"))
	}
	if c.SessionID == "" {
		errs = append(errs, errors.New("missing sid"))
	}
	if c.IssuedAt == nil {
		errs = append(errs, errors.New("missing iat"))
	}
	return errors.Join(errs...)
}
