// Package keys runs the lifecycle of the keys that sign access tokens,
// kept in the database so that every instance signs and verifies with
// the same ones.
//
// A key is first published: it appears in the JWKS and is accepted on
// tokens, but does not sign, so that verifiers holding a cached JWKS
// learn it before they meet it. After Config.PublishLead it may become
// active and sign; the key it replaces is retired at that moment and is
// still accepted, and still in the JWKS, for Config.RetireAfter, after
// which it is deleted. Private key material is sealed with AES-256-GCM
// under a key-encryption key (KEK) that the database does not hold, so a
// copy of the database cannot mint tokens.
//
// A server calls Manager.Run (or Rotate and Ring on a timer) and hands
// each ring to auth.Tokens.SetKeyRing; operators call Publish, Activate,
// Retire, Import and List from the command line.
package keys

import (
	"context"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// Config says which keys a Manager makes and when they change. A zero
// field takes its value from DefaultConfig.
type Config struct {
	// Algorithm of the keys Bootstrap, Rotate and Publish make: one of
	// auth.Algorithms. After a change, the next scheduled rotation
	// switches to it; keys of the old one verify until they expire.
	Algorithm string
	// PublishLead is how long a key is in the JWKS before it may sign.
	// It must be at least the max-age the JWKS is served with.
	PublishLead time.Duration
	// RetireAfter is how long a retired key is still accepted and
	// published. It must cover the access-token lifetime, the clock
	// leeway, and the interval at which instances reload the ring
	// (until then they may still sign with the retired key).
	RetireAfter time.Duration
	// RotateEvery is how long a key signs before Rotate replaces it;
	// Rotate publishes the successor PublishLead ahead. It must be at
	// least PublishLead.
	RotateEvery time.Duration
}

// DefaultConfig returns the defaults: EdDSA keys, published an hour
// before they sign, replaced every 30 days, accepted for an hour after.
func DefaultConfig() Config {
	return Config{
		Algorithm:   auth.AlgEdDSA,
		PublishLead: time.Hour,
		RetireAfter: time.Hour,
		RotateEvery: 30 * 24 * time.Hour,
	}
}

// withDefaults fills the zero fields of c from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Algorithm == "" {
		c.Algorithm = d.Algorithm
	}
	if c.PublishLead == 0 {
		c.PublishLead = d.PublishLead
	}
	if c.RetireAfter == 0 {
		c.RetireAfter = d.RetireAfter
	}
	if c.RotateEvery == 0 {
		c.RotateEvery = d.RotateEvery
	}
	return c
}

// Validate reports every invalid field of c after defaults: an unknown
// algorithm, a negative duration, or RotateEvery shorter than
// PublishLead.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if !slices.Contains(auth.Algorithms(), c.Algorithm) {
		errs = append(errs, fmt.Errorf("algorithm %q is not one of %v",
			c.Algorithm, auth.Algorithms()))
	}
	for name, d := range map[string]time.Duration{
		"publish lead": c.PublishLead, "retire after": c.RetireAfter,
		"rotate every": c.RotateEvery,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s %v is negative", name, d))
		}
	}
	if c.RotateEvery < c.PublishLead {
		errs = append(errs, fmt.Errorf("rotate every %v is shorter than "+
			"publish lead %v", c.RotateEvery, c.PublishLead))
	}
	return errors.Join(errs...)
}

// Manager creates, stores, rotates and loads signing keys. It is safe
// for concurrent use, and any number of instances may run one on the
// same database.
type Manager struct {
	store *store.Store
	aead  cipher.AEAD
	clock func() time.Time
	cfg   Config

	mu    sync.Mutex
	cache map[string]*auth.SigningKey // opened keys by kid and sealed text
}

// New returns a Manager of the keys in st, sealed under kek, a 32-byte
// key-encryption key (see ParseKEK) that must be the same on every
// instance. A nil clock means time.Now. It fails with ErrInvalidKEK for
// a kek of another size, or when cfg is invalid.
func New(st *store.Store, kek []byte, clock func() time.Time,
	cfg Config) (*Manager, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("key config: %w", err)
	}
	if clock == nil {
		clock = time.Now
	}
	return &Manager{
		store: st,
		aead:  aead,
		clock: clock,
		cfg:   cfg.withDefaults(),
		cache: map[string]*auth.SigningKey{},
	}, nil
}

