package account

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

var clientNone = auth.Client{}

// tokens gets one live token of each purpose for u, from the mail.
func (e *mailEnv) tokens(t *testing.T, u *models.User,
	c *auth.Caller) (verify, reset, change string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.svc.RequestEmailVerification(ctx, c); err != nil {
		t.Fatal(err)
	}
	verify = e.tokenFrom(t, u.Email, subjectVerify, "verify-email")
	if err := e.svc.RequestPasswordReset(ctx, u.Email); err != nil {
		t.Fatal(err)
	}
	reset = e.tokenFrom(t, u.Email, subjectReset, "reset-password")
	newEmail := "new." + u.Email
	if _, err := e.svc.RequestEmailChange(ctx, c, newEmail, mailPassword); err != nil {
		t.Fatal(err)
	}
	change = e.tokenFrom(t, newEmail, subjectChangeConfirm,
		"confirm-email-change")
	return verify, reset, change
}

// use presents token for purpose and returns the error.
func (e *mailEnv) use(ctx context.Context, purpose models.TokenPurpose,
	token string) error {
	var err error
	switch purpose {
	case models.PurposeVerifyEmail:
		_, err = e.svc.VerifyEmail(ctx, token)
	case models.PurposeResetPassword:
		_, err = e.svc.ResetPassword(ctx, token, newPassword, clientNone)
	case models.PurposeChangeEmail:
		_, err = e.svc.ConfirmEmailChange(ctx, token)
	}
	return err
}

var allPurposes = []models.TokenPurpose{models.PurposeVerifyEmail,
	models.PurposeResetPassword, models.PurposeChangeEmail}

