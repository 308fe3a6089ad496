package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/usergraph/usergraph/models"
)

// UserOrderField is what the user list is sorted by. The values match
// the GraphQL enum UserOrderField.
type UserOrderField string

// The sort keys of the user list.
const (
	UserOrderCreatedAt UserOrderField = "CREATED_AT"
	// UserOrderEmail sorts by the normalized address, so letter case
	// does not matter, in the column's collation: byte order on SQLite,
	// the database's collation on PostgreSQL (byte order under C and
	// C.UTF-8).
	UserOrderEmail UserOrderField = "EMAIL"
	// UserOrderLastLoginAt puts users who never logged in last, in
	// either direction, on every database.
	UserOrderLastLoginAt UserOrderField = "LAST_LOGIN_AT"
)

// OrderDirection is ascending or descending. The values match the
// GraphQL enum OrderDirection.
type OrderDirection string

// The sort directions.
const (
	Asc  OrderDirection = "ASC"
	Desc OrderDirection = "DESC"
)

// UserOrder sorts the user list. The zero value means CREATED_AT, ASC;
// ties are broken by id in the same direction.
type UserOrder struct {
	Field     UserOrderField
	Direction OrderDirection
}

// UserFilter narrows the user list; zero fields do not filter.
type UserFilter struct {
	// Query matches a part of the email or the display name, ignoring
	// letter case as the database folds it (SQLite folds ASCII letters
	// only). LIKE wildcards in it match themselves.
	Query         string
	Role          *models.Role
	Disabled      *bool
	EmailVerified *bool
}

// UserQuery asks for one page of the user list.
type UserQuery struct {
	// First is the page size, 1 to MaxPageSize.
	First int
	// After is the cursor of the row the page starts after; empty for
	// the first page.
	After  string
	Filter UserFilter
	Order  UserOrder
}

// userCursor is a row's position in one order of the user list. Key is
// the sort key (an RFC 3339 time, or the normalized email); nil stands
// for a NULL last_login_at.
type userCursor struct {
	Field UserOrderField `json:"f"`
	Dir   OrderDirection `json:"d"`
	Key   *string        `json:"k"`
	ID    string         `json:"i"`
}

// ListUsers returns one page of the users that match q.Filter in
// q.Order, with the filtered total. Cursors are keyset positions, so
// paging stays exact while users are added. It returns an INVALID_INPUT
// *models.Error at "first" for a page size out of bounds, at "after" for
// a cursor it did not make (or made for another order), and at "orderBy"
// for an unknown order.
func (s *Store) ListUsers(ctx context.Context,
	q UserQuery) (*Page[*models.User], error) {
	order, err := q.Order.normalize()
	if err != nil {
		return nil, err
	}
	if q.First < 1 || q.First > MaxPageSize {
		return nil, models.Invalid(fmt.Sprintf(
			"Ask for 1 to %d users at a time.", MaxPageSize), "first")
	}
	if !validText(q.Filter.Query) {
		return nil, models.Invalid("The search text is not valid.",
			"filter", "query")
	}
	var after *userCursor
	if q.After != "" {
		if after, err = parseUserCursor(q.After, order); err != nil {
			return nil, err
		}
	}
	total, err := s.idb.NewSelect().
		Model((*models.User)(nil)).
		Apply(q.Filter.apply).
		Count(ctx)
	if err != nil {
		return nil, fmt.Errorf("count users: %w", mapError(err))
	}
	users, err := s.usersAfter(ctx, q.Filter, order, after, q.First+1)
	if err != nil {
		return nil, err
	}
	return newPage(users, q.First, after != nil, int(total),
		order.cursor), nil
}

