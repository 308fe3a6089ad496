package account_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
)

// wantEvent fails unless ev has typ, actor and target (ids, empty for
// none), and came from client.
func wantEvent(t *testing.T, ev *models.AuditEvent, typ models.AuditEventType,
	actor, target string, client auth.Client) {
	t.Helper()
	if ev.Type != typ || deref(ev.ActorID) != actor ||
		deref(ev.TargetID) != target {
		t.Fatalf("event %s by %q on %q; want %s by %q on %q", ev.Type,
			deref(ev.ActorID), deref(ev.TargetID), typ, actor, target)
	}
	if deref(ev.IPAddress) != client.IP ||
		deref(ev.UserAgent) != client.UserAgent {
		t.Fatalf("%s from %q, %q; want %q, %q", typ, deref(ev.IPAddress),
			deref(ev.UserAgent), client.IP, client.UserAgent)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestAuditEventPerAction(t *testing.T) {
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		uctx, actx := ctxFrom(userClient), ctxFrom(adminClient)
		ada := e.admin(t, "ada@example.com")
		res := e.register(t, "bob@example.com")
		bob := res.User.ID
		latest := func() *models.AuditEvent {
			t.Helper()
			return e.events(t, "")[0]
		}
		wantEvent(t, latest(), models.AuditRegister, bob, bob, userClient)

		second := e.login(t, "bob@example.com")
		wantEvent(t, latest(), models.AuditLoginSuccess, bob, bob,
			userClient)

		_, err := e.svc.Login(uctx, account.LoginInput{
			Email: "bob@example.com", Password: "wrong password, long enough"},
			userClient)
		if !errors.Is(err, models.ErrInvalidCredentials) {
			t.Fatalf("login: %v", err)
		}
		wantEvent(t, latest(), models.AuditLoginFailure, "", bob, userClient)

		caller := e.caller(t, second)
		third := e.login(t, "bob@example.com")
		ok, err := e.svc.RevokeSession(uctx, caller, third.Session.ID)
		if err != nil || !ok {
			t.Fatalf("revoke session: %v, %v", ok, err)
		}
		wantEvent(t, latest(), models.AuditSessionRevoked, bob, bob,
			userClient)

		if err := e.svc.Logout(uctx, caller); err != nil {
			t.Fatal(err)
		}
		wantEvent(t, latest(), models.AuditLogout, bob, bob, userClient)
		before := len(e.events(t, ""))
		if err := e.svc.Logout(uctx, caller); err != nil {
			t.Fatal(err)
		}
		if len(e.events(t, "")) != before {
			t.Fatal("a logout that ended nothing was recorded")
		}

		fourth := e.login(t, "bob@example.com")
		if n, err := e.svc.LogoutAll(uctx, e.caller(t, fourth),
			false); err != nil || n < 1 {
			t.Fatalf("logout all: %d, %v", n, err)
		}
		wantEvent(t, latest(), models.AuditLogout, bob, bob, userClient)

		fifth := e.login(t, "bob@example.com")
		if _, err := e.svc.Refresh(uctx, fifth.RefreshToken); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		_, err = e.svc.Refresh(uctx, fifth.RefreshToken)
		if !errors.Is(err, models.ErrInvalidToken) {
			t.Fatalf("reuse: %v; want INVALID_TOKEN", err)
		}
		wantEvent(t, latest(), models.AuditRefreshTokenReuse, "", bob,
			userClient)

		sixth := e.login(t, "bob@example.com")
		if ok, err := e.svc.LogoutRefresh(uctx, sixth.RefreshToken); !ok ||
			err != nil {
			t.Fatalf("logout by refresh token: %v, %v", ok, err)
		}
		wantEvent(t, latest(), models.AuditLogout, bob, bob, userClient)

		_, err = e.svc.ChangePassword(uctx, e.caller(t, e.login(t,
			"bob@example.com")), account.ChangePasswordInput{
			CurrentPassword: testPassword,
			NewPassword:     testPassword + " again"})
		if err != nil {
			t.Fatal(err)
		}
		wantEvent(t, latest(), models.AuditPasswordChange, bob, bob,
			userClient)

		admin := ada.User.ID
		if _, err := e.svc.SetUserRole(actx, ada, bob,
			models.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		wantEvent(t, latest(), models.AuditRoleChange, admin, bob,
			adminClient)
		if _, err := e.svc.DisableUser(actx, ada, bob); err != nil {
			t.Fatal(err)
		}
		wantEvent(t, latest(), models.AuditUserDisabled, admin, bob,
			adminClient)
		if _, err := e.svc.EnableUser(actx, ada, bob); err != nil {
			t.Fatal(err)
		}
		wantEvent(t, latest(), models.AuditUserEnabled, admin, bob,
			adminClient)
		if err := e.svc.DeleteUser(actx, ada, bob); err != nil {
			t.Fatal(err)
		}
		wantEvent(t, latest(), models.AuditUserDeleted, admin, "",
			adminClient)
	})
}

func TestLoginFailureDigest(t *testing.T) {
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		ctx := ctxFrom(userClient)
		e.register(t, "known@example.com")
		fail := func(email string) *models.AuditEvent {
			t.Helper()
			_, err := e.svc.Login(ctx, account.LoginInput{Email: email,
				Password: "not the password at all"}, userClient)
			if !errors.Is(err, models.ErrInvalidCredentials) {
				t.Fatalf("login %s: %v", email, err)
			}
			ev := e.events(t, "")[0]
			if ev.Type != models.AuditLoginFailure || ev.EmailDigest == nil {
				t.Fatalf("latest event %s, digest %v", ev.Type,
					ev.EmailDigest)
			}
			return ev
		}
		known1 := fail("known@example.com")
		known2 := fail("  KNOWN@Example.com ")
		unknown1 := fail("nobody@example.com")
		unknown2 := fail("Nobody@example.com")
		other := fail("somebody@example.com")

		if *known1.EmailDigest != *known2.EmailDigest ||
			*unknown1.EmailDigest != *unknown2.EmailDigest {
			t.Fatal("one address gives different digests")
		}
		if *known1.EmailDigest == *unknown1.EmailDigest ||
			*unknown1.EmailDigest == *other.EmailDigest {
			t.Fatal("different addresses give one digest")
		}
		if unknown1.TargetID != nil || known1.TargetID == nil {
			t.Fatal("the target of a failed login is wrong")
		}
		for _, email := range []string{"known@example.com",
			"nobody@example.com"} {
			plain := sha256.Sum256([]byte(email))
			for _, ev := range e.events(t, "") {
				d := deref(ev.EmailDigest)
				if strings.Contains(d, "example") ||
					d == hex.EncodeToString(plain[:]) {
					t.Fatalf("digest %q reveals the address", d)
				}
			}
		}
	})
}

