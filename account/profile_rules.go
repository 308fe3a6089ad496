package account

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/usergraph/usergraph/models"
)

// Limits on profile fields. Display name and bio count Unicode code
// points; the avatar URL counts bytes.
const (
	MaxDisplayNameLength = 100
	MaxBioLength         = 1000
	MaxAvatarURLLength   = 2048
)

// CheckDisplayName reports whether s may be a display name: valid UTF-8, at
// most MaxDisplayNameLength code points, with at least one visible
// character and no control characters, line or paragraph separators, or
// bidirectional embeddings, overrides and isolates (which could reorder
// text shown next to the name). The empty string passes: it clears the
// field. Otherwise the error is INVALID_INPUT without a field.
func CheckDisplayName(s string) error {
	return checkText(s, "display name", MaxDisplayNameLength, false)
}

// CheckBio reports whether s may be a bio. The rules are those of
// CheckDisplayName with a limit of MaxBioLength code points, except that
// tabs and line breaks (\n or \r\n) are allowed, so a bio can have
// paragraphs.
func CheckBio(s string) error {
	return checkText(s, "bio", MaxBioLength, true)
}

// CheckAvatarURL reports whether s may be an avatar URL: at most
// MaxAvatarURLLength bytes, without spaces or invisible characters, an
// absolute http or https URL (scheme in any case) with a host and without
// a user name or password. The empty string passes: it clears the field.
// Otherwise the error is INVALID_INPUT without a field.
func CheckAvatarURL(s string) error {
	switch {
	case s == "":
		return nil
	case len(s) > MaxAvatarURLLength:
		return models.Invalid(fmt.Sprintf(
			"The avatar URL must be at most %d bytes long.", MaxAvatarURLLength))
	case !utf8.ValidString(s) || strings.IndexFunc(s, isInvisible) >= 0:
		return models.Invalid(
			"The avatar URL must not contain spaces or invisible characters.")
	}

	// url.Parse lowercases the scheme.
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" ||
		u.Opaque != "" || u.Hostname() == "" {
		return models.Invalid(
			"Use a web address that starts with http:// or https://.")
	}
	if u.User != nil {
		return models.Invalid(
			"The avatar URL must not contain a user name or password.")
	}
	return nil
}

// checkText applies the rules shared by display name and bio; multiline
// allows tabs and line breaks.
func checkText(s, what string, limit int, multiline bool) error {
	if s == "" {
		return nil
	}
	if !utf8.ValidString(s) {
		return models.Invalid(fmt.Sprintf(
			"The %s contains bytes that are not text.", what))
	}
	if utf8.RuneCountInString(s) > limit {
		return models.Invalid(fmt.Sprintf(
			"The %s must be at most %d characters long.", what, limit))
	}

	bad := isUnsafeInText
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		bad = isUnsafeInMultiline
	}
	if strings.IndexFunc(s, bad) >= 0 {
		return models.Invalid(fmt.Sprintf(
			"The %s contains control or formatting characters.", what))
	}
	if strings.IndexFunc(s, isVisible) < 0 {
		return models.Invalid(fmt.Sprintf(
			"The %s must contain a visible character.", what))
	}
	return nil
}

// isUnsafeInText reports whether r is a control character, a line or
// paragraph separator, or a bidirectional embedding, override or isolate.
func isUnsafeInText(r rune) bool {
	return unicode.IsControl(r) ||
		r == '\u2028' || r == '\u2029' ||
		'\u202A' <= r && r <= '\u202E' ||
		'\u2066' <= r && r <= '\u2069'
}

func isUnsafeInMultiline(r rune) bool {
	return r != '\n' && r != '\t' && isUnsafeInText(r)
}

// isVisible reports whether r shows as a mark: a graphic character other
// than a space.
func isVisible(r rune) bool {
	return unicode.IsGraphic(r) && !unicode.IsSpace(r)
}

// isInvisible reports whether r does not belong in an identifier such as
// an email address or URL: white space, control and format characters,
// separators, and private-use or unassigned code points.
func isInvisible(r rune) bool {
	return !isVisible(r)
}
