package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// introspectionQuery is the shape of the query GraphQL playgrounds send.
const introspectionQuery = `query IntrospectionQuery { __schema {
  queryType { name } mutationType { name } subscriptionType { name }
  types { ...FullType } directives { name description locations
  args { ...InputValue } } } }
fragment FullType on __Type { kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue }
  type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue } interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated
  deprecationReason } possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef }
  defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name } } } } } } } }`

// wantLimit fails unless res refuses a document with one
// GRAPHQL_VALIDATION_FAILED error whose message contains what.
func wantLimit(t testing.TB, res *gqlResponse, what string) {
	t.Helper()
	wantCode(t, res, "GRAPHQL_VALIDATION_FAILED")
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, what) {
		t.Errorf("want one error naming %q: %.400s", what, res.Body)
	}
	if res.Status < 400 || res.Status >= 500 {
		t.Errorf("status %d", res.Status)
	}
}

func TestQueryLimits(t *testing.T) {
	s := newTestServer(t)
	nested := func(n int) string {
		return "{ " + strings.Repeat("sessions { ", n) + "id" +
			strings.Repeat(" }", n) + " }"
	}
	cases := []struct{ name, query, what string }{
		{"tokens", "{ " + strings.Repeat("__typename ", 2001) + "}",
			"2000 tokens"},
		{"bytes", "{ me { id } }" + strings.Repeat(" ", 33<<10), "bytes"},
		{"depth", nested(16), "depth"},
		{"aliases", "{ " + aliased("__typename", 31) + " }", "30 aliases"},
		{"root fields", "{ " + strings.Repeat("me { id } ", 21) + "}",
			"20 root fields"},
		{"directives on a field",
			"{ me " + strings.Repeat("@include(if: true) ", 6) + "{ id } }",
			"directives on one field"},
		{"unknown directives", "{ " + strings.Repeat(
			"me @a @b @c @d @e { id } ", 5) + "}", "directives"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantLimit(t, s.gql(t, "", c.query, nil), c.what)
		})
	}
	t.Run("exponential fragments are measured, not expanded", func(t *testing.T) {
		// Each fragment spreads the next twice: 2^25 fields if expanded.
		var b strings.Builder
		b.WriteString("{ ...F0 }")
		for i := range 25 {
			fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }",
				i, i+1, i+1)
		}
		b.WriteString(" fragment F25 on Query { __typename }")
		wantLimit(t, s.gql(t, "", b.String(), nil), "root fields")
	})
	t.Run("fragment cycles do not hang", func(t *testing.T) {
		res := s.gql(t, "", `{ ...A } fragment A on Query { ...B }
			fragment B on Query { ...A }`, nil)
		wantCode(t, res, "GRAPHQL_VALIDATION_FAILED")
	})
	t.Run("over GET too", func(t *testing.T) {
		res := s.get(t, "/graphql?query="+url.QueryEscape(nested(16)))
		wantLimit(t, res, "depth")
	})
	t.Run("the playground's introspection query passes", func(t *testing.T) {
		res := s.gql(t, "", introspectionQuery, nil)
		if res.code() != "" || len(res.Data["__schema"]) == 0 {
			t.Fatalf("introspection refused: %.300s", res.Body)
		}
	})
	t.Run("errors per response are bounded", func(t *testing.T) {
		q := "{ " + strings.Repeat("nope ", 50) + "}"
		res := s.gql(t, "", q, nil)
		if len(res.Errors) == 0 || len(res.Errors) > 10 {
			t.Fatalf("%d errors", len(res.Errors))
		}
	})
}

func aliased(field string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, field)
	}
	return b.String()
}

