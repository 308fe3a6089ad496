package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/internal/testdb"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// forEachStore runs fn on a new, migrated store of each database kind.
func forEachStore(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, testdb.Open(t, b.New(t)))
		})
	}
}

func newUser(email string) *models.User {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &models.User{
		ID:              uuid.Must(uuid.NewV7()).String(),
		Email:           email,
		EmailNormalized: email,
		PasswordHash:    "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		Role:            models.RoleUser,
		CreatedAt:       now,
		UpdatedAt:       now,
	}
}

func newSession(userID string, expires time.Time) *models.Session {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &models.Session{
		ID:         uuid.Must(uuid.NewV7()).String(),
		UserID:     userID,
		CreatedAt:  now,
		LastUsedAt: now,
		ExpiresAt:  expires,
	}
}

func mustCreateUser(t *testing.T, s *store.Store, email string) *models.User {
	t.Helper()
	u := newUser(email)
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

func TestUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mustCreateUser(t, s, "ada@example.com")

		t.Run("duplicate email is EMAIL_TAKEN", func(t *testing.T) {
			err := s.CreateUser(ctx, newUser("ada@example.com"))
			if !errors.Is(err, models.ErrEmailTaken) {
				t.Fatalf("err = %v, want ErrEmailTaken", err)
			}
		})
		t.Run("duplicate id is a conflict", func(t *testing.T) {
			dup := newUser("other@example.com")
			dup.ID = u.ID
			err := s.CreateUser(ctx, dup)
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
		})
		t.Run("round trip", func(t *testing.T) {
			got, err := s.UserByEmail(ctx, "ada@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != u.ID || !got.CreatedAt.Equal(u.CreatedAt) ||
				got.Role != models.RoleUser || got.Disabled {
				t.Fatalf("got %+v, want %+v", got, u)
			}
		})
		t.Run("unknown id is not found", func(t *testing.T) {
			_, err := s.UserByID(ctx, uuid.NewString())
			if !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})
		t.Run("profile update sets, keeps and clears", func(t *testing.T) {
			name, bio := "Ada", "Analyst"
			pName, pBio := &name, &bio
			_, err := s.UpdateProfile(ctx, u.ID, store.ProfileUpdate{
				DisplayName: &pName, Bio: &pBio}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var none *string
			got, err := s.UpdateProfile(ctx, u.ID,
				store.ProfileUpdate{Bio: &none}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if got.DisplayName == nil || *got.DisplayName != name ||
				got.Bio != nil {
				t.Fatalf("got name %v bio %v", got.DisplayName, got.Bio)
			}
		})
	})
}

func TestSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ada := mustCreateUser(t, s, "ada@example.com")
		bob := mustCreateUser(t, s, "bob@example.com")
		later := time.Now().UTC().Add(time.Hour)
		a1, a2 := newSession(ada.ID, later), newSession(ada.ID, later)
		b1 := newSession(bob.ID, later)
		for _, sess := range []*models.Session{a1, a2, b1} {
			if err := s.CreateSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("loads session with its user", func(t *testing.T) {
			sess, u, err := s.SessionWithUser(ctx, a1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if sess.ID != a1.ID || u.ID != ada.ID || sess.User != nil {
				t.Fatalf("got %+v %+v", sess, u)
			}
		})
		t.Run("another user's session is not revoked", func(t *testing.T) {
			ok, err := s.RevokeSession(ctx, ada.ID, b1.ID, time.Now())
			if err != nil || ok {
				t.Fatalf("revoked = %v, %v", ok, err)
			}
		})
		t.Run("revoke all but one", func(t *testing.T) {
			n, err := s.RevokeSessions(ctx, ada.ID, a1.ID, time.Now())
			if err != nil || n != 1 {
				t.Fatalf("revoked %d, %v; want 1", n, err)
			}
			sess, _, _ := s.SessionWithUser(ctx, a2.ID)
			if sess.RevokedAt == nil {
				t.Fatal("a2 not revoked")
			}
			sess, _, _ = s.SessionWithUser(ctx, b1.ID)
			if sess.RevokedAt != nil {
				t.Fatal("bob's session revoked")
			}
		})
	})
}

// TestTimesCompareByInstant stores expiries given in far-apart time zones
// and checks that SQL compares them as instants: an expiry checked in SQL
// must not drift by the server's or the value's zone.
func TestTimesCompareByInstant(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mustCreateUser(t, s, "tz@example.com")
		now := time.Now().UTC().Truncate(time.Microsecond)
		east := time.FixedZone("UTC+14", 14*3600)
		west := time.FixedZone("UTC-12", -12*3600)
		cases := []struct {
			expires time.Time
			active  bool
		}{
			{now.Add(-time.Minute).In(east), false},
			{now.Add(-time.Minute).In(west), false},
			{now.Add(time.Minute).In(east), true},
			{now.Add(time.Minute).In(west), true},
			{now.Add(-1500 * time.Microsecond), false},
			{now.Add(1500 * time.Microsecond), true},
		}
		for _, c := range cases {
			if err := s.CreateSession(ctx, newSession(u.ID, c.expires)); err != nil {
				t.Fatal(err)
			}
		}
		// RevokeSessions touches only sessions with expires_at > now.
		n, err := s.RevokeSessions(ctx, u.ID, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("revoked %d sessions, want the 3 unexpired ones", n)
		}
	})
}

func TestMigrate(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		applied, err := s.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate applied %v, %v", applied, err)
		}
		pending, err := s.Pending(ctx)
		if err != nil || pending != 0 {
			t.Fatalf("pending = %d, %v", pending, err)
		}
		ms, err := s.Migrations(ctx)
		if err != nil || len(ms) == 0 || ms[0].AppliedAt == nil {
			t.Fatalf("migrations = %+v, %v", ms, err)
		}
	})
}

// TestConcurrentMigrate starts several instances on one new PostgreSQL
// database at once: they must take turns, and all succeed.
func TestConcurrentMigrate(t *testing.T) {
	url := testdb.Postgres(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := store.Open(ctx, store.Options{URL: url})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				errs <- fmt.Errorf("instance %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestParseURL(t *testing.T) {
	cases := []struct {
		in      string
		dialect store.Dialect
		dsn     string
		wantErr bool
	}{
		{"usergraph.db", store.SQLite, "usergraph.db", false},
		{"/var/lib/ug.db", store.SQLite, "/var/lib/ug.db", false},
		{"sqlite:ug.db", store.SQLite, "ug.db", false},
		{"sqlite:///var/ug.db", store.SQLite, "/var/ug.db", false},
		{"postgres://u@h/db", store.Postgres, "postgres://u@h/db", false},
		{"postgresql://u@h/db", store.Postgres, "postgresql://u@h/db", false},
		{"mysql://u@h/db", "", "", true},
		{"", "", "", true},
	}
	for _, c := range cases {
		d, dsn, err := store.ParseURL(c.in)
		if (err != nil) != c.wantErr || d != c.dialect || dsn != c.dsn {
			t.Errorf("ParseURL(%q) = %q, %q, %v", c.in, d, dsn, err)
		}
	}
}
