package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/usergraph/usergraph/internal/testdb"
)

// newAdminServer starts a server whose first account, created with the
// command line, is an administrator, and returns the admin's token.
func newAdminServer(t *testing.T) (*testServer, string) {
	t.Helper()
	s := newTestServer(t)
	_, err := s.app.accounts.CreateUser(context.Background(),
		"root@example.com", testPassword, "ADMIN")
	if err != nil {
		t.Fatal(err)
	}
	return s, s.mustLogin(t, "root@example.com")
}

// adminFields are the admin-only entry points, each in a document that
// reaches it a different way.
var adminDocuments = map[string]string{
	"user":           `query($id: ID!) { user(id: $id) { id } }`,
	"users":          `{ users { totalCount } }`,
	"auditEvents":    `{ auditEvents { totalCount } }`,
	"alias":          `{ everyone: users(first: 5) { edges { node { id } } } }`,
	"fragment":       `{ ...F } fragment F on Query { users { totalCount } }`,
	"inline":         `{ ... on Query { auditEvents(first: 1) { totalCount } } }`,
	"nested in me":   `{ me { id } users { totalCount } }`,
	"setUserRole":    `mutation($id: ID!) { setUserRole(id: $id, role: ADMIN) { errors { code } } }`,
	"disableUser":    `mutation($id: ID!) { disableUser(id: $id) { errors { code } } }`,
	"enableUser":     `mutation($id: ID!) { enableUser(id: $id) { errors { code } } }`,
	"deleteUser":     `mutation($id: ID!) { deleteUser(id: $id) { ok } }`,
	"alias mutation": `mutation($id: ID!) { x: enableUser(id: $id) { errors { code } } }`,
}

func TestAdminAccess(t *testing.T) {
	s, admin := newAdminServer(t)
	user, _ := s.mustRegister(t, "plain@example.com")
	// The admin's mutations act on another account, so that the plain
	// user stays a plain, enabled user throughout.
	_, targetID := s.mustRegister(t, "target@example.com")
	vars := map[string]any{"id": targetID}
	for name, doc := range adminDocuments {
		t.Run(name, func(t *testing.T) {
			wantCode(t, s.gql(t, "", doc, vars), "UNAUTHENTICATED")
			wantCode(t, s.gql(t, user, doc, vars), "FORBIDDEN")
			if !strings.HasPrefix(name, "delete") {
				if res := s.gql(t, admin, doc, vars); res.code() != "" {
					t.Fatalf("admin refused: %s", res.Body)
				}
			}
		})
	}
}

type testConn struct {
	Edges []struct {
		Cursor string   `json:"cursor"`
		Node   testUser `json:"node"`
	} `json:"edges"`
	PageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
	TotalCount int `json:"totalCount"`
}

func TestAdminUserPages(t *testing.T) {
	s, admin := newAdminServer(t)
	for i := range 45 {
		s.mustRegister(t, fmt.Sprintf("page%02d@example.com", i))
	}
	seen := map[string]bool{}
	var after *string
	for page := 0; ; page++ {
		res := s.gql(t, admin, `query($after: String) { users(first: 10,
			after: $after, orderBy: {field: EMAIL, direction: DESC},
			filter: {query: "PAGE"}) { edges { cursor node { id email } }
			pageInfo { hasNextPage endCursor } totalCount } }`,
			map[string]any{"after": after})
		var c testConn
		res.field(t, "users", &c)
		if c.TotalCount != 45 {
			t.Fatalf("totalCount = %d", c.TotalCount)
		}
		for _, e := range c.Edges {
			if seen[e.Node.ID] {
				t.Fatalf("%s seen twice", e.Node.Email)
			}
			seen[e.Node.ID] = true
		}
		// Users registered meanwhile do not disturb the pages.
		s.mustRegister(t, fmt.Sprintf("late%02d@example.com", page))
		if !c.PageInfo.HasNextPage {
			break
		}
		after = c.PageInfo.EndCursor
	}
	if len(seen) != 45 {
		t.Fatalf("saw %d users, want 45", len(seen))
	}
	t.Run("bad arguments", func(t *testing.T) {
		for _, q := range []string{`{ users(first: 101) { totalCount } }`,
			`{ users(first: 0) { totalCount } }`,
			`{ users(after: "garbage") { totalCount } }`} {
			wantCode(t, s.gql(t, admin, q, nil), "BAD_REQUEST")
		}
	})
}

