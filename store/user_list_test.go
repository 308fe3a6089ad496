package store_test

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// listBase is the time the listing fixtures are spread around.
var listBase = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// listedUser returns a user with the given sort keys. Times fall on a
// few hundred distinct values, so that many users share a sort key and
// the id decides between them.
func listedUser(rng *rand.Rand, email string) *models.User {
	u := newUser(email)
	u.CreatedAt = listBase.Add(time.Duration(rng.IntN(400)) * time.Second)
	if rng.IntN(2) == 0 {
		u.CreatedAt = u.CreatedAt.Add(time.Duration(rng.IntN(3)) *
			time.Microsecond)
	}
	u.UpdatedAt = u.CreatedAt
	if rng.IntN(3) > 0 {
		at := listBase.Add(time.Duration(rng.IntN(300)) * time.Minute)
		u.LastLoginAt = &at
	}
	return u
}

// seedUsers inserts n users in one transaction and returns them.
func seedUsers(t *testing.T, s *store.Store, rng *rand.Rand,
	n int) []*models.User {
	t.Helper()
	users := make([]*models.User, n)
	err := s.Tx(context.Background(), func(tx *store.Store) error {
		for i := range users {
			users[i] = listedUser(rng, fmt.Sprintf("user%05d@example.com", i))
			if err := tx.CreateUser(context.Background(), users[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed users: %v", err)
	}
	return users
}

// expectedOrder sorts users as ListUsers must: by the key, then id, in
// the direction; users who never logged in last, by id in the direction.
func expectedOrder(users []*models.User, o store.UserOrder) []string {
	sorted := slices.Clone(users)
	slices.SortFunc(sorted, func(a, b *models.User) int {
		if o.Field == store.UserOrderLastLoginAt &&
			(a.LastLoginAt == nil) != (b.LastLoginAt == nil) {
			if a.LastLoginAt == nil {
				return 1
			}
			return -1
		}
		c := 0
		switch o.Field {
		case store.UserOrderEmail:
			c = strings.Compare(a.EmailNormalized, b.EmailNormalized)
		case store.UserOrderLastLoginAt:
			if a.LastLoginAt != nil {
				c = a.LastLoginAt.Compare(*b.LastLoginAt)
			}
		default:
			c = a.CreatedAt.Compare(b.CreatedAt)
		}
		c = cmp.Or(c, strings.Compare(a.ID, b.ID))
		if o.Direction == store.Desc {
			return -c
		}
		return c
	})
	ids := make([]string, len(sorted))
	for i, u := range sorted {
		ids[i] = u.ID
	}
	return ids
}

func allOrders() []store.UserOrder {
	var out []store.UserOrder
	for _, f := range []store.UserOrderField{store.UserOrderCreatedAt,
		store.UserOrderEmail, store.UserOrderLastLoginAt} {
		for _, d := range []store.OrderDirection{store.Asc, store.Desc} {
			out = append(out, store.UserOrder{Field: f, Direction: d})
		}
	}
	return out
}

func TestListUsersPaging(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(1, 2))
		users := seedUsers(t, s, rng, 2000)
		original := make(map[string]bool, len(users))
		for _, u := range users {
			original[u.ID] = true
		}
		added := 0
		for _, o := range allOrders() {
			t.Run(string(o.Field)+"_"+string(o.Direction), func(t *testing.T) {
				seen := map[string]int{}
				var got []string
				q := store.UserQuery{First: 97, Order: o}
				for pages := 0; ; pages++ {
					if pages > 100 {
						t.Fatal("paging does not end")
					}
					p, err := s.ListUsers(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					checkPage(t, p, q.After != "")
					for _, u := range p.Nodes {
						seen[u.ID]++
						if original[u.ID] {
							got = append(got, u.ID)
						}
					}
					// Users keep arriving, before and after the cursor.
					for range 3 {
						added++
						mustInsertUser(t, s, listedUser(rng,
							fmt.Sprintf("new%05d@example.org", added)))
					}
					if !p.HasNextPage {
						break
					}
					q.After = p.EndCursor
				}
				for id, n := range seen {
					if n != 1 {
						t.Fatalf("user %s seen %d times", id, n)
					}
				}
				if want := expectedOrder(users, o); !slices.Equal(got, want) {
					t.Fatalf("order of the %d original users differs "+
						"(got %d of them)", len(want), len(got))
				}
			})
		}
	})
}

// checkPage checks a page's cursors and page info against its rows.
func checkPage(t *testing.T, p *store.Page[*models.User], after bool) {
	t.Helper()
	if len(p.Cursors) != len(p.Nodes) {
		t.Fatalf("%d cursors for %d users", len(p.Cursors), len(p.Nodes))
	}
	if p.HasPreviousPage != after {
		t.Fatalf("hasPreviousPage = %v; want %v", p.HasPreviousPage, after)
	}
	if len(p.Nodes) == 0 {
		if p.StartCursor != "" || p.EndCursor != "" || p.HasNextPage {
			t.Fatalf("empty page with cursors or a next page: %+v", p)
		}
		return
	}
	if p.StartCursor != p.Cursors[0] ||
		p.EndCursor != p.Cursors[len(p.Cursors)-1] {
		t.Fatal("start and end cursors are not the rows' cursors")
	}
}

func mustInsertUser(t *testing.T, s *store.Store, u *models.User) {
	t.Helper()
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user: %v", err)
	}
}

func TestListUsersNullsLast(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 4))
		users := seedUsers(t, s, rng, 30)
		for _, d := range []store.OrderDirection{store.Asc, store.Desc} {
			o := store.UserOrder{Field: store.UserOrderLastLoginAt,
				Direction: d}
			var ids []string
			var nulls []bool
			q := store.UserQuery{First: 4, Order: o}
			for {
				p, err := s.ListUsers(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range p.Nodes {
					ids = append(ids, u.ID)
					nulls = append(nulls, u.LastLoginAt == nil)
				}
				if !p.HasNextPage {
					break
				}
				q.After = p.EndCursor
			}
			if !slices.IsSorted(boolsAsInts(nulls)) {
				t.Fatalf("%s: a user who never logged in comes before one "+
					"who did: %v", d, nulls)
			}
			if !slices.Equal(ids, expectedOrder(users, o)) {
				t.Fatalf("%s: order differs from the portable one", d)
			}
		}
	})
}

