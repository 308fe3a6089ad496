package models

import (
	"fmt"
	"io"
	"strconv"
)

// Role is what an account may do. Roles are ordered: an ADMIN may do
// everything a USER may.
type Role string

// The roles, as stored and as shown in the GraphQL enum Role.
const (
	RoleUser  Role = "USER"
	RoleAdmin Role = "ADMIN"
)

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	return r == RoleUser || r == RoleAdmin
}

// Includes reports whether an account with role r holds the permissions
// of role other.
func (r Role) Includes(other Role) bool {
	return r.rank() >= other.rank() && other.Valid()
}

func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 2
	case RoleUser:
		return 1
	}
	return 0
}

// String returns the role's name.
func (r Role) String() string { return string(r) }

// UnmarshalGQL reads a Role from a GraphQL enum value.
func (r *Role) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("role must be a string")
	}
	*r = Role(s)
	if !r.Valid() {
		return fmt.Errorf("%q is not a valid Role", s)
	}
	return nil
}

// MarshalGQL writes r as a GraphQL enum value.
func (r Role) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(r)))
}
