// Package graph holds the GraphQL resolvers: they read input, call the
// account service and map its results and errors to the schema's types.
// The executor and models gqlgen generates live in graph/generated and
// graph/model and are never edited by hand.
package graph

//go:generate go tool gqlgen generate
