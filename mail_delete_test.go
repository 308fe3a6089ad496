package main

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/usergraph/usergraph/internal/testdb"
)

// The deleted user's personal data, as the tests send it.
const (
	goneEmail    = "Zeb.Gone@example.com"
	goneNewEmail = "zeb.elsewhere@example.net"
	goneName     = "Zebulon Quixote"
	goneIP       = "203.0.113.77"
	goneAgent    = "ZebBrowser/9.9 (deleted-account test)"
)

var goneData = []string{goneEmail, goneNewEmail, goneName, goneIP,
	goneAgent}

// goneClient is how the deleted user's requests identify themselves;
// the server trusts the loopback proxy's X-Forwarded-For.
var goneClient = map[string]string{"User-Agent": goneAgent,
	"X-Forwarded-For": goneIP}

func TestMailDeleteAccount(t *testing.T) {
	dbPath := testdb.SQLite(t)
	m := newMailServer(t, dbPath, mailOptions{config: func(c *Config) {
		c.HTTP.TrustedProxies = "127.0.0.1"
	}})
	first, second := m.leaveTraces(t)
	resetToken := m.tokenFrom(t, goneEmail, 1, subjectReset, "reset-password")
	// Left pending: a verification link and an email change.
	m.requestVerification(t, first.Access)
	if p, res := m.requestEmailChange(t, second.Access, goneNewEmail,
		testPassword); len(p.Errors) > 0 {
		t.Fatalf("requestEmailChange: %s", res.Body)
	}
	// The scan finds every piece before the deletion.
	before := map[string]bool{}
	for _, f := range personalData(t, dbPath) {
		before[f.needle] = true
	}
	for _, n := range goneData {
		if !before[n] {
			t.Fatalf("the scan does not find %q before the deletion", n)
		}
	}

	t.Run("a wrong password is refused", func(t *testing.T) {
		p := m.deleteAccount(t, first.Access, "not my password at all")
		wantErrors(t, p.Errors, at("INVALID_CREDENTIALS", "input", "password"))
		if p.OK {
			t.Error("ok with errors")
		}
	})

	if p := m.deleteAccount(t, first.Access, testPassword); !p.OK ||
		len(p.Errors) > 0 {
		t.Fatalf("deleteAccount: %+v", p)
	}

	t.Run("sessions and tokens stop working", func(t *testing.T) {
		for _, pair := range []tokenPair{first, second} {
			m.wantUnauthenticated(t, pair.Access)
			m.wantInvalidToken(t, pair.Refresh)
		}
		m.wantResetFails(t, resetToken, "INVALID_TOKEN")
	})

	t.Run("pending mail is not sent", func(t *testing.T) {
		m.later()
		m.inbox(t, goneEmail, 1)
		m.inbox(t, goneNewEmail, 0)
	})

	t.Run("nothing personal remains", func(t *testing.T) {
		for _, f := range personalData(t, dbPath) {
			t.Error(f)
		}
	})

	t.Run("its failed-login counter goes too", func(t *testing.T) {
		var n int
		err := openSQLite(t, dbPath).QueryRow(
			`SELECT COUNT(*) FROM login_attempts`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d login_attempts row(s) remain", n)
		}
	})

	t.Run("audit events remain, anonymous", func(t *testing.T) {
		wantAuditEvents(t, dbPath, "REGISTER", "LOGIN_SUCCESS",
			"LOGIN_FAILURE", "USER_DELETED")
	})

	t.Run("the address can register again", func(t *testing.T) {
		m.mustRegister(t, goneEmail)
	})
}

// leaveTraces registers the user to be deleted with a display name,
// logs in a second time, fails a login, and asks for a reset link, all
// from goneClient; it returns the two sessions' tokens.
func (m *mailServer) leaveTraces(t testing.TB) (first, second tokenPair) {
	t.Helper()
	res := m.sendAs(t, goneClient, "", `mutation($in: RegisterInput!) {
		register(input: $in) { `+pairFields+` } }`,
		map[string]any{"in": map[string]any{"email": goneEmail,
			"password": testPassword, "displayName": goneName}})
	var p pairPayload
	if res.field(t, "register", &p); p.AccessToken == nil {
		t.Fatalf("register: %s", res.Body)
	}
	first = tokenPair{*p.AccessToken, *p.RefreshToken}

	login := func(password string) pairPayload {
		res := m.sendAs(t, goneClient, "", `mutation($in: LoginInput!) {
			login(input: $in) { `+pairFields+` } }`,
			map[string]any{"in": map[string]any{"email": goneEmail,
				"password": password}})
		var p pairPayload
		res.field(t, "login", &p)
		return p
	}
	if p = login(testPassword); p.AccessToken == nil {
		t.Fatalf("login: %+v", p.Errors)
	}
	second = tokenPair{*p.AccessToken, *p.RefreshToken}
	if p = login("a wrong password, once"); p.AccessToken != nil {
		t.Fatal("login with a wrong password succeeded")
	}

	m.sendAs(t, goneClient, "", `mutation($e: String!) {
		requestPasswordReset(email: $e) { ok } }`,
		map[string]any{"e": goneEmail})
	return first, second
}

// deleteAccount deletes access's account, confirmed with password.
func (m *mailServer) deleteAccount(t testing.TB, access,
	password string) okPayload {
	t.Helper()
	res := m.gql(t, access, `mutation($in: DeleteAccountInput!) {
		deleteAccount(input: $in) { ok errors { field code message } } }`,
		map[string]any{"in": map[string]any{"password": password}})
	var p okPayload
	res.field(t, "deleteAccount", &p)
	return p
}

// finding is a cell that holds a piece of personal data.
type finding struct{ table, column, needle string }

func (f finding) String() string {
	return fmt.Sprintf("%s.%s holds %q", f.table, f.column, f.needle)
}

// personalData lists every cell of the SQLite database at path that
// holds a piece of goneData, ignoring letter case.
func personalData(t testing.TB, path string) []finding {
	t.Helper()
	db := openSQLite(t, path)
	var found []finding
	for _, table := range sqliteTables(t, db) {
		forEachCell(t, db, table, func(column, value string) {
			for _, n := range goneData {
				if strings.Contains(strings.ToLower(value),
					strings.ToLower(n)) {
					found = append(found, finding{table, column, n})
				}
			}
		})
	}
	return found
}

// openSQLite opens the database file at path beside the server's pool.
func openSQLite(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sqliteTables(t testing.TB, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return tables
}

// forEachCell calls fn with every non-NULL cell of table as text.
func forEachCell(t testing.TB, db *sql.DB, table string,
	fn func(column, value string)) {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + table + `"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	values := make([]any, len(columns))
	ptrs := make([]any, len(columns))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range values {
			switch v := v.(type) {
			case nil:
			case []byte:
				fn(columns[i], string(v))
			default:
				fn(columns[i], fmt.Sprint(v))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// wantAuditEvents fails unless the audit log at path has an event of
// each type, and none keeps an IP address or user agent.
func wantAuditEvents(t testing.TB, path string, types ...string) {
	t.Helper()
	db := openSQLite(t, path)
	rows, err := db.Query(`SELECT type, ip_address, user_agent
		FROM audit_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var typ string
		var ip, agent sql.NullString
		if err := rows.Scan(&typ, &ip, &agent); err != nil {
			t.Fatal(err)
		}
		seen[typ] = true
		if ip.Valid || agent.Valid {
			t.Errorf("%s event keeps ip %q, user agent %q", typ, ip.String,
				agent.String)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, typ := range types {
		if !seen[typ] {
			t.Errorf("no %s event left; have %v", typ, seen)
		}
	}
}
