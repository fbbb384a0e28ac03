package duban

import (
	"regexp"
	"time"
)

// Role is what a user may do at a tenant; see the README's role table.
type Role string

// The roles.
const (
	RoleAdmin    Role = "admin"    // tenant administrator: users and role bindings in its subtree
	RolePlanner  Role = "planner"  // launches and steers campaigns (省厅规划)
	RoleReviewer Role = "reviewer" // reviews and signs off supervised reports (市级审核)
	RoleStaff    Role = "staff"    // does the work at its own tenant (县级)
	RoleViewer   Role = "viewer"   // reads everything in its subtree
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RolePlanner, RoleReviewer, RoleStaff, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// User is a person who logs in. A user belongs to one tenant and holds roles
// through role bindings.
type User struct {
	Login      string    `json:"login"`
	Name       string    `json:"name"`
	Tenant     string    `json:"tenant"`
	CreatedAt  time.Time `json:"created_at"`
	Disabled   bool      `json:"disabled"`
	TenantPath string    `json:"-"`
}

var loginRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

// ValidLogin reports whether s is an acceptable login: 2–63 lower-case
// letters, digits, dot, dash or underscore, starting with a letter or digit.
func ValidLogin(s string) bool { return loginRE.MatchString(s) }

// RoleBinding grants Role to User at Tenant (and, for roles that reach it,
// the subtree Tenant supervises).
type RoleBinding struct {
	ID     int64  `json:"id"`
	User   string `json:"user"`
	Role   Role   `json:"role"`
	Tenant string `json:"tenant"`
	// Line is the department line the role applies to; "" reaches every line.
	Line       Line      `json:"line"`
	TenantPath string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
}

// Principal is the authenticated caller of a request.
type Principal struct {
	Login      string
	Tenant     string // the user's home tenant
	TenantPath string
	Bindings   []RoleBinding
}

// RoleBindingFilter selects bindings.
type RoleBindingFilter struct {
	ID      int64
	User    string
	Tenant  string // bindings in this tenant's subtree
	Role    string
	Line    string
	AfterID int64
	Limit   int
}

// UserFilter selects users for ListUsers.
type UserFilter struct {
	Tenant string // only users of this tenant's subtree
	After  string // cursor: logins after this one
	Limit  int
}
