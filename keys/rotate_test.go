package keys_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/keys"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// TestRotationLifecycle walks a key from published to active to gone,
// with tokens of the old key living through it.
func TestRotationLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		m := newManager(t, s, c, testConfig)
		ring := mustRing(t, m)
		old := ring.Active()
		tokens := newTokens(t, ring, c)
		// Long-lived, so that only the key's fate decides whether it
		// verifies.
		oldToken := issue(t, tokens, c, 48*time.Hour)

		row, err := m.Publish(ctx, auth.AlgES256)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		next := row.ID
		t.Run("published", func(t *testing.T) {
			tokens.SetKeyRing(mustRing(t, m))
			got := jwksKIDs(t, tokens.KeyRing())
			if want := sorted(old.ID(), next); !slices.Equal(got, want) {
				t.Errorf("JWKS kids = %v, want %v", got, want)
			}
			if kid := kidOf(t, issue(t, tokens, c, tokenTTL)); kid != old.ID() {
				t.Errorf("new token signed by %s, want the old key", kid)
			}
		})
		t.Run("activate too early", func(t *testing.T) {
			c.Advance(testConfig.PublishLead - time.Second)
			if err := m.Activate(ctx, next); !errors.Is(err, keys.ErrTooEarly) {
				t.Errorf("Activate = %v, want ErrTooEarly", err)
			}
			mustRotate(t, m)
			if got := byState(t, m)[models.KeyActive]; !slices.Equal(got, []string{old.ID()}) {
				t.Errorf("active keys = %v after an early Rotate", got)
			}
		})
		t.Run("activate", func(t *testing.T) {
			c.Advance(time.Second)
			if err := m.Activate(ctx, next); err != nil {
				t.Fatalf("Activate: %v", err)
			}
			tokens.SetKeyRing(mustRing(t, m))
			if kid := kidOf(t, issue(t, tokens, c, tokenTTL)); kid != next {
				t.Errorf("new token signed by %s, want %s", kid, next)
			}
			if _, err := tokens.VerifyAccess(oldToken); err != nil {
				t.Errorf("old token after activation: %v", err)
			}
			if got := byState(t, m)[models.KeyRetired]; !slices.Equal(got, []string{old.ID()}) {
				t.Errorf("retired keys = %v, want the old key", got)
			}
		})
		t.Run("retired, within the window", func(t *testing.T) {
			c.Advance(testConfig.RetireAfter - time.Second)
			mustRotate(t, m)
			tokens.SetKeyRing(mustRing(t, m))
			got := jwksKIDs(t, tokens.KeyRing())
			if want := sorted(old.ID(), next); !slices.Equal(got, want) {
				t.Errorf("JWKS kids = %v, want %v", got, want)
			}
			if _, err := tokens.VerifyAccess(oldToken); err != nil {
				t.Errorf("old token within the window: %v", err)
			}
		})
		t.Run("past the window", func(t *testing.T) {
			c.Advance(time.Second)
			tokens.SetKeyRing(mustRing(t, m))
			if got := jwksKIDs(t, tokens.KeyRing()); !slices.Equal(got, []string{next}) {
				t.Errorf("JWKS kids = %v, want only %s", got, next)
			}
			if _, ok := tokens.KeyRing().Key(old.ID()); ok {
				t.Error("the old key is still in the ring")
			}
			_, err := tokens.VerifyAccess(oldToken)
			if !errors.Is(err, auth.ErrInvalidToken) || errors.Is(err, auth.ErrTokenExpired) {
				t.Errorf("old token past the window = %v, want refused", err)
			}
			mustRotate(t, m)
			if got := byState(t, m)[models.KeyRetired]; len(got) != 0 {
				t.Errorf("Rotate left retired keys %v", got)
			}
		})
	})
}

// TestRotateSchedule runs Rotate every ten minutes for two days and
// checks at each step what a verifier relies on: a token is signed only
// by a key that a JWKS fetched PublishLead ago already listed, and a
// live token's key stays in the ring and the JWKS until it expires.
func TestRotateSchedule(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		c := newClock()
		cfg := testConfig
		cfg.RotateEvery = 6 * time.Hour
		m := newManager(t, s, c, cfg)
		const step = 10 * time.Minute
		lag := int(cfg.PublishLead / step) // steps a JWKS may be cached

		type issued struct {
			token string
			exp   time.Time
		}
		var tokens *auth.Tokens
		var live []issued
		var jwks [][]string // by step
		signers := map[string]bool{}
		for i := range int(48 * time.Hour / step) {
			mustRotate(t, m)
			ring := mustRing(t, m)
			if tokens == nil {
				tokens = newTokens(t, ring, c)
			}
			tokens.SetKeyRing(ring)
			jwks = append(jwks, jwksKIDs(t, ring))

			token := issue(t, tokens, c, tokenTTL)
			kid := kidOf(t, token)
			signers[kid] = true
			if i >= lag && !slices.Contains(jwks[i-lag], kid) {
				t.Fatalf("step %d: %s signs, but a JWKS cached at step %d "+
					"lacks it", i, kid, i-lag)
			}
			live = append(live, issued{token, c.Now().Add(tokenTTL)})
			live = slices.DeleteFunc(live, func(x issued) bool {
				return !c.Now().Before(x.exp)
			})
			for _, x := range live {
				if _, err := tokens.VerifyAccess(x.token); err != nil {
					t.Fatalf("step %d: live token of %s: %v", i,
						kidOf(t, x.token), err)
				}
				if !slices.Contains(jwks[i], kidOf(t, x.token)) {
					t.Fatalf("step %d: JWKS lacks the key of a live token", i)
				}
			}
			if st := byState(t, m); len(st[models.KeyActive]) != 1 ||
				len(st[models.KeyPublished]) > 1 || len(st[models.KeyRetired]) > 1 {
				t.Fatalf("step %d: keys by state %v", i, st)
			}
			c.Advance(step)
		}
		// One key at the start and one every six hours after it.
		if n := len(signers); n != 8 {
			t.Errorf("%d keys signed in two days, want 8", n)
		}
	})
}

