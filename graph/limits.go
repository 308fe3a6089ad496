package graph

import (
	"context"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits bound a GraphQL document before gqlgen validates it. Validation
// does work that grows faster than the document (a field repeated N times
// costs N² comparisons) and reports one error per offence, so the
// document is measured first, in linear passes, and refused whole with
// one error naming the limit. Every field must be positive.
type Limits struct {
	// MaxQueryBytes bounds the document's length.
	MaxQueryBytes int
	// MaxQueryTokens bounds the number of lexical tokens in it.
	MaxQueryTokens int
	// MaxDepth bounds how deeply selections nest, through fragments.
	MaxDepth int
	// MaxAliases bounds the aliased fields in the document.
	MaxAliases int
	// MaxRootFields bounds the root fields an operation selects,
	// through fragments.
	MaxRootFields int
	// MaxDirectives bounds the directives on one field or fragment, and
	// (times four) in the whole document.
	MaxDirectives int
	// MaxComplexity bounds gqlgen's complexity of the operation, where a
	// list field costs its page size times its children.
	MaxComplexity int
	// MaxErrors bounds the errors one response carries.
	MaxErrors int
}

// credentialFields are the mutations that check a credential or cost a
// password hash. A request may run at most one, so that aliases cannot
// turn one request into a hundred guesses.
var credentialFields = map[string]bool{
	"login": true, "register": true, "refreshToken": true,
	"resetPassword": true, "requestPasswordReset": true,
	"changePassword": true, "requestEmailChange": true,
	"deleteAccount": true, "verifyEmail": true, "confirmEmailChange": true,
}

// limitGuard enforces Limits as a gqlgen extension that runs before the
// document is parsed and validated (after persisted-query lookup, so a
// document registered by hash was measured when it was registered).
// Documents that passed are remembered, so the common case, a client
// sending the same few queries, costs one map lookup.
type limitGuard struct {
	Limits
	passed *lru.Cache[string, struct{}]
}

func newLimitGuard(l Limits, size int) limitGuard {
	passed, err := lru.New[string, struct{}](size)
	if err != nil {
		panic(err) // only for a size below 1, which Options never has
	}
	return limitGuard{Limits: l, passed: passed}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = limitGuard{}

func (limitGuard) ExtensionName() string                   { return "Limits" }
func (limitGuard) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters refuses a document that breaks a limit.
func (g limitGuard) MutateOperationParameters(_ context.Context,
	p *graphql.RawParams) *gqlerror.Error {
	if _, ok := g.passed.Get(p.Query); ok {
		return nil
	}
	if msg := g.Check(p.Query); msg != "" {
		e := gqlerror.Errorf("%s", msg)
		errcode.Set(e, errcode.ValidationFailed)
		return e
	}
	g.passed.Add(p.Query, struct{}{})
	return nil
}

// Check returns a message naming the limit a document breaks, or "" when
// it keeps them all (or does not parse: gqlgen reports that itself).
func (l Limits) Check(query string) string {
	if len(query) > l.MaxQueryBytes {
		return "The query exceeds the limit of " +
			strconv.Itoa(l.MaxQueryBytes) + " bytes."
	}
	if !l.fewTokens(query) {
		return "The query exceeds the limit of " +
			strconv.Itoa(l.MaxQueryTokens) + " tokens."
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		// gqlgen parses it again and reports the error with position.
		return ""
	}
	return l.checkDocument(doc)
}

func (l Limits) fewTokens(query string) bool {
	lx := lexer.New(&ast.Source{Input: query})
	for n := 0; ; n++ {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return true
		}
		if n >= l.MaxQueryTokens {
			return false
		}
	}
}

func limitMsg(what string, limit int) string {
	return "The query exceeds the limit of " + strconv.Itoa(limit) + " " +
		what + "."
}
