package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
)

// MaxPageSize bounds how many rows one page of a listing may hold.
const MaxPageSize = 100

// Page is one page of a keyset-paginated listing: the rows, the opaque
// cursor of each row (resume after it with After), and what a Relay
// connection reports about the page.
type Page[T any] struct {
	Nodes   []T
	Cursors []string
	// HasNextPage reports whether rows follow the last one.
	HasNextPage bool
	// HasPreviousPage is true when the page was asked for after a
	// cursor; rows may precede it then, and counting them is not worth
	// a query.
	HasPreviousPage bool
	// StartCursor and EndCursor are the cursors of the first and last
	// rows, empty when the page is empty.
	StartCursor string
	EndCursor   string
	// TotalCount counts every row that matches the filter, on all pages.
	TotalCount int
}

// newPage builds a page from up to first+1 rows fetched after a cursor
// (after says whether there was one); the extra row, if any, only tells
// that a next page exists. cursor encodes a row's position.
func newPage[T any](rows []T, first int, after bool, total int,
	cursor func(T) string) *Page[T] {
	p := &Page[T]{HasPreviousPage: after, TotalCount: total}
	if len(rows) > first {
		rows = rows[:first]
		p.HasNextPage = true
	}
	p.Nodes = rows
	p.Cursors = make([]string, len(rows))
	for i, r := range rows {
		p.Cursors[i] = cursor(r)
	}
	if len(rows) > 0 {
		p.StartCursor = p.Cursors[0]
		p.EndCursor = p.Cursors[len(rows)-1]
	}
	return p
}

// maxCursorLen bounds the text decodeCursor accepts; real cursors are
// well under 400 bytes.
const maxCursorLen = 1024

// errCursor means a cursor is not one this package made.
var errCursor = errors.New("malformed cursor")

// encodeCursor returns v as JSON in unpadded base64url: opaque to
// clients, and safe in a URL.
func encodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only reachable with a type JSON cannot encode.
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor made by encodeCursor into v, refusing
// unknown fields. The caller still checks the values.
func decodeCursor(s string, v any) error {
	if len(s) > maxCursorLen {
		return errCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return errCursor
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return errCursor
	}
	return nil
}