func TestAdminGuards(t *testing.T) {
	s, admin := newAdminServer(t)
	var me testUser
	s.me(t, admin).field(t, "me", &me)
	mutate := func(token, doc, id string) []userError {
		res := s.gql(t, token, doc, map[string]any{"id": id})
		var p struct {
			Errors []userError `json:"errors"`
		}
		for _, raw := range res.Data {
			if err := decodeRaw(raw, &p); err != nil {
				t.Fatalf("%v in %s", err, res.Body)
			}
		}
		return p.Errors
	}
	disable := `mutation($id: ID!) { disableUser(id: $id) { errors { field code message } } }`
	demote := `mutation($id: ID!) { setUserRole(id: $id, role: USER) { errors { field code message } } }`
	del := `mutation($id: ID!) { deleteUser(id: $id) { ok errors { field code message } } }`

	wantErrors(t, mutate(admin, disable, me.ID), at("SELF_ACTION", "id"))
	wantErrors(t, mutate(admin, del, me.ID), at("SELF_ACTION", "id"))
	wantErrors(t, mutate(admin, demote, me.ID), at("LAST_ADMIN", "id"))
	wantErrors(t, mutate(admin, disable, "00000000-0000-7000-8000-000000000000"),
		at("NOT_FOUND", "id"))

	t.Run("disable ends the sessions at once", func(t *testing.T) {
		token, id := s.mustRegister(t, "victim@example.com")
		other := s.loginPair(t, "victim@example.com")
		wantErrors(t, mutate(admin, disable, id))
		s.wantUnauthenticated(t, token)
		s.wantInvalidToken(t, other.Refresh)
		p, _ := s.login(t, "victim@example.com", testPassword)
		wantErrors(t, p.Errors, at("ACCOUNT_DISABLED"))
	})
}

func TestAuditTrail(t *testing.T) {
	s, admin := newAdminServer(t)
	token, id := s.mustRegister(t, "audited@example.com")
	s.login(t, "audited@example.com", "not the right password at all")
	s.mustLogin(t, "audited@example.com")
	s.mutateBool(t, token, `mutation { logout }`, nil, "logout")
	res := s.gql(t, admin, `query($id: ID!) { auditEvents(filter: {user: $id})
		{ edges { node { type actor { email } target { email } ipAddress } } } }`,
		map[string]any{"id": id})
	if res.code() != "" {
		t.Fatal(string(res.Body))
	}
	body := string(res.Body)
	for _, typ := range []string{"REGISTER", "LOGIN_FAILURE", "LOGIN_SUCCESS",
		"LOGOUT"} {
		if !strings.Contains(body, `"type":"`+typ+`"`) {
			t.Errorf("no %s event in %s", typ, body)
		}
	}
	if strings.Contains(body, "not the right password") {
		t.Error("the password reached the audit log")
	}

	t.Run("a user sees their own events, not the admin", func(t *testing.T) {
		user := s.mustLogin(t, "audited@example.com")
		var me testUser
		s.me(t, admin).field(t, "me", &me)
		s.gql(t, admin, `mutation($id: ID!) { setUserRole(id: $id, role: USER)
			{ errors { code } } }`, map[string]any{"id": id})
		res := s.gql(t, user, `{ me { securityEvents { edges { node { type
			actor { id } } } } } }`, nil)
		if res.code() != "" || strings.Contains(string(res.Body), me.ID) {
			t.Fatalf("%s", res.Body)
		}
		res = s.gql(t, user, `query($id: ID!) { user(id: $id) { id } }`,
			map[string]any{"id": me.ID})
		wantCode(t, res, "FORBIDDEN")
	})
}

// queryCounter counts the SQL queries a store runs.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) BeforeQuery(ctx context.Context,
	_ *bun.QueryEvent) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