func TestRotateIdempotent(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		c := newClock()
		m := newManager(t, s, c, testConfig)
		mustRotate(t, m)
		c.Advance(testConfig.RotateEvery - testConfig.PublishLead)
		mustRotate(t, m)
		before := fmt.Sprint(byState(t, m))
		for range 3 {
			mustRotate(t, m)
		}
		if after := fmt.Sprint(byState(t, m)); after != before {
			t.Errorf("repeated Rotate changed keys: %s, then %s", before, after)
		}
		if n := len(byState(t, m)[models.KeyPublished]); n != 1 {
			t.Errorf("%d keys published ahead of the rotation, want 1", n)
		}
	})
}

// TestRotateAlgorithmChange switches the configured algorithm: the next
// scheduled rotation moves to it, while the old algorithm's tokens still
// verify.
func TestRotateAlgorithmChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		c := newClock()
		m := newManager(t, s, c, testConfig)
		tokens := newTokens(t, mustRing(t, m), c)

		cfg := testConfig
		cfg.Algorithm = auth.AlgRS256
		m = newManager(t, s, c, cfg)
		c.Advance(cfg.RotateEvery - cfg.PublishLead)
		mustRotate(t, m)
		oldToken := issue(t, tokens, c, 2*cfg.PublishLead)
		c.Advance(cfg.PublishLead)
		mustRotate(t, m)
		tokens.SetKeyRing(mustRing(t, m))

		if alg := tokens.KeyRing().Active().Algorithm(); alg != auth.AlgRS256 {
			t.Errorf("active key is %s, want RS256", alg)
		}
		if _, err := tokens.VerifyAccess(oldToken); err != nil {
			t.Errorf("EdDSA token after the switch: %v", err)
		}
		if kid := kidOf(t, issue(t, tokens, c, tokenTTL)); kid !=
			tokens.KeyRing().Active().ID() {
			t.Errorf("token signed by %s, not the RS256 key", kid)
		}
	})
}

// TestRotateConcurrent has two instances on one database call Ring and
// Rotate at the same moments, as they would every minute.
func TestRotateConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string, _ *store.Store) {
		c := newClock()
		cfg := testConfig
		cfg.RotateEvery = 2 * time.Hour
		ms := []*keys.Manager{
			newManager(t, testdb.Open(t, url), c, cfg),
			newManager(t, testdb.Open(t, url), c, cfg),
		}
		// Both start on an empty database.
		together(t, ms, func(_ int, m *keys.Manager) error {
			return m.Rotate(context.Background())
		})

		for round := range 40 {
			c.Advance(20 * time.Minute)
			together(t, ms, func(_ int, m *keys.Manager) error {
				return m.Rotate(context.Background())
			})
			st := byState(t, ms[0])
			if len(st[models.KeyActive]) != 1 || len(st[models.KeyPublished]) > 1 {
				t.Fatalf("round %d: keys by state %v", round, st)
			}
		}
	})
}

// together runs fn for each manager at once and fails on any error.
func together(t *testing.T, ms []*keys.Manager,
	fn func(i int, m *keys.Manager) error) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Go(func() {
			<-start
			if err := fn(i, m); err != nil {
				t.Errorf("instance %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
}

// TestRingConcurrentBootstrap starts two instances on an empty database
// at once: both end up signing with the same first key.
func TestRingConcurrentBootstrap(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string, _ *store.Store) {
		c := newClock()
		ms := []*keys.Manager{
			newManager(t, testdb.Open(t, url), c, testConfig),
			newManager(t, testdb.Open(t, url), c, testConfig),
		}
		rings := make([]*auth.KeyRing, len(ms))
		together(t, ms, func(i int, m *keys.Manager) (err error) {
			rings[i], err = m.Ring(context.Background())
			return err
		})
		if t.Failed() {
			return
		}
		if rings[0].Active().ID() != rings[1].Active().ID() {
			t.Errorf("instances sign with different keys")
		}
		if n := len(byState(t, ms[0])[models.KeyActive]); n != 1 {
			t.Errorf("%d active keys, want 1", n)
		}
	})
}
