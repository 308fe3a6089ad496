package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/internal/testdb"
)

// testPassword satisfies the default password policy.
const testPassword = "correct horse battery staple"

// testServer is a whole usergraph instance behind a real HTTP listener.
type testServer struct {
	URL  string
	app  *app
	logs *syncBuffer
}

// testConfig returns a development configuration on dbURL with cheap
// password hashing, so the suite stays fast; one test in auth proves the
// production parameters.
func testConfig(t testing.TB, dbURL string) *Config {
	t.Helper()
	cfg, err := loadConfig([]string{"--database", dbURL,
		"--argon2-memory-kib", "64", "--argon2-time", "1",
		"--hash-concurrency", "4",
		// Tests send many mutations from one address; the rate limit
		// test sets its own rates.
		"--rate-limits", "", "--rate-limit", "1000000/1s"},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatalf("test config: %v", err)
	}
	return cfg
}

// newTestServer starts a server on a new SQLite database. Options may
// change the configuration before it starts.
func newTestServer(t testing.TB, opts ...func(*Config)) *testServer {
	t.Helper()
	return newTestServerOn(t, testdb.SQLite(t), opts...)
}

// newTestServerOn starts a server on the database at dbURL. It gets its
// own master secret, so that nothing is written beside the database or
// into the working directory; its signing keys are generated and kept in
// the database, as by default.
func newTestServerOn(t testing.TB, dbURL string,
	opts ...func(*Config)) *testServer {
	t.Helper()
	cfg := testConfig(t, dbURL)
	cfg.Tokens.Secret = newSecret(t)
	for _, o := range opts {
		o(cfg)
	}
	return startTestApp(t, cfg)
}

// forEachBackend runs fn once per database kind, each on a new server.
func forEachBackend(t *testing.T, fn func(t *testing.T, s *testServer)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, newTestServerOn(t, b.New(t)))
		})
	}
}

// gqlResponse is a decoded GraphQL response with its HTTP envelope.
type gqlResponse struct {
	Status int                        `json:"-"`
	Header http.Header                `json:"-"`
	Body   []byte                     `json:"-"`
	Data   map[string]json.RawMessage `json:"data"`
	Errors []gqlError                 `json:"errors"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// code returns the extensions.code of the first top-level error.
func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// field decodes the root field name of the data into v.
func (r *gqlResponse) field(t testing.TB, name string, v any) {
	t.Helper()
	raw, ok := r.Data[name]
	if !ok {
		t.Fatalf("no data.%s in %s", name, r.Body)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode data.%s: %v in %s", name, err, r.Body)
	}
}

// do sends req and decodes the response body as a GraphQL response.
func do(t testing.TB, req *http.Request) *gqlResponse {
	t.Helper()
	r, err := tryDo(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryDo is do for goroutines other than the test's: it returns the
// error instead of failing the test.
func tryDo(req *http.Request) (*gqlResponse, error) {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	r := &gqlResponse{Status: res.StatusCode, Header: res.Header, Body: body}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(body, r); err != nil {
			return nil, fmt.Errorf("decode response: %w in %s", err, body)
		}
	}
	return r, nil
}

// gql posts a query with variables, authenticated by token if not empty.
func (s *testServer) gql(t testing.TB, token, query string,
	vars map[string]any) *gqlResponse {
	t.Helper()
	r, err := s.tryGQL(token, query, vars)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryGQL is gql for goroutines other than the test's.
func (s *testServer) tryGQL(token, query string,
	vars map[string]any) (*gqlResponse, error) {
	authorization := ""
	if token != "" {
		authorization = "Bearer " + token
	}
	return s.send(authorization, query, vars)
}

// gqlAuth is gql with a raw Authorization header, sent if not empty.
func (s *testServer) gqlAuth(t testing.TB, authorization, query string,
	vars map[string]any) *gqlResponse {
	t.Helper()
	r, err := s.send(authorization, query, vars)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *testServer) send(authorization, query string,
	vars map[string]any) (*gqlResponse, error) {
	body, err := json.Marshal(map[string]any{"query": query,
		"variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql",
		bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return tryDo(req)
}

// post builds a POST to /graphql with a raw body.
func (s *testServer) post(t testing.TB, contentType string,
	body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql",
		bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return req
}

// get sends a GET to path on s.
func (s *testServer) get(t testing.TB, path string) *gqlResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

// newSecret returns a new master secret in base64.
func newSecret(t testing.TB) string {
	t.Helper()
	b := make([]byte, auth.MinSecretBytes)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// newKeyPEM returns a new Ed25519 signing key as PKCS #8 PEM.
func newKeyPEM(t testing.TB) []byte {
	t.Helper()
	key, err := auth.GenerateEd25519Key()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := auth.EncodePrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem
}

// authPayload is the shape of AuthPayload the tests read.
type authPayload struct {
	User                 *testUser   `json:"user"`
	AccessToken          *string     `json:"accessToken"`
	AccessTokenExpiresAt *string     `json:"accessTokenExpiresAt"`
	Errors               []userError `json:"errors"`
}

type userPayload struct {
	User   *testUser   `json:"user"`
	Errors []userError `json:"errors"`
}

type testUser struct {
	ID            string  `json:"id"`
	Email         string  `json:"email"`
	EmailVerified bool    `json:"emailVerified"`
	DisplayName   *string `json:"displayName"`
	Bio           *string `json:"bio"`
	AvatarURL     *string `json:"avatarUrl"`
	Role          string  `json:"role"`
	CreatedAt     string  `json:"createdAt"`
	UpdatedAt     string  `json:"updatedAt"`
}

type userError struct {
	Field   []string `json:"field"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
}

