package keys

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// Bootstrap makes a key of Config.Algorithm and activates it at once,
// if the database holds no key at all: no token exists yet, so no
// verifier can miss it. It does nothing when a key exists, including
// when another instance bootstraps at the same moment.
func (m *Manager) Bootstrap(ctx context.Context) error {
	now := m.now()
	err := m.store.Tx(ctx, func(tx *store.Store) error {
		rows, err := lockedKeys(ctx, tx)
		if err != nil || len(rows) > 0 {
			return err
		}
		_, err = m.insertNew(ctx, tx, m.cfg.Algorithm, models.KeyActive, now)
		return err
	})
	// Another instance's key became active first; the unique index on
	// the active state refused ours.
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bootstrap signing key: %w", err)
	}
	return nil
}

// lockedKeys takes the signing-key lock of tx and returns every key.
func lockedKeys(ctx context.Context, tx *store.Store) (
	[]*models.SigningKey, error) {
	if err := tx.LockSigningKeys(ctx); err != nil {
		return nil, err
	}
	return tx.SigningKeys(ctx)
}

// insertNew generates a key of alg and stores it in state at now.
func (m *Manager) insertNew(ctx context.Context, tx *store.Store, alg string,
	state models.KeyState, now time.Time) (*models.SigningKey, error) {
	k, err := auth.GenerateSigningKey(alg)
	if err != nil {
		return nil, err
	}
	row, err := m.newRow(k, state, now)
	if err != nil {
		return nil, err
	}
	if err := tx.CreateSigningKey(ctx, row); err != nil {
		return nil, err
	}
	return row, nil
}

// Publish generates a key of alg (Config.Algorithm when alg is empty)
// and publishes it: it is in the JWKS and accepted from now on, and may
// be activated after Config.PublishLead, which Rotate then does. On an
// empty database the key is activated at once, as by Bootstrap. An
// unknown alg gives an error wrapping auth.ErrInvalidKey.
func (m *Manager) Publish(ctx context.Context, alg string) (
	*models.SigningKey, error) {
	if alg == "" {
		alg = m.cfg.Algorithm
	}
	k, err := auth.GenerateSigningKey(alg)
	if err != nil {
		return nil, fmt.Errorf("publish signing key: %w", err)
	}
	row, err := m.add(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("publish signing key: %w", err)
	}
	return row, nil
}

// Import publishes an operator's own key, an unencrypted private key in
// PEM (see auth.SigningKeyFromPEM): PKCS #8, PKCS #1 or SEC 1, Ed25519,
// RSA of 2048 to 8192 bits, or ECDSA on P-256. It is then handled like a
// key from Publish. Key material that is not fit to sign gives an error
// wrapping auth.ErrInvalidKey, a key already stored one matching
// store.ErrConflict.
func (m *Manager) Import(ctx context.Context, pem []byte) (
	*models.SigningKey, error) {
	k, err := auth.SigningKeyFromPEM(pem)
	if err != nil {
		return nil, fmt.Errorf("import signing key: %w", err)
	}
	row, err := m.add(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("import signing key: %w", err)
	}
	return row, nil
}

// ImportSecret publishes an operator's own HS256 secret, 32 to 1024
// bytes, like Import.
func (m *Manager) ImportSecret(ctx context.Context, secret []byte) (
	*models.SigningKey, error) {
	k, err := auth.NewHMACKey(secret)
	if err != nil {
		return nil, fmt.Errorf("import signing secret: %w", err)
	}
	row, err := m.add(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("import signing secret: %w", err)
	}
	return row, nil
}

// add stores k as published, or as active when it is the first key.
func (m *Manager) add(ctx context.Context, k *auth.SigningKey) (
	*models.SigningKey, error) {
	now := m.now()
	var row *models.SigningKey
	err := m.store.Tx(ctx, func(tx *store.Store) error {
		rows, err := lockedKeys(ctx, tx)
		if err != nil {
			return err
		}
		state := models.KeyPublished
		if len(rows) == 0 {
			state = models.KeyActive
		}
		if row, err = m.newRow(k, state, now); err != nil {
			return err
		}
		return tx.CreateSigningKey(ctx, row)
	})
	return row, err
}

// Activate makes the published key kid the one that signs, and retires
// the key that signed until now. It refuses, with an error wrapping
// ErrTooEarly, a key published less than Config.PublishLead ago: never
// sign with a key that verifiers may not have fetched yet. Activating
// the active key does nothing. An unknown kid gives models.ErrNotFound,
// a retired key models.ErrKeyState.
func (m *Manager) Activate(ctx context.Context, kid string) error {
	return m.activate(ctx, kid, false)
}

// ForceActivate is Activate without the PublishLead rule, for when the
// active key is compromised: until their JWKS cache expires, verifiers
// other than this server may refuse tokens of the new key.
func (m *Manager) ForceActivate(ctx context.Context, kid string) error {
	return m.activate(ctx, kid, true)
}

func (m *Manager) activate(ctx context.Context, kid string, force bool) error {
	now := m.now()
	err := m.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockSigningKeys(ctx); err != nil {
			return err
		}
		row, err := tx.SigningKey(ctx, kid)
		if err != nil {
			return err
		}
		if row.State == models.KeyPublished && !force {
			if ready := row.PublishedAt.Add(m.cfg.PublishLead); now.Before(ready) {
				return fmt.Errorf("%w: key %s may sign from %s", ErrTooEarly,
					kid, ready.Format(time.RFC3339))
			}
		}
		return tx.ActivateSigningKey(ctx, kid, now)
	})
	if err != nil {
		return fmt.Errorf("activate signing key: %w", err)
	}
	return nil
}

// Retire stops the published key kid from ever signing; it stays
// accepted and published for Config.RetireAfter. Retiring a retired key
// does nothing. The active key cannot be retired, only replaced by
// activating another one (models.ErrKeyState); an unknown kid gives
// models.ErrNotFound.
func (m *Manager) Retire(ctx context.Context, kid string) error {
	return m.store.RetireSigningKey(ctx, kid, m.now())
}
