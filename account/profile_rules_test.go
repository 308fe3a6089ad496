package account

import (
	"errors"
	"strings"
	"testing"

	"github.com/usergraph/usergraph/models"
)

// controls lists one character of each class a single-line text refuses.
var controls = []struct{ name, r string }{
	{"NUL", "\x00"}, {"newline", "\n"}, {"carriage return", "\r"},
	{"tab", "\t"}, {"escape", "\x1b"}, {"DEL", "\x7f"},
	{"C1 next line", "\u0085"}, {"C1 CSI", "\u009b"},
	{"line separator", "\u2028"}, {"paragraph separator", "\u2029"},
	{"LRE", "\u202A"}, {"RLE", "\u202B"}, {"PDF", "\u202C"},
	{"LRO", "\u202D"}, {"RLO", "\u202E"},
	{"LRI", "\u2066"}, {"RLI", "\u2067"}, {"FSI", "\u2068"},
	{"PDI", "\u2069"},
}

// textCheck runs check over cases that each expect success (ok) or
// INVALID_INPUT.
func textCheck(t *testing.T, check func(string) error, cases []textCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			err := check(tt.in)
			if tt.ok && err != nil {
				t.Fatalf("check(%q): %v", tt.in, err)
			}
			if !tt.ok && !errors.Is(err, models.ErrInvalidInput) {
				t.Fatalf("check(%q) = %v; want INVALID_INPUT", tt.in, err)
			}
		})
	}
}

type textCase struct {
	name string
	in   string
	ok   bool
}

func TestCheckDisplayName(t *testing.T) {
	cases := []textCase{
		{"plain", "Ada Lovelace", true},
		{"empty clears", "", true},
		{"japanese", "山田 太郎", true},
		{"arabic", "محمد", true},
		{"emoji", "Sam 🚀", true},
		{"100 code points", strings.Repeat("é", 100), true},
		{"101 code points", strings.Repeat("é", 101), false},
		{"only spaces", "   ", false},
		{"only ideographic space", "\u3000", false},
		{"only zero-width space", "\u200B", false},
		{"invalid UTF-8", "Ada\xff", false},
	}
	for _, c := range controls {
		cases = append(cases, textCase{c.name, "Ada" + c.r + "x", false})
	}
	textCheck(t, CheckDisplayName, cases)
}

func TestCheckBio(t *testing.T) {
	cases := []textCase{
		{"plain", "I write about compilers.", true},
		{"empty clears", "", true},
		{"paragraphs", "First.\n\nSecond.", true},
		{"CRLF", "First.\r\n\r\nSecond.", true},
		{"tab", "Name:\tAda", true},
		{"1000 code points", strings.Repeat("ü", 1000), true},
		{"1001 code points", strings.Repeat("ü", 1001), false},
		{"lone carriage return", "First.\rSecond.", false},
		{"only white space", " \n\t\r\n ", false},
		{"invalid UTF-8", "bio\xc3", false},
	}
	for _, c := range controls {
		ok := c.r == "\n" || c.r == "\t"
		cases = append(cases, textCase{c.name, "bio" + c.r + "x", ok})
	}
	textCheck(t, CheckBio, cases)
}

func TestCheckAvatarURL(t *testing.T) {
	long := "https://example.com/"
	long += strings.Repeat("a", MaxAvatarURLLength-len(long))
	cases := []textCase{
		{"https", "https://cdn.example.com/u/1.png", true},
		{"http", "http://example.com/a.png", true},
		{"upper-case scheme", "HTTPS://example.com/a.png", true},
		{"port, query and fragment", "https://example.com:8443/a?s=64#x", true},
		{"IPv6 host", "https://[2001:db8::1]/a.png", true},
		{"empty clears", "", true},
		{"2048 bytes", long, true},
		{"2049 bytes", long + "a", false},
		{"javascript", "javascript:alert(1)", false},
		{"data", "data:image/png;base64,iVBORw0KGgo=", false},
		{"ftp", "ftp://example.com/a.png", false},
		{"file", "file:///etc/passwd", false},
		{"relative path", "/avatars/1.png", false},
		{"scheme-relative", "//example.com/a.png", false},
		{"no scheme", "example.com/a.png", false},
		{"opaque", "https:example.com/a.png", false},
		{"no host", "https:///a.png", false},
		{"port only", "http://:80/a.png", false},
		{"user and password", "https://user:pass@example.com/a.png", false},
		{"user", "https://user@example.com/a.png", false},
		{"empty user info", "https://@example.com/a.png", false},
		{"space in host", "https://exa mple.com/a.png", false},
		{"space in path", "https://example.com/a b.png", false},
		{"leading space", " https://example.com/a.png", false},
		{"NUL", "https://example.com/\x00.png", false},
		{"newline", "https://example.com/\n.png", false},
		{"DEL", "https://example.com/\x7f.png", false},
		{"right-to-left override", "https://example.com/\u202Egnp.png", false},
		{"invalid UTF-8", "https://example.com/\xff.png", false},
		{"bad escape", "https://example.com/%zz", false},
	}
	textCheck(t, CheckAvatarURL, cases)
}
