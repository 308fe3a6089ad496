package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	s := newTestServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path, func(t *testing.T) {
			if res := s.get(t, path); res.Status != 200 {
				t.Errorf("status %d: %s", res.Status, res.Body)
			}
		})
	}
	t.Run("database gone", func(t *testing.T) {
		if err := s.app.store.Close(); err != nil {
			t.Fatal(err)
		}
		if res := s.get(t, "/readyz"); res.Status != 503 {
			t.Errorf("readyz status %d: %s", res.Status, res.Body)
		}
		if res := s.get(t, "/healthz"); res.Status != 200 {
			t.Errorf("healthz status %d: %s", res.Status, res.Body)
		}
	})
}

func TestMetrics(t *testing.T) {
	s := newTestServer(t)
	s.mustRegister(t, "counted@example.com")
	s.login(t, "counted@example.com", "not the password!")
	s.mustLogin(t, "counted@example.com")

	m := s.metrics(t)
	for key, want := range map[string]float64{
		`usergraph_logins_total{result="INVALID_CREDENTIALS"}`:               1,
		`usergraph_logins_total{result="success"}`:                           1,
		`usergraph_registrations_total{result="success"}`:                    1,
		`usergraph_requests_total{operation="login",outcome="ok"}`:           1,
		`usergraph_requests_total{operation="login",outcome="client_error"}`: 1,
		`usergraph_password_hash_queue_depth`:                                0,
		`usergraph_password_hash_in_flight`:                                  0,
	} {
		if got, ok := m[key]; !ok || got != want {
			t.Errorf("%s = %v (present %v); want %v", key, got, ok, want)
		}
	}
}

// metrics scrapes /metrics into a map from series (name and labels, as
// printed) to value.
func (s *testServer) metrics(t testing.TB) map[string]float64 {
	t.Helper()
	res := s.get(t, "/metrics")
	if res.Status != 200 {
		t.Fatalf("/metrics status %d", res.Status)
	}
	m := map[string]float64{}
	for line := range strings.Lines(string(res.Body)) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(strings.TrimSpace(line[i+1:]), 64)
		if i < 0 || err != nil {
			t.Fatalf("metrics line %q", line)
		}
		m[line[:i]] = v
	}
	return m
}

// logLine is one request line of the log.
type logLine struct {
	Msg        string   `json:"msg"`
	RequestID  string   `json:"request_id"`
	Path       string   `json:"path"`
	Op         string   `json:"op"`
	UserID     string   `json:"user_id"`
	DurationMS *float64 `json:"duration_ms"`
	Outcome    string   `json:"outcome"`
	ErrorCode  string   `json:"error_code"`
}

func TestRequestLog(t *testing.T) {
	s := newTestServer(t)
	const email = "Logged.Person@Example.com"
	const password = "a password nobody may read"
	p := s.register(t, email, password)
	wantErrors(t, p.Errors)
	token, id := *p.AccessToken, p.User.ID
	me := s.gql(t, token, `query WhoAmI { me { id } }`, nil)
	anon := s.gql(t, "", `query WhoAmI { me { id } }`, nil)
	s.get(t, "/healthz")

	lines := requestLines(t, s.logs.String())
	t.Run("one line per request", func(t *testing.T) {
		if len(lines) != 4 {
			t.Fatalf("%d request lines; want 4", len(lines))
		}
		seen := map[string]bool{}
		for _, l := range lines {
			if l.RequestID == "" || seen[l.RequestID] ||
				l.DurationMS == nil || l.Outcome == "" {
				t.Errorf("line %+v", l)
			}
			seen[l.RequestID] = true
		}
	})
	t.Run("authenticated call", func(t *testing.T) {
		l := lines[1]
		if l.RequestID != me.Header.Get("X-Request-Id") ||
			l.Op != "WhoAmI" || l.UserID != id || l.Outcome != "ok" {
			t.Errorf("line %+v", l)
		}
	})
	t.Run("refused call", func(t *testing.T) {
		l := lines[2]
		if l.RequestID != anon.Header.Get("X-Request-Id") ||
			l.UserID != "" || l.Outcome != "client_error" ||
			l.ErrorCode != "UNAUTHENTICATED" {
			t.Errorf("line %+v", l)
		}
	})
	t.Run("no secrets", func(t *testing.T) {
		logs := strings.ToLower(s.logs.String())
		signature := token[strings.LastIndexByte(token, '.')+1:]
		for name, v := range map[string]string{"password": password,
			"token": token, "token signature": signature,
			"email": email, "local part": "logged.person"} {
			if strings.Contains(logs, strings.ToLower(v)) {
				t.Errorf("the log holds the %s", name)
			}
		}
	})
}

// requestLines returns the "request" lines of a JSON log.
func requestLines(t testing.TB, logs string) []logLine {
	t.Helper()
	var out []logLine
	for line := range strings.Lines(logs) {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if l.Msg == "request" {
			out = append(out, l)
		}
	}
	return out
}

func TestHelpListsEveryVariable(t *testing.T) {
	var out bytes.Buffer
	_, err := loadConfig([]string{"--help"}, noEnv, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v; want flag.ErrHelp", err)
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	(&Config{}).register(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(out.String(), envName(f.Name)+")") {
			t.Errorf("--help does not list %s", envName(f.Name))
		}
	})
	if code := run(context.Background(), []string{"--help"}, noEnv,
		io.Discard, io.Discard); code != 0 {
		t.Errorf("run --help = %d; want 0", code)
	}
}

// smtpURL is a well-formed SMTP server for production configurations
// that never send mail.
const smtpURL = "smtp://mailer:secret@127.0.0.1:2525"

// appURL is the client application production mode needs for links.
const appURL = "https://app.example.com"

