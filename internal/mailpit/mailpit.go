// Package mailpit runs Mailpit, a real SMTP server that keeps what it
// receives and shows it over an HTTP API, for tests. The binary is
// built once from the Go module proxy into the user's cache directory,
// so later runs start at once.
package mailpit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Module is the Mailpit release the tests run.
const Module = "github.com/axllent/mailpit@v1.33.1"

// Server is a running Mailpit.
type Server struct {
	// SMTPAddr is the host:port of its SMTP server.
	SMTPAddr string
	// API is the base URL of its HTTP API.
	API string

	cmd    *exec.Cmd
	output *bytes.Buffer
	done   chan struct{}
}

// Start runs Mailpit on free loopback ports until the test ends, with
// extra command-line flags, and waits until it answers. SMTP takes any
// login or none, also without TLS unless flags require TLS.
func Start(t testing.TB, flags ...string) *Server {
	t.Helper()
	return StartOn(t, FreeAddr(t), flags...)
}

// StartOn is Start with the SMTP server on smtpAddr, e.g. one a sender
// has been failing to reach.
func StartOn(t testing.TB, smtpAddr string, flags ...string) *Server {
	t.Helper()
	bin := binary(t)
	s := &Server{SMTPAddr: smtpAddr, output: &bytes.Buffer{},
		done: make(chan struct{})}
	httpAddr := FreeAddr(t)
	s.API = "http://" + httpAddr
	args := []string{"--smtp", smtpAddr, "--listen", httpAddr,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--smtp-auth-accept-any", "--disable-version-check", "--quiet"}
	if !slices.Contains(flags, "--smtp-require-tls") &&
		!slices.Contains(flags, "--smtp-require-starttls") {
		// Mailpit refuses this together with required TLS.
		args = append(args, "--smtp-auth-allow-insecure")
	}
	args = append(args, flags...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.Stop)
	if err := s.waitUp(30 * time.Second); err != nil {
		s.Stop()
		t.Fatalf("mailpit did not come up: %v\n%s", err, s.output)
	}
	return s
}

// Stop ends the server; it is safe to call more than once.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) waitUp(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := s.ping()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return errors.New("mailpit exited")
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) ping() error {
	res, err := http.Get(s.API + "/api/v1/info")
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("api answers %s", res.Status)
	}
	conn, err := net.DialTimeout("tcp", s.SMTPAddr, time.Second)
	if err != nil {
		return err
	}
	return conn.Close()
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Address is a mailbox in a message's headers.
type Address struct {
	Name    string
	Address string
}

// Message is a received message as the API shows it. The summaries of
// Messages leave Text, HTML and Headers empty.
type Message struct {
	ID        string
	MessageID string
	From      *Address
	To        []Address
	Subject   string
	Text      string
	HTML      string
}

// Messages returns every message received, newest first, as summaries.
func (s *Server) Messages(t testing.TB) []Message {
	t.Helper()
	var out struct{ Messages []Message }
	s.get(t, "/api/v1/messages?limit=1000", &out)
	return out.Messages
}

// Message returns the message with Mailpit's id, in full.
func (s *Server) Message(t testing.TB, id string) *Message {
	t.Helper()
	var m Message
	s.get(t, "/api/v1/message/"+url.PathEscape(id), &m)
	return &m
}

// To returns the messages sent to address so far, oldest first, in full.
func (s *Server) To(t testing.TB, address string) []*Message {
	t.Helper()
	var out []*Message
	msgs := s.Messages(t)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, a := range msgs[i].To {
			if strings.EqualFold(a.Address, address) {
				out = append(out, s.Message(t, msgs[i].ID))
				break
			}
		}
	}
	return out
}

// WaitTo waits up to limit until n messages were sent to address and
// returns them, oldest first; it fails the test if they do not come.
func (s *Server) WaitTo(t testing.TB, address string, n int,
	limit time.Duration) []*Message {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		msgs := s.To(t, address)
		if len(msgs) >= n || time.Now().After(deadline) {
			if len(msgs) < n {
				t.Fatalf("%d messages to %s after %v, want %d", len(msgs),
					address, limit, n)
			}
			return msgs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	res, err := http.Get(s.API + path)
	if err != nil {
		t.Fatalf("mailpit api: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit api %s: %s: %s", path, res.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("mailpit api %s: %v", path, err)
	}
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildSkip bool
)

// binary returns the path of the Mailpit binary, building it on first
// use. It skips the test when the module proxy cannot be reached, and
// fails it when the build fails for another reason.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() { buildPath, buildSkip, buildErr = build() })
	if buildSkip {
		t.Skipf("mailpit not built (is the Go module proxy reachable?): %v",
			buildErr)
	}
	if buildErr != nil {
		t.Fatalf("build mailpit: %v", buildErr)
	}
	return buildPath
}

func build() (path string, skip bool, err error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	version := Module[strings.LastIndex(Module, "@")+1:]
	dir := filepath.Join(cache, "usergraph", "mailpit-"+version)
	path = filepath.Join(dir, "mailpit")
	if _, err := os.Stat(path); err == nil {
		return path, false, nil
	}
	// Build into a directory of our own and rename, so that test
	// processes building at once never see half a binary.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "build-")
	if err != nil {
		if err = os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", false, err
		}
		if tmp, err = os.MkdirTemp(filepath.Dir(dir), "build-"); err != nil {
			return "", false, err
		}
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCommand(), "install", Module)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=",
		"GOTOOLCHAIN=local", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", unreachable(string(out)), fmt.Errorf("%v\n%s", err, out)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	if err := os.Rename(filepath.Join(tmp, "mailpit"), path); err != nil {
		if _, statErr := os.Stat(path); statErr != nil {
			return "", false, err
		}
	}
	return path, false, nil
}

// unreachable reports whether go install failed for want of a network.
func unreachable(output string) bool {
	for _, s := range []string{"dial tcp", "no such host", "i/o timeout",
		"connection refused", "network is unreachable", "TLS handshake",
		"proxyconnect", "GOPROXY=off", "no route to host"} {
		if strings.Contains(output, s) {
			return true
		}
	}
	return false
}

// goCommand is the go command of the toolchain running the tests.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}
