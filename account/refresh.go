package account

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// rotation is what one refresh decided inside its transaction.
type rotation struct {
	user    *models.User
	session *models.Session
	next    string
	reused  bool
}

// Refresh exchanges a refresh token for a new access token and the next
// refresh token of the chain. An unknown token, or one whose session has
// ended or whose user is disabled, gives models.ErrInvalidToken. A token
// presented again within the grace window after its rotation gets the
// same successor; presented later, it revokes the whole session (it was
// replayed, so one of its holders is not the user) and gives
// models.ErrInvalidToken.
func (s *Service) Refresh(ctx context.Context, token string) (*AuthResult,
	error) {
	digest, ok := auth.TokenDigest(token)
	if !ok {
		return nil, models.ErrInvalidToken
	}
	var r rotation
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		r, err = s.rotate(ctx, tx, digest, token)
		return err
	})
	if err != nil {
		return nil, err
	}
	if r.reused {
		s.log.WarnContext(ctx, "refresh token reused; session revoked",
			slog.String("user_id", r.session.UserID),
			slog.String("session_id", r.session.ID))
		return nil, models.ErrInvalidToken
	}
	return s.authResult(r.user, r.session, r.next)
}

// rotate runs in the refresh transaction, holding the token's row lock.
func (s *Service) rotate(ctx context.Context, tx *store.Store, digest,
	token string) (rotation, error) {
	rt, err := tx.RefreshTokenForUpdate(ctx, digest)
	if errors.Is(err, models.ErrNotFound) {
		return rotation{}, models.ErrInvalidToken
	}
	if err != nil {
		return rotation{}, err
	}
	sess, user, err := tx.SessionWithUser(ctx, rt.SessionID)
	if err != nil {
		return rotation{}, err
	}
	now := s.clock()
	if !sess.Active(now) || user.Disabled {
		return rotation{}, models.ErrInvalidToken
	}
	r := rotation{user: user, session: sess,
		next: s.secrets.RefreshSuccessor(token)}
	if rt.UsedAt != nil {
		if now.Sub(*rt.UsedAt) <= s.cfg.RefreshGrace {
			// A repeat within the window: the successor exists already.
			return r, nil
		}
		r.reused = true
		if _, err := tx.RevokeSession(ctx, sess.UserID, sess.ID, now); err != nil {
			return rotation{}, err
		}
		// No actor: whoever presented the token may not be the user.
		return r, s.audit(ctx, tx, auditEntry{
			Type: models.AuditRefreshTokenReuse, Target: sess.UserID})
	}
	if err := tx.MarkRefreshTokenUsed(ctx, rt.ID, now); err != nil {
		return rotation{}, err
	}
	if err := s.createRefreshToken(ctx, tx, sess.ID, r.next, now); err != nil {
		return rotation{}, err
	}
	sess.LastUsedAt = now
	sess.ExpiresAt = s.slidingExpiry(sess, now)
	return r, tx.TouchSession(ctx, sess.ID, now, sess.ExpiresAt)
}

// slidingExpiry moves a session's end a session lifetime past now, but
// never past its maximum age.
func (s *Service) slidingExpiry(sess *models.Session, now time.Time) time.Time {
	exp := now.Add(s.cfg.SessionTTL)
	if limit := sess.CreatedAt.Add(s.cfg.MaxSessionAge); exp.After(limit) {
		exp = limit
	}
	return exp
}
