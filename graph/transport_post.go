package graph

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postJSON is the POST transport. It replaces gqlgen's stock one, which
// reads the whole body whatever its size and quotes it in decode errors
// (a login's body holds a password). This one refuses bodies over
// maxBytes with 413 before reading them whole, answers other malformed
// bodies with a 400 whose message never echoes the body, and accepts one
// operation per request (no array batching).
type postJSON struct {
	maxBytes int64
}

var _ graphql.Transport = postJSON{}

// Supports claims every POST, so that a wrong content type gets a clear
// answer from Do instead of gqlgen's generic one.
func (t postJSON) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("Upgrade") == ""
}

// Do decodes and executes one GraphQL request.
func (t postJSON) Do(w http.ResponseWriter, r *http.Request,
	exec graphql.GraphExecutor) {
	ctx := r.Context()
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		fail(w, r, exec, http.StatusUnsupportedMediaType,
			"Content-Type must be application/json.")
		return
	}
	if r.ContentLength > t.maxBytes {
		fail(w, r, exec, http.StatusRequestEntityTooLarge, t.tooLarge())
		return
	}
	start := graphql.Now()
	params, status, msg := t.decode(w, r)
	if status != 0 {
		fail(w, r, exec, status, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		respond(w, r, resp, http.StatusUnprocessableEntity)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	respond(w, r, responses(ctx), http.StatusOK)
}

// decode reads the request body as one JSON object. On failure it
// returns the status and a message that does not quote the body.
func (t postJSON) decode(w http.ResponseWriter,
	r *http.Request) (*graphql.RawParams, int, string) {
	body := http.MaxBytesReader(w, r.Body, t.maxBytes)
	dec := json.NewDecoder(body)
	dec.UseNumber()
	params := &graphql.RawParams{}
	err := dec.Decode(params)
	if err == nil {
		// Anything after the object is an error too.
		if _, err = dec.Token(); err == io.EOF {
			return params, 0, ""
		}
		if err == nil {
			err = errors.New("trailing data")
		}
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge, t.tooLarge()
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return nil, http.StatusBadRequest, "The body must be one JSON " +
			"object with a query; batched operations are not supported."
	}
	return nil, http.StatusBadRequest,
		"The body is not a valid GraphQL request: expected a JSON object " +
			"with query, operationName and variables."
}

func (t postJSON) tooLarge() string {
	return "The request body exceeds the limit of " +
		formatBytes(t.maxBytes) + "."
}

// fail answers a request that cannot run with status and one error with
// code BAD_REQUEST.
func fail(w http.ResponseWriter, r *http.Request,
	exec graphql.GraphExecutor, status int, msg string) {
	e := &gqlerror.Error{Message: msg,
		Extensions: map[string]any{"code": CodeBadRequest}}
	respond(w, r, exec.DispatchError(r.Context(), gqlerror.List{e}), status)
}

func writeJSON(w io.Writer, resp *graphql.Response) {
	// The response is already in memory; a failed write means the client
	// went away, and there is no one left to tell.
	_ = json.NewEncoder(w).Encode(resp)
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
