package account

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// The user list's query types, from the store.
type (
	UserQuery      = store.UserQuery
	UserFilter     = store.UserFilter
	UserOrder      = store.UserOrder
	UserOrderField = store.UserOrderField
	OrderDirection = store.OrderDirection
)

// maxQueryLen bounds the search text of the user list, in characters.
const maxQueryLen = 254

// ListUsers returns one page of the users that match q, for an
// administrator (the API layer checks the role). q.First must be 1 to
// 100. Errors are INVALID_INPUT *models.Error values at "first",
// "after" (a malformed cursor, or one from another order), "orderBy" or
// "filter.query".
func (s *Service) ListUsers(ctx context.Context,
	q UserQuery) (*Page[*models.User], error) {
	if n := utf8.RuneCountInString(strings.TrimSpace(q.Filter.Query)); n > maxQueryLen {
		return nil, models.Invalid("The search text is too long.",
			"filter", "query")
	}
	if q.Filter.Role != nil && !q.Filter.Role.Valid() {
		return nil, models.Invalid("Unknown role.", "filter", "role")
	}
	return s.store.ListUsers(ctx, q)
}

// UserByID returns the user with id, for an administrator, or
// models.ErrNotFound.
func (s *Service) UserByID(ctx context.Context,
	id string) (*models.User, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, models.ErrNotFound
	}
	return s.store.UserByID(ctx, id)
}

// UsersByIDs returns the users with ids, in the order of ids, with nil
// for an id no user has: the batch function of a dataloader.
func (s *Service) UsersByIDs(ctx context.Context,
	ids []string) ([]*models.User, error) {
	return s.store.UsersByIDs(ctx, ids)
}

// SetUserRole gives the user id the role, and returns the user. c must
// be an active administrator (auth.ErrForbidden otherwise). Errors: an
// unknown role is INVALID_INPUT at "role"; an unknown id NOT_FOUND at
// "id"; demoting the last active administrator LAST_ADMIN at "id". An
// administrator may demote themself while another remains.
func (s *Service) SetUserRole(ctx context.Context, c *auth.Caller, id string,
	role models.Role) (*models.User, error) {
	if !role.Valid() {
		return nil, models.Invalid("Unknown role.", "role")
	}
	return s.adminChange(ctx, c, id, s.roleChange(ctx, actorOf(c), role))
}

// DisableUser disables the user id and ends all their sessions at once:
// their access tokens fail on the next request, and they can neither
// log in (ACCOUNT_DISABLED) nor refresh. It returns the user. c must be
// an active administrator (auth.ErrForbidden otherwise). Errors: an
// unknown id is NOT_FOUND at "id"; the caller's own id SELF_ACTION at
// "id"; the last active administrator LAST_ADMIN at "id". Disabling a
// disabled user changes nothing.
func (s *Service) DisableUser(ctx context.Context, c *auth.Caller,
	id string) (*models.User, error) {
	return s.adminChange(ctx, c, id, s.disabledChange(ctx, actorOf(c), true))
}

// EnableUser lets a disabled user id log in again, and returns the user.
// c must be an active administrator (auth.ErrForbidden otherwise). An
// unknown id is NOT_FOUND at "id". Enabling an enabled user changes
// nothing.
func (s *Service) EnableUser(ctx context.Context, c *auth.Caller,
	id string) (*models.User, error) {
	return s.adminChange(ctx, c, id, s.disabledChange(ctx, actorOf(c), false))
}

// change is one change of a user, run by lockedChange with the user and
// the active administrators locked.
type change func(tx *store.Store, u *models.User, admins []*models.User) error

// roleChange gives the user role on behalf of actorID (empty for the
// operator), keeping at least one active administrator.
func (s *Service) roleChange(ctx context.Context, actorID string,
	role models.Role) change {
	return func(tx *store.Store, u *models.User, admins []*models.User) error {
		if u.Role == role {
			return nil
		}
		if role != models.RoleAdmin && lastAdmin(admins, u) {
			return models.ErrLastAdmin.At("id")
		}
		now := s.clock()
		if err := tx.SetUserRole(ctx, u.ID, role, now); err != nil {
			return err
		}
		u.Role, u.UpdatedAt = role, now
		return s.audit(ctx, tx, auditEntry{Type: models.AuditRoleChange,
			Actor: actorID, Target: u.ID})
	}
}

