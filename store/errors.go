package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/usergraph/usergraph/models"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrConflict is returned when a write breaks a uniqueness rule that has
// no more specific domain error.
var ErrConflict = errors.New("conflicting row")

// uniqueErrors maps unique indexes to the domain error they mean. The key
// is the index name (PostgreSQL) and the table.column SQLite reports.
var uniqueErrors = map[string]error{
	"users_email_normalized_key": models.ErrEmailTaken,
	"users.email_normalized":     models.ErrEmailTaken,
}

// mapError turns driver errors into domain errors. Errors it does not
// know pass through unchanged (wrapped by the caller with its step).
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if noRows(err) {
		return models.ErrNotFound
	}
	if name, ok := uniqueViolation(err); ok {
		if derr, ok := uniqueErrors[name]; ok {
			return derr
		}
		return fmt.Errorf("%w: %s", ErrConflict, name)
	}
	return err
}

// uniqueViolation reports whether err is a unique-constraint violation
// and names the index (PostgreSQL) or the columns (SQLite) it concerns.
func uniqueViolation(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName, pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code()
		if code != sqlite3.SQLITE_CONSTRAINT_UNIQUE &&
			code != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return "", false
		}
		// The message ends "UNIQUE constraint failed: t.a, t.b", maybe
		// followed by " (2067)".
		msg := sqErr.Error()
		if i := strings.LastIndex(msg, "failed: "); i >= 0 {
			msg = msg[i+len("failed: "):]
		}
		if i := strings.Index(msg, " ("); i >= 0 {
			msg = msg[:i]
		}
		return msg, true
	}
	return "", false
}

// isRetryable reports whether a transaction failed only because it
// collided with another one and may succeed if run again.
func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// serialization_failure, deadlock_detected
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

// exactlyOne turns the result of an UPDATE of one row by primary key into
// models.ErrNotFound when no row matched.
func exactlyOne(res sql.Result, err error) error {
	if err != nil {
		return mapError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return models.ErrNotFound
	}
	return nil
}
