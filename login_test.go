package main

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/usergraph/usergraph/store"
)

func TestLoginFailuresLookAlike(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		s.mustRegister(t, "known@example.com")

		_, wrong := s.login(t, "known@example.com", "not the password!")
		_, unknown := s.login(t, "nobody@example.com", "not the password!")

		for name, res := range map[string]*gqlResponse{
			"wrong password": wrong, "unknown email": unknown} {
			t.Run(name, func(t *testing.T) {
				var p authPayload
				res.field(t, "login", &p)
				wantErrors(t, p.Errors, at("INVALID_CREDENTIALS"))
				wantNull(t, res, "login", "user", "accessToken",
					"accessTokenExpiresAt")
			})
		}
		t.Run("byte-identical", func(t *testing.T) {
			if a, b := string(wrong.Data["login"]),
				string(unknown.Data["login"]); a != b {
				t.Errorf("wrong password:\n%s\nunknown email:\n%s", a, b)
			}
		})
	})
}

func TestLoginInvalidEmail(t *testing.T) {
	s := newTestServer(t)
	p, _ := s.login(t, "not an email", testPassword)
	wantErrors(t, p.Errors, at("INVALID_INPUT", "input", "email"))
}

func TestLoginDisabledAccount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *testServer) {
		token, id := s.mustRegister(t, "off@example.com")
		s.setDisabled(t, id)

		t.Run("wrong password says nothing of it", func(t *testing.T) {
			p, _ := s.login(t, "off@example.com", "not the password!")
			wantErrors(t, p.Errors, at("INVALID_CREDENTIALS"))
		})
		t.Run("right password", func(t *testing.T) {
			p, res := s.login(t, "off@example.com", testPassword)
			wantErrors(t, p.Errors, at("ACCOUNT_DISABLED"))
			wantNull(t, res, "login", "user", "accessToken",
				"accessTokenExpiresAt")
		})
		t.Run("existing token stops working", func(t *testing.T) {
			wantCode(t, s.me(t, token), "UNAUTHENTICATED")
		})
	})
}

// setDisabled disables the account id by writing to the database
// directly: the API has no administration yet.
func (s *testServer) setDisabled(t testing.TB, id string) {
	t.Helper()
	dialect, dsn, err := store.ParseURL(s.app.cfg.Database)
	if err != nil {
		t.Fatal(err)
	}
	driver, query := "sqlite", "UPDATE users SET disabled = TRUE WHERE id = ?"
	if dialect == store.Postgres {
		driver, query = "pgx", "UPDATE users SET disabled = TRUE WHERE id = $1"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := db.ExecContext(ctx, query, id)
	if err != nil {
		t.Fatalf("disable user: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("disable user: %d rows", n)
	}
}
