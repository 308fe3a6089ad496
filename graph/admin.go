package graph

import (
	"context"

	"github.com/usergraph/usergraph/graph/model"
	"github.com/usergraph/usergraph/models"
)

// userPayloadOf maps the outcome of a use case that changes a user, with
// error fields placed under the argument arg ("" for fields that are
// arguments themselves, like an admin change's ["id"]).
func (r *Resolver) userPayloadOf(ctx context.Context, u *models.User,
	err error, arg string) (*model.UserPayload, error) {
	errs, err := userErrors(ctx, err, arg)
	if err != nil {
		return nil, err
	}
	return userPayload(u, errs), nil
}

// okPayload maps the outcome of a use case that returns nothing, with
// error fields placed under arg.
func (r *Resolver) okPayload(ctx context.Context, err error,
	arg string) (*model.OkPayload, error) {
	errs, err := userErrors(ctx, err, arg)
	if err != nil {
		return nil, err
	}
	return &model.OkPayload{Ok: len(errs) == 0, Errors: nonNil(errs)}, nil
}

// argumentError turns an invalid argument of a query (a bad cursor or
// page size) into a top-level BAD_REQUEST error: queries have no payload
// to carry user errors.
func (r *Resolver) argumentError(ctx context.Context, err error) error {
	if es, ok := models.UserErrors(err); ok {
		return es[0]
	}
	return err
}
