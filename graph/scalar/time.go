// Package scalar holds the marshalers of the schema's custom scalars.
package scalar

import (
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalTime writes t as an RFC 3339 string in UTC, whatever location
// the database driver returned it in.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		s := t.UTC().Format(time.RFC3339Nano)
		_, _ = io.WriteString(w, strconv.Quote(s))
	})
}

// UnmarshalTime reads an RFC 3339 string. It fails on anything else.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errors.New("time must be an RFC 3339 string")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("time must be an RFC 3339 string")
	}
	return t.UTC(), nil
}
