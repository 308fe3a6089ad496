package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// canary is a password the server must never echo.
const canary = "Sup3r-Secret-Passphrase-4711"

func TestTransportRefusesBadBodies(t *testing.T) {
	s := newTestServer(t)
	big := `{"query":"{ __typename }","x":"` +
		strings.Repeat("a", 1<<20) + `"}`
	tests := []struct {
		name, contentType, body string
		status                  int
	}{
		{"malformed JSON", "application/json", `{"query":` +
			`"mutation { login(input: {email: \"a@example.com\", ` +
			`password: \"` + canary + `\"}) { accessToken } }"`, 400},
		{"trailing data", "application/json",
			`{"query":"{ __typename }"} {"password":"` + canary + `"}`, 400},
		{"wrong type", "application/json",
			`{"query":["` + canary + `"]}`, 400},
		{"batch", "application/json",
			`[{"query":"{ __typename }"},{"query":"{ __typename }"}]`, 400},
		{"too large", "application/json", big, 413},
		{"text/plain", "text/plain", `{"query":"{ __typename }"}`, 415},
		{"form", "application/x-www-form-urlencoded",
			"query=%7B__typename%7D&password=" + canary, 415},
		{"no content type", "", `{"query":"{ __typename }"}`, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, s.post(t, tt.contentType, []byte(tt.body)))
			if res.Status != tt.status {
				t.Errorf("status = %d; want %d", res.Status, tt.status)
			}
			wantCode(t, res, "BAD_REQUEST")
			if bytes.Contains(res.Body, []byte(canary)) {
				t.Errorf("response echoes the body: %s", res.Body)
			}
		})
	}
	t.Run("too large without Content-Length", func(t *testing.T) {
		req := s.post(t, "application/json", nil)
		req.Body = io.NopCloser(strings.NewReader(big))
		req.ContentLength = -1
		res := do(t, req)
		if res.Status != 413 {
			t.Errorf("status = %d; want 413", res.Status)
		}
		wantCode(t, res, "BAD_REQUEST")
	})
	t.Run("charset parameter accepted", func(t *testing.T) {
		res := do(t, s.post(t, "application/json; charset=utf-8",
			[]byte(`{"query":"{ __typename }"}`)))
		if res.Status != 200 || res.code() != "" {
			t.Errorf("status %d: %s", res.Status, res.Body)
		}
	})
	t.Run("logs never hold the body", func(t *testing.T) {
		if strings.Contains(s.logs.String(), canary) {
			t.Error("the log holds the password")
		}
	})
}

func TestTransportGET(t *testing.T) {
	s := newTestServer(t)
	token, id := s.mustRegister(t, "getter@example.com")

	t.Run("query works", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, s.URL+"/graphql?query="+
			url.QueryEscape("{ me { id } }"), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res := do(t, req)
		if res.Status != 200 || !strings.Contains(string(res.Body), id) {
			t.Errorf("status %d: %s", res.Status, res.Body)
		}
	})
	t.Run("mutation refused", func(t *testing.T) {
		mutation := `mutation { register(input: {email: "via-get@example.com",
			password: "` + testPassword + `"}) { accessToken } }`
		res := s.get(t, "/graphql?query="+url.QueryEscape(mutation))
		if res.Status != http.StatusMethodNotAllowed {
			t.Errorf("status %d: %s", res.Status, res.Body)
		}
		wantCode(t, res, "BAD_REQUEST")
		p, _ := s.login(t, "via-get@example.com", testPassword)
		wantErrors(t, p.Errors, at("INVALID_CREDENTIALS"))
	})
	t.Run("malformed variables", func(t *testing.T) {
		for _, v := range []string{"{", "[1]", "{}{}", "null x"} {
			res := s.get(t, "/graphql?query="+url.QueryEscape("{ me { id } }")+
				"&variables="+url.QueryEscape(v))
			if res.Status != http.StatusBadRequest {
				t.Errorf("variables %q: status %d", v, res.Status)
			}
			wantCode(t, res, "BAD_REQUEST")
		}
	})
}

func TestTransportGraphQLErrors(t *testing.T) {
	s := newTestServer(t)
	tests := []struct{ name, query, code string }{
		{"unknown field", `{ me { id password } }`,
			"GRAPHQL_VALIDATION_FAILED"},
		{"unknown root field", `{ users { id } }`,
			"GRAPHQL_VALIDATION_FAILED"},
		{"missing argument", `mutation { login { accessToken } }`,
			"GRAPHQL_VALIDATION_FAILED"},
		{"syntax error", `{ me { id }`, "GRAPHQL_PARSE_FAILED"},
		{"no operation", ``, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.gql(t, "", tt.query, nil)
			wantCode(t, res, tt.code)
			if res.Status < 400 || res.Status >= 500 {
				t.Errorf("status = %d; want 4xx", res.Status)
			}
		})
	}
}

// TestInternalErrorsDoNotLeak takes the database away under a running
// server: every failure must then read as INTERNAL_SERVER_ERROR with a
// request id, and say nothing of SQL or files.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	s := newTestServer(t)
	token, _ := s.mustRegister(t, "victim@example.com")
	if err := s.app.store.Close(); err != nil {
		t.Fatal(err)
	}
	leak := regexp.MustCompile(`(?i)sql|database|bun|\.go\b|/tmp|` +
		regexp.QuoteMeta(s.app.cfg.Database))

	for name, send := range map[string]func(testing.TB) *gqlResponse{
		"me": func(t testing.TB) *gqlResponse { return s.me(t, token) },
		"login": func(t testing.TB) *gqlResponse {
			_, res := s.login(t, "victim@example.com", testPassword)
			return res
		},
		"register": func(t testing.TB) *gqlResponse {
			return s.gql(t, "", registerMutation, map[string]any{
				"input": map[string]any{"email": "new@example.com",
					"password": testPassword}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			res := send(t)
			if res.Status != 200 {
				t.Errorf("status = %d; want 200", res.Status)
			}
			wantCode(t, res, "INTERNAL_SERVER_ERROR")
			id, _ := res.Errors[0].Extensions["requestId"].(string)
			if id == "" || id != res.Header.Get("X-Request-Id") {
				t.Errorf("requestId = %q; X-Request-Id %q", id,
					res.Header.Get("X-Request-Id"))
			}
			if m := leak.Find(res.Body); m != nil {
				t.Errorf("response mentions %q: %s", m, res.Body)
			}
			if !strings.Contains(s.logs.String(),
				`"msg":"internal error","request_id":"`+id) {
				t.Errorf("no internal error logged for %s", id)
			}
		})
	}
}

func TestTransportOtherMethods(t *testing.T) {
	s := newTestServer(t)
	for _, m := range []string{http.MethodPut, http.MethodDelete,
		http.MethodPatch} {
		req, err := http.NewRequest(m, s.URL+"/graphql",
			strings.NewReader(`{"query":"{ me { id } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		res := do(t, req)
		if res.Status != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d", m, res.Status)
		}
		wantCode(t, res, "BAD_REQUEST")
	}
}

func TestTransportSeveralOperations(t *testing.T) {
	s := newTestServer(t)
	res := s.gql(t, "", `query A { __typename } query B { __typename }`, nil)
	wantCode(t, res, "GRAPHQL_VALIDATION_FAILED")
	if !strings.Contains(res.Errors[0].Message, "operationName") {
		t.Errorf("message = %q", res.Errors[0].Message)
	}
}
