package graph

import (
	"github.com/usergraph/usergraph/account"
	"github.com/usergraph/usergraph/graph/model"
	"github.com/usergraph/usergraph/models"
	"github.com/usergraph/usergraph/store"
)

// pageInfo maps the paging facts of a page.
func pageInfo[T any](p *account.Page[T]) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: p.HasNextPage,
		HasPreviousPage: p.HasPreviousPage}
	if len(p.Nodes) > 0 {
		info.StartCursor, info.EndCursor = &p.StartCursor, &p.EndCursor
	}
	return info
}

func userConnection(p *account.Page[*models.User]) *model.UserConnection {
	edges := make([]*model.UserEdge, len(p.Nodes))
	for i, u := range p.Nodes {
		edges[i] = &model.UserEdge{Cursor: p.Cursors[i], Node: u}
	}
	return &model.UserConnection{Edges: edges, PageInfo: pageInfo(p),
		TotalCount: p.TotalCount}
}

func auditConnection(
	p *account.Page[*models.AuditEvent]) *model.AuditEventConnection {
	edges := make([]*model.AuditEventEdge, len(p.Nodes))
	for i, e := range p.Nodes {
		edges[i] = &model.AuditEventEdge{Cursor: p.Cursors[i], Node: e}
	}
	return &model.AuditEventConnection{Edges: edges, PageInfo: pageInfo(p),
		TotalCount: p.TotalCount}
}

// userQuery maps the arguments of `users`.
func userQuery(first *int, after *string, filter *model.UserFilter,
	orderBy *model.UserOrder) account.UserQuery {
	q := account.UserQuery{First: deref(first, 20), After: deref(after, "")}
	if filter != nil {
		q.Filter = store.UserFilter{
			Query:         deref(filter.Query.Value(), ""),
			Role:          filter.Role.Value(),
			Disabled:      filter.Disabled.Value(),
			EmailVerified: filter.EmailVerified.Value(),
		}
	}
	if orderBy != nil {
		q.Order = store.UserOrder{
			Field:     store.UserOrderField(orderBy.Field),
			Direction: store.OrderDirection(orderBy.Direction),
		}
	}
	return q
}

// auditQuery maps the arguments of `auditEvents`.
func auditQuery(first *int, after *string,
	filter *model.AuditEventFilter) account.AuditQuery {
	q := account.AuditQuery{First: deref(first, 50), After: deref(after, "")}
	if filter != nil {
		q.Filter = store.AuditFilter{
			UserID: deref(filter.User.Value(), ""),
			Types:  filter.Types.Value(),
			Since:  filter.Since.Value(),
			Until:  filter.Until.Value(),
		}
	}
	return q
}

// pageCost is a list field's complexity: its page size times what each
// item selects, so that a request for 100 users with nested events
// costs what it will cost to answer.
func pageCost(child int, first *int, def int) int {
	// A first past the page limit is refused by the resolver with a
	// message that says so; cost it as a full page meanwhile.
	n := min(max(1, deref(first, def)), store.MaxPageSize)
	return n * max(1, child)
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