func TestProductionConfig(t *testing.T) {
	keyFile, secret := writeKeyFile(t), newSecret(t)
	db := filepath.Join(t.TempDir(), "prod.db")

	t.Run("refused without a master secret", func(t *testing.T) {
		_, err := loadConfig([]string{"--env", "production",
			"--signing-key-file", keyFile, "--database", db}, noEnv,
			io.Discard)
		if err == nil ||
			!strings.Contains(err.Error(), "USERGRAPH_SECRET_FILE") {
			t.Errorf("err = %v; want one naming the master secret", err)
		}
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"--env",
			"production", "--database", db}, noEnv, io.Discard,
			&stderr); code != 2 {
			t.Errorf("run = %d; want 2", code)
		}
	})
	t.Run("refused with unsafe explicit settings", func(t *testing.T) {
		_, err := loadConfig([]string{"--env", "production", "--secret",
			secret, "--database", db, "--smtp-url", smtpURL, "--app-url", appURL,
			"--refresh-cookie-secure=false", "--smtp-require-starttls=false",
			"--refresh-cookie", "--cors-origins", "*"}, noEnv, io.Discard)
		for _, name := range []string{"USERGRAPH_REFRESH_COOKIE_SECURE",
			"USERGRAPH_SMTP_REQUIRE_STARTTLS", "USERGRAPH_CORS_ORIGINS"} {
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("err = %v; want one naming %s", err, name)
			}
		}
	})
	t.Run("refused without an https app URL", func(t *testing.T) {
		_, err := loadConfig([]string{"--env", "production", "--secret",
			secret, "--database", db, "--smtp-url", smtpURL,
			"--app-url", "http://app.example.com"}, noEnv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "USERGRAPH_APP_URL") {
			t.Errorf("err = %v; want one naming the app URL", err)
		}
	})
	t.Run("refused without mail delivery", func(t *testing.T) {
		_, err := loadConfig([]string{"--env", "production",
			"--secret", secret, "--database", db}, noEnv, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "USERGRAPH_SMTP_URL") {
			t.Errorf("err = %v; want one naming the SMTP URL", err)
		}
	})
	t.Run("refused with weak hashing", func(t *testing.T) {
		_, err := loadConfig([]string{"--env", "production",
			"--signing-key-file", keyFile, "--secret", secret,
			"--database", db, "--argon2-memory-kib", "64"}, noEnv, io.Discard)
		if err == nil {
			t.Error("weak argon2 parameters accepted in production")
		}
	})
	t.Run("accepted with a secret and generated keys", func(t *testing.T) {
		_, err := loadConfig([]string{"--env", "production",
			"--secret", secret, "--database", db, "--smtp-url", smtpURL, "--app-url", appURL},
			noEnv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("accepted with a key", func(t *testing.T) {
		cfg, err := loadConfig(nil, envOf(map[string]string{
			"USERGRAPH_ENV": "production", "USERGRAPH_DATABASE": db,
			"USERGRAPH_SIGNING_KEY_FILE": keyFile,
			"USERGRAPH_SECRET":           secret,
			"USERGRAPH_SMTP_URL":         smtpURL,
			"USERGRAPH_APP_URL":          appURL}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.HTTP.Playground || cfg.HTTP.Introspection ||
			cfg.LogFormat != "json" {
			t.Errorf("production defaults: %+v, log format %s",
				cfg.HTTP, cfg.LogFormat)
		}
	})
	t.Run("explicit settings win", func(t *testing.T) {
		cfg, err := loadConfig([]string{"--env", "production",
			"--smtp-url", smtpURL, "--app-url", appURL,
			"--signing-key-file", keyFile, "--secret", secret,
			"--database", db, "--introspection"}, noEnv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.HTTP.Introspection || cfg.HTTP.Playground {
			t.Errorf("HTTP config %+v", cfg.HTTP)
		}
	})
}

func TestProductionServer(t *testing.T) {
	keyFile := writeKeyFile(t)
	prod := newTestServer(t, func(c *Config) {
		p, err := loadConfig([]string{"--env", "production",
			"--smtp-url", smtpURL, "--app-url", appURL,
			"--signing-key-file", keyFile, "--secret", newSecret(t),
			"--database", c.Database}, noEnv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		p.Password = c.Password // keep hashing cheap
		*c = *p
	})
	dev := newTestServer(t)
	const introspect = `{ __schema { types { name } } }`

	t.Run("introspection off", func(t *testing.T) {
		res := prod.gql(t, "", introspect, nil)
		wantCode(t, res, "GRAPHQL_VALIDATION_FAILED")
		if strings.Contains(string(res.Body), `"types"`) {
			t.Errorf("introspection answered: %s", res.Body)
		}
		res = prod.gql(t, "", `{ __type(name: "User") { name } }`, nil)
		wantCode(t, res, "GRAPHQL_VALIDATION_FAILED")
	})
	t.Run("introspection on in development", func(t *testing.T) {
		if res := dev.gql(t, "", introspect, nil); res.code() != "" {
			t.Errorf("introspection: %s", res.Body)
		}
	})
	t.Run("no playground", func(t *testing.T) {
		if res := prod.get(t, "/"); res.Status != 404 {
			t.Errorf("GET / status %d", res.Status)
		}
		if res := dev.get(t, "/"); res.Status != 200 {
			t.Errorf("development GET / status %d", res.Status)
		}
	})
	t.Run("API works", func(t *testing.T) {
		token, _ := prod.mustRegister(t, "prod@example.com")
		if res := prod.me(t, token); res.code() != "" {
			t.Errorf("me: %s", res.Body)
		}
	})
}

// writeKeyFile writes a new signing key to a file and returns its path.
func writeKeyFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(path, newKeyPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func noEnv(string) string { return "" }

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}
