package account

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/usergraph/usergraph/models"
)

// PasswordPolicy is what a new password must satisfy. Lengths count
// Unicode code points of the NFKC-normalized password, so that "ﬁ" counts
// as the two letters it stands for.
type PasswordPolicy struct {
	// MinLength is the fewest code points a password may have.
	MinLength int
	// MaxLength is the most code points a password may have; it bounds
	// the work of hashing.
	MaxLength int
}

// Bounds on a policy's lengths, enforced by Validate.
const (
	minPolicyMinLength = 8
	maxPolicyMinLength = 64
	maxPolicyMaxLength = 1024
)

// DefaultPasswordPolicy returns the policy NIST SP 800-63B-4 asks for when
// a password is the only factor: at least 15 and at most 256 characters.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: 15, MaxLength: 256}
}

// Validate reports every problem with p as a configuration error: MinLength
// must be within 8..64 and at most MaxLength, and MaxLength at most 1024.
func (p PasswordPolicy) Validate() error {
	var errs []error
	if p.MinLength < minPolicyMinLength || p.MinLength > maxPolicyMinLength {
		errs = append(errs, fmt.Errorf(
			"password min length %d is outside %d..%d",
			p.MinLength, minPolicyMinLength, maxPolicyMinLength))
	}
	if p.MaxLength < p.MinLength {
		errs = append(errs, fmt.Errorf(
			"password max length %d is below min length %d",
			p.MaxLength, p.MinLength))
	}
	if p.MaxLength > maxPolicyMaxLength {
		errs = append(errs, fmt.Errorf(
			"password max length %d is above %d",
			p.MaxLength, maxPolicyMaxLength))
	}
	return errors.Join(errs...)
}

// Check reports whether password may be set for the account whose
// normalized email (see NormalizeEmail) is normalizedEmail, and returns the
// password normalized with NormalizePassword: that is what must be hashed.
//
// Any printable character and space is allowed. A password that is not
// valid UTF-8 or holds a NUL character fails with INVALID_INPUT. One that
// is too short or too long after normalization, or is the email address
// itself in any ASCII case, fails with WEAK_PASSWORD and a message saying
// why. The errors carry no field. Check's cost grows with len(password);
// the transport bounds the request size.
func (p PasswordPolicy) Check(password, normalizedEmail string) (string, error) {
	if !utf8.ValidString(password) {
		return "", models.Invalid("The password contains bytes that are not text.")
	}
	if strings.IndexByte(password, 0) >= 0 {
		return "", models.Invalid("The password must not contain a NUL character.")
	}

	normalized := NormalizePassword(password)
	n := utf8.RuneCountInString(normalized)
	switch {
	case n < p.MinLength:
		return "", weakPassword("Use at least %d characters.", p.MinLength)
	case n > p.MaxLength:
		return "", weakPassword("Use at most %d characters.", p.MaxLength)
	case isEmail(normalized, normalizedEmail):
		return "", weakPassword("The password must not be your email address.")
	case isCommonPassword(normalized):
		return "", weakPassword("This password is among the most common " +
			"ones; choose another.")
	case containsLocalPart(normalized, normalizedEmail):
		return "", weakPassword("The password must not contain the name " +
			"of your email address.")
	}
	return normalized, nil
}

// minLocalPart is the shortest local part a password may not contain:
// shorter ones ("jo") occur in many good passwords by chance.
const minLocalPart = 4

// containsLocalPart reports whether the password contains the part of the
// email before the @, compared without ASCII case, when that part has at
// least minLocalPart characters.
func containsLocalPart(password, normalizedEmail string) bool {
	local, _, ok := strings.Cut(normalizedEmail, "@")
	return ok && utf8.RuneCountInString(local) >= minLocalPart &&
		strings.Contains(asciiLower(password), local)
}

// NormalizePassword returns password in Unicode normalization form NFKC, so
// that the same password typed with a different composition or width
// (precomposed or combining accents, fullwidth digits) matches. Login
// normalizes with it before verifying a hash.
func NormalizePassword(password string) string {
	return norm.NFKC.String(password)
}

func isEmail(password, normalizedEmail string) bool {
	return normalizedEmail != "" &&
		asciiLower(strings.TrimSpace(password)) == normalizedEmail
}

func weakPassword(format string, args ...any) *models.Error {
	return &models.Error{
		Code:    models.CodeWeakPassword,
		Message: fmt.Sprintf(format, args...),
	}
}
