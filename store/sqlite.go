package store

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// openSQLite opens an SQLite file with the settings usergraph relies on,
// applied by the driver to every pooled connection: WAL so readers never
// wait for the writer, a busy timeout so writers queue instead of failing,
// foreign keys on, and BEGIN IMMEDIATE for every transaction so that a
// transaction that reads and then writes holds the write lock from the
// start (a deferred one would get SQLITE_BUSY at once on upgrade, despite
// the busy timeout).
//
// modernc.org/sqlite is chosen over the cgo driver so that the binary
// builds without a C toolchain and cross-compiles.
func openSQLite(path string, opts Options) (*bun.DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite path is empty")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite path must not contain ? or #")
	}
	busy := opts.BusyTimeout.Milliseconds()
	if busy <= 0 {
		busy = 10_000
	}
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busy))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}
