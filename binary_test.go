package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestBinary builds the real binary and runs it as an operator would:
// start, serve, drain on SIGTERM, and start again on the same file.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "usergraph.db")
	// Hashing slow enough (a few hundred ms) to catch a login in flight.
	args := []string{"--addr", "127.0.0.1:0", "--database", db,
		"--log-format", "json", "--argon2-memory-kib", "65536",
		"--argon2-time", "2", "--shutdown-timeout", "10s"}

	var token string
	t.Run("serve and drain", func(t *testing.T) {
		p := startBinary(t, bin, dir, args...)
		s := &testServer{URL: "http://" + p.addr}
		s.mustRegister(t, "binary@example.com")

		login := make(chan *gqlResponse, 1)
		go func() {
			res, err := s.tryGQL("", loginMutation, map[string]any{
				"input": map[string]any{"email": "binary@example.com",
					"password": testPassword}})
			if err != nil {
				t.Error(err)
			}
			login <- res
		}()
		waitMetric(t, s, "usergraph_password_hash_in_flight 1")
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}

		res := <-login
		var pl authPayload
		if res != nil {
			res.field(t, "login", &pl)
		}
		if pl.AccessToken == nil {
			t.Fatalf("in-flight login was not served")
		}
		token = *pl.AccessToken
		if code := p.wait(t, 15*time.Second); code != 0 {
			t.Errorf("exit code %d; log:\n%s", code, p.log())
		}
		if !strings.Contains(p.log(), `"msg":"shutting down"`) {
			t.Errorf("no shutdown line in log:\n%s", p.log())
		}
	})
	t.Run("restart keeps users and sessions", func(t *testing.T) {
		p := startBinary(t, bin, dir, args...)
		s := &testServer{URL: "http://" + p.addr}
		if res := s.me(t, token); res.code() != "" {
			t.Errorf("me with the token of the first run: %s", res.Body)
		}
		s.mustLogin(t, "binary@example.com")
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		if code := p.wait(t, 15*time.Second); code != 0 {
			t.Errorf("exit code %d", code)
		}
	})
	t.Run("bad configuration exits 2", func(t *testing.T) {
		cmd := exec.Command(bin, "--env", "production", "--database", db)
		cmd.Dir, cmd.Env = dir, []string{}
		var exit *exec.ExitError
		if err := cmd.Run(); !errors.As(err, &exit) ||
			exit.ExitCode() != 2 {
			t.Errorf("run: %v; want exit code 2", err)
		}
	})
}

// buildBinary builds the command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	bin := filepath.Join(t.TempDir(), "usergraph")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running usergraph binary.
type process struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
	mu   sync.Mutex
	logs bytes.Buffer
}

// startBinary starts bin in dir with an empty environment and waits for
// it to listen. The process is killed when the test ends.
func startBinary(t *testing.T, bin, dir string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Dir, p.cmd.Env = dir, []string{}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	addr := make(chan string, 1)
	go p.readLog(stderr, addr)

	select {
	case p.addr = <-addr:
		return p
	case <-p.done:
		t.Fatalf("exited before listening:\n%s", p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("not listening after 30s:\n%s", p.log())
	}
	return nil
}

// readLog keeps the log of p, sends the address of its "listening"
// line to addr, and reaps the process at the end of its output.
func (p *process) readLog(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.mu.Lock()
		p.logs.Write(sc.Bytes())
		p.logs.WriteByte('\n')
		p.mu.Unlock()
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil &&
			line.Msg == "listening" {
			addr <- line.Addr
		}
	}
	_ = p.cmd.Wait()
	close(p.done)
}

func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// wait returns the exit code of p, failing if it runs past timeout.
func (p *process) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("still running after %v", timeout)
		return -1
	}
}

// waitMetric polls /metrics of s until it has the line want.
func waitMetric(t *testing.T, s *testServer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(string(s.get(t, "/metrics").Body),
			"\n"+want+"\n") {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("/metrics never showed %q", want)
}
