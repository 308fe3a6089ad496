package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
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
	_, err := s.store.RevokeSession(ctx, c.User.ID, c.Session.ID, s.clock())
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
	rt, err := s.store.RefreshTokenForUpdate(ctx, digest)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	sess, _, err := s.store.SessionWithUser(ctx, rt.SessionID)
	if err != nil {
		return false, err
	}
	return s.store.RevokeSession(ctx, sess.UserID, sess.ID, s.clock())
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
	return s.store.RevokeSession(ctx, c.User.ID, id, s.clock())
}

// LogoutAll ends the caller's sessions, all of them or all but the
// current one, and returns how many it ended.
func (s *Service) LogoutAll(ctx context.Context, c *auth.Caller,
	keepCurrent bool) (int, error) {
	keep := ""
	if keepCurrent {
		keep = c.Session.ID
	}
	return s.store.RevokeSessions(ctx, c.User.ID, keep, s.clock())
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
