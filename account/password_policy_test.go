package account

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/usergraph/usergraph/models"
)

func TestPasswordPolicyValidate(t *testing.T) {
	tests := []struct {
		name   string
		policy PasswordPolicy
		ok     bool
	}{
		{"default", DefaultPasswordPolicy(), true},
		{"lowest bounds", PasswordPolicy{MinLength: 8, MaxLength: 8}, true},
		{"highest bounds", PasswordPolicy{MinLength: 64, MaxLength: 1024}, true},
		{"zero", PasswordPolicy{}, false},
		{"min too low", PasswordPolicy{MinLength: 7, MaxLength: 64}, false},
		{"min too high", PasswordPolicy{MinLength: 65, MaxLength: 128}, false},
		{"max below min", PasswordPolicy{MinLength: 15, MaxLength: 14}, false},
		{"max too high", PasswordPolicy{MinLength: 15, MaxLength: 1025}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Validate()
			if (err == nil) != tt.ok {
				t.Errorf("%+v.Validate() = %v; want ok %v",
					tt.policy, err, tt.ok)
			}
		})
	}
}

func TestPasswordPolicyCheckAccepts(t *testing.T) {
	const email = "user.name@example.com"
	tests := []struct{ name, in, want string }{
		{"passphrase", "correct horse battery staple",
			"correct horse battery staple"},
		{"exactly 15", strings.Repeat("a", 15), strings.Repeat("a", 15)},
		{"exactly 256", strings.Repeat("a", 256), strings.Repeat("a", 256)},
		{"japanese with fullwidth digits", "パスワードはとても長いです１２３",
			"パスワードはとても長いです123"},
		{"emoji", "🔒🔑🐈\u200d⬛ my cat's vault", "🔒🔑🐈\u200d⬛ my cat's vault"},
		{"spaces kept", "  leading and trailing  ", "  leading and trailing  "},
		{"ligatures grow to 16", strings.Repeat("\uFB01", 8),
			strings.Repeat("fi", 8)},
		{"ligatures grow to 256", strings.Repeat("\uFB01", 128),
			strings.Repeat("fi", 128)},
		{"one code point grows to 18", "\uFDFA", norm.NFKC.String("\uFDFA")},
		{"other email", "someone.else@example.com", "someone.else@example.com"},
		{"another email inside a longer password",
			"someone.else@example.com is mine",
			"someone.else@example.com is mine"},
	}
	p := DefaultPasswordPolicy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Check(tt.in, email)
			if err != nil {
				t.Fatalf("Check(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Check(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPasswordPolicyCheckRefuses(t *testing.T) {
	const email = "user.name@example.com"
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", models.ErrWeakPassword},
		{"14", strings.Repeat("a", 14), models.ErrWeakPassword},
		{"257", strings.Repeat("a", 257), models.ErrWeakPassword},
		// 20 code points as typed, 10 once the accents compose.
		{"composes to 10", strings.Repeat("e\u0301", 10),
			models.ErrWeakPassword},
		{"ligatures grow to 258", strings.Repeat("\uFB01", 129),
			models.ErrWeakPassword},
		{"the email", email, models.ErrWeakPassword},
		{"the email in another case", "User.Name@Example.COM",
			models.ErrWeakPassword},
		{"the email padded", "  " + email + " ", models.ErrWeakPassword},
		{"the email in fullwidth", "ｕｓｅｒ．ｎａｍｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
			models.ErrWeakPassword},
		{"invalid UTF-8", strings.Repeat("a", 15) + "\xff",
			models.ErrInvalidInput},
		{"NUL", strings.Repeat("a", 15) + "\x00", models.ErrInvalidInput},
	}
	p := DefaultPasswordPolicy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Check(tt.in, email)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Check(%q) = %q, %v; want %v",
					tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizePassword(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ascii", "Tr0ub4dor&3", "Tr0ub4dor&3"},
		{"ligature", "\uFB01", "fi"},
		{"combining accent", "e\u0301", "\u00E9"},
		{"angstrom sign", "\u212B", "\u00C5"},
		{"fullwidth", "ＡＢＣ１２３", "ABC123"},
		{"kelvin sign", "\u212A", "K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizePassword(tt.in); got != tt.want {
				t.Errorf("NormalizePassword(%q) = %q; want %q",
					tt.in, got, tt.want)
			}
		})
	}
}

func FuzzPasswordPolicy(f *testing.F) {
	for _, s := range []string{
		"correct horse battery staple", "パスワードはとても長いです１２３",
		"🔒🔑🐈\u200d⬛ my cat's vault", strings.Repeat("\uFB01", 8), "\uFDFA",
		strings.Repeat("e\u0301", 10), "a@example.com", "A@Example.com",
		"short", "\xff\xfe", "a\x00b", "a" + strings.Repeat("\u0301", 40),
	} {
		f.Add(s, "a@example.com")
	}
	p := PasswordPolicy{MinLength: 8, MaxLength: 64}
	f.Fuzz(func(t *testing.T, password, email string) {
		got, err := p.Check(password, email)
		if err != nil {
			if !errors.Is(err, models.ErrWeakPassword) &&
				!errors.Is(err, models.ErrInvalidInput) {
				t.Fatalf("Check(%q) error = %v; want a user error",
					password, err)
			}
			return
		}
		if !norm.NFKC.IsNormalString(got) {
			t.Fatalf("Check(%q) = %q: not NFKC", password, got)
		}
		if n := utf8.RuneCountInString(got); n < p.MinLength ||
			n > p.MaxLength {
			t.Fatalf("Check(%q) = %q: %d code points", password, got, n)
		}
	})
}
