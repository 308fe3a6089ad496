package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
)

func TestAdminGuards(t *testing.T) {
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		ctx := ctxFrom(adminClient)
		ada := e.admin(t, "ada@example.com")
		bob := e.caller(t, e.register(t, "bob@example.com"))

		t.Run("a user is forbidden", func(t *testing.T) {
			_, err := e.svc.SetUserRole(ctx, bob, bob.User.ID,
				models.RoleAdmin)
			if !errors.Is(err, auth.ErrForbidden) {
				t.Fatalf("setUserRole: %v; want forbidden", err)
			}
			if _, err := e.svc.DisableUser(ctx, bob, ada.User.ID); !errors.Is(
				err, auth.ErrForbidden) {
				t.Fatalf("disableUser: %v; want forbidden", err)
			}
			if _, err := e.svc.EnableUser(ctx, bob, ada.User.ID); !errors.Is(
				err, auth.ErrForbidden) {
				t.Fatalf("enableUser: %v; want forbidden", err)
			}
			if err := e.svc.DeleteUser(ctx, bob, ada.User.ID); !errors.Is(
				err, auth.ErrForbidden) {
				t.Fatalf("deleteUser: %v; want forbidden", err)
			}
		})
		t.Run("unknown ids are not found", func(t *testing.T) {
			for _, id := range []string{uuid.NewString(), "nope", ""} {
				_, err := e.svc.DisableUser(ctx, ada, id)
				wantUserError(t, err, models.CodeNotFound, "id")
				_, err = e.svc.SetUserRole(ctx, ada, id, models.RoleUser)
				wantUserError(t, err, models.CodeNotFound, "id")
				_, err = e.svc.EnableUser(ctx, ada, id)
				wantUserError(t, err, models.CodeNotFound, "id")
				wantUserError(t, e.svc.DeleteUser(ctx, ada, id),
					models.CodeNotFound, "id")
				if _, err := e.svc.UserByID(ctx, id); !errors.Is(err,
					models.ErrNotFound) {
					t.Fatalf("userByID: %v; want NOT_FOUND", err)
				}
			}
		})
		t.Run("an unknown role is invalid", func(t *testing.T) {
			_, err := e.svc.SetUserRole(ctx, ada, bob.User.ID, "ROOT")
			wantUserError(t, err, models.CodeInvalidInput, "role")
		})
		t.Run("an admin cannot disable or delete themself", func(t *testing.T) {
			_, err := e.svc.DisableUser(ctx, ada, ada.User.ID)
			wantUserError(t, err, models.CodeSelfAction, "id")
			wantUserError(t, e.svc.DeleteUser(ctx, ada, ada.User.ID),
				models.CodeSelfAction, "id")
		})
		t.Run("the last admin cannot be demoted", func(t *testing.T) {
			_, err := e.svc.SetUserRole(ctx, ada, ada.User.ID,
				models.RoleUser)
			wantUserError(t, err, models.CodeLastAdmin, "id")
			err = e.svc.DeleteAccount(ctx, ada, testPassword)
			wantUserError(t, err, models.CodeLastAdmin)
		})
		t.Run("an admin may step down for another", func(t *testing.T) {
			u, err := e.svc.SetUserRole(ctx, ada, bob.User.ID,
				models.RoleAdmin)
			if err != nil || u.Role != models.RoleAdmin {
				t.Fatalf("promote: %v, %v", u, err)
			}
			u, err = e.svc.SetUserRole(ctx, ada, ada.User.ID, models.RoleUser)
			if err != nil || u.Role != models.RoleUser {
				t.Fatalf("step down: %v, %v", u, err)
			}
			// ada's caller still says ADMIN, as in a request that began
			// before she stepped down; the database has the last word.
			_, err = e.svc.DisableUser(ctx, ada, bob.User.ID)
			if !errors.Is(err, auth.ErrForbidden) {
				t.Fatalf("former admin: %v; want forbidden", err)
			}
			bobNow := e.caller(t, e.login(t, "bob@example.com"))
			_, err = e.svc.SetUserRole(ctx, bobNow, bob.User.ID,
				models.RoleUser)
			wantUserError(t, err, models.CodeLastAdmin, "id")
		})
	})
}

func TestDisableUserEndsSessions(t *testing.T) {
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		ctx := ctxFrom(adminClient)
		ada := e.admin(t, "ada@example.com")
		first := e.register(t, "bob@example.com")
		second := e.login(t, "bob@example.com")
		bobID := first.User.ID

		u, err := e.svc.DisableUser(ctx, ada, bobID)
		if err != nil || !u.Disabled {
			t.Fatalf("disable: %v, %v", u, err)
		}
		for _, res := range []*account.AuthResult{first, second} {
			_, err := e.svc.Authenticate(ctx, res.AccessToken)
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Fatalf("authenticate: %v; want invalid token", err)
			}
			_, err = e.svc.Refresh(ctx, res.RefreshToken)
			if !errors.Is(err, models.ErrInvalidToken) {
				t.Fatalf("refresh: %v; want INVALID_TOKEN", err)
			}
		}
		sessions, err := e.store.ActiveSessions(ctx, bobID, e.clock.Now())
		if err != nil || len(sessions) != 0 {
			t.Fatalf("active sessions %d, %v; want none", len(sessions), err)
		}
		_, err = e.svc.Login(ctx, account.LoginInput{
			Email: "bob@example.com", Password: testPassword}, userClient)
		if !errors.Is(err, models.ErrAccountDisabled) {
			t.Fatalf("login: %v; want ACCOUNT_DISABLED", err)
		}
		if _, err := e.svc.DisableUser(ctx, ada, bobID); err != nil {
			t.Fatalf("disabling again: %v", err)
		}

		u, err = e.svc.EnableUser(ctx, ada, bobID)
		if err != nil || u.Disabled {
			t.Fatalf("enable: %v, %v", u, err)
		}
		e.login(t, "bob@example.com")
		wantTypes(t, e.events(t, bobID), models.AuditLoginSuccess,
			models.AuditUserEnabled, models.AuditLoginFailure,
			models.AuditUserDisabled, models.AuditLoginSuccess,
			models.AuditRegister)
	})
}