func boolsAsInts(bs []bool) []int {
	out := make([]int, len(bs))
	for i, b := range bs {
		if b {
			out[i] = 1
		}
	}
	return out
}

func TestListUsersFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		named := func(email, name string, edit func(*models.User)) string {
			u := newUser(email)
			if name != "" {
				u.DisplayName = &name
			}
			if edit != nil {
				edit(u)
			}
			mustInsertUser(t, s, u)
			return u.ID
		}
		ada := named("ada@example.com", "Ada Lovelace", func(u *models.User) {
			u.Role = models.RoleAdmin
			u.EmailVerified = true
		})
		grace := named("grace@example.com", "Grace HOPPER", func(u *models.User) {
			u.EmailVerified = true
		})
		under := named("a_b@example.com", "", nil)
		plain := named("axb@example.com", "100% sure", func(u *models.User) {
			u.Disabled = true
		})
		slash := named("slash@example.com", `back\slash`, nil)

		admin, user := models.RoleAdmin, models.RoleUser
		yes, no := true, false
		tests := []struct {
			name   string
			filter store.UserFilter
			want   []string
		}{
			{"none", store.UserFilter{},
				[]string{ada, grace, under, plain, slash}},
			{"email ignores case", store.UserFilter{Query: "ADA@"},
				[]string{ada}},
			{"display name ignores case", store.UserFilter{Query: "hopper"},
				[]string{grace}},
			{"blank query", store.UserFilter{Query: "  "},
				[]string{ada, grace, under, plain, slash}},
			{"underscore is literal", store.UserFilter{Query: "a_b"},
				[]string{under}},
			{"percent is literal", store.UserFilter{Query: "0%"},
				[]string{plain}},
			{"backslash is literal", store.UserFilter{Query: `\`},
				[]string{slash}},
			{"role admin", store.UserFilter{Role: &admin}, []string{ada}},
			{"role user", store.UserFilter{Role: &user},
				[]string{grace, under, plain, slash}},
			{"disabled", store.UserFilter{Disabled: &yes}, []string{plain}},
			{"enabled", store.UserFilter{Disabled: &no},
				[]string{ada, grace, under, slash}},
			{"verified", store.UserFilter{EmailVerified: &yes},
				[]string{ada, grace}},
			{"unverified", store.UserFilter{EmailVerified: &no},
				[]string{under, plain, slash}},
			{"combined", store.UserFilter{Query: "example",
				EmailVerified: &yes, Role: &user}, []string{grace}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := listAll(t, s, store.UserQuery{First: 2,
					Filter: tt.filter})
				if !slices.Equal(got, tt.want) {
					t.Fatalf("got %v; want %v", got, tt.want)
				}
			})
		}
		t.Run("total counts the filtered set", func(t *testing.T) {
			p, err := s.ListUsers(ctx, store.UserQuery{First: 1,
				Filter: store.UserFilter{Role: &user}})
			if err != nil {
				t.Fatal(err)
			}
			if p.TotalCount != 4 || len(p.Nodes) != 1 || !p.HasNextPage {
				t.Fatalf("total %d, %d rows, next %v; want 4, 1, true",
					p.TotalCount, len(p.Nodes), p.HasNextPage)
			}
		})
	})
}

// listAll pages through q and returns the ids in order, checking the
// total on each page.
func listAll(t *testing.T, s *store.Store, q store.UserQuery) []string {
	t.Helper()
	var ids []string
	total := -1
	for {
		p, err := s.ListUsers(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if total >= 0 && p.TotalCount != total {
			t.Fatalf("total changed from %d to %d", total, p.TotalCount)
		}
		total = p.TotalCount
		for _, u := range p.Nodes {
			ids = append(ids, u.ID)
		}
		if !p.HasNextPage {
			break
		}
		q.After = p.EndCursor
	}
	if len(ids) != total {
		t.Fatalf("listed %d users; total says %d", len(ids), total)
	}
	return ids
}

func TestListUsersRefusesBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustCreateUser(t, s, "ada@example.com")
		mustCreateUser(t, s, "bob@example.com")
		byEmail := store.UserOrder{Field: store.UserOrderEmail}
		p, err := s.ListUsers(ctx, store.UserQuery{First: 1})
		if err != nil {
			t.Fatal(err)
		}
		good := p.EndCursor
		enc := func(s string) string {
			return base64.RawURLEncoding.EncodeToString([]byte(s))
		}
		id := uuid.NewString()
		tests := []struct {
			name  string
			q     store.UserQuery
			field []string
		}{
			{"first 0", store.UserQuery{First: 0}, []string{"first"}},
			{"first 101", store.UserQuery{First: 101}, []string{"first"}},
			{"not base64", store.UserQuery{First: 1, After: "!!"},
				[]string{"after"}},
			{"not json", store.UserQuery{First: 1, After: enc("hello")},
				[]string{"after"}},
			{"other order", store.UserQuery{First: 1, After: good,
				Order: byEmail}, []string{"after"}},
			{"bad id", store.UserQuery{First: 1, After: enc(
				`{"f":"CREATED_AT","d":"ASC","k":"2026-01-01T00:00:00Z",` +
					`"i":"x"}`)}, []string{"after"}},
			{"bad time", store.UserQuery{First: 1, After: enc(
				`{"f":"CREATED_AT","d":"ASC","k":"yesterday","i":"` + id +
					`"}`)}, []string{"after"}},
			{"null key outside last login", store.UserQuery{First: 1,
				After: enc(`{"f":"CREATED_AT","d":"ASC","k":null,"i":"` +
					id + `"}`)}, []string{"after"}},
			{"unknown member", store.UserQuery{First: 1, After: enc(
				`{"f":"CREATED_AT","d":"ASC","k":"2026-01-01T00:00:00Z",` +
					`"i":"` + id + `","x":1}`)}, []string{"after"}},
			{"NUL in email key", store.UserQuery{First: 1, Order: byEmail,
				After: enc(`{"f":"EMAIL","d":"ASC","k":"a\u0000",` +
					`"i":"` + id + `"}`)}, []string{"after"}},
			{"huge", store.UserQuery{First: 1,
				After: strings.Repeat("A", 5000)}, []string{"after"}},
			{"unknown field", store.UserQuery{First: 1,
				Order: store.UserOrder{Field: "NAME"}},
				[]string{"orderBy", "field"}},
			{"NUL in query", store.UserQuery{First: 1,
				Filter: store.UserFilter{Query: "a\x00"}},
				[]string{"filter", "query"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.ListUsers(ctx, tt.q)
				var e *models.Error
				if !errors.As(err, &e) || e.Code != models.CodeInvalidInput ||
					!slices.Equal(e.Field, tt.field) {
					t.Fatalf("err = %v; want INVALID_INPUT at %v", err,
						tt.field)
				}
			})
		}
		t.Run("a well-formed cursor of an unknown row works", func(t *testing.T) {
			after := enc(`{"f":"EMAIL","d":"ASC","k":"b","i":"` + id + `"}`)
			p, err := s.ListUsers(ctx, store.UserQuery{First: 5,
				After: after, Order: byEmail})
			if err != nil || len(p.Nodes) != 1 ||
				p.Nodes[0].EmailNormalized != "bob@example.com" {
				t.Fatalf("got %v, %v; want bob only", p, err)
			}
		})
	})
}

func TestUsersByIDs(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		a := mustCreateUser(t, s, "ada@example.com")
		b := mustCreateUser(t, s, "bob@example.com")
		ids := []string{b.ID, uuid.NewString(), a.ID, "nope", b.ID}
		got, err := s.UsersByIDs(context.Background(), ids)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{b.ID, "", a.ID, "", b.ID}
		for i, u := range got {
			id := ""
			if u != nil {
				id = u.ID
			}
			if id != want[i] {
				t.Fatalf("users[%d] = %q; want %q", i, id, want[i])
			}
		}
	})
}
