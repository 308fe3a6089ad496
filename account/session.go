package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// Authenticate turns an access token into its caller, loading the user
// and session fresh so that a logout, a disabled account or a changed
// role takes effect on the very next request. A token that is invalid,
// expired, or names a session that is revoked, expired or not its
// user's gives an error matching auth.ErrInvalidToken.
func (s *Service) Authenticate(ctx context.Context,
	token string) (*auth.Caller, error) {
	claims, err := s.tokens.VerifyAccess(token)
	if err != nil {
		return nil, err
	}
	sess, user, err := s.store.SessionWithUser(ctx, claims.SessionID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown session", auth.ErrInvalidToken)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case sess.UserID != claims.UserID:
		return nil, fmt.Errorf("%w: session of another user",
			auth.ErrInvalidToken)
	case !sess.Active(s.clock()):
		return nil, fmt.Errorf("%w: session ended", auth.ErrInvalidToken)
	case user.Disabled:
		return nil, fmt.Errorf("%w: account disabled", auth.ErrInvalidToken)
	}
	return &auth.Caller{User: user, Session: sess}, nil
}

// Logout ends the caller's current session.
func (s *Service) Logout(ctx context.Context, c *auth.Caller) error {
	_, err := s.endSessions(ctx, c.User.ID, models.AuditLogout,
		func(tx *store.Store, now time.Time) (int, error) {
			ok, err := tx.RevokeSession(ctx, c.User.ID, c.Session.ID, now)
			return count(ok), err
		})
	return err
}

// LogoutRefresh ends the session that refresh token belongs to, for a
// client whose access token has expired. Any token of the session's chain
// will do: ending a session is never harmful to its owner. It reports
// whether a session was ended.
func (s *Service) LogoutRefresh(ctx context.Context, token string) (bool,
	error) {
	digest, ok := auth.TokenDigest(token)
	if !ok {
		return false, nil
	}
	var ended bool
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		ended = false
		rt, err := tx.RefreshTokenForUpdate(ctx, digest)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		sess, _, err := tx.SessionWithUser(ctx, rt.SessionID)
		if err != nil {
			return err
		}
		ended, err = tx.RevokeSession(ctx, sess.UserID, sess.ID, s.clock())
		if err != nil || !ended {
			return err
		}
		// The holder of the user's refresh token counts as the user.
		return s.audit(ctx, tx, auditEntry{Type: models.AuditLogout,
			Actor: sess.UserID, Target: sess.UserID})
	})
	return ended, err
}

// Sessions lists the caller's active sessions, most recently used first.
func (s *Service) Sessions(ctx context.Context,
	c *auth.Caller) ([]*models.Session, error) {
	return s.store.ActiveSessions(ctx, c.User.ID, s.clock())
}

// RevokeSession ends one of the caller's sessions. It reports false for
// an unknown id and for another user's session alike.
func (s *Service) RevokeSession(ctx context.Context, c *auth.Caller,
	id string) (bool, error) {
	// Ids are UUIDs; anything else names no session (and may hold bytes,
	// such as NUL, that have no place in a query).
	if _, err := uuid.Parse(id); err != nil {
		return false, nil
	}
	n, err := s.endSessions(ctx, c.User.ID, models.AuditSessionRevoked,
		func(tx *store.Store, now time.Time) (int, error) {
			ok, err := tx.RevokeSession(ctx, c.User.ID, id, now)
			return count(ok), err
		})
	return n > 0, err
}

// LogoutAll ends the caller's sessions, all of them or all but the
// current one, and returns how many it ended.
func (s *Service) LogoutAll(ctx context.Context, c *auth.Caller,
	keepCurrent bool) (int, error) {
	keep := ""
	if keepCurrent {
		keep = c.Session.ID
	}
	return s.endSessions(ctx, c.User.ID, models.AuditLogout,
		func(tx *store.Store, now time.Time) (int, error) {
			return tx.RevokeSessions(ctx, c.User.ID, keep, now)
		})
}

// endSessions runs revoke, which ends sessions of the user userID and
// says how many, and records an event of type typ done by the user when
// it ended any, in one transaction.
func (s *Service) endSessions(ctx context.Context, userID string,
	typ models.AuditEventType,
	revoke func(tx *store.Store, now time.Time) (int, error)) (int, error) {
	var n int
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		n, err = revoke(tx, s.clock())
		if err != nil || n == 0 {
			return err
		}
		return s.audit(ctx, tx, auditEntry{Type: typ, Actor: userID,
			Target: userID})
	})
	return n, err
}

func count(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// revokedRetention is how long a revoked session is kept before it is
// purged with its token digests.
const revokedRetention = 24 * time.Hour

// PurgeSessions deletes sessions that have expired, or were revoked more
// than a day ago, together with their refresh-token digests, and returns
// how many it deleted. A used digest thus lives as long as its session,
// so a replayed token is recognised for as long as it could matter.
func (s *Service) PurgeSessions(ctx context.Context) (int, error) {
	now := s.clock()
	return s.store.PurgeSessions(ctx, now, now.Add(-revokedRetention))
}
