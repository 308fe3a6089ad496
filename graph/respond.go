package graph

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// graphQLResponse is the media type of the GraphQL-over-HTTP spec. A
// client that accepts it gets status codes that mean something: 400 for
// a document that cannot run, 429 when rate limited.
const graphQLResponse = "application/graphql-response+json"

// respond writes resp. status is what an application/json client gets;
// a client that accepts application/graphql-response+json gets that media
// type and the spec's status codes instead. A RATE_LIMITED error sets
// Retry-After.
func respond(w http.ResponseWriter, r *http.Request, resp *graphql.Response,
	status int) {
	modern := strings.Contains(r.Header.Get("Accept"), graphQLResponse)
	retry := retryAfter(resp.Errors)
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
	w.Header().Set("Content-Type", "application/json")
	if modern {
		w.Header().Set("Content-Type", graphQLResponse)
		switch {
		case retry > 0 && noData(resp):
			status = http.StatusTooManyRequests
		case status == http.StatusUnprocessableEntity:
			status = http.StatusBadRequest
		}
	}
	if status != http.StatusOK {
		w.WriteHeader(status)
	}
	writeJSON(w, resp)
}

// retryAfter returns the longest extensions.retryAfter of errs, or 0.
func retryAfter(errs gqlerror.List) int {
	longest := 0
	for _, e := range errs {
		if e.Extensions["code"] != CodeRateLimited {
			continue
		}
		if s, ok := e.Extensions["retryAfter"].(int); ok && s > longest {
			longest = s
		}
	}
	return longest
}

func noData(resp *graphql.Response) bool {
	return len(resp.Data) == 0 || string(resp.Data) == "null"
}
