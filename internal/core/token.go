package core

import "time"

// Role decides what an API token or user may do.
type Role string

const (
	RoleAdmin    Role = "admin"    // everything, including tokens
	RoleAnalyst  Role = "analyst"  // security analyst: reads and writes the inventory
	RoleEngineer Role = "engineer" // clinical engineer: reads and writes the inventory
	RoleAuditor  Role = "auditor"  // read-only
)

// Roles lists the valid roles.
var Roles = []Role{RoleAdmin, RoleAnalyst, RoleEngineer, RoleAuditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, s := range Roles {
		if r == s {
			return true
		}
	}
	return false
}

// CanWrite reports whether the role may change the inventory.
func (r Role) CanWrite() bool { return r == RoleAdmin || r == RoleAnalyst || r == RoleEngineer }

// Token is an API bearer token. Only a SHA-256 hash of the secret is stored;
// the secret itself is shown once, when the token is created.
type Token struct {
	ID        TokenID    `json:"id"`
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	Hash      []byte     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Validate checks a token's attributes.
func (t *Token) Validate() error {
	v := Validation{What: "token"}
	checkText(&v, "name", t.Name, MaxNameLen, true)
	if !t.Role.Valid() {
		v.Add("role", "must be admin, analyst, engineer or auditor")
	}
	if len(t.Hash) != 32 {
		v.Add("hash", "must be a SHA-256 digest")
	}
	return v.Err()
}

// Principal is who is making a request: the token's name and role.
type Principal struct {
	TokenID TokenID
	Name    string
	Role    Role
}
