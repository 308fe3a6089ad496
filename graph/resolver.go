package graph

import (
	"log/slog"

	"github.com/usergraph/usergraph/account"
)

// Resolver is the root of the resolvers; it holds the services they call.
type Resolver struct {
	Accounts *account.Service
	Log      *slog.Logger
	Cookie   RefreshCookie
}
