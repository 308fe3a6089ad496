package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the program with args and a test environment, returning
// its exit code and output.
func runCLI(t *testing.T, env map[string]string, stdin string,
	args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runWithInput(context.Background(), args,
		func(k string) string { return env[k] }, strings.NewReader(stdin),
		&out, &errOut)
	return code, out.String(), errOut.String()
}

func cliEnv(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{
		"USERGRAPH_DATABASE":  filepath.Join(t.TempDir(), "cli.db"),
		"USERGRAPH_SECRET":    newSecret(t),
		"USERGRAPH_LOG_LEVEL": "error",
	}
}

func TestCLIMigrate(t *testing.T) {
	env := cliEnv(t)
	code, out, _ := runCLI(t, env, "", "migrate", "status")
	if code != 0 || !strings.Contains(out, "_init\tpending") {
		t.Fatalf("status before: %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "", "migrate")
	if code != 0 || !strings.Contains(out, "applied 20261203000001_init") {
		t.Fatalf("migrate: %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "", "migrate")
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "", "migrate", "status")
	if code != 0 || strings.Contains(out, "pending") {
		t.Fatalf("status after: %d %q", code, out)
	}
}

func TestCLIKeys(t *testing.T) {
	env := cliEnv(t)
	code, out, _ := runCLI(t, env, "", "keys", "list")
	if code != 0 || strings.Count(out, "\tactive\t") != 1 {
		t.Fatalf("list: %d %q", code, out)
	}
	code, out, _ = runCLI(t, env, "", "keys", "publish", "--alg", "ES256")
	if code != 0 || !strings.Contains(out, "ES256\tpublished") {
		t.Fatalf("publish: %d %q", code, out)
	}
	kid := strings.Fields(strings.Split(out, "\n")[1])[0]

	code, _, errOut := runCLI(t, env, "", "keys", "activate", kid)
	if code == 0 {
		t.Fatal("activated before the JWKS had shown the key")
	}
	if !strings.Contains(errOut, "usergraph:") {
		t.Errorf("no error message: %q", errOut)
	}
	code, out, _ = runCLI(t, env, "", "keys", "activate", "--force", kid)
	if code != 0 || !strings.Contains(out, "activated "+kid) {
		t.Fatalf("force activate: %d %q", code, out)
	}
	_, out, _ = runCLI(t, env, "", "keys", "list")
	if !strings.Contains(out, kid+"\tES256\tactive") ||
		!strings.Contains(out, "\tretired\t") {
		t.Fatalf("after activation: %q", out)
	}
}

func TestCLIErrors(t *testing.T) {
	env := cliEnv(t)
	if code, _, _ := runCLI(t, env, "", "--no-such-flag"); code == 0 {
		t.Error("unknown flag accepted")
	}
	if code, _, _ := runCLI(t, env, "", "keys", "retire", "nope"); code != 1 {
		t.Errorf("retire of an unknown key: exit %d, want 1", code)
	}
	env["USERGRAPH_ENV"] = "production"
	delete(env, "USERGRAPH_SECRET")
	if code, _, errOut := runCLI(t, env, "", "migrate"); code != 2 ||
		!strings.Contains(errOut, "USERGRAPH_SECRET") {
		t.Errorf("production without a secret: exit %d, %q", code, errOut)
	}
	code, out, _ := runCLI(t, env, "", "--help")
	if code != 0 || !strings.Contains(out, "$USERGRAPH_DATABASE") {
		t.Errorf("help: %d %q", code, out)
	}
}

func TestCLIUserBootstrap(t *testing.T) {
	env := cliEnv(t)
	code, out, errOut := runCLI(t, env, testPassword+"\n", "user", "create",
		"--email", "Root@Example.com", "--role", "admin", "--password-stdin")
	if code != 0 || !strings.Contains(out, "with role ADMIN") {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, env, "", "user", "create", "--email",
		"ops@example.com")
	if code != 0 || !strings.Contains(out, "password (shown once): ") {
		t.Fatalf("create with a generated password: %d %q", code, out)
	}
	generated := strings.TrimSpace(strings.SplitAfter(out, "(shown once): ")[1])

	t.Run("the admin uses the admin API", func(t *testing.T) {
		cfg := testConfig(t, env["USERGRAPH_DATABASE"])
		cfg.Tokens.Secret = env["USERGRAPH_SECRET"]
		s := startTestApp(t, cfg)
		admin := s.mustLogin(t, "root@example.com")
		res := s.gql(t, admin, `{ users { totalCount } }`, nil)
		if res.code() != "" || !strings.Contains(string(res.Body), `"totalCount":2`) {
			t.Fatalf("users: %s", res.Body)
		}
		if p, _ := s.login(t, "ops@example.com", generated); p.AccessToken == nil {
			t.Fatal("the generated password does not log in")
		}
	})
	t.Run("guards hold on the command line", func(t *testing.T) {
		code, _, errOut := runCLI(t, env, "", "user", "set-role", "--email",
			"root@example.com", "--role", "user")
		if code != 1 || !strings.Contains(errOut, "administrator") {
			t.Errorf("demoting the last admin: %d %q", code, errOut)
		}
		code, out, _ := runCLI(t, env, "", "user", "disable", "--email",
			"ops@example.com")
		if code != 0 || !strings.Contains(out, "disabled") {
			t.Errorf("disable: %d %q", code, out)
		}
		code, _, errOut = runCLI(t, env, "", "user", "create", "--email",
			"root@example.com")
		if code != 1 || !strings.Contains(errOut, "already exists") {
			t.Errorf("duplicate: %d %q", code, errOut)
		}
		code, _, _ = runCLI(t, env, "", "user", "create", "--email", "x@y.z",
			"--role", "king")
		if code != 2 {
			t.Errorf("unknown role: exit %d, want 2", code)
		}
	})
}

func TestCLIBadTrustedDocuments(t *testing.T) {
	env := cliEnv(t)
	env["USERGRAPH_TRUSTED_DOCUMENTS"] = filepath.Join(t.TempDir(), "none.json")
	if code, _, errOut := runCLI(t, env, "", "migrate"); code != 2 ||
		!strings.Contains(errOut, "USERGRAPH_TRUSTED_DOCUMENTS") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