func TestOneCredentialCheckPerRequest(t *testing.T) {
	s := newTestServer(t)
	s.mustRegister(t, "brute@example.com")
	var b strings.Builder
	b.WriteString("mutation {")
	for i := range 100 {
		fmt.Fprintf(&b, ` l%d: login(input: {email: "brute@example.com",
			password: "guess number %03d of many"}) { accessToken }`, i, i)
	}
	b.WriteString(" }")
	before := metricValue(t, s, `usergraph_logins_total{result="INVALID_CREDENTIALS"}`)

	cases := map[string]string{
		"aliases": b.String(),
		"two kinds": `mutation { login(input: {email: "a@b.co", password: "x"})
			{ accessToken } register(input: {email: "a@b.co", password: "x"})
			{ accessToken } }`,
		"through a fragment": `mutation { ...M } fragment M on Mutation {
			a: login(input: {email: "a@b.co", password: "x"}) { accessToken }
			b: login(input: {email: "a@b.co", password: "y"}) { accessToken } }`,
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			res := s.gql(t, "", q, nil)
			wantCode(t, res, "GRAPHQL_VALIDATION_FAILED")
			if len(res.Data) != 0 && string(res.Data["login"]) != "" {
				t.Errorf("executed: %.200s", res.Body)
			}
		})
	}
	if after := metricValue(t, s, `usergraph_logins_total{result="INVALID_CREDENTIALS"}`); after != before {
		t.Errorf("passwords were checked: %v → %v", before, after)
	}
	t.Run("one login with other fields is fine", func(t *testing.T) {
		res := s.gql(t, "", `mutation { login(input: {email:
			"brute@example.com", password: "correct horse battery staple"})
			{ accessToken } }`, nil)
		if res.code() != "" {
			t.Fatal(string(res.Body))
		}
	})
}

// metricValue returns the value of one exposition line of /metrics, or
// "" when it is absent.
func metricValue(t testing.TB, s *testServer, series string) string {
	t.Helper()
	res, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	for _, line := range strings.Split(body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

func TestComplexityLimit(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.HTTP.MaxComplexity = 5 })
	res := s.gql(t, "", `{ me { id email displayName bio role createdAt } }`,
		nil)
	wantLimit(t, res, "complexity")
}

func TestSuggestionsOffInProduction(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.HTTP.Suggestions = false })
	res := s.gql(t, "", `{ mee { id } }`, nil)
	wantCode(t, res, "GRAPHQL_VALIDATION_FAILED")
	if strings.Contains(string(res.Body), "Did you mean") {
		t.Errorf("suggestion given: %s", res.Body)
	}
	dev := newTestServer(t)
	if res := dev.gql(t, "", `{ mee { id } }`, nil); !strings.Contains(
		string(res.Body), "Did you mean") {
		t.Errorf("no suggestion in development: %s", res.Body)
	}
}

func sha(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}

// persisted sends a request with the persistedQuery extension, and the
// query text if it is not empty.
func (s *testServer) persisted(t testing.TB, query, hash string) *gqlResponse {
	t.Helper()
	body := map[string]any{"extensions": map[string]any{
		"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
	if query != "" {
		body["query"] = query
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, s.post(t, "application/json", raw))
}

func TestAutomaticPersistedQueries(t *testing.T) {
	s := newTestServer(t)
	q := `{ __typename }`
	wantCode(t, s.persisted(t, "", sha(q)), "PERSISTED_QUERY_NOT_FOUND")
	if res := s.persisted(t, q, sha(q)); res.code() != "" {
		t.Fatalf("register: %s", res.Body)
	}
	if res := s.persisted(t, "", sha(q)); res.code() != "" ||
		string(res.Data["__typename"]) != `"Query"` {
		t.Fatalf("by hash: %s", res.Body)
	}
}

func TestTrustedDocuments(t *testing.T) {
	trusted := `{ __typename }`
	path := filepath.Join(t.TempDir(), "trusted.json")
	data, _ := json.Marshal(map[string]string{sha(trusted): trusted})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, func(c *Config) { c.HTTP.TrustedDocs = path })

	if res := s.persisted(t, "", sha(trusted)); res.code() != "" {
		t.Fatalf("trusted by hash: %s", res.Body)
	}
	if res := s.gql(t, "", trusted, nil); res.code() != "" {
		t.Fatalf("trusted by text: %s", res.Body)
	}
	other := `{ me { id } }`
	wantCode(t, s.gql(t, "", other, nil), "PERSISTED_QUERY_NOT_FOUND")
	// Registering through APQ is off in this mode.
	wantCode(t, s.persisted(t, other, sha(other)), "PERSISTED_QUERY_NOT_FOUND")
	wantCode(t, s.persisted(t, "", sha(other)), "PERSISTED_QUERY_NOT_FOUND")
}
