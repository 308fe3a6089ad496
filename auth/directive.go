package auth

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/usergraph/usergraph/models"
)

// AuthDirective implements @auth: the field resolves only for a
// logged-in caller and fails with ErrUnauthenticated otherwise.
func AuthDirective(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	if _, err := requireCaller(ctx); err != nil {
		return nil, err
	}
	return next(ctx)
}

// HasRoleDirective implements @hasRole(role:): the field resolves only
// for a caller whose role includes role. It fails with ErrUnauthenticated
// for an anonymous caller and ErrForbidden for one without the role.
func HasRoleDirective(ctx context.Context, _ any, next graphql.Resolver,
	role models.Role) (any, error) {
	c, err := requireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if !c.User.Role.Includes(role) {
		return nil, ErrForbidden
	}
	return next(ctx)
}

func requireCaller(ctx context.Context) (*Caller, error) {
	if c, ok := CallerFrom(ctx); ok {
		return c, nil
	}
	if err := failureFrom(ctx); err != nil {
		return nil, err
	}
	return nil, ErrUnauthenticated
}
