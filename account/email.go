package account

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/usergraph/usergraph/models"
)

// MaxEmailLength is the longest email address accepted, in bytes: the
// longest address SMTP can carry in a forward or reverse path.
const MaxEmailLength = 254

// maxLocalPartLength is the longest part before the @, in bytes (RFC 5321).
const maxLocalPartLength = 64

// NormalizeEmail checks that s, after trimming surrounding white space, is
// one plain address such as name@example.com. It returns the trimmed
// address as the user typed it, for display and sending, and its
// normalized form, the key that tells accounts apart.
//
// Normalizing lowercases the ASCII letters A–Z and nothing else. Unicode
// case mapping would fold look-alikes such as the Kelvin sign (U+212A)
// into "k", letting two different mailboxes share one account key.
//
// A display name, comment, quoted local part, domain literal or invisible
// character is refused, as is an address longer than MaxEmailLength bytes
// or with a local part longer than 64 bytes. The error is an INVALID_INPUT
// *models.Error without a field; the caller attaches the input path with
// At. Its message does not repeat the address.
func NormalizeEmail(s string) (address, normalized string, err error) {
	address = strings.TrimSpace(s)
	if err := checkEmail(address); err != nil {
		return "", "", err
	}
	return address, asciiLower(address), nil
}

// checkEmail reports why a, an already trimmed address, is not accepted.
func checkEmail(a string) error {
	switch {
	case a == "":
		return models.Invalid("Enter an email address.")
	case len(a) > MaxEmailLength:
		return models.Invalid("The email address is too long.")
	case !utf8.ValidString(a) || strings.IndexFunc(a, isInvisible) >= 0:
		return models.Invalid(
			"The email address contains spaces or invisible characters.")
	}

	// net/mail also accepts display names, comments and quoting; requiring
	// its result to be the input itself leaves only a bare dot-atom
	// address, which has exactly one @.
	parsed, err := mail.ParseAddress(a)
	if err != nil || parsed.Address != a {
		return errEmailForm()
	}
	local, domain, _ := strings.Cut(a, "@")
	if len(local) > maxLocalPartLength {
		return models.Invalid("The part before the @ is too long.")
	}
	if local == "" || !validDomain(domain) {
		return errEmailForm()
	}
	return nil
}

func errEmailForm() *models.Error {
	return models.Invalid(
		"Enter one email address, such as name@example.com.")
}

// validDomain reports whether d is a dot-separated list of host labels:
// letters, digits and inner hyphens, with non-ASCII letters allowed for
// internationalized domains. It does not check DNS label lengths.
func validDomain(d string) bool {
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		if strings.IndexFunc(label, notHostRune) >= 0 {
			return false
		}
	}
	return true
}

func notHostRune(r rune) bool {
	ascii := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' ||
		'0' <= r && r <= '9' || r == '-'
	return !ascii && r < utf8.RuneSelf
}

// asciiLower maps A–Z to a–z and leaves every other byte alone, so the
// result has the same length as s and the same non-ASCII characters.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
