package graph

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/graph/model"
	"github.com/usergraph/usergraph/models"
)

// authPayload maps the outcome of a use case that logs a user in.
func authPayload(res *account.AuthResult, errs []*models.Error) *model.AuthPayload {
	if len(errs) > 0 || res == nil {
		return &model.AuthPayload{Errors: nonNil(errs)}
	}
	exp := res.AccessTokenExpiresAt.UTC()
	refreshExp := res.Session.ExpiresAt.UTC()
	return &model.AuthPayload{
		User:                  res.User,
		AccessToken:           &res.AccessToken,
		AccessTokenExpiresAt:  &exp,
		RefreshToken:          &res.RefreshToken,
		RefreshTokenExpiresAt: &refreshExp,
		Errors:                []*models.Error{},
	}
}

// userPayload maps the outcome of a use case that changes a user.
func userPayload(u *models.User, errs []*models.Error) *model.UserPayload {
	if len(errs) > 0 {
		return &model.UserPayload{Errors: errs}
	}
	return &model.UserPayload{User: u, Errors: []*models.Error{}}
}

// change maps an omittable input field: omitted leaves the field alone,
// null or a value sets it.
func change(o graphql.Omittable[*string]) account.Change {
	v, set := o.ValueOK()
	if !set {
		return account.Change{}
	}
	return account.Change{Set: true, Value: v}
}

func nonNil(errs []*models.Error) []*models.Error {
	if errs == nil {
		return []*models.Error{}
	}
	return errs
}
