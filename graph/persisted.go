package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TrustedDocuments is the set of operations a locked-down deployment
// executes, by the SHA-256 (hex) of their text. Clients send the hash in
// the persistedQuery extension, as with automatic persisted queries, or
// the full text; anything else is refused, and nothing can be registered.
type TrustedDocuments map[string]string

// LoadTrustedDocuments reads a JSON object that maps each document's
// SHA-256 hex digest to its text. It fails when a digest does not match
// its document, so a typo cannot admit another query.
func LoadTrustedDocuments(path string) (TrustedDocuments, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var docs TrustedDocuments
	if err := json.Unmarshal(data, &docs); err != nil {
		return nil, fmt.Errorf("trusted documents: not a JSON object of " +
			"hash to query")
	}
	for hash, query := range docs {
		if documentHash(query) != strings.ToLower(hash) {
			return nil, fmt.Errorf("trusted documents: %.16s… is not the "+
				"SHA-256 of its query", hash)
		}
	}
	return docs, nil
}

func documentHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// trustedOnly runs only TrustedDocuments.
type trustedOnly struct{ docs TrustedDocuments }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = trustedOnly{}

func (trustedOnly) ExtensionName() string                   { return "TrustedDocuments" }
func (trustedOnly) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters replaces a hash by its trusted document and
// refuses any document that is not trusted.
func (t trustedOnly) MutateOperationParameters(_ context.Context,
	p *graphql.RawParams) *gqlerror.Error {
	hash := persistedHash(p.Extensions)
	if hash == "" && p.Query != "" {
		hash = documentHash(p.Query)
	}
	query, ok := t.docs[strings.ToLower(hash)]
	if !ok || (p.Query != "" && p.Query != query) {
		e := gqlerror.Errorf("Only trusted documents are executed here; " +
			"this one is not among them.")
		errcode.Set(e, "PERSISTED_QUERY_NOT_FOUND")
		return e
	}
	p.Query = query
	return nil
}

// persistedHash returns extensions.persistedQuery.sha256Hash, if any.
func persistedHash(ext map[string]any) string {
	pq, _ := ext["persistedQuery"].(map[string]any)
	h, _ := pq["sha256Hash"].(string)
	return h
}