// wantTypes fails unless events have the types, in order.
func wantTypes(t *testing.T, events []*models.AuditEvent,
	types ...models.AuditEventType) {
	t.Helper()
	got := make([]models.AuditEventType, len(events))
	for i, ev := range events {
		got[i] = ev.Type
	}
	if len(got) != len(types) {
		t.Fatalf("event types %v; want %v", got, types)
	}
	for i := range got {
		if got[i] != types[i] {
			t.Fatalf("event types %v; want %v", got, types)
		}
	}
}

// TestAdminsActOnEachOther has the only two administrators disable (or
// demote) each other at the same moment, many times: one may win, but
// an active administrator always remains.
func TestAdminsActOnEachOther(t *testing.T) {
	actions := map[string]func(s *account.Service, c *auth.Caller,
		id string) error{
		"disable": func(s *account.Service, c *auth.Caller, id string) error {
			_, err := s.DisableUser(ctxFrom(adminClient), c, id)
			return err
		},
		"demote": func(s *account.Service, c *auth.Caller, id string) error {
			_, err := s.SetUserRole(ctxFrom(adminClient), c, id,
				models.RoleUser)
			return err
		},
		"delete": func(s *account.Service, c *auth.Caller, id string) error {
			return s.DeleteUser(ctxFrom(adminClient), c, id)
		},
	}
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		for name, act := range actions {
			t.Run(name, func(t *testing.T) {
				for round := range 30 {
					a := e.admin(t, uuid.NewString()+"@example.com")
					b := e.admin(t, uuid.NewString()+"@example.com")
					wins := race(e, act, a, b)
					admins, err := e.store.ActiveAdmins(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if len(admins) != 1 || wins != 1 {
						t.Fatalf("round %d: %d active admins, %d wins; "+
							"want 1 and 1", round, len(admins), wins)
					}
					retire(t, e, admins[0].ID)
				}
			})
		}
	})
}

// race runs act by a on b and by b on a at once and returns how many
// succeeded; each failure must be a refusal, not an internal error.
func race(e *adminEnv, act func(*account.Service, *auth.Caller,
	string) error, a, b *auth.Caller) int {
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, pair := range [][2]*auth.Caller{{a, b}, {b, a}} {
		wg.Go(func() {
			<-start
			errs[i] = act(e.svc, pair[0], pair[1].User.ID)
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		_, refused := models.UserErrors(err)
		switch {
		case err == nil:
			wins++
		case errors.Is(err, auth.ErrForbidden) || refused:
		default:
			return -1
		}
	}
	return wins
}

// retire takes the administrator id out of the next round.
func retire(t *testing.T, e *adminEnv, id string) {
	t.Helper()
	err := e.store.SetUserRole(context.Background(), id, models.RoleUser,
		e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
}

func TestListUsersThroughService(t *testing.T) {
	forEachAdminEnv(t, func(t *testing.T, e *adminEnv) {
		ctx := context.Background()
		e.register(t, "ada@example.com")
		bob := e.register(t, "bob@example.com")
		e.login(t, "bob@example.com")
		p, err := e.svc.ListUsers(ctx, account.UserQuery{First: 10,
			Order: account.UserOrder{Field: "LAST_LOGIN_AT",
				Direction: "DESC"}})
		if err != nil {
			t.Fatal(err)
		}
		if p.TotalCount != 2 || p.Nodes[0].ID != bob.User.ID ||
			p.Nodes[0].LastLoginAt == nil || p.Nodes[1].LastLoginAt != nil {
			t.Fatalf("page %+v; want bob (logged in) first", p)
		}
		long := make([]byte, 255)
		for i := range long {
			long[i] = 'a'
		}
		_, err = e.svc.ListUsers(ctx, account.UserQuery{First: 10,
			Filter: account.UserFilter{Query: string(long)}})
		wantUserError(t, err, models.CodeInvalidInput, "filter", "query")
		_, err = e.svc.ListUsers(ctx, account.UserQuery{First: 10,
			After: "garbage"})
		wantUserError(t, err, models.CodeInvalidInput, "after")
		users, err := e.svc.UsersByIDs(ctx, []string{bob.User.ID, "x"})
		if err != nil || users[0].ID != bob.User.ID || users[1] != nil {
			t.Fatalf("usersByIDs: %v, %v", users, err)
		}
	})
}
