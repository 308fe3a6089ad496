package account

import (
	"context"
	"errors"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/mail"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// RequestEmailChange starts moving the caller's account to newEmail: it
// mails a confirmation link there, and a notice to the current address,
// and returns the caller's account, unchanged until the link is used.
// It answers the same whether or not newEmail is taken, so that it tells
// nobody which addresses are registered; ConfirmEmailChange reports a
// conflict. A malformed address gives INVALID_INPUT at "newEmail" (so
// does the caller's own address), a wrong password INVALID_CREDENTIALS
// at "currentPassword".
func (s *Service) RequestEmailChange(ctx context.Context, c *auth.Caller,
	newEmail, currentPassword string) (*models.User, error) {
	address, normalized, err := NormalizeEmail(newEmail)
	if err != nil {
		return nil, asUserError(err).At("newEmail")
	}
	err = s.confirmPassword(ctx, c, currentPassword, "currentPassword")
	if err != nil {
		return nil, err
	}
	if normalized == c.User.EmailNormalized {
		return nil, models.Invalid("This is your email address already.",
			"newEmail")
	}
	var user *models.User
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		if user, err = tx.UserByID(ctx, c.User.ID); err != nil {
			return err
		}
		err = s.sendLink(ctx, tx, link{user: user,
			token: models.PurposeChangeEmail, message: mail.ChangeEmailConfirm,
			to: address, toNormalized: normalized,
			data: mail.Data{OldEmail: user.Email, NewEmail: address}})
		if err != nil {
			return err
		}
		return s.notify(ctx, tx, user, mail.EmailChangeRequestedNotice,
			mail.Data{})
	})
	if err != nil {
		return nil, err
	}
	s.wakeMail()
	return user, nil
}

// ConfirmEmailChange moves the token's account to the address the token
// was sent to, marks it verified, makes the account's other emailed
// links stop working (they went to the old address), tells the old
// address, and returns the account. A token past its lifetime gives
// models.ErrExpiredToken, any other unusable one models.ErrInvalidToken
// (see checkToken), both at "token". When another account has the
// address by now, it gives models.ErrEmailTaken without a field (the
// token is fine; the address is not free) and leaves the token unused,
// so it works if the address is freed within its lifetime.
func (s *Service) ConfirmEmailChange(ctx context.Context,
	token string) (*models.User, error) {
	var id string
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		t, user, err := s.useToken(ctx, tx, token, models.PurposeChangeEmail)
		if err != nil {
			return err
		}
		id = user.ID
		// Checked first to keep PostgreSQL from aborting the
		// transaction; the unique index still decides races.
		_, err = tx.UserByEmail(ctx, t.EmailNormalized)
		if err == nil {
			return models.ErrEmailTaken
		}
		if !errors.Is(err, models.ErrNotFound) {
			return err
		}
		return s.moveEmail(ctx, tx, user, t)
	})
	if errors.Is(err, models.ErrEmailTaken) {
		return nil, models.ErrEmailTaken.At()
	}
	if err != nil {
		return nil, err
	}
	s.wakeMail()
	return s.store.UserByID(ctx, id)
}

func (s *Service) moveEmail(ctx context.Context, tx *store.Store,
	user *models.User, t *models.OneTimeToken) error {
	now := s.clock()
	err := tx.SetUserEmail(ctx, user.ID, t.Email, t.EmailNormalized, now)
	if err != nil {
		return err
	}
	if _, err := tx.InvalidateOneTimeTokens(ctx, user.ID, now); err != nil {
		return err
	}
	err = s.audit(ctx, tx, auditEntry{Type: models.AuditEmailChange,
		Actor: user.ID, Target: user.ID})
	if err != nil {
		return err
	}
	// user still has the old address, where the notice goes.
	return s.notify(ctx, tx, user, mail.EmailChangedNotice,
		mail.Data{OldEmail: user.Email, NewEmail: t.Email})
}
