package duban

import (
	"strings"
)

// Level is a tenant's place in the administrative tree.
type Level string

// The levels of the administrative tree, top down.
const (
	LevelNation   Level = "nation"   // 全国
	LevelProvince Level = "province" // 省
	LevelCity     Level = "city"     // 市
	LevelCounty   Level = "county"   // 县(区、县级市)
)

// Levels lists every level from the top down.
var Levels = []Level{LevelNation, LevelProvince, LevelCity, LevelCounty}

// Rank is 0 for the nation and grows downwards; -1 for an unknown level.
func (l Level) Rank() int {
	for i, x := range Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l.Rank() >= 0 }

// RootCode is the code of the national root tenant (全国).
const RootCode = "000000"

// Tenant is one administrative division: a province, city or county-level
// unit identified by its GB/T 2260 code, or the national root.
//
// Parent is the geographic parent; Supervisor is who reviews its work and
// receives its escalations. They differ for a county supervised directly by
// the province (直管县). Path is the supervision path of codes from the root,
// dot-separated (000000.41.410225), so a subtree is a path prefix.
type Tenant struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      Level  `json:"level"`
	Parent     string `json:"parent,omitempty"`
	Supervisor string `json:"supervisor,omitempty"`
	Path       string `json:"path"`
}

// DirectlySupervised reports whether the tenant is supervised by someone
// other than its geographic parent (直管县).
func (t *Tenant) DirectlySupervised() bool { return t.Parent != t.Supervisor }

// PathWithin reports whether path lies in the subtree rooted at root
// (both dot-separated supervision paths); a path is within itself.
func PathWithin(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+".")
}

// ValidCode reports whether s looks like a tenant code: the root, or 2, 4 or
// 6 digits.
func ValidCode(s string) bool {
	if s == RootCode {
		return true
	}
	if n := len(s); n != 2 && n != 4 && n != 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// TenantDetail is a tenant with its child counts.
type TenantDetail struct {
	Tenant
	Children           int `json:"children"`            // geographic children
	SupervisedChildren int `json:"supervised_children"` // tenants it supervises directly
}

// TenantFilter selects tenants for ListTenants.
type TenantFilter struct {
	Parent string   // geographic children of this code
	Query  string   // name substring or code prefix
	Level  string   // only this level
	Within []string // only inside these supervision subtrees (nil: no limit)
	After  string   // cursor: codes after this one
	Limit  int
}

// SystemScope is the scope of trusted internal work (the whole tree, in
// every line).
var SystemScope = ScopeAllLines(RootCode)
