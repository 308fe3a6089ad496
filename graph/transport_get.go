package graph

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// getQuery is the GET transport: queries only, with the query,
// operationName, variables and extensions in the URL. It replaces gqlgen's
// stock one so that every refusal (a mutation over GET, malformed
// variables) is a GraphQL error with extensions.code like any other. The
// URL's size is bounded by the server's header limit.
type getQuery struct{}

var _ graphql.Transport = getQuery{}

// Supports claims every GET.
func (getQuery) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

// Do executes the query of the URL if it is a query operation.
func (getQuery) Do(w http.ResponseWriter, r *http.Request,
	exec graphql.GraphExecutor) {
	ctx := r.Context()
	params, msg := getParams(r.URL.RawQuery)
	if msg != "" {
		fail(w, r, exec, http.StatusBadRequest, msg)
		return
	}
	params.Headers = r.Header
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		respond(w, r, resp, http.StatusUnprocessableEntity)
		return
	}
	op := rc.Doc.Operations.ForName(rc.OperationName)
	if op == nil || op.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		fail(w, r, exec, http.StatusMethodNotAllowed,
			"GET runs queries only; send mutations as a POST.")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	respond(w, r, responses(ctx), http.StatusOK)
}

// getParams reads a GraphQL request from a URL query string. On failure
// it returns a message that does not quote the input.
func getParams(rawQuery string) (*graphql.RawParams, string) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, "The URL query string is malformed."
	}
	p := &graphql.RawParams{
		Query:         q.Get("query"),
		OperationName: q.Get("operationName"),
	}
	p.ReadTime.Start = graphql.Now()
	if v := q.Get("variables"); v != "" {
		if !decodeObject(v, &p.Variables) {
			return nil, "The variables parameter must be a JSON object."
		}
	}
	if v := q.Get("extensions"); v != "" {
		if !decodeObject(v, &p.Extensions) {
			return nil, "The extensions parameter must be a JSON object."
		}
	}
	p.ReadTime.End = graphql.Now()
	return p, ""
}

func decodeObject(s string, v *map[string]any) bool {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v) == nil && !dec.More()
}

// otherMethod answers every request no other transport takes (PUT,
// DELETE, PATCH, ...) with 405 and a coded error. It must be added last.
type otherMethod struct{}

var _ graphql.Transport = otherMethod{}

// Supports claims every request.
func (otherMethod) Supports(*http.Request) bool { return true }

// Do refuses the request.
func (otherMethod) Do(w http.ResponseWriter, r *http.Request,
	exec graphql.GraphExecutor) {
	w.Header().Set("Allow", "GET, POST, OPTIONS")
	fail(w, r, exec, http.StatusMethodNotAllowed,
		"Use POST with a JSON body, or GET for queries.")
}
