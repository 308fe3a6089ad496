package account_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/internal/testclock"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// testPassword satisfies the default password policy.
const testPassword = "correct horse battery staple"

// The clients requests come from: a user's, and an administrator's.
var (
	userClient  = auth.Client{IP: "198.51.100.7", UserAgent: "user agent"}
	adminClient = auth.Client{IP: "203.0.113.9", UserAgent: "admin agent"}
)

// settableClock is a fake clock for the service under test.
type settableClock = testclock.Clock

// adminEnv is an account service on a fresh database, with cheap
// password hashing and a fake clock.
type adminEnv struct {
	svc   *account.Service
	store *store.Store
	clock *settableClock
}

// forEachAdminEnv runs fn on a new environment per database kind.
func forEachAdminEnv(t *testing.T, fn func(t *testing.T, e *adminEnv)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, newAdminEnv(t, b.New(t)))
		})
	}
}

func newAdminEnv(t *testing.T, dbURL string) *adminEnv {
	t.Helper()
	st := testdb.Open(t, dbURL)
	clock := testclock.New(time.Now().UTC().Truncate(time.Second))
	master := make([]byte, auth.MinSecretBytes)
	_, _ = rand.Read(master)
	secrets, err := auth.NewSecrets(master)
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.GenerateEd25519Key()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := auth.NewKeyRing(auth.NewSigningKey(key))
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens(ring, auth.TokenConfig{Issuer: "test",
		Audience: "test", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewHasher(auth.HasherConfig{
		Params: auth.HashParams{MemoryKiB: 8, Iterations: 1,
			Parallelism: 1, SaltLen: 16, KeyLen: 32},
		Concurrency: 8, QueueSize: 100, MaxWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := account.New(account.Deps{Store: st, Hasher: hasher,
		Tokens: tokens, Secrets: secrets,
		Log: slog.New(slog.DiscardHandler), Now: clock.Now},
		account.Config{
			AccessTokenTTL: 15 * time.Minute,
			SessionTTL:     30 * 24 * time.Hour,
			MaxSessionAge:  90 * 24 * time.Hour,
			RefreshGrace:   10 * time.Second,
			MaxSessions:    50,
			Password:       account.DefaultPasswordPolicy(),
		})
	if err != nil {
		t.Fatal(err)
	}
	return &adminEnv{svc: svc, store: st, clock: clock}
}

// ctxFrom is a request context from client.
func ctxFrom(client auth.Client) context.Context {
	return auth.WithClient(context.Background(), client)
}

// register creates an account from userClient and returns its login.
func (e *adminEnv) register(t *testing.T, email string) *account.AuthResult {
	t.Helper()
	res, err := e.svc.Register(ctxFrom(userClient), account.RegisterInput{
		Email: email, Password: testPassword}, userClient)
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	return res
}

// login logs email in from userClient.
func (e *adminEnv) login(t *testing.T, email string) *account.AuthResult {
	t.Helper()
	res, err := e.svc.Login(ctxFrom(userClient), account.LoginInput{
		Email: email, Password: testPassword}, userClient)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return res
}

// caller authenticates res's access token as a request would.
func (e *adminEnv) caller(t *testing.T, res *account.AuthResult) *auth.Caller {
	t.Helper()
	c, err := e.svc.Authenticate(context.Background(), res.AccessToken)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return c
}

// admin registers an administrator and returns them as a caller.
func (e *adminEnv) admin(t *testing.T, email string) *auth.Caller {
	t.Helper()
	res := e.register(t, email)
	err := e.store.SetUserRole(context.Background(), res.User.ID,
		models.RoleAdmin, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return e.caller(t, res)
}

// events returns the events concerning userID (all, when empty), newest
// first.
func (e *adminEnv) events(t *testing.T, userID string) []*models.AuditEvent {
	t.Helper()
	var out []*models.AuditEvent
	q := account.AuditQuery{First: 100,
		Filter: account.AuditFilter{UserID: userID}}
	for {
		p, err := e.svc.AuditEvents(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Nodes...)
		if !p.HasNextPage {
			return out
		}
		q.After = p.EndCursor
	}
}

// wantUserError fails unless err is a *models.Error with code at field.
func wantUserError(t *testing.T, err error, code models.ErrorCode,
	field ...string) {
	t.Helper()
	es, ok := models.UserErrors(err)
	if !ok || len(es) != 1 || es[0].Code != code ||
		len(es[0].Field) != len(field) {
		t.Fatalf("err = %v; want %s at %v", err, code, field)
	}
	for i := range field {
		if es[0].Field[i] != field[i] {
			t.Fatalf("err = %v; want %s at %v", err, code, field)
		}
	}
}
