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

// Rotate takes one step of automatic rotation, in one transaction that
// instances take in turn: on an empty database it bootstraps a key;
// otherwise it activates the longest-published key whose PublishLead
// has passed, publishes a successor of Config.Algorithm when none is
// pending and the active key has signed for RotateEvery less
// PublishLead, and deletes retired keys past RetireAfter. A step with
// nothing due changes nothing, so every instance may call it every
// minute. A new Config.Algorithm thus takes over at the next scheduled
// rotation; Publish("") brings it forward.
func (m *Manager) Rotate(ctx context.Context) error {
	now := m.now()
	bootstrap := false
	err := m.store.Tx(ctx, func(tx *store.Store) error {
		rows, err := lockedKeys(ctx, tx)
		if err != nil {
			return err
		}
		if bootstrap = len(rows) == 0; bootstrap {
			_, err := m.insertNew(ctx, tx, m.cfg.Algorithm, models.KeyActive, now)
			return err
		}

		active, pending := split(rows)
		if p := m.ready(pending, now); p != nil {
			if err := tx.ActivateSigningKey(ctx, p.ID, now); err != nil {
				return err
			}
			active, pending = p, pending[1:]
			active.ActivatedAt = &now
		}
		if len(pending) == 0 && m.due(active, now) {
			_, err := m.insertNew(ctx, tx, m.cfg.Algorithm,
				models.KeyPublished, now)
			if err != nil {
				return err
			}
		}
		_, err = tx.DeleteRetiredSigningKeys(ctx, now.Add(-m.cfg.RetireAfter))
		return err
	})
	// As in Bootstrap: another instance's first key won.
	if bootstrap && errors.Is(err, store.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rotate signing keys: %w", err)
	}
	return nil
}

// split returns the active key, or nil, and the published keys in the
// order they were published.
func split(rows []*models.SigningKey) (active *models.SigningKey,
	pending []*models.SigningKey) {
	for _, row := range rows {
		switch row.State {
		case models.KeyActive:
			active = row
		case models.KeyPublished:
			pending = append(pending, row)
		}
	}
	return active, pending
}

// ready returns the first pending key if it has been published for
// PublishLead at now, else nil. Keys are activated in the order they
// were published.
func (m *Manager) ready(pending []*models.SigningKey,
	now time.Time) *models.SigningKey {
	if len(pending) == 0 || now.Before(pending[0].PublishedAt.Add(m.cfg.PublishLead)) {
		return nil
	}
	return pending[0]
}

// due reports whether active should get a successor published at now.
func (m *Manager) due(active *models.SigningKey, now time.Time) bool {
	if active == nil || active.ActivatedAt == nil {
		return true
	}
	publishAt := active.ActivatedAt.Add(m.cfg.RotateEvery - m.cfg.PublishLead)
	return !now.Before(publishAt)
}

// Run rotates and reloads keys until ctx ends: at once and then every
// interval, it calls Rotate, then Ring, and hands the ring to apply
// (typically auth.Tokens.SetKeyRing). Errors go to report, and the
// previous ring stays in use; the next tick tries again. interval must
// be positive; it adds to how long a retired key may still sign on an
// instance, which Config.RetireAfter must cover.
func (m *Manager) Run(ctx context.Context, interval time.Duration,
	apply func(*auth.KeyRing), report func(error)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		m.refresh(ctx, apply, report)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// refresh is one step of Run. A failed Rotate does not keep the ring
// from being reloaded: another instance may have rotated.
func (m *Manager) refresh(ctx context.Context, apply func(*auth.KeyRing),
	report func(error)) {
	if err := m.Rotate(ctx); err != nil && ctx.Err() == nil {
		report(err)
	}
	ring, err := m.Ring(ctx)
	if err != nil {
		if ctx.Err() == nil { // shutting down is not worth a report
			report(err)
		}
		return
	}
	apply(ring)
}
