package keys_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/internal/testclock"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/keys"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

var (
	testKEK  = bytes.Repeat([]byte{0x42}, 32)
	epoch    = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	tokenTTL = 15 * time.Minute
)

// testConfig publishes an hour ahead, rotates daily and keeps retired
// keys for half an hour.
var testConfig = keys.Config{
	PublishLead: time.Hour,
	RetireAfter: 30 * time.Minute,
	RotateEvery: 24 * time.Hour,
}

// clock is a fake clock that tests move by hand.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(epoch) }

// forEachStore runs fn on a new, migrated store of each database kind.
func forEachStore(t *testing.T, fn func(t *testing.T, url string, s *store.Store)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url := b.New(t)
			fn(t, url, testdb.Open(t, url))
		})
	}
}

func newManager(t testing.TB, s *store.Store, c *clock, cfg keys.Config) *keys.Manager {
	t.Helper()
	m, err := keys.New(s, testKEK, c.Now, cfg)
	if err != nil {
		t.Fatalf("keys.New: %v", err)
	}
	return m
}

func mustRing(t testing.TB, m *keys.Manager) *auth.KeyRing {
	t.Helper()
	ring, err := m.Ring(context.Background())
	if err != nil {
		t.Fatalf("Ring: %v", err)
	}
	return ring
}

func mustRotate(t testing.TB, m *keys.Manager) {
	t.Helper()
	if err := m.Rotate(context.Background()); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
}

func newTokens(t testing.TB, ring *auth.KeyRing, c *clock) *auth.Tokens {
	t.Helper()
	tokens, err := auth.NewTokens(ring, auth.TokenConfig{
		Issuer:   "https://auth.example.test",
		Audience: "usergraph",
		Leeway:   30 * time.Second,
		Now:      c.Now,
	})
	if err != nil {
		t.Fatalf("NewTokens: %v", err)
	}
	return tokens
}

// issue returns a token valid until now plus ttl.
func issue(t testing.TB, tokens *auth.Tokens, c *clock, ttl time.Duration) string {
	t.Helper()
	token, err := tokens.IssueAccess("user-1", "session-1", c.Now().Add(ttl))
	if err != nil {
		t.Fatalf("IssueAccess: %v", err)
	}
	return token
}

// kidOf returns the kid header of token, without checking it.
func kidOf(t testing.TB, token string) string {
	t.Helper()
	var header struct{ Kid string }
	seg, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err == nil {
		err = json.Unmarshal(b, &header)
	}
	if err != nil {
		t.Fatalf("token header: %v", err)
	}
	return header.Kid
}

// jwksKIDs returns the sorted kids of ring's JWKS.
func jwksKIDs(t testing.TB, ring *auth.KeyRing) []string {
	t.Helper()
	body, err := ring.JWKS()
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	var set struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	slices.Sort(kids)
	return kids
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// byState returns the ids of the stored keys in each state.
func byState(t testing.TB, m *keys.Manager) map[models.KeyState][]string {
	t.Helper()
	rows, err := m.List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	out := map[models.KeyState][]string{}
	for _, r := range rows {
		out[r.State] = append(out[r.State], r.ID)
	}
	return out
}
