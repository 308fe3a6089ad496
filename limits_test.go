package main

import (
	"net/http"
	"net/url"
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

func TestQueryLimits(t *testing.T) {
	s := newTestServer(t)
	repeated := "{ " + strings.Repeat("__typename ", 2001) + "}"

	t.Run("too many tokens is refused before validation", func(t *testing.T) {
		res := s.gql(t, "", repeated, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("status %d", res.Status)
		}
		wantCode(t, res, "BAD_REQUEST")
		if !strings.Contains(res.Errors[0].Message, "2000 tokens") {
			t.Errorf("message does not name the limit: %s", res.Body)
		}
	})
	t.Run("too many bytes is refused", func(t *testing.T) {
		big := "{ me { id } }" + strings.Repeat(" ", 33<<10)
		wantCode(t, s.gql(t, "", big, nil), "BAD_REQUEST")
	})
	t.Run("over GET too", func(t *testing.T) {
		res := s.get(t, "/graphql?query="+url.QueryEscape(
			"{ "+strings.Repeat("__typename ", 2001)+"}"))
		wantCode(t, res, "BAD_REQUEST")
	})
	t.Run("the playground's introspection query passes", func(t *testing.T) {
		res := s.gql(t, "", introspectionQuery, nil)
		if res.code() != "" || len(res.Data["__schema"]) == 0 {
			t.Fatalf("introspection refused: %.300s", res.Body)
		}
	})
	t.Run("a document at the limit runs", func(t *testing.T) {
		// "{", 1998 fields and "}" are 2000 tokens.
		q := "{ " + strings.Repeat("__typename ", 1998) + "}"
		if res := s.gql(t, "", q, nil); res.code() != "" {
			t.Fatalf("refused: %.300s", res.Body)
		}
	})
}
