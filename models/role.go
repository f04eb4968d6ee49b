package models

import (
	"fmt"
	"strings"
)

// Role is a member's role in a workspace. Roles are ordered:
// owner > admin > member > viewer.
type Role string

// The workspace roles, strongest first.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// roleOrder lists every role, strongest first.
var roleOrder = [...]Role{RoleOwner, RoleAdmin, RoleMember, RoleViewer}

// ParseRole reads a role name, case-insensitively.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() < 0 {
		return "", fmt.Errorf("unknown role %q (want owner, admin, member or viewer)", s)
	}
	return r, nil
}

// rank is 0 for the weakest role and grows with power; -1 for an unknown role.
func (r Role) rank() int {
	for i, known := range roleOrder {
		if r == known {
			return len(roleOrder) - 1 - i
		}
	}
	return -1
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.rank() >= 0 }

// AtLeast reports whether r is as strong as min or stronger. An unknown role
// is never enough.
func (r Role) AtLeast(min Role) bool {
	return r.Valid() && min.Valid() && r.rank() >= min.rank()
}

// CanAdminister reports whether the role may manage the workspace's apps,
// members and keys.
func (r Role) CanAdminister() bool { return r.AtLeast(RoleAdmin) }

// Label is the role's name as people read it ("Owner").
func (r Role) Label() string {
	if !r.Valid() {
		return string(r)
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}
