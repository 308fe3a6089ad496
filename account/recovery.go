package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// RequestPasswordReset asks for a password reset link to be mailed to
// email. It does the same work whether or not the address has an
// account: it queues a job, which the mail worker later turns into a
// link, or into nothing for an unknown or disabled account. Of the
// requests for one address, one per EmailConfig.Interval gets through;
// the others are dropped alike. The only error a user can cause is
// INVALID_INPUT at "email", for a malformed address.
func (s *Service) RequestPasswordReset(ctx context.Context,
	email string) error {
	_, normalized, err := NormalizeEmail(email)
	if err != nil {
		return asUserError(err).At("email")
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		_, err := s.outbox.Queue(ctx, tx, s.clock(), mail.Item{
			Purpose: jobResetRequest, To: normalized,
			ToNormalized: normalized, Data: struct{}{}})
		return err
	})
	if err != nil {
		return err
	}
	s.wakeMail()
	return nil
}

// resolveResetRequest runs a request queued by RequestPasswordReset.
func (s *Service) resolveResetRequest(ctx context.Context, tx *store.Store,
	m *models.OutboxMessage, _ []byte) error {
	user, err := tx.UserByEmail(ctx, *m.Recipient)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil || user.Disabled {
		return err
	}
	return s.sendLink(ctx, tx, link{user: user,
		token: models.PurposeResetPassword, message: mail.ResetPassword,
		to: user.Email, toNormalized: user.EmailNormalized})
}

// ResetPassword sets a new password with a reset token, ends every
// session of the account, marks its address verified (the token came
// through it), makes its other reset and email change links stop
// working, tells the owner, and logs the user in with a new session. A
// token past its lifetime gives models.ErrExpiredToken, any other
// unusable one models.ErrInvalidToken (see checkToken), both at "token";
// a password that breaks the policy gives models.ErrWeakPassword at
// "newPassword"; a disabled account models.ErrAccountDisabled.
func (s *Service) ResetPassword(ctx context.Context, token,
	newPassword string, client auth.Client) (*AuthResult, error) {
	_, user, err := s.checkToken(ctx, s.store, token,
		models.PurposeResetPassword)
	if err != nil {
		return nil, err
	}
	password, err := s.cfg.Password.Check(newPassword, user.EmailNormalized)
	if err != nil {
		return nil, asUserError(err).At("newPassword")
	}
	if user.Disabled {
		return nil, models.ErrAccountDisabled
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	res, err := s.startSession(ctx, user, client, func(tx *store.Store) error {
		// The token is checked again, locked: it may have been used
		// while the password was hashed.
		_, u, err := s.useToken(ctx, tx, token, models.PurposeResetPassword)
		if err != nil {
			return err
		}
		if u.Disabled {
			return models.ErrAccountDisabled
		}
		if err := s.resetPassword(ctx, tx, u, hash); err != nil {
			return err
		}
		// A reset proves the owner: a back-off a stranger caused ends.
		if err := s.clearFailures(ctx, tx, u.EmailNormalized); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, auditEntry{Type: models.AuditPasswordReset,
			Actor: u.ID, Target: u.ID}, client)
	})
	if err != nil {
		return nil, err
	}
	s.wakeMail()
	res.User.PasswordHash, res.User.EmailVerified = hash, true
	return res, nil
}

// resetPassword stores the new hash of user's password in tx and does
// what a reset implies.
func (s *Service) resetPassword(ctx context.Context, tx *store.Store,
	user *models.User, hash string) error {
	now := s.clock()
	if err := tx.SetPasswordHash(ctx, user.ID, hash, now); err != nil {
		return err
	}
	if _, err := tx.RevokeSessions(ctx, user.ID, "", now); err != nil {
		return err
	}
	if err := tx.SetEmailVerified(ctx, user.ID, now); err != nil {
		return err
	}
	return s.passwordReplaced(ctx, tx, user, mail.PasswordResetNotice)
}

// notifyPasswordChanged is what ChangePassword must also do in its
// transaction, after storing the new hash: the account's outstanding
// reset and email change links stop working (whoever asked for them may
// have known the old password), and its owner is told.
func (s *Service) notifyPasswordChanged(ctx context.Context,
	tx *store.Store, user *models.User) error {
	return s.passwordReplaced(ctx, tx, user, mail.PasswordChangedNotice)
}

func (s *Service) passwordReplaced(ctx context.Context, tx *store.Store,
	user *models.User, notice string) error {
	_, err := tx.InvalidateOneTimeTokens(ctx, user.ID, s.clock(),
		models.PurposeResetPassword, models.PurposeChangeEmail)
	if err != nil {
		return err
	}
	return s.notify(ctx, tx, user, notice, mail.Data{})
}
