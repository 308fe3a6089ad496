package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

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
		"--hash-concurrency", "4"},
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

// newTestServerOn starts a server on the database at dbURL.
func newTestServerOn(t testing.TB, dbURL string,
	opts ...func(*Config)) *testServer {
	t.Helper()
	cfg := testConfig(t, dbURL)
	for _, o := range opts {
		o(cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs,
		&slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	srv := httptest.NewServer(a.routes())
	t.Cleanup(func() {
		srv.Close()
		a.close()
	})
	return &testServer{URL: srv.URL, app: a, logs: logs}
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
	Status int
	Header http.Header
	Body   []byte
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
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	r := &gqlResponse{Status: res.StatusCode, Header: res.Header, Body: body}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(body, r); err != nil {
			t.Fatalf("decode response: %v in %s", err, body)
		}
	}
	return r
}

// gql posts a query with variables, authenticated by token if not empty.
func (s *testServer) gql(t testing.TB, token, query string,
	vars map[string]any) *gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query,
		"variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := s.post(t, "application/json", body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
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
