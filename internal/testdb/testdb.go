// Package testdb gives tests a fresh, empty database of each kind that
// usergraph supports: an SQLite file in a temporary directory always, and
// a new PostgreSQL database when USERGRAPH_TEST_POSTGRES_URL names a
// server to create it on. Every database is removed when its test ends.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/usergraph/usergraph/store"
)

// PostgresEnv names the variable with the URL of a PostgreSQL server that
// tests may create databases on, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresEnv = "USERGRAPH_TEST_POSTGRES_URL"

// Backend is one kind of database for a test to run against.
type Backend struct {
	Name string
	// New returns the URL of a new empty database of this kind.
	New func(t testing.TB) string
}

// Backends returns SQLite, and PostgreSQL when PostgresEnv is set. When
// it is not, a test that loops over backends logs that PostgreSQL was
// skipped, so the omission is visible in verbose output.
func Backends(t testing.TB) []Backend {
	t.Helper()
	bs := []Backend{{Name: "sqlite", New: SQLite}}
	if PostgresURL() != "" {
		bs = append(bs, Backend{Name: "postgres", New: Postgres})
	} else {
		t.Logf("PostgreSQL not tested: %s is not set", PostgresEnv)
	}
	return bs
}

// SQLite returns the path of a new SQLite file in a temporary directory.
func SQLite(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "usergraph.db")
}

// Postgres creates a new database on the server named by PostgresEnv and
// returns its URL; it skips the test when the variable is unset. The
// database is dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := PostgresURL()
	if admin == "" {
		t.Skipf("PostgreSQL not tested: %s is not set", PostgresEnv)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s is not a URL", PostgresEnv)
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer db.Close()
	name := "usergraph_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { drop(t, admin, name) })
	u.Path = "/" + name
	return u.String()
}

// PostgresURL returns the value of PostgresEnv.
func PostgresURL() string { return os.Getenv(PostgresEnv) }

func drop(t testing.TB, admin, name string) {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Errorf("open postgres: %v", err)
		return
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+
		" WITH (FORCE)")
	if err != nil {
		t.Errorf("drop database %s: %v", name, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Open opens the database at url as a store and migrates it; the store
// is closed when the test ends.
func Open(t testing.TB, url string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{URL: url, MaxOpenConns: 10})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}
