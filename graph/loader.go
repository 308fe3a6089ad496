package graph

import (
	"context"
	"net/http"
	"time"

	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/models"
	"github.com/vikstrous/dataloadgen"
)

type loaderKey struct{}

// withUserLoader gives each request its own batching loader of users, so
// that the actor and target of a page of audit events cost one query,
// however many events the page holds. A loader lives only as long as its
// request, so it never serves a user as they were in an earlier request.
func withUserLoader(accounts *account.Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := dataloadgen.NewLoader(func(ctx context.Context,
			ids []string) ([]*models.User, []error) {
			users, err := accounts.UsersByIDs(ctx, ids)
			if err != nil {
				return nil, []error{err}
			}
			return users, nil
		}, dataloadgen.WithWait(time.Millisecond))
		ctx := context.WithValue(r.Context(), loaderKey{}, l)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// loadUser returns the user with id through the request's loader, or nil
// when there is no such user (any more). A caller who is not an
// administrator sees only themself: an event of theirs that an
// administrator caused shows no actor.
func loadUser(ctx context.Context, id *string) (*models.User, error) {
	if id == nil {
		return nil, nil
	}
	c, ok := auth.CallerFrom(ctx)
	if !ok || (c.User.ID != *id && !c.User.Role.Includes(models.RoleAdmin)) {
		return nil, nil
	}
	l := ctx.Value(loaderKey{}).(*dataloadgen.Loader[string, *models.User])
	return l.Load(ctx, *id)
}

// primeEventUsers loads the actors and targets of a page of events in
// one batch, before their fields resolve one by one, so that the page
// costs the same few queries whatever its size and however the field
// resolutions happen to be scheduled. A failure here is left for the
// field loads to report.
func primeEventUsers(ctx context.Context, events []*models.AuditEvent) {
	l, ok := ctx.Value(loaderKey{}).(*dataloadgen.Loader[string, *models.User])
	if !ok {
		return
	}
	seen := map[string]bool{}
	var ids []string
	for _, e := range events {
		for _, id := range []*string{e.ActorID, e.TargetID} {
			if id != nil && !seen[*id] {
				seen[*id] = true
				ids = append(ids, *id)
			}
		}
	}
	if len(ids) > 0 {
		_, _ = l.LoadAll(ctx, ids)
	}
}