func TestSecurityEvents(t *testing.T) {
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		ctx := context.Background()
		ada := e.admin(t, "ada@example.com")
		bob := e.caller(t, e.register(t, "bob@example.com"))
		cy := e.caller(t, e.register(t, "cy@example.com"))

		for _, c := range []*auth.Caller{bob, ada} {
			p, err := e.svc.SecurityEvents(ctx, c, bob.User.ID, 10, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Nodes) != 1 || p.Nodes[0].Type != models.AuditRegister {
				t.Fatalf("events %v; want bob's registration", p.Nodes)
			}
		}
		_, err := e.svc.SecurityEvents(ctx, cy, bob.User.ID, 10, "")
		if !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("another user: %v; want forbidden", err)
		}
		_, err = e.svc.SecurityEvents(ctx, bob, bob.User.ID, 0, "")
		wantUserError(t, err, models.CodeInvalidInput, "first")
	})
}

func TestPurgeAuditEvents(t *testing.T) {
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		ctx := context.Background()
		e.register(t, "old@example.com")
		e.clock.Advance(account.DefaultAuditRetention)
		cutoff := e.clock.Now()
		e.clock.Advance(time.Hour)
		e.register(t, "new@example.com")

		n, err := e.svc.PurgeAuditEvents(ctx, cutoff)
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want 1", n, err)
		}
		left := e.events(t, "")
		if len(left) != 1 || left[0].CreatedAt.Before(cutoff) {
			t.Fatalf("left %v; want the new registration", left)
		}
	})
}