func TestAuditPageQueries(t *testing.T) {
	counter := &queryCounter{}
	cfg := testConfig(t, testdb.SQLite(t))
	cfg.Tokens.Secret = newSecret(t)
	s := startTestApp(t, cfg, withQueryHook(counter))
	if _, err := s.app.accounts.CreateUser(context.Background(),
		"root@example.com", testPassword, "ADMIN"); err != nil {
		t.Fatal(err)
	}
	admin := s.mustLogin(t, "root@example.com")
	for i := range 30 {
		s.mustRegister(t, fmt.Sprintf("q%02d@example.com", i))
	}
	count := func(first int) int64 {
		before := counter.n.Load()
		res := s.gql(t, admin, fmt.Sprintf(`{ auditEvents(first: %d) {
			edges { node { type actor { email } target { email } } } } }`,
			first), nil)
		if res.code() != "" {
			t.Fatal(string(res.Body))
		}
		return counter.n.Load() - before
	}
	small, large := count(5), count(50)
	if large != small {
		t.Errorf("queries for 5 events: %d, for 50: %d; want the same", small,
			large)
	}
}

func decodeRaw(raw []byte, v any) error { return json.Unmarshal(raw, v) }

func TestPurgeOldAuditEvents(t *testing.T) {
	clock := newFakeClock()
	cfg := clockedConfig(t, testdb.SQLite(t), nil)
	cfg.Tokens.SigningKey = ""
	s := startTestApp(t, cfg, withClock(clock.Now))
	ctx := context.Background()
	if _, err := s.app.accounts.CreateUser(ctx, "root@example.com",
		testPassword, "ADMIN"); err != nil {
		t.Fatal(err)
	}
	s.mustRegister(t, "old@example.com")
	clock.Advance(cfg.AuditRetention + time.Hour)
	s.app.purge(ctx)
	admin := s.mustLogin(t, "root@example.com")
	var conn struct {
		TotalCount int `json:"totalCount"`
	}
	s.gql(t, admin, `{ auditEvents { totalCount } }`, nil).
		field(t, "auditEvents", &conn)
	// Only the admin's login just now remains.
	if conn.TotalCount != 1 {
		t.Fatalf("%d events after the purge, want 1", conn.TotalCount)
	}
}

func TestAdminPageComplexity(t *testing.T) {
	s, admin := newAdminServer(t)
	page := `{ users(first: 100) { edges { cursor node { id email
		emailVerified displayName role disabled createdAt lastLoginAt } }
		pageInfo { hasNextPage endCursor } totalCount } }`
	if res := s.gql(t, admin, page, nil); res.code() != "" {
		t.Fatalf("a full admin page was refused: %s", res.Body)
	}
	nested := `{ users(first: 100) { edges { node { securityEvents(first: 100)
		{ edges { node { type actor { email } } } } } } } }`
	wantCode(t, s.gql(t, admin, nested, nil), "GRAPHQL_VALIDATION_FAILED")
}

func TestAdminArgumentsAreClientErrors(t *testing.T) {
	s, admin := newAdminServer(t)
	for _, q := range []string{
		`{ auditEvents(filter: {since: "yesterday"}) { totalCount } }`,
		`{ auditEvents(filter: {until: 12}) { totalCount } }`,
		`{ users(first: 101) { totalCount } }`,
	} {
		for _, token := range []string{"", admin} {
			res := s.gql(t, token, q, nil)
			if c := res.code(); c == "INTERNAL_SERVER_ERROR" || c == "" {
				t.Errorf("%s: %s", q, res.Body)
			}
		}
	}
	res := s.gql(t, admin, `{ users(first: 101) { totalCount } }`, nil)
	if !strings.Contains(string(res.Body), "100") {
		t.Errorf("the page limit is not named: %s", res.Body)
	}
}

func TestSecurityEventsHideAdmins(t *testing.T) {
	s, admin := newAdminServer(t)
	_, id := s.mustRegister(t, "watched@example.com")
	req := s.post(t, "application/json", []byte(`{"query":
		"mutation($id: ID!) { disableUser(id: $id) { errors { code } } }",
		"variables": {"id": "`+id+`"}}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("User-Agent", "AdminConsole/9.9")
	do(t, req)
	s.gql(t, admin, `mutation($id: ID!) { enableUser(id: $id) { errors {
		code } } }`, map[string]any{"id": id})
	user := s.mustLogin(t, "watched@example.com")
	res := s.gql(t, user, `{ me { securityEvents { edges { node { type
		ipAddress userAgent } } } } }`, nil)
	if res.code() != "" || strings.Contains(string(res.Body), "AdminConsole") {
		t.Fatalf("the admin's client shows: %s", res.Body)
	}
	if !strings.Contains(string(res.Body), `"USER_DISABLED"`) {
		t.Fatalf("the event itself is missing: %s", res.Body)
	}
}
