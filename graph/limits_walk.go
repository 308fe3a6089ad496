package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// checkDocument measures a parsed (not yet validated) document. It
// follows fragment spreads with memoization and saturating counts, so a
// document whose fragments expand exponentially, or spread in a cycle,
// is measured in linear time; validation rejects cycles afterwards.
func (l Limits) checkDocument(doc *ast.QueryDocument) string {
	if msg := l.checkFlat(doc); msg != "" {
		return msg
	}
	w := &walker{doc: doc, limit: l, memo: map[string]*measure{}}
	for _, op := range doc.Operations {
		m := w.selections(op.SelectionSet)
		switch {
		case m.depth > l.MaxDepth:
			return limitMsg("levels of nesting (depth)", l.MaxDepth)
		case m.roots > l.MaxRootFields:
			return limitMsg("root fields", l.MaxRootFields)
		case op.Operation == ast.Mutation && m.credentials > 1:
			return "A request may run at most one mutation that checks " +
				"credentials (such as login or register)."
		}
	}
	return ""
}

// checkFlat counts what needs no fragment expansion: aliases and
// directives, anywhere in the document.
func (l Limits) checkFlat(doc *ast.QueryDocument) string {
	aliases, directives := 0, 0
	var visit func(ast.SelectionSet) string
	visit = func(set ast.SelectionSet) string {
		for _, sel := range set {
			var ds ast.DirectiveList
			var children ast.SelectionSet
			switch s := sel.(type) {
			case *ast.Field:
				if s.Alias != "" && s.Alias != s.Name {
					aliases++
				}
				ds, children = s.Directives, s.SelectionSet
			case *ast.InlineFragment:
				ds, children = s.Directives, s.SelectionSet
			case *ast.FragmentSpread:
				ds = s.Directives
			}
			directives += len(ds)
			if len(ds) > l.MaxDirectives {
				return limitMsg("directives on one field", l.MaxDirectives)
			}
			if msg := visit(children); msg != "" {
				return msg
			}
		}
		return ""
	}
	for _, op := range doc.Operations {
		directives += len(op.Directives)
		if msg := visit(op.SelectionSet); msg != "" {
			return msg
		}
	}
	for _, f := range doc.Fragments {
		directives += len(f.Directives)
		if msg := visit(f.SelectionSet); msg != "" {
			return msg
		}
	}
	switch {
	case aliases > l.MaxAliases:
		return limitMsg("aliases", l.MaxAliases)
	case directives > 4*l.MaxDirectives:
		return limitMsg("directives", 4*l.MaxDirectives)
	}
	return ""
}

// measure is what a selection set amounts to once its fragments are
// expanded: how deep it nests, how many fields it has at its own level,
// and how many of those are credential mutations.
type measure struct {
	depth, roots, credentials int
}

type walker struct {
	doc   *ast.QueryDocument
	limit Limits
	memo  map[string]*measure // by fragment name; nil while in progress
}

func (w *walker) selections(set ast.SelectionSet) measure {
	var m measure
	for _, sel := range set {
		var sub measure
		switch s := sel.(type) {
		case *ast.Field:
			child := w.selections(s.SelectionSet)
			sub = measure{depth: child.depth + 1, roots: 1}
			if credentialFields[s.Name] {
				sub.credentials = 1
			}
		case *ast.InlineFragment:
			sub = w.selections(s.SelectionSet)
		case *ast.FragmentSpread:
			sub = w.fragment(s.Name)
		}
		m.depth = max(m.depth, sub.depth)
		m.roots = w.add(m.roots, sub.roots)
		m.credentials = w.add(m.credentials, sub.credentials)
	}
	return m
}

// fragment measures a named fragment once. A spread of a fragment that is
// being measured (a cycle) or unknown counts as nothing here.
func (w *walker) fragment(name string) measure {
	if m, seen := w.memo[name]; seen {
		if m == nil {
			return measure{}
		}
		return *m
	}
	w.memo[name] = nil
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return measure{}
	}
	m := w.selections(def.SelectionSet)
	w.memo[name] = &m
	return m
}

// add sums counts, saturating just above any limit so that exponential
// expansion cannot overflow.
func (w *walker) add(a, b int) int {
	ceiling := max(w.limit.MaxRootFields, w.limit.MaxDepth) + 1
	return min(a+b, ceiling)
}
