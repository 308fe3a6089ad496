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

func newOneTimeToken(userID string, p models.TokenPurpose,
	now time.Time) *models.OneTimeToken {
	return &models.OneTimeToken{
		ID:              uuid.Must(uuid.NewV7()).String(),
		UserID:          userID,
		Purpose:         p,
		Digest:          uuid.NewString(),
		Email:           "ada@example.com",
		EmailNormalized: "ada@example.com",
		CreatedAt:       now,
		ExpiresAt:       now.Add(time.Hour),
	}
}

func mustCreateToken(t *testing.T, s *store.Store, userID string,
	p models.TokenPurpose, now time.Time) *models.OneTimeToken {
	t.Helper()
	tok := newOneTimeToken(userID, p, now)
	if err := s.CreateOneTimeToken(context.Background(), tok); err != nil {
		t.Fatalf("create token: %v", err)
	}
	return tok
}

func tokenByDigest(t *testing.T, s *store.Store,
	digest string) *models.OneTimeToken {
	t.Helper()
	tok, err := s.OneTimeTokenForUpdate(context.Background(), digest)
	if err != nil {
		t.Fatalf("select token: %v", err)
	}
	return tok
}

func TestOneTimeTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		u := mustCreateUser(t, s, "ada@example.com")

		t.Run("a newer token supersedes older ones of its purpose", func(t *testing.T) {
			first := mustCreateToken(t, s, u.ID, models.PurposeResetPassword, now)
			verify := mustCreateToken(t, s, u.ID, models.PurposeVerifyEmail, now)
			second := mustCreateToken(t, s, u.ID, models.PurposeResetPassword,
				now.Add(time.Second))
			if got := tokenByDigest(t, s, first.Digest); got.UsedAt == nil ||
				!got.UsedAt.Equal(second.CreatedAt) {
				t.Errorf("older token used at %v, want %v", got.UsedAt,
					second.CreatedAt)
			}
			for _, tok := range []*models.OneTimeToken{verify, second} {
				if got := tokenByDigest(t, s, tok.Digest); got.UsedAt != nil {
					t.Errorf("%s token used", got.Purpose)
				}
			}
		})

		t.Run("a token is used once", func(t *testing.T) {
			tok := mustCreateToken(t, s, u.ID, models.PurposeChangeEmail, now)
			if err := s.UseOneTimeToken(ctx, tok.ID, now); err != nil {
				t.Fatal(err)
			}
			err := s.UseOneTimeToken(ctx, tok.ID, now)
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("second use: %v", err)
			}
		})

		t.Run("invalidate by purpose and all", func(t *testing.T) {
			v := mustCreateToken(t, s, u.ID, models.PurposeVerifyEmail, now)
			r := mustCreateToken(t, s, u.ID, models.PurposeResetPassword, now)
			n, err := s.InvalidateOneTimeTokens(ctx, u.ID, now,
				models.PurposeResetPassword)
			if err != nil || n != 1 {
				t.Fatalf("invalidated %d: %v", n, err)
			}
			if tokenByDigest(t, s, v.Digest).UsedAt != nil ||
				tokenByDigest(t, s, r.Digest).UsedAt == nil {
				t.Error("wrong tokens invalidated")
			}
			n, err = s.InvalidateOneTimeTokens(ctx, u.ID, now)
			if err != nil || n != 1 || tokenByDigest(t, s, v.Digest).UsedAt == nil {
				t.Errorf("invalidate all: %d, %v", n, err)
			}
		})

		t.Run("unknown digest is NOT_FOUND", func(t *testing.T) {
			_, err := s.OneTimeTokenForUpdate(ctx, "nope")
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("got %v", err)
			}
		})

		t.Run("digests are unique", func(t *testing.T) {
			tok := mustCreateToken(t, s, u.ID, models.PurposeVerifyEmail, now)
			dup := newOneTimeToken(u.ID, models.PurposeChangeEmail, now)
			dup.Digest = tok.Digest
			err := s.CreateOneTimeToken(ctx, dup)
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("got %v", err)
			}
		})

		t.Run("purge deletes expired tokens only", func(t *testing.T) {
			other := mustCreateUser(t, s, "purge@example.com")
			old := mustCreateToken(t, s, other.ID, models.PurposeVerifyEmail,
				now.Add(-2*time.Hour))
			fresh := mustCreateToken(t, s, other.ID, models.PurposeResetPassword, now)
			if _, err := s.PurgeOneTimeTokens(ctx, now); err != nil {
				t.Fatal(err)
			}
			_, err := s.OneTimeTokenForUpdate(ctx, old.Digest)
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("expired token kept: %v", err)
			}
			tokenByDigest(t, s, fresh.Digest)
		})
	})
}

func TestUserEmail(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		ada := mustCreateUser(t, s, "ada@example.com")
		mustCreateUser(t, s, "bob@example.com")

		if err := s.SetEmailVerified(ctx, ada.ID, now); err != nil {
			t.Fatal(err)
		}
		err := s.SetUserEmail(ctx, ada.ID, "Bob@Example.com", "bob@example.com", now)
		if !errors.Is(err, models.ErrEmailTaken) {
			t.Errorf("taken address: %v", err)
		}
		err = s.SetUserEmail(ctx, ada.ID, "Ada@Example.org", "ada@example.org", now)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByEmail(ctx, "ada@example.org")
		if err != nil || got.ID != ada.ID || got.Email != "Ada@Example.org" ||
			!got.EmailVerified {
			t.Errorf("after change: %+v, %v", got, err)
		}
		if err := s.SetEmailVerified(ctx, "no such id", now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown user: %v", err)
		}
	})
}