// UsersByIDs returns the users with ids in the order of ids, with nil
// where no user has the id (a dataloader's batch function). Ids that are
// not UUIDs match nothing.
func (s *Store) UsersByIDs(ctx context.Context,
	ids []string) ([]*models.User, error) {
	var valid []string
	for _, id := range ids {
		if _, err := uuid.Parse(id); err == nil {
			valid = append(valid, id)
		}
	}
	out := make([]*models.User, len(ids))
	if len(valid) == 0 {
		return out, nil
	}
	var users []*models.User
	err := s.idb.NewSelect().
		Model(&users).
		Where("id IN (?)", bun.List(valid)).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select users: %w", mapError(err))
	}
	byID := make(map[string]*models.User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

func (o UserOrder) normalize() (UserOrder, error) {
	if o.Field == "" {
		o.Field = UserOrderCreatedAt
	}
	if o.Direction == "" {
		o.Direction = Asc
	}
	switch {
	case o.Field != UserOrderCreatedAt && o.Field != UserOrderEmail &&
		o.Field != UserOrderLastLoginAt:
		return o, models.Invalid("Unknown sort field.", "orderBy", "field")
	case o.Direction != Asc && o.Direction != Desc:
		return o, models.Invalid("Unknown sort direction.", "orderBy",
			"direction")
	}
	return o, nil
}

// column is the sort key's column; only the constants above reach it.
func (o UserOrder) column() string {
	switch o.Field {
	case UserOrderEmail:
		return "email_normalized"
	case UserOrderLastLoginAt:
		return "last_login_at"
	}
	return "created_at"
}

// cursor returns u's position in o.
func (o UserOrder) cursor(u *models.User) string {
	c := userCursor{Field: o.Field, Dir: o.Direction, ID: u.ID}
	var key string
	switch o.Field {
	case UserOrderEmail:
		key = u.EmailNormalized
	case UserOrderLastLoginAt:
		if u.LastLoginAt == nil {
			return encodeCursor(c)
		}
		key = u.LastLoginAt.UTC().Format(time.RFC3339Nano)
	default:
		key = u.CreatedAt.UTC().Format(time.RFC3339Nano)
	}
	c.Key = &key
	return encodeCursor(c)
}

// parseUserCursor decodes and checks a cursor for order o.
func parseUserCursor(s string, o UserOrder) (*userCursor, error) {
	bad := models.Invalid("The cursor is not valid for this list.",
		"after")
	var c userCursor
	if err := decodeCursor(s, &c); err != nil {
		return nil, bad
	}
	if c.Field != o.Field || c.Dir != o.Direction {
		return nil, bad
	}
	if _, err := uuid.Parse(c.ID); err != nil {
		return nil, bad
	}
	switch {
	case c.Key == nil:
		if o.Field != UserOrderLastLoginAt {
			return nil, bad
		}
	case o.Field == UserOrderEmail:
		if !validText(*c.Key) {
			return nil, bad
		}
	default:
		if _, err := time.Parse(time.RFC3339Nano, *c.Key); err != nil {
			return nil, bad
		}
	}
	return &c, nil
}

// usersAfter selects up to limit users that match f, after the cursor
// (nil for the start) in order o. In the LAST_LOGIN_AT order, users who
// never logged in come after all others whatever the direction, the
// same on every database: the order is read as two ranges, each along
// an index, first the users with a last login by (last_login_at, id),
// then those without by id alone.
func (s *Store) usersAfter(ctx context.Context, f UserFilter, o UserOrder,
	after *userCursor, limit int) ([]*models.User, error) {
	op, dir, col := ">", string(o.Direction), o.column()
	if o.Direction == Desc {
		op = "<"
	}
	nullable := o.Field == UserOrderLastLoginAt
	var users []*models.User
	if after == nil || after.Key != nil {
		q := s.idb.NewSelect().
			Model(&users).
			Apply(f.apply)
		if nullable {
			q = q.Where("last_login_at IS NOT NULL")
		}
		if after != nil {
			q = q.Where("("+col+", id) "+op+" (?, ?)", after.key(), after.ID)
		}
		err := q.
			OrderExpr(col + " " + dir + ", id " + dir).
			Limit(int64(limit)).
			Scan(ctx)
		if err != nil {
			return nil, fmt.Errorf("select users: %w", mapError(err))
		}
	}
	if !nullable || len(users) >= limit {
		return users, nil
	}
	var never []*models.User
	q := s.idb.NewSelect().
		Model(&never).
		Apply(f.apply).
		Where("last_login_at IS NULL")
	if after != nil && after.Key == nil {
		q = q.Where("id "+op+" ?", after.ID)
	}
	err := q.
		OrderExpr("id " + dir).
		Limit(int64(limit - len(users))).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select users: %w", mapError(err))
	}
	return append(users, never...), nil
}

// key is the cursor's sort key as a query argument: a time for the time
// orders, so that each database compares it as it stores times.
func (c *userCursor) key() any {
	if c.Field == UserOrderEmail {
		return *c.Key
	}
	t, _ := time.Parse(time.RFC3339Nano, *c.Key)
	return t.UTC()
}

// apply adds f's conditions to q.
func (f UserFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if text := strings.TrimSpace(f.Query); text != "" {
		pattern := "%" + escapeLike(text) + "%"
		q = q.Where("(LOWER(email) LIKE LOWER(?) ESCAPE '\\' OR "+
			"LOWER(display_name) LIKE LOWER(?) ESCAPE '\\')",
			pattern, pattern)
	}
	if f.Role != nil {
		q = q.Where("role = ?", *f.Role)
	}
	if f.Disabled != nil {
		q = q.Where("disabled = ?", *f.Disabled)
	}
	if f.EmailVerified != nil {
		q = q.Where("email_verified = ?", *f.EmailVerified)
	}
	return q
}

// escapeLike makes the LIKE wildcards % and _, and the escape character
// itself, match literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// validText reports whether s can be bound in a query on both databases:
// valid UTF-8 without NUL, which PostgreSQL text cannot hold.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
