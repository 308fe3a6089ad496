package account

import (
	"context"

	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// Change is an optional new value of a text field. The zero Change leaves
// the field alone; a set Change with a nil or empty Value clears it.
type Change struct {
	Set   bool
	Value *string
}

// ProfileInput lists the profile fields to change.
type ProfileInput struct {
	DisplayName Change
	Bio         Change
	AvatarURL   Change
}

// UpdateProfile applies in to the user with userID and returns the user
// as it is afterwards. Invalid fields give models.Errors, and then
// nothing is changed.
func (s *Service) UpdateProfile(ctx context.Context, userID string,
	in ProfileInput) (*models.User, error) {
	var (
		upd  store.ProfileUpdate
		errs models.Errors
	)
	fields := []struct {
		name   string
		change Change
		check  func(string) error
		dst    ***string
	}{
		{"displayName", in.DisplayName, CheckDisplayName, &upd.DisplayName},
		{"bio", in.Bio, CheckBio, &upd.Bio},
		{"avatarUrl", in.AvatarURL, CheckAvatarURL, &upd.AvatarURL},
	}
	for _, f := range fields {
		if !f.change.Set {
			continue
		}
		v, err := cleanText(f.change.Value, f.check)
		if err != nil {
			errs = append(errs, asUserError(err).At(f.name))
			continue
		}
		*f.dst = &v
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return s.store.UpdateProfile(ctx, userID, upd, s.clock())
}

// cleanText checks an optional text value. Nil and empty mean "none" and
// come back as nil.
func cleanText(v *string, check func(string) error) (*string, error) {
	if v == nil || *v == "" {
		return nil, nil
	}
	if err := check(*v); err != nil {
		return nil, err
	}
	return v, nil
}