// disabledChange disables (ending every session) or enables the user on
// behalf of actorID (empty for the operator). Nobody disables themself,
// and at least one active administrator remains.
func (s *Service) disabledChange(ctx context.Context, actorID string,
	disabled bool) change {
	return func(tx *store.Store, u *models.User, admins []*models.User) error {
		switch {
		case u.Disabled == disabled:
			return nil
		case disabled && u.ID == actorID:
			return models.ErrSelfAction.At("id")
		case disabled && lastAdmin(admins, u):
			return models.ErrLastAdmin.At("id")
		}
		now := s.clock()
		if err := tx.SetUserDisabled(ctx, u.ID, disabled, now); err != nil {
			return err
		}
		u.Disabled, u.UpdatedAt = disabled, now
		event := models.AuditUserEnabled
		if disabled {
			event = models.AuditUserDisabled
			if _, err := tx.RevokeSessions(ctx, u.ID, "", now); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, auditEntry{Type: event, Actor: actorID,
			Target: u.ID})
	}
}

// actorOf is the id of an authenticated caller, or empty.
func actorOf(c *auth.Caller) string {
	if c == nil || c.User == nil {
		return ""
	}
	return c.User.ID
}

// DeleteUser deletes the account id with everything that belongs to it
// (see deleteUser). c must be an active administrator (auth.ErrForbidden
// otherwise). Errors: an unknown id is NOT_FOUND at "id"; the caller's
// own id SELF_ACTION at "id" (see DeleteAccount); the last active
// administrator LAST_ADMIN at "id".
func (s *Service) DeleteUser(ctx context.Context, c *auth.Caller,
	id string) error {
	_, err := s.adminChange(ctx, c, id, func(tx *store.Store, u *models.User,
		admins []*models.User) error {
		switch {
		case u.ID == c.User.ID:
			return models.ErrSelfAction.At("id")
		case lastAdmin(admins, u):
			return models.ErrLastAdmin.At("id")
		}
		return s.deleteUser(ctx, tx, u, c.User.ID)
	})
	return err
}

// adminChange runs change on the user id in one transaction, after
// locking the active administrators (see store.ActiveAdmins) and
// checking that c is still one of them: an administrator disabled or
// demoted a moment ago acts no more. change gets the locked list, so the
// last-administrator guard reads what no concurrent change can alter
// before the transaction ends. It returns the user as change left it.
func (s *Service) adminChange(ctx context.Context, c *auth.Caller, id string,
	change change) (*models.User, error) {
	if !isAdmin(c) {
		return nil, auth.ErrForbidden
	}
	return s.lockedChange(ctx, c.User.ID, id, change)
}

// lockedChange is adminChange for an actor id, or for the operator (the
// command line) when actorID is empty: the operator need not be an
// administrator, but the same locks and guards apply.
func (s *Service) lockedChange(ctx context.Context, actorID, id string,
	change change) (*models.User, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, models.ErrNotFound.At("id")
	}
	var user *models.User
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		admins, err := tx.ActiveAdmins(ctx)
		if err != nil {
			return err
		}
		if actorID != "" && !slices.ContainsFunc(admins, sameUser(actorID)) {
			return auth.ErrForbidden
		}
		user, err = tx.UserForUpdate(ctx, id)
		if errors.Is(err, models.ErrNotFound) {
			return models.ErrNotFound.At("id")
		}
		if err != nil {
			return err
		}
		return change(tx, user, admins)
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// isAdmin reports whether c is an authenticated administrator.
func isAdmin(c *auth.Caller) bool {
	return c != nil && c.User != nil && c.User.Role == models.RoleAdmin
}

// lastAdmin reports whether u is the only one of the active admins, so
// that demoting, disabling or deleting u would leave none.
func lastAdmin(admins []*models.User, u *models.User) bool {
	return len(admins) == 1 && admins[0].ID == u.ID
}

// sameUser matches the user with id.
func sameUser(id string) func(*models.User) bool {
	return func(u *models.User) bool { return u.ID == id }
}
