package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/telemetry"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The top-level error codes of extensions.code that this package sets.
// gqlgen itself sets GRAPHQL_PARSE_FAILED and GRAPHQL_VALIDATION_FAILED.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeRateLimited     = "RATE_LIMITED"
	CodeBadRequest      = "BAD_REQUEST"
	CodeInternal        = "INTERNAL_SERVER_ERROR"
)

// userErrors splits the error of a use case into the payload errors it
// carries, with their fields placed under the argument arg, and returns
// any other error unchanged, to become a top-level error.
func userErrors(ctx context.Context, err error,
	arg string) ([]*models.Error, error) {
	es, ok := models.UserErrors(err)
	if !ok {
		return nil, err
	}
	out := make([]*models.Error, len(es))
	for i, e := range es {
		if len(e.Field) > 0 && arg != "" {
			e = e.At(append([]string{arg}, e.Field...)...)
		}
		out[i] = e
	}
	telemetry.FromContext(ctx).SetErrorCode(string(out[0].Code))
	return out, nil
}

// errorPresenter turns every error that reaches the response into a
// GraphQL error with extensions.code. Errors it does not know become
// INTERNAL_SERVER_ERROR: logged with their cause, shown to the client
// only as a request id.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := present(ctx, log, err)
		if code, ok := gqlErr.Extensions["code"].(string); ok {
			telemetry.FromContext(ctx).SetErrorCode(code)
		}
		return gqlErr
	}
}

func present(ctx context.Context, log *slog.Logger, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) {
		if gqlErr.Err == nil {
			// Made by gqlgen or the validator: the message is safe.
			switch gqlErr.Extensions["code"] {
			case nil:
				setCode(gqlErr, CodeBadRequest)
			case "COMPLEXITY_LIMIT_EXCEEDED":
				// One code for every limit a document can break.
				setCode(gqlErr, "GRAPHQL_VALIDATION_FAILED")
			}
			if gqlErr.Message == "operation  not found" {
				// gqlgen's text when a document holds several
				// operations and the request names none.
				gqlErr.Message = "The document holds several operations: " +
					"name the one to run in operationName."
			}
			return gqlErr
		}
		err = gqlErr.Err
	}
	path := graphql.GetPath(ctx)
	var busy *auth.BusyError
	var limited *auth.RateLimitError
	var userErr *models.Error
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		return coded(path, CodeUnauthenticated,
			"Authentication required: send a valid access token.")
	case errors.Is(err, auth.ErrForbidden):
		return coded(path, CodeForbidden,
			"You are not allowed to do this.")
	case errors.As(err, &busy):
		return retryLater(path, "The server is busy; retry later.",
			busy.RetryAfter)
	case errors.As(err, &limited):
		return retryLater(path, "Too many requests; retry later.",
			limited.RetryAfter)
	case errors.As(err, &userErr):
		return coded(path, CodeBadRequest, userErr.Message)
	case introspectionRefused(ctx):
		return coded(path, errcode.ValidationFailed,
			"Introspection is disabled on this server.")
	}
	return internal(ctx, log, path, err)
}

// introspectionRefused reports whether the failing field is __schema or
// __type while introspection is off. gqlgen reports that refusal as a
// plain error, which would otherwise read as an internal one.
func introspectionRefused(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return false
	}
	name := fc.Field.Name
	return (name == "__schema" || name == "__type") &&
		graphql.GetOperationContext(ctx).DisableIntrospection
}

func internal(ctx context.Context, log *slog.Logger, path ast.Path,
	err error) *gqlerror.Error {
	id := telemetry.FromContext(ctx).ID
	log.ErrorContext(ctx, "internal error",
		slog.String("request_id", id),
		slog.String("path", fmt.Sprint(path)),
		slog.String("error", err.Error()))
	e := coded(path, CodeInternal, "Internal server error.")
	e.Extensions["requestId"] = id
	return e
}

// retryLater is a RATE_LIMITED error with extensions.retryAfter in whole
// seconds, at least one.
func retryLater(path ast.Path, msg string, d time.Duration) *gqlerror.Error {
	e := coded(path, CodeRateLimited, msg)
	e.Extensions["retryAfter"] = max(1, int(math.Ceil(d.Seconds())))
	return e
}

func coded(path ast.Path, code, msg string) *gqlerror.Error {
	e := &gqlerror.Error{Message: msg, Path: path}
	setCode(e, code)
	return e
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

// recoverFunc turns a panic in a resolver into an internal error, logged
// with its stack; the client sees only the request id.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver",
			slog.String("request_id", telemetry.FromContext(ctx).ID),
			slog.String("panic", fmt.Sprint(p)),
			slog.String("stack", string(debug.Stack())))
		return errPanic
	}
}

var errPanic = errors.New("panic in resolver")
