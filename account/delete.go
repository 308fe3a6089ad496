package account

import (
	"context"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// DeleteAccount deletes the caller's own account with everything that
// belongs to it (see deleteUser), once password checks out. Errors: a
// wrong password is INVALID_CREDENTIALS at "password"; the last active
// administrator gets LAST_ADMIN (promote someone first). Afterwards the
// address can register again.
func (s *Service) DeleteAccount(ctx context.Context, c *auth.Caller,
	password string) error {
	if err := s.confirmPassword(ctx, c, password, "password"); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx *store.Store) error {
		// Locked before the user's row, in the order adminChange uses.
		admins, err := tx.ActiveAdmins(ctx)
		if err != nil {
			return err
		}
		u, err := tx.UserForUpdate(ctx, c.User.ID)
		if err != nil {
			return err
		}
		if lastAdmin(admins, u) {
			return models.ErrLastAdmin
		}
		return s.deleteUser(ctx, tx, u, u.ID)
	})
}

// deleteUser deletes u on tx, as actor did. The database deletes u's
// sessions, refresh tokens and other dependent rows with it, and sets u's
// id to NULL in audit events, which stay. Before that, the events that
// name u, or carry the digest of u's address, lose their IP address,
// user agent and digest. The USER_DELETED event is recorded after that
// scrub: deleted by an administrator, it keeps the administrator's
// address; deleted by its owner, it keeps none.
func (s *Service) deleteUser(ctx context.Context, tx *store.Store,
	u *models.User, actor string) error {
	err := tx.ScrubAuditEvents(ctx, u.ID, s.emailDigest(u.EmailNormalized))
	if err != nil {
		return err
	}
	client := auth.ClientFrom(ctx)
	if actor == u.ID {
		client = auth.Client{}
	}
	err = s.auditAs(ctx, tx, auditEntry{Type: models.AuditUserDeleted,
		Actor: actor, Target: u.ID}, client)
	if err != nil {
		return err
	}
	if err := s.forgetMail(ctx, tx, u); err != nil {
		return err
	}
	// The failure count is keyed by the address, not the account.
	if err := s.clearFailures(ctx, tx, u.EmailNormalized); err != nil {
		return err
	}
	return tx.DeleteUser(ctx, u.ID)
}
