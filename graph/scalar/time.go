// Package scalar holds the marshalers of the schema's custom scalars.
package scalar

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MarshalTime writes t as an RFC 3339 string in UTC, whatever location
// the database driver returned it in.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		s := t.UTC().Format(time.RFC3339Nano)
		_, _ = io.WriteString(w, strconv.Quote(s))
	})
}

// UnmarshalTime reads an RFC 3339 string. Anything else is a BAD_REQUEST
// GraphQL error: the client's input, not a server failure.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errBadTime()
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errBadTime()
	}
	return t.UTC(), nil
}

func errBadTime() error {
	return &gqlerror.Error{
		Message:    "A time must be an RFC 3339 string, such as 2026-12-03T17:05:00Z.",
		Extensions: map[string]any{"code": "BAD_REQUEST"},
	}
}
