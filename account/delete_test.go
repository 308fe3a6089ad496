package account_test

import (
	"context"
	"errors"
	"testing"

	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
)

func TestDeleteUserScrubsAudit(t *testing.T) {
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		ctx := ctxFrom(adminClient)
		ada := e.admin(t, "ada@example.com")
		res := e.register(t, "bob@example.com")
		bob := res.User.ID
		e.login(t, "bob@example.com")
		_, err := e.svc.Login(ctxFrom(userClient), account.LoginInput{
			Email: "BOB@example.com", Password: "a wrong password, really"},
			userClient)
		if !errors.Is(err, models.ErrInvalidCredentials) {
			t.Fatal(err)
		}
		if _, err := e.svc.SetUserRole(ctx, ada, bob,
			models.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		var bobs []string
		for _, ev := range e.events(t, bob) {
			bobs = append(bobs, ev.ID)
		}
		adas := len(e.events(t, ada.User.ID))

		if err := e.svc.DeleteUser(ctx, ada, bob); err != nil {
			t.Fatal(err)
		}
		all := map[string]*models.AuditEvent{}
		for _, ev := range e.events(t, "") {
			all[ev.ID] = ev
		}
		for _, id := range bobs {
			ev := all[id]
			if ev == nil {
				t.Fatal("an event of the deleted user is gone")
			}
			if deref(ev.ActorID) == bob || deref(ev.TargetID) == bob ||
				ev.IPAddress != nil || ev.UserAgent != nil ||
				ev.EmailDigest != nil {
				t.Fatalf("%s keeps actor %q, target %q, ip %q, agent %q, "+
					"digest %q", ev.Type, deref(ev.ActorID),
					deref(ev.TargetID), deref(ev.IPAddress),
					deref(ev.UserAgent), deref(ev.EmailDigest))
			}
		}
		// Ada's own events, and the deletion she did, keep her address.
		own := e.events(t, ada.User.ID)
		if len(own) != adas+1 {
			t.Fatalf("ada has %d events; want %d", len(own), adas+1)
		}
		wantEvent(t, own[0], models.AuditUserDeleted, ada.User.ID, "",
			adminClient)

		if _, err := e.svc.Authenticate(ctx, res.AccessToken); !errors.Is(
			err, auth.ErrInvalidToken) {
			t.Fatalf("authenticate after delete: %v", err)
		}
		if _, err := e.svc.Refresh(ctx, res.RefreshToken); !errors.Is(err,
			models.ErrInvalidToken) {
			t.Fatalf("refresh after delete: %v", err)
		}
		again := e.register(t, "bob@example.com")
		if again.User.ID == bob || again.User.Role != models.RoleUser {
			t.Fatal("the address did not register as a new account")
		}
	})
}

func TestDeleteAccount(t *testing.T) {
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		ctx := ctxFrom(userClient)
		e.admin(t, "ada@example.com")
		res := e.register(t, "bob@example.com")
		bob := e.caller(t, res)

		err := e.svc.DeleteAccount(ctx, bob, "not my password, though long")
		wantUserError(t, err, models.CodeInvalidCredentials, "password")
		if _, err := e.svc.UserByID(ctx, bob.User.ID); err != nil {
			t.Fatalf("a refused deletion deleted: %v", err)
		}

		if err := e.svc.DeleteAccount(ctx, bob, testPassword); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.UserByID(ctx, bob.User.ID); !errors.Is(err,
			models.ErrNotFound) {
			t.Fatalf("user after delete: %v", err)
		}
		latest := e.events(t, "")[0]
		wantEvent(t, latest, models.AuditUserDeleted, "", "", auth.Client{})
		for _, ev := range e.events(t, "") {
			if ev.Type == models.AuditRegister && ev.ActorID == nil &&
				ev.IPAddress != nil {
				t.Fatal("the deleted user's registration keeps an address")
			}
		}
		_, err = e.svc.Login(context.Background(), account.LoginInput{
			Email: "bob@example.com", Password: testPassword}, userClient)
		if !errors.Is(err, models.ErrInvalidCredentials) {
			t.Fatalf("login after delete: %v", err)
		}
		e.register(t, "bob@example.com")
	})
}