const userFields = `id email emailVerified displayName bio avatarUrl role
	createdAt updatedAt`

const authFields = `user { ` + userFields + ` } accessToken
	accessTokenExpiresAt errors { field code message }`

const registerMutation = `mutation($input: RegisterInput!) {
	register(input: $input) { ` + authFields + ` } }`

const loginMutation = `mutation($input: LoginInput!) {
	login(input: $input) { ` + authFields + ` } }`

// register calls the register mutation and returns its payload.
func (s *testServer) register(t testing.TB, email, password string) authPayload {
	t.Helper()
	res := s.gql(t, "", registerMutation, map[string]any{
		"input": map[string]any{"email": email, "password": password}})
	var p authPayload
	res.field(t, "register", &p)
	return p
}

// mustRegister registers an account and returns its access token and id.
func (s *testServer) mustRegister(t testing.TB, email string) (string, string) {
	t.Helper()
	p := s.register(t, email, testPassword)
	if len(p.Errors) > 0 || p.AccessToken == nil {
		t.Fatalf("register %s: %+v", email, p.Errors)
	}
	return *p.AccessToken, p.User.ID
}

// login calls the login mutation and returns its payload and response.
func (s *testServer) login(t testing.TB, email, password string) (authPayload,
	*gqlResponse) {
	t.Helper()
	res := s.gql(t, "", loginMutation, map[string]any{
		"input": map[string]any{"email": email, "password": password}})
	var p authPayload
	if _, ok := res.Data["login"]; ok && string(res.Data["login"]) != "null" {
		res.field(t, "login", &p)
	}
	return p, res
}

// mustLogin logs in and returns the access token.
func (s *testServer) mustLogin(t testing.TB, email string) string {
	t.Helper()
	p, res := s.login(t, email, testPassword)
	if p.AccessToken == nil {
		t.Fatalf("login %s: %s", email, res.Body)
	}
	return *p.AccessToken
}

// me calls the me query with token.
func (s *testServer) me(t testing.TB, token string) *gqlResponse {
	t.Helper()
	return s.gql(t, token, `{ me { `+userFields+` } }`, nil)
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// at builds the expected payload error with code at field.
func at(code string, field ...string) userError {
	return userError{Field: field, Code: code}
}

// wantErrors fails unless errs are want, in order, compared by code and
// field; every message must be set.
func wantErrors(t testing.TB, errs []userError, want ...userError) {
	t.Helper()
	if len(errs) != len(want) {
		t.Fatalf("errors = %+v; want %+v", errs, want)
	}
	for i, e := range errs {
		if e.Code != want[i].Code || !slices.Equal(e.Field, want[i].Field) {
			t.Errorf("errors[%d] = %s at %q; want %s at %q", i, e.Code,
				e.Field, want[i].Code, want[i].Field)
		}
		if e.Message == "" {
			t.Errorf("errors[%d] has no message", i)
		}
	}
}

// wantCode fails unless every top-level error of res has code.
func wantCode(t testing.TB, res *gqlResponse, code string) {
	t.Helper()
	if len(res.Errors) == 0 {
		t.Fatalf("no errors; want %s in %s", code, res.Body)
	}
	for _, e := range res.Errors {
		if e.Extensions["code"] != code {
			t.Fatalf("extensions.code = %v; want %s in %s",
				e.Extensions["code"], code, res.Body)
		}
	}
}

// wantNull fails unless each named member of the payload field of res
// is null.
func wantNull(t testing.TB, res *gqlResponse, field string,
	names ...string) {
	t.Helper()
	var members map[string]json.RawMessage
	res.field(t, field, &members)
	for _, n := range names {
		if v, ok := members[n]; !ok || string(v) != "null" {
			t.Errorf("%s.%s = %s; want null", field, n, v)
		}
	}
}
