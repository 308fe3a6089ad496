// Package store persists usergraph's models with Bun on SQLite or
// PostgreSQL. It owns the schema (migrations), transactions and the
// mapping of driver errors to domain errors: nothing above it sees SQL or
// a driver type.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Dialect names the database behind a Store.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options say which database to open and how to pool connections.
type Options struct {
	// URL is a file path, a sqlite: URL, or a postgres:// URL.
	URL string
	// MaxOpenConns bounds the connection pool (PostgreSQL).
	MaxOpenConns int
	// ConnMaxLifetime recycles pooled connections (PostgreSQL).
	ConnMaxLifetime time.Duration
	// BusyTimeout is how long SQLite waits for a lock before giving up.
	BusyTimeout time.Duration
	// QueryHook, if not nil, runs around every query. It is for
	// measuring (tests count queries with it); never install Bun's debug
	// hook in production, which logs SQL with its values.
	QueryHook bun.QueryHook
}

// Store reads and writes models. Its zero value is not usable; get one
// from Open. A Store made by Tx runs everything in that transaction.
type Store struct {
	db      *bun.DB
	idb     bun.IDB
	dialect Dialect
}

// Open connects to the database named by opts.URL. It does not migrate;
// call Migrate before serving.
func Open(ctx context.Context, opts Options) (*Store, error) {
	dialect, dsn, err := ParseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	var db *bun.DB
	switch dialect {
	case SQLite:
		db, err = openSQLite(dsn, opts)
	case Postgres:
		db, err = openPostgres(dsn, opts)
	}
	if err != nil {
		return nil, err
	}
	if opts.QueryHook != nil {
		db = db.WithQueryHook(opts.QueryHook)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("ping %s: %w", dialect, err)
	}
	return &Store{db: db, idb: db, dialect: dialect}, nil
}

// ParseURL tells which database a configured URL names and returns the
// driver's data source name for it.
func ParseURL(u string) (Dialect, string, error) {
	switch {
	case u == "":
		return "", "", errors.New("database URL is empty")
	case strings.HasPrefix(u, "postgres://"),
		strings.HasPrefix(u, "postgresql://"):
		return Postgres, u, nil
	case strings.HasPrefix(u, "sqlite://"):
		return SQLite, strings.TrimPrefix(u, "sqlite://"), nil
	case strings.HasPrefix(u, "sqlite:"):
		return SQLite, strings.TrimPrefix(u, "sqlite:"), nil
	case strings.Contains(u, "://"):
		return "", "", fmt.Errorf("database URL scheme is not supported " +
			"(use a file path, sqlite: or postgres://)")
	}
	return SQLite, u, nil
}

// Dialect reports which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.PingContext(ctx)
}

// Tx runs fn in one transaction and commits it if fn returns nil. On
// SQLite the transaction takes the write lock when it begins, so a
// read-then-write never fails with "database is locked"; on PostgreSQL a
// serialization failure or deadlock reruns fn from the start, so fn must
// not have effects outside the transaction. Inside fn, tx is a Store bound
// to the transaction; calling Tx on it runs in the same transaction.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx() {
		return fn(s)
	}
	const attempts = 5
	var err error
	for i := range attempts {
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return fn(&Store{db: s.db, idb: tx, dialect: s.dialect})
		})
		if !isRetryable(err) || ctx.Err() != nil {
			break
		}
		backoff(ctx, i)
	}
	return mapError(err)
}

// inTx reports whether s is bound to a transaction.
func (s *Store) inTx() bool {
	_, ok := s.idb.(bun.Tx)
	return ok
}

// forUpdate makes q lock the rows it reads until the transaction ends,
// when s is a transaction on PostgreSQL, so that transactions that check
// and then change the same rows take turns and each sees what the one
// before it did. SQLite transactions hold the database's write lock from
// their start already; outside a transaction there is nothing to hold.
func (s *Store) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if s.dialect == Postgres && s.inTx() {
		return q.For("UPDATE")
	}
	return q
}

// backoff waits a little longer after each failed attempt, so that
// transactions that collided do not collide again at once.
func backoff(ctx context.Context, attempt int) {
	t := time.NewTimer(time.Duration(attempt+1) * 5 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// noRows reports whether err means a query found nothing.
func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
