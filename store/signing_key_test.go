package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

var keyEpoch = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// newSigningKey returns a key row; the store does not look inside the
// sealed material, so any text does.
func newSigningKey(id string, state models.KeyState,
	at time.Time) *models.SigningKey {
	k := &models.SigningKey{
		ID:          id,
		Algorithm:   "EdDSA",
		State:       state,
		PrivateKey:  "v1:sealed-" + id,
		PublicJWK:   `{"kty":"OKP"}`,
		CreatedAt:   at,
		PublishedAt: at,
	}
	if state == models.KeyActive {
		k.ActivatedAt = &at
	}
	if state == models.KeyRetired {
		k.RetiredAt = &at
	}
	return k
}

func mustCreateSigningKey(t *testing.T, s *store.Store, k *models.SigningKey) {
	t.Helper()
	if err := s.CreateSigningKey(context.Background(), k); err != nil {
		t.Fatalf("create signing key %s: %v", k.ID, err)
	}
}

// states returns the state of every stored key by id.
func states(t *testing.T, s *store.Store) map[string]models.KeyState {
	t.Helper()
	keys, err := s.SigningKeys(context.Background())
	if err != nil {
		t.Fatalf("SigningKeys: %v", err)
	}
	got := map[string]models.KeyState{}
	for _, k := range keys {
		got[k.ID] = k.State
	}
	return got
}

func TestSigningKeys(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newSigningKey("a", models.KeyActive, keyEpoch)
		mustCreateSigningKey(t, s, a)
		b := newSigningKey("b", models.KeyPublished, keyEpoch.Add(time.Minute))
		b.Algorithm, b.PublicJWK = "HS256", ""
		mustCreateSigningKey(t, s, b)

		t.Run("read back", func(t *testing.T) {
			got, err := s.SigningKey(ctx, "b")
			if err != nil {
				t.Fatalf("SigningKey: %v", err)
			}
			if got.Algorithm != "HS256" || got.State != models.KeyPublished ||
				got.PublicJWK != "" || got.PrivateKey != b.PrivateKey ||
				!got.PublishedAt.Equal(b.PublishedAt) || got.ActivatedAt != nil {
				t.Errorf("got %+v, want %+v", got, b)
			}
			list, err := s.SigningKeys(ctx)
			if err != nil || len(list) != 2 || list[0].ID != "a" {
				t.Errorf("SigningKeys = %v, %v", list, err)
			}
		})
		t.Run("unknown id", func(t *testing.T) {
			if _, err := s.SigningKey(ctx, "x"); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("SigningKey(x) = %v, want ErrNotFound", err)
			}
		})
		t.Run("duplicate id", func(t *testing.T) {
			err := s.CreateSigningKey(ctx, newSigningKey("b", models.KeyPublished, keyEpoch))
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateSigningKey(dup) = %v, want ErrConflict", err)
			}
		})
		t.Run("second active key", func(t *testing.T) {
			err := s.CreateSigningKey(ctx, newSigningKey("c", models.KeyActive, keyEpoch))
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateSigningKey(active) = %v, want ErrConflict", err)
			}
		})
		t.Run("unknown state", func(t *testing.T) {
			err := s.CreateSigningKey(ctx, newSigningKey("d", "pending", keyEpoch))
			if err == nil {
				t.Error("CreateSigningKey(pending) succeeded")
			}
		})
	})
}

func TestActivateSigningKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustCreateSigningKey(t, s, newSigningKey("a", models.KeyActive, keyEpoch))
		mustCreateSigningKey(t, s, newSigningKey("b", models.KeyPublished, keyEpoch))
		at := keyEpoch.Add(time.Hour)

		if err := s.ActivateSigningKey(ctx, "b", at); err != nil {
			t.Fatalf("ActivateSigningKey: %v", err)
		}
		want := map[string]models.KeyState{"a": models.KeyRetired, "b": models.KeyActive}
		if got := states(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("states = %v, want %v", got, want)
		}
		a, _ := s.SigningKey(ctx, "a")
		b, _ := s.SigningKey(ctx, "b")
		if a.RetiredAt == nil || !a.RetiredAt.Equal(at) ||
			b.ActivatedAt == nil || !b.ActivatedAt.Equal(at) {
			t.Errorf("retired_at %v, activated_at %v; want %v", a.RetiredAt,
				b.ActivatedAt, at)
		}

		if err := s.ActivateSigningKey(ctx, "b", at.Add(time.Hour)); err != nil {
			t.Errorf("activating the active key again: %v", err)
		}
		if b, _ := s.SigningKey(ctx, "b"); !b.ActivatedAt.Equal(at) {
			t.Errorf("activated_at moved to %v", b.ActivatedAt)
		}
		if err := s.ActivateSigningKey(ctx, "a", at); !errors.Is(err, models.ErrKeyState) {
			t.Errorf("activating a retired key = %v, want ErrKeyState", err)
		}
		if err := s.ActivateSigningKey(ctx, "x", at); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("activating an unknown key = %v, want ErrNotFound", err)
		}
	})
}

func TestRetireSigningKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustCreateSigningKey(t, s, newSigningKey("a", models.KeyActive, keyEpoch))
		mustCreateSigningKey(t, s, newSigningKey("b", models.KeyPublished, keyEpoch))
		at := keyEpoch.Add(time.Minute)

		if err := s.RetireSigningKey(ctx, "b", at); err != nil {
			t.Fatalf("RetireSigningKey: %v", err)
		}
		if err := s.RetireSigningKey(ctx, "b", at.Add(time.Hour)); err != nil {
			t.Errorf("retiring again: %v", err)
		}
		if b, _ := s.SigningKey(ctx, "b"); b.State != models.KeyRetired ||
			!b.RetiredAt.Equal(at) {
			t.Errorf("b = %s retired at %v, want retired at %v", b.State,
				b.RetiredAt, at)
		}
		if err := s.RetireSigningKey(ctx, "a", at); !errors.Is(err, models.ErrKeyState) {
			t.Errorf("retiring the active key = %v, want ErrKeyState", err)
		}
		if err := s.RetireSigningKey(ctx, "x", at); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("retiring an unknown key = %v, want ErrNotFound", err)
		}
	})
}

func TestDeleteRetiredSigningKeys(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustCreateSigningKey(t, s, newSigningKey("old", models.KeyRetired, keyEpoch))
		mustCreateSigningKey(t, s, newSigningKey("new", models.KeyRetired,
			keyEpoch.Add(time.Hour)))
		mustCreateSigningKey(t, s, newSigningKey("live", models.KeyActive, keyEpoch))

		n, err := s.DeleteRetiredSigningKeys(ctx, keyEpoch)
		if err != nil || n != 1 {
			t.Fatalf("DeleteRetiredSigningKeys = %d, %v; want 1", n, err)
		}
		want := map[string]models.KeyState{"new": models.KeyRetired,
			"live": models.KeyActive}
		if got := states(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("states = %v, want %v", got, want)
		}
	})
}

func TestLockSigningKeysOutsideTx(t *testing.T) {
	s := testdb.Open(t, testdb.SQLite(t))
	if err := s.LockSigningKeys(context.Background()); err == nil {
		t.Error("LockSigningKeys outside a transaction succeeded")
	}
}

// TestActivateSigningKeyConcurrent has several instances activate
// different keys at once. The activations take turns: none fails, and
// one key ends up active with every other retired.
func TestActivateSigningKeyConcurrent(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url := b.New(t)
			first := testdb.Open(t, url)
			mustCreateSigningKey(t, first, newSigningKey("k0", models.KeyActive, keyEpoch))
			const n = 12
			for i := 1; i <= n; i++ {
				mustCreateSigningKey(t, first, newSigningKey(fmt.Sprint("k", i),
					models.KeyPublished, keyEpoch))
			}

			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := 1; i <= n; i++ {
				s := testdb.Open(t, url)
				if err := s.Ping(context.Background()); err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					<-start
					err := s.ActivateSigningKey(context.Background(),
						fmt.Sprint("k", i), keyEpoch.Add(time.Hour))
					if err != nil {
						t.Errorf("activate k%d: %v", i, err)
					}
				})
			}
			close(start)
			wg.Wait()

			active := 0
			for id, st := range states(t, first) {
				switch st {
				case models.KeyActive:
					active++
				case models.KeyPublished:
					t.Errorf("%s is still published", id)
				}
			}
			if active != 1 {
				t.Errorf("%d active keys, want 1", active)
			}
		})
	}
}