// Config returns the configuration in force, defaults filled in.
func (m *Manager) Config() Config { return m.cfg }

// now returns the time in the form the database keeps.
func (m *Manager) now() time.Time {
	return m.clock().UTC().Truncate(time.Microsecond)
}

// Ring loads the keys that are accepted now (published, active, and
// retired within RetireAfter), decrypts them and returns the ring that
// signs with the active one. On an empty database it first calls
// Bootstrap. It fails with ErrNoActiveKey when keys are stored but none
// is active, and with an error wrapping ErrDecrypt when a key does not
// open with this Manager's KEK.
func (m *Manager) Ring(ctx context.Context) (*auth.KeyRing, error) {
	rows, err := m.store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if err := m.Bootstrap(ctx); err != nil {
			return nil, err
		}
		if rows, err = m.store.SigningKeys(ctx); err != nil {
			return nil, err
		}
	}

	now := m.now()
	var active *auth.SigningKey
	var others []*auth.SigningKey
	seen := map[string]bool{}
	// Newest first, so the JWKS lists the next key before the last one.
	for _, row := range slices.Backward(rows) {
		if !m.accepted(row, now) {
			continue
		}
		k, err := m.open(row)
		if err != nil {
			return nil, err
		}
		seen[cacheKey(row)] = true
		if row.State == models.KeyActive {
			active = k
		} else {
			others = append(others, k)
		}
	}
	m.prune(seen)
	if active == nil {
		return nil, ErrNoActiveKey
	}
	ring, err := auth.NewKeyRing(active, others...)
	if err != nil {
		return nil, fmt.Errorf("key ring: %w", err)
	}
	return ring, nil
}

// accepted reports whether tokens of the key row verify at now.
func (m *Manager) accepted(row *models.SigningKey, now time.Time) bool {
	if row.State != models.KeyRetired {
		return true
	}
	return row.RetiredAt != nil && now.Before(row.RetiredAt.Add(m.cfg.RetireAfter))
}

// open returns the key stored in row, decrypting it unless it was
// already. The key must be the one the row names.
func (m *Manager) open(row *models.SigningKey) (*auth.SigningKey, error) {
	ck := cacheKey(row)
	m.mu.Lock()
	k := m.cache[ck]
	m.mu.Unlock()
	if k != nil {
		return k, nil
	}

	material, err := openSealed(m.aead, row.ID, row.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("open signing key %s: %w", row.ID, err)
	}
	defer clear(material)
	k, err = auth.ParseSigningKey(row.Algorithm, material)
	if err != nil {
		return nil, fmt.Errorf("open signing key %s: %w", row.ID, err)
	}
	if k.ID() != row.ID {
		return nil, fmt.Errorf("open signing key %s: %w: kid is %s",
			row.ID, auth.ErrInvalidKey, k.ID())
	}
	m.mu.Lock()
	m.cache[ck] = k
	m.mu.Unlock()
	return k, nil
}

func cacheKey(row *models.SigningKey) string {
	return row.ID + "\x00" + row.PrivateKey
}

// prune forgets the opened keys that are no longer accepted.
func (m *Manager) prune(keep map[string]bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for ck := range m.cache {
		if !keep[ck] {
			delete(m.cache, ck)
		}
	}
}

// List returns every stored key, in the order they were published. The
// private material in each is sealed; List does not decrypt it.
func (m *Manager) List(ctx context.Context) ([]*models.SigningKey, error) {
	return m.store.SigningKeys(ctx)
}

// newRow seals k for storage in state at now.
func (m *Manager) newRow(k *auth.SigningKey, state models.KeyState,
	now time.Time) (*models.SigningKey, error) {
	material, err := k.MarshalPrivate()
	if err != nil {
		return nil, err
	}
	defer clear(material)
	row := &models.SigningKey{
		ID:          k.ID(),
		Algorithm:   k.Algorithm(),
		State:       state,
		PrivateKey:  seal(m.aead, k.ID(), material),
		CreatedAt:   now,
		PublishedAt: now,
	}
	if j, ok := k.JWK(); ok {
		b, err := json.Marshal(j)
		if err != nil {
			return nil, fmt.Errorf("encode jwk: %w", err)
		}
		row.PublicJWK = string(b)
	}
	if state == models.KeyActive {
		row.ActivatedAt = &now
	}
	return row, nil
}
