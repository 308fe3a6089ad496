package account

import (
	"context"
	"testing"
	"time"

	"github.com/usergraph/usergraph/models"
)

func TestEmailChangeFlow(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		u := e.user(t, "Ada@Old.example", false)
		c, _ := e.login(t, u)

		t.Run("input errors", func(t *testing.T) {
			_, err := e.svc.RequestEmailChange(ctx, c, "ada@new.example", "wrong")
			wantCode(t, err, models.CodeInvalidCredentials, "currentPassword")
			_, err = e.svc.RequestEmailChange(ctx, c, "nope", mailPassword)
			wantCode(t, err, models.CodeInvalidInput, "newEmail")
			_, err = e.svc.RequestEmailChange(ctx, c, "ADA@old.example", mailPassword)
			wantCode(t, err, models.CodeInvalidInput, "newEmail")
		})

		got, err := e.svc.RequestEmailChange(ctx, c, " Ada@New.example ", mailPassword)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "Ada@Old.example" {
			t.Errorf("address changed before confirmation: %s", got.Email)
		}
		token := e.tokenFrom(t, "Ada@New.example", subjectChangeConfirm,
			"confirm-email-change")
		e.mailTo(t, "Ada@Old.example", subjectChangeRequest)

		got, err = e.svc.ConfirmEmailChange(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "Ada@New.example" || got.EmailNormalized != "ada@new.example" ||
			!got.EmailVerified {
			t.Errorf("after confirmation: %+v", got)
		}
		e.mailTo(t, "Ada@Old.example", subjectEmailChanged)
		if _, err := e.svc.checkPassword(ctx, "ada@new.example", mailPassword); err != nil {
			t.Errorf("login with the new address: %v", err)
		}
		_, err = e.svc.checkPassword(ctx, "ada@old.example", mailPassword)
		wantCode(t, err, models.CodeInvalidCredentials)

		_, err = e.svc.ConfirmEmailChange(ctx, token)
		wantCode(t, err, models.CodeInvalidToken, "token")
	})
}

// Asking for an address that is taken gets the usual answer; the
// conflict shows only at confirmation, and the link works once the
// address is free again.
func TestEmailChangeToTakenAddress(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		ada := e.user(t, "ada@taken.example", true)
		bob := e.user(t, "bob@taken.example", true)
		c, _ := e.login(t, ada)

		got, err := e.svc.RequestEmailChange(ctx, c, "BOB@taken.example", mailPassword)
		if err != nil || got.ID != ada.ID {
			t.Fatalf("request: %+v, %v", got, err)
		}
		token := e.tokenFrom(t, "BOB@taken.example", subjectChangeConfirm,
			"confirm-email-change")
		_, err = e.svc.ConfirmEmailChange(ctx, token)
		wantCode(t, err, models.CodeEmailTaken)
		if e.reload(t, ada).Email != "ada@taken.example" {
			t.Fatal("address changed despite the conflict")
		}

		err = e.store.SetUserEmail(ctx, bob.ID, "bob@elsewhere.example",
			"bob@elsewhere.example", e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		got, err = e.svc.ConfirmEmailChange(ctx, token)
		if err != nil || got.EmailNormalized != "bob@taken.example" {
			t.Fatalf("after the address was freed: %+v, %v", got, err)
		}
	})
}

// A request and its confirmation leave the old address's links dead:
// they went to a mailbox the account no longer has.
func TestEmailChangeEndsOldLinks(t *testing.T) {
	forEachMailEnv(t, func(t *testing.T, e *mailEnv) {
		ctx := context.Background()
		u := e.user(t, "ada@links.example", false)
		c, _ := e.login(t, u)
		if _, err := e.svc.RequestEmailVerification(ctx, c); err != nil {
			t.Fatal(err)
		}
		verify := e.tokenFrom(t, u.Email, subjectVerify, "verify-email")
		if err := e.svc.RequestPasswordReset(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		reset := e.tokenFrom(t, u.Email, subjectReset, "reset-password")
		if _, err := e.svc.RequestEmailChange(ctx, c, "ada@links.example.org",
			mailPassword); err != nil {
			t.Fatal(err)
		}
		change := e.tokenFrom(t, "ada@links.example.org", subjectChangeConfirm,
			"confirm-email-change")
		e.clock.Advance(time.Minute)
		if _, err := e.svc.ConfirmEmailChange(ctx, change); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.VerifyEmail(ctx, verify)
		wantCode(t, err, models.CodeInvalidToken, "token")
		_, err = e.svc.ResetPassword(ctx, reset, newPassword, clientNone)
		wantCode(t, err, models.CodeInvalidToken, "token")
	})
}
