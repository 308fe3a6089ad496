package account

import (
	"errors"
	"strings"
	"testing"

	"github.com/usergraph/usergraph/models"
)

func TestNormalizeEmailAccepts(t *testing.T) {
	local64 := strings.Repeat("l", 64)
	domain189 := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) +
		"." + strings.Repeat("c", 61)
	long254 := local64 + "@" + domain189

	tests := []struct {
		name, in, address, normalized string
	}{
		{"plain", "a@example.com", "a@example.com", "a@example.com"},
		{"trimmed and lowercased", " \t Bob@Example.COM\n\u3000",
			"Bob@Example.COM", "bob@example.com"},
		{"dots, plus and subdomains", "First.Last+tag@sub.example.co.uk",
			"First.Last+tag@sub.example.co.uk",
			"first.last+tag@sub.example.co.uk"},
		{"atext symbols", "o'brien_x!#$%&*/=?^`{|}~@example.com",
			"o'brien_x!#$%&*/=?^`{|}~@example.com",
			"o'brien_x!#$%&*/=?^`{|}~@example.com"},
		{"hyphenated domain", "a@my-host.example", "a@my-host.example",
			"a@my-host.example"},
		{"single label domain", "x@localhost", "x@localhost", "x@localhost"},
		{"internationalized", "Jörg@Bücher.example", "Jörg@Bücher.example",
			"jörg@bücher.example"},
		{"non-ASCII case kept", "ÉLODIE@example.com", "ÉLODIE@example.com",
			"Élodie@example.com"},
		{"kelvin sign kept", "\u212Aelvin@example.com",
			"\u212Aelvin@example.com", "\u212Aelvin@example.com"},
		{"long s kept", "\u017Fam@example.com", "\u017Fam@example.com",
			"\u017Fam@example.com"},
		{"64-byte local part", local64 + "@example.com",
			local64 + "@example.com", local64 + "@example.com"},
		{"254 bytes", long254, long254, long254},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			address, normalized, err := NormalizeEmail(tt.in)
			if err != nil {
				t.Fatalf("NormalizeEmail(%q): %v", tt.in, err)
			}
			if address != tt.address || normalized != tt.normalized {
				t.Errorf("NormalizeEmail(%q) = %q, %q; want %q, %q",
					tt.in, address, normalized, tt.address, tt.normalized)
			}
		})
	}
}

func TestNormalizeEmailRefuses(t *testing.T) {
	local65 := strings.Repeat("l", 65)
	domain189 := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) +
		"." + strings.Repeat("c", 61)
	long255 := strings.Repeat("l", 64) + "@" + domain189 + "c"

	tests := []struct{ name, in string }{
		{"empty", ""},
		{"only white space", " \t\n"},
		{"display name", "Bob <bob@example.com>"},
		{"quoted display name", `"Bob" <bob@example.com>`},
		{"angle brackets", "<bob@example.com>"},
		{"comment", "bob@example.com (Bob)"},
		{"comment inside", "bob(x)@example.com"},
		{"quoted local part", `"bob"@example.com`},
		{"quoted local part with space", `"b b"@example.com`},
		{"route", "<@relay.example:bob@example.com>"},
		{"group", "friends: bob@example.com;"},
		{"list", "a@example.com, b@example.com"},
		{"two @", "a@b@example.com"},
		{"no @", "bob.example.com"},
		{"empty local part", "@example.com"},
		{"empty domain", "bob@"},
		{"leading dot in local part", ".bob@example.com"},
		{"double dot in local part", "b..b@example.com"},
		{"domain starts with dot", "bob@.example.com"},
		{"domain ends with dot", "bob@example.com."},
		{"empty label", "bob@example..com"},
		{"domain starts with hyphen", "bob@-example.com"},
		{"label ends with hyphen", "bob@example-.com"},
		{"underscore in domain", "bob@ex_ample.com"},
		{"domain literal", "bob@[192.0.2.1]"},
		{"65-byte local part", local65 + "@example.com"},
		{"255 bytes", long255},
		{"inner space", "bob smith@example.com"},
		{"no-break space", "bob\u00A0smith@example.com"},
		{"NUL", "bob\x00@example.com"},
		{"escape", "bob\x1b@example.com"},
		{"DEL", "bob\x7f@example.com"},
		{"C1 control", "bob\u0085@example.com"},
		{"line separator", "bob\u2028@example.com"},
		{"right-to-left override", "bob\u202E@example.com"},
		{"isolate", "bob\u2066@example.com"},
		{"zero-width space", "bob\u200B@example.com"},
		{"byte order mark", "\uFEFFbob@example.com"},
		{"private use", "bob\uE000@example.com"},
		{"invalid UTF-8", "b\xffb@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NormalizeEmail(tt.in)
			if !errors.Is(err, models.ErrInvalidInput) {
				t.Fatalf("NormalizeEmail(%q) error = %v; want INVALID_INPUT",
					tt.in, err)
			}
			var e *models.Error
			if errors.As(err, &e) && len(e.Field) != 0 {
				t.Errorf("error has field %v; want none", e.Field)
			}
		})
	}
}

func TestNormalizeEmailKeysLookAlikesApart(t *testing.T) {
	pairs := [][2]string{
		{"\u212Aelvin@example.com", "kelvin@example.com"},
		{"\u212Aelvin@example.com", "Kelvin@example.com"},
		{"\u017Fam@example.com", "sam@example.com"},
		{"a@\u212Aelvin.example", "a@kelvin.example"},
	}
	for _, p := range pairs {
		_, a, errA := NormalizeEmail(p[0])
		_, b, errB := NormalizeEmail(p[1])
		if errA != nil || errB != nil {
			t.Fatalf("NormalizeEmail: %v, %v", errA, errB)
		}
		if a == b {
			t.Errorf("%q and %q share the key %q", p[0], p[1], a)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"a@example.com", " Bob@Example.COM ", "first.last+tag@sub.example.co.uk",
		"x@localhost", "\u212Aelvin@example.com", "Jörg@Bücher.example",
		"Bob <bob@example.com>", "bob@example.com (Bob)", `"b b"@example.com`,
		"bob@[192.0.2.1]", "a@b@c", "", "bob\u202E@example.com", "b\xffb@x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		address, normalized, err := NormalizeEmail(s)
		if err != nil {
			if !errors.Is(err, models.ErrInvalidInput) {
				t.Fatalf("NormalizeEmail(%q) error = %v; want INVALID_INPUT",
					s, err)
			}
			return
		}
		if !sameButASCIICase(address, normalized) {
			t.Fatalf("NormalizeEmail(%q) = %q, %q: not one up to ASCII case",
				s, address, normalized)
		}
		_, again, err := NormalizeEmail(normalized)
		if err != nil || again != normalized {
			t.Fatalf("NormalizeEmail(%q) = %q, %v; want it unchanged",
				normalized, again, err)
		}
	})
}

// sameButASCIICase reports whether a and b have the same bytes except for
// A–Z in a that are a–z in b.
func sameButASCIICase(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if x != y && !('A' <= x && x <= 'Z' && y == x+'a'-'A') {
			return false
		}
		if 'A' <= y && y <= 'Z' {
			return false
		}
	}
	return true
}
