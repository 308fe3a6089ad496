package account

import (
	"context"
	"errors"
	"fmt"

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
