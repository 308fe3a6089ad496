package account

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswords is the 10,000 most common passwords, lower-cased, one
// per line, most common first: the first 10,000 distinct entries of the
// frequency-ranked list that @zxcvbn-ts/language-common 4.1.3 ships
// (MIT licence, in common_passwords.LICENSE). NIST SP 800-63B-4 asks
// verifiers to refuse passwords found in such lists.
//
//go:embed common_passwords.txt
var commonPasswords string

var commonSet = sync.OnceValue(func() map[string]struct{} {
	lines := strings.Split(strings.TrimSpace(commonPasswords), "\n")
	set := make(map[string]struct{}, len(lines))
	for _, l := range lines {
		set[l] = struct{}{}
	}
	return set
})

// isCommonPassword reports whether password, compared without letter
// case and surrounding white space, is one of the common passwords.
func isCommonPassword(password string) bool {
	_, ok := commonSet()[strings.ToLower(strings.TrimSpace(password))]
	return ok
}
