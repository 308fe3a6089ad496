package graph

import (
	"strings"
	"testing"
)

func testLimits() Limits {
	return Limits{MaxQueryBytes: 32 << 10, MaxQueryTokens: 2000,
		MaxDepth: 15, MaxAliases: 30, MaxRootFields: 20, MaxDirectives: 5,
		MaxComplexity: 1000, MaxErrors: 10}
}

func TestLimitsCheck(t *testing.T) {
	l := testLimits()
	cases := []struct {
		name, query string
		refused     bool
	}{
		{"plain", `{ me { id } }`, false},
		{"two operations", `query A { me { id } } query B { sessions { id } }`,
			false},
		{"one login", `mutation { login(input: {}) { accessToken } }`, false},
		{"two logins", `mutation { a: login(input: {}) { accessToken }
			b: login(input: {}) { accessToken } }`, true},
		{"two logins in a query are not mutations",
			`query { a: login b: login }`, false},
		{"login and register via inline fragment", `mutation { login
			... on Mutation { register } }`, true},
		{"spread twice", `mutation { ...L ...L } fragment L on Mutation {
			login }`, true},
		{"depth 15", "{" + strings.Repeat(" a {", 14) + " b" +
			strings.Repeat(" }", 14) + " }", false},
		{"depth 16", "{" + strings.Repeat(" a {", 15) + " b" +
			strings.Repeat(" }", 15) + " }", true},
		{"unknown fragment", `{ ...Nope }`, false},
		{"syntax error left to the parser", `{ me { id }`, false},
		{"self-spreading fragment", `{ ...A } fragment A on Query { ...A }`,
			false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := l.Check(c.query)
			if (msg != "") != c.refused {
				t.Errorf("check = %q, refused want %v", msg, c.refused)
			}
		})
	}
}

// FuzzLimits feeds hostile documents to the pre-validation limits: they
// must never panic, and must refuse anything over the byte or token
// bounds whatever else it contains.
func FuzzLimits(f *testing.F) {
	for _, seed := range []string{`{ me { id } }`, `mutation { ...A }
		fragment A on Mutation { ...B ...B } fragment B on Mutation { login }`,
		`{ a: b @c @d(e: [1, {f: "g"}]) ... on X { ...Y } }`, `{{{{{`,
		`query ($a: [[Int!]!] = [[1]]) { x(y: $a) }`, "\"\"\"", "{ # }"} {
		f.Add(seed)
	}
	l := testLimits()
	l.MaxQueryBytes = 4096
	f.Fuzz(func(t *testing.T, q string) {
		msg := l.Check(q)
		if len(q) > l.MaxQueryBytes && msg == "" {
			t.Fatalf("a %d-byte document passed", len(q))
		}
	})
}
