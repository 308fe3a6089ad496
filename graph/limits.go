package graph

import (
	"strconv"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
)

// Limits bound a GraphQL document before it is parsed and validated.
// Validation does work that grows faster than the document (a field
// repeated N times costs N² comparisons), so the document is measured
// first, in one linear pass, and refused whole when too large.
type Limits struct {
	// MaxQueryBytes bounds the document's length.
	MaxQueryBytes int
	// MaxQueryTokens bounds the number of lexical tokens in it.
	MaxQueryTokens int
}

// check returns a message naming the limit a document breaks, or "".
func (l Limits) check(query string) string {
	if len(query) > l.MaxQueryBytes {
		return "The query exceeds the limit of " +
			strconv.Itoa(l.MaxQueryBytes) + " bytes."
	}
	lx := lexer.New(&ast.Source{Input: query})
	for n := 0; ; n++ {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			// A lexical error is reported by the parser, with position.
			return ""
		}
		if n >= l.MaxQueryTokens {
			return "The query exceeds the limit of " +
				strconv.Itoa(l.MaxQueryTokens) + " tokens."
		}
	}
}
