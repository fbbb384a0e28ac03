package duban

import (
	"sort"
	"strings"
)

// Directory is the in-memory tenant tree, read-only after construction.
type Directory struct {
	byCode     map[string]*Tenant
	supervised map[string][]string // supervisor → supervised codes, sorted
}

// NewDirectory indexes tenants.
func NewDirectory(tenants []Tenant) *Directory {
	d := &Directory{byCode: make(map[string]*Tenant, len(tenants)), supervised: map[string][]string{}}
	for i := range tenants {
		t := tenants[i]
		d.byCode[t.Code] = &t
		if t.Supervisor != "" {
			d.supervised[t.Supervisor] = append(d.supervised[t.Supervisor], t.Code)
		}
	}
	for _, s := range d.supervised {
		sort.Strings(s)
	}
	return d
}

// Len is the number of tenants.
func (d *Directory) Len() int { return len(d.byCode) }

// Get returns the tenant with code, or nil.
func (d *Directory) Get(code string) *Tenant { return d.byCode[code] }

// Name is the name of the tenant with code ("" when there is none).
func (d *Directory) Name(code string) string {
	if t := d.byCode[code]; t != nil {
		return t.Name
	}
	return ""
}

// Supervised returns the codes a tenant supervises directly, sorted.
func (d *Directory) Supervised(code string) []string { return d.supervised[code] }

// Ancestors returns the codes of a tenant's supervisors, nearest first.
func (d *Directory) Ancestors(code string) []string {
	t := d.byCode[code]
	if t == nil {
		return nil
	}
	parts := strings.Split(t.Path, ".")
	out := make([]string, 0, len(parts)-1)
	for i := len(parts) - 2; i >= 0; i-- {
		out = append(out, parts[i])
	}
	return out
}

// Within reports whether code lies in the supervision subtree of root.
func (d *Directory) Within(code, root string) bool {
	t, r := d.byCode[code], d.byCode[root]
	return t != nil && r != nil && PathWithin(t.Path, r.Path)
}
