package keys_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/keys"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

func TestNewRejects(t *testing.T) {
	s := testdb.Open(t, testdb.SQLite(t))
	_, err := keys.New(s, testKEK[:16], nil, keys.Config{})
	if !errors.Is(err, keys.ErrInvalidKEK) {
		t.Errorf("New(16-byte KEK) = %v, want ErrInvalidKEK", err)
	}
	bad := map[string]keys.Config{
		"algorithm":          {Algorithm: "HS512"},
		"negative lead":      {PublishLead: -time.Hour},
		"rotate before lead": {PublishLead: 2 * time.Hour, RotateEvery: time.Hour},
	}
	for name, cfg := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := keys.New(s, testKEK, nil, cfg); err == nil {
				t.Error("New succeeded")
			}
		})
	}
	m, err := keys.New(s, testKEK, nil, keys.Config{})
	if err != nil {
		t.Fatalf("New(defaults): %v", err)
	}
	if m.Config() != keys.DefaultConfig() {
		t.Errorf("Config = %+v, want the defaults", m.Config())
	}
}

func TestBootstrap(t *testing.T) {
	for _, alg := range auth.Algorithms() {
		t.Run(alg, func(t *testing.T) {
			s := testdb.Open(t, testdb.SQLite(t))
			cfg := testConfig
			cfg.Algorithm = alg
			m := newManager(t, s, newClock(), cfg)
			ring := mustRing(t, m)
			if got := ring.Active().Algorithm(); got != alg {
				t.Errorf("bootstrapped a %s key, want %s", got, alg)
			}
			if again := mustRing(t, m); again.Active().ID() != ring.Active().ID() {
				t.Error("a second Ring made another key")
			}
			if err := m.Bootstrap(context.Background()); err != nil {
				t.Errorf("Bootstrap on a stored key: %v", err)
			}
			st := byState(t, m)
			if len(st) != 1 || len(st[models.KeyActive]) != 1 {
				t.Errorf("keys by state %v, want one active", st)
			}
		})
	}
}

func TestImport(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		m := newManager(t, s, c, testConfig)
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
			Bytes: x509.MarshalPKCS1PrivateKey(priv)})
		want, err := auth.NewRSAKey(priv)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("into an empty database", func(t *testing.T) {
			row, err := m.Import(ctx, data)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if row.ID != want.ID() || row.Algorithm != auth.AlgRS256 ||
				row.State != models.KeyActive {
				t.Errorf("imported %v, want the active RS256 key %s", row, want.ID())
			}
			if got := mustRing(t, m).Active().ID(); got != want.ID() {
				t.Errorf("ring signs with %s, want the imported key", got)
			}
		})
		t.Run("again", func(t *testing.T) {
			if _, err := m.Import(ctx, data); !errors.Is(err, store.ErrConflict) {
				t.Errorf("Import(same key) = %v, want ErrConflict", err)
			}
		})
		t.Run("secret, published", func(t *testing.T) {
			row, err := m.ImportSecret(ctx, []byte(strings.Repeat("k", 40)))
			if err != nil {
				t.Fatalf("ImportSecret: %v", err)
			}
			if row.State != models.KeyPublished || row.PublicJWK != "" {
				t.Errorf("imported secret %v, want published without JWK", row)
			}
			c.Advance(testConfig.PublishLead)
			mustRotate(t, m)
			if got := mustRing(t, m).Active().Algorithm(); got != auth.AlgHS256 {
				t.Errorf("after the lead the ring signs with %s, want HS256", got)
			}
		})
		t.Run("unfit keys", func(t *testing.T) {
			small, _ := rsa.GenerateKey(rand.Reader, 1024)
			bad := map[string]func() error{
				"garbage": func() error {
					_, err := m.Import(ctx, []byte("not a key"))
					return err
				},
				"RSA 1024": func() error {
					_, err := m.Import(ctx, pem.EncodeToMemory(&pem.Block{
						Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}))
					return err
				},
				"short secret": func() error {
					_, err := m.ImportSecret(ctx, []byte("short"))
					return err
				},
			}
			for name, try := range bad {
				if err := try(); !errors.Is(err, auth.ErrInvalidKey) {
					t.Errorf("%s: %v, want ErrInvalidKey", name, err)
				}
			}
		})
	})
}

func TestActivateAndRetire(t *testing.T) {
	forEachStore(t, func(t *testing.T, _ string, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		m := newManager(t, s, c, testConfig)
		first := mustRing(t, m).Active().ID()
		spare, err := m.Publish(ctx, "")
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		urgent, err := m.Publish(ctx, auth.AlgES256)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}

		if err := m.Retire(ctx, first); !errors.Is(err, models.ErrKeyState) {
			t.Errorf("Retire(active) = %v, want ErrKeyState", err)
		}
		if err := m.Retire(ctx, spare.ID); err != nil {
			t.Errorf("Retire(published): %v", err)
		}
		if err := m.Activate(ctx, spare.ID); !errors.Is(err, models.ErrKeyState) {
			t.Errorf("Activate(retired) = %v, want ErrKeyState", err)
		}
		if err := m.Activate(ctx, "nope"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Activate(unknown) = %v, want ErrNotFound", err)
		}
		if err := m.Retire(ctx, "nope"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("Retire(unknown) = %v, want ErrNotFound", err)
		}
		if err := m.ForceActivate(ctx, urgent.ID); err != nil {
			t.Fatalf("ForceActivate: %v", err)
		}
		ring := mustRing(t, m)
		if ring.Active().ID() != urgent.ID {
			t.Errorf("ring signs with %s, want %s", ring.Active().ID(), urgent.ID)
		}
		want := sorted(first, spare.ID, urgent.ID)
		if got := jwksKIDs(t, ring); !slices.Equal(got, want) {
			t.Errorf("JWKS kids = %v, want %v", got, want)
		}
	})
}

func TestRun(t *testing.T) {
	s := testdb.Open(t, testdb.SQLite(t))
	m := newManager(t, s, newClock(), testConfig)
	ctx, cancel := context.WithCancel(context.Background())
	var got *auth.KeyRing
	m.Run(ctx, time.Hour, func(r *auth.KeyRing) {
		got = r
		cancel() // Run returns after the first step
	}, func(err error) { t.Errorf("Run reported %v", err) })
	if got == nil || got.Active() == nil {
		t.Fatal("Run handed over no ring")
	}
}
