package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

func TestActiveAdmins(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now()
		ada := mustCreateUser(t, s, "ada@example.com")
		bob := mustCreateUser(t, s, "bob@example.com")
		mustCreateUser(t, s, "cy@example.com")
		for _, id := range []string{ada.ID, bob.ID} {
			if err := s.SetUserRole(ctx, id, models.RoleAdmin, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetUserDisabled(ctx, bob.ID, true, now); err != nil {
			t.Fatal(err)
		}
		admins, err := s.ActiveAdmins(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(admins) != 1 || admins[0].ID != ada.ID {
			t.Fatalf("active admins = %v; want only ada", admins)
		}
		err = s.SetUserRole(ctx, uuid.NewString(), models.RoleUser, now)
		if !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown user: %v; want NOT_FOUND", err)
		}
		err = s.SetUserDisabled(ctx, uuid.NewString(), true, now)
		if !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown user: %v; want NOT_FOUND", err)
		}
	})
}