func TestOneTimeTokenMisuse(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		n := 0
		// fresh returns a new account with a token of each purpose.
		fresh := func(t *testing.T) (*models.User, *auth.Caller,
			map[models.TokenPurpose]string) {
			n++
			u := e.user(t, "user"+string(rune('a'+n))+"@misuse.example", false)
			c, _ := e.login(t, u)
			v, r, ch := e.tokens(t, u, c)
			return u, c, map[models.TokenPurpose]string{
				models.PurposeVerifyEmail: v, models.PurposeResetPassword: r,
				models.PurposeChangeEmail: ch}
		}

		// Using a reset or change link ends the other's links, so each
		// purpose gets an account of its own where a test uses them all.
		t.Run("reused", func(t *testing.T) {
			for _, p := range allPurposes {
				_, _, toks := fresh(t)
				if err := e.use(ctx, p, toks[p]); err != nil {
					t.Fatalf("%s first use: %v", p, err)
				}
				wantCode(t, e.use(ctx, p, toks[p]), models.CodeInvalidToken, "token")
			}
		})

		t.Run("wrong purpose", func(t *testing.T) {
			for _, p := range allPurposes {
				_, _, toks := fresh(t)
				for _, other := range allPurposes {
					if other != p {
						wantCode(t, e.use(ctx, other, toks[p]),
							models.CodeInvalidToken, "token")
					}
				}
				if err := e.use(ctx, p, toks[p]); err != nil {
					t.Errorf("%s after misuse: %v", p, err)
				}
			}
		})

		t.Run("expired", func(t *testing.T) {
			_, _, toks := fresh(t)
			e.clock.Advance(time.Hour)
			wantCode(t, e.use(ctx, models.PurposeResetPassword,
				toks[models.PurposeResetPassword]), models.CodeExpiredToken, "token")
			wantCode(t, e.use(ctx, models.PurposeChangeEmail,
				toks[models.PurposeChangeEmail]), models.CodeExpiredToken, "token")
			if err := e.use(ctx, models.PurposeVerifyEmail,
				toks[models.PurposeVerifyEmail]); err != nil {
				t.Errorf("verification link expired after 1h: %v", err)
			}
			_, _, toks = fresh(t)
			e.clock.Advance(24 * time.Hour)
			wantCode(t, e.use(ctx, models.PurposeVerifyEmail,
				toks[models.PurposeVerifyEmail]), models.CodeExpiredToken, "token")
		})

		t.Run("used and expired is invalid", func(t *testing.T) {
			_, _, toks := fresh(t)
			v := toks[models.PurposeVerifyEmail]
			if err := e.use(ctx, models.PurposeVerifyEmail, v); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(25 * time.Hour)
			wantCode(t, e.use(ctx, models.PurposeVerifyEmail, v),
				models.CodeInvalidToken, "token")
		})

		t.Run("other user's, presented while logged in", func(t *testing.T) {
			_, other, _ := fresh(t)
			as := auth.WithCaller(ctx, other)
			for _, p := range allPurposes {
				_, owner, toks := fresh(t)
				wantCode(t, e.use(as, p, toks[p]), models.CodeInvalidToken, "token")
				if err := e.use(auth.WithCaller(ctx, owner), p, toks[p]); err != nil {
					t.Errorf("%s by its owner: %v", p, err)
				}
			}
		})

		t.Run("superseded by a newer one", func(t *testing.T) {
			u, c, old := fresh(t)
			e.clock.Advance(time.Minute) // past flood control
			_, _, _ = e.tokens(t, u, c)
			for _, p := range allPurposes {
				wantCode(t, e.use(ctx, p, old[p]), models.CodeInvalidToken, "token")
			}
		})

		t.Run("after a password change", func(t *testing.T) {
			u, _, toks := fresh(t)
			err := e.store.Tx(ctx, func(tx *store.Store) error {
				// As ChangePassword does after storing the new hash.
				return e.svc.notifyPasswordChanged(ctx, tx, u)
			})
			if err != nil {
				t.Fatal(err)
			}
			e.mailTo(t, u.Email, subjectChangedNotice)
			wantCode(t, e.use(ctx, models.PurposeResetPassword,
				toks[models.PurposeResetPassword]), models.CodeInvalidToken, "token")
			wantCode(t, e.use(ctx, models.PurposeChangeEmail,
				toks[models.PurposeChangeEmail]), models.CodeInvalidToken, "token")
			if err := e.use(ctx, models.PurposeVerifyEmail,
				toks[models.PurposeVerifyEmail]); err != nil {
				t.Errorf("verification link ended by a password change: %v", err)
			}
		})

		t.Run("after a password reset", func(t *testing.T) {
			_, _, toks := fresh(t)
			if err := e.use(ctx, models.PurposeResetPassword,
				toks[models.PurposeResetPassword]); err != nil {
				t.Fatal(err)
			}
			wantCode(t, e.use(ctx, models.PurposeChangeEmail,
				toks[models.PurposeChangeEmail]), models.CodeInvalidToken, "token")
		})

		t.Run("not a token", func(t *testing.T) {
			for _, bad := range []string{"", "x", strings.Repeat("A", 43),
				strings.Repeat("A", 500), "\x00"} {
				for _, p := range allPurposes {
					wantCode(t, e.use(ctx, p, bad), models.CodeInvalidToken, "token")
				}
			}
		})
	})
}

// Deleting an account (with forgetMail in its transaction, as
// deleteUser must call it) leaves no token and no outbox row of it:
// neither those linked to the account nor the jobs and flood-control
// rows keyed only by its address.
func TestForgetMail(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		u := e.user(t, "ada@forget.example", false)
		other := e.user(t, "bob@forget.example", false)
		c, _ := e.login(t, u)
		verify, _, _ := e.tokens(t, u, c)
		e.clock.Advance(time.Minute)
		for _, email := range []string{u.Email, other.Email} {
			if err := e.svc.RequestPasswordReset(ctx, email); err != nil {
				t.Fatal(err)
			}
		}
		err := e.store.Tx(ctx, func(tx *store.Store) error {
			if err := e.svc.forgetMail(ctx, tx, u); err != nil {
				return err
			}
			return tx.DeleteUser(ctx, u.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := e.store.RecentOutbox(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		digest := e.svc.outbox.RecipientDigest(u.EmailNormalized)
		for _, m := range rows {
			if m.RecipientDigest == digest || (m.UserID != nil && *m.UserID == u.ID) {
				t.Errorf("row left behind: %+v", m)
			}
		}
		if len(rows) != 1 {
			t.Errorf("%d rows, want bob's reset request", len(rows))
		}
		digestOf, _ := auth.TokenDigest(verify)
		if _, err := e.store.OneTimeTokenForUpdate(ctx, digestOf); err == nil {
			t.Error("token left behind")
		}
	})
}
