package duban

import (
	"sort"
	"strings"
)

// Line is a department line (条线) within a tenant: a tenant is a place,
// and its work belongs to the department that supervises that kind of work
// ("一个监管环节由一个部门监管"). Templates, campaigns, hazards, accidents and
// registry records carry lines; a role binding names one line or all.
type Line string

// The lines. The committee offices (安委办, 食安办) coordinate across lines:
// a binding in an office reaches the lines it coordinates as well.
const (
	LineConstruction Line = "construction"  // 住房和城乡建设
	LineEmergency    Line = "emergency"     // 应急管理: work safety, fireworks
	LineMarket       Line = "market"        // 市场监管: food and drugs
	LineSafetyOffice Line = "safety_office" // 安委办: coordinates every line
	LineFoodOffice   Line = "food_office"   // 食安办: coordinates food safety
)

// AllLines is how a role binding that reaches every line is written in
// requests and answers ("*"); it is stored as "".
const AllLines = "*"

// LineInfo describes a line.
type LineInfo struct {
	ID   Line `json:"id"`
	Name Text `json:"name"`
	// Coordinates: the other lines a binding in this line reaches (offices).
	Coordinates []Line `json:"coordinates,omitempty"`
	// Office: a committee office (every line when Coordinates is empty).
	Office bool `json:"office,omitempty"`
}

// LineInfos lists every line in display order.
var LineInfos = []LineInfo{
	{ID: LineConstruction, Name: Text{"住房城乡建设", "housing & construction"}},
	{ID: LineEmergency, Name: Text{"应急管理", "emergency management"}},
	{ID: LineMarket, Name: Text{"市场监管", "market regulation"}},
	{ID: LineSafetyOffice, Name: Text{"安委办", "work-safety committee office"}, Office: true},
	{ID: LineFoodOffice, Name: Text{"食安办", "food-safety committee office"}, Office: true, Coordinates: []Line{LineMarket}},
}

// Lines lists every line id.
func Lines() []Line {
	out := make([]Line, len(LineInfos))
	for i, l := range LineInfos {
		out[i] = l.ID
	}
	return out
}

// Info returns the line's description, or nil for an unknown line.
func (l Line) Info() *LineInfo {
	for i := range LineInfos {
		if LineInfos[i].ID == l {
			return &LineInfos[i]
		}
	}
	return nil
}

// Valid reports whether l is a known line.
func (l Line) Valid() bool { return l.Info() != nil }

// Reach returns the lines a binding in line l reaches: the line itself and
// those it coordinates; an office without a list, or "" (all lines), reaches
// every line.
func (l Line) Reach() []Line {
	info := l.Info()
	if l == "" || l == AllLines || (info != nil && info.Office && len(info.Coordinates) == 0) {
		return Lines()
	}
	if info == nil {
		return nil
	}
	return append([]Line{l}, info.Coordinates...)
}

// Label is the line's Chinese name with its id, for messages.
func (l Line) Label() string {
	if l == "" || l == AllLines {
		return "全部条线 all lines"
	}
	if info := l.Info(); info != nil {
		return info.Name.ZH + " " + string(l)
	}
	return string(l)
}

// NormalizeLines sorts and deduplicates lines; it reports the first unknown
// one, if any.
func NormalizeLines(in []Line) ([]Line, Line, bool) {
	seen := map[Line]bool{}
	out := make([]Line, 0, len(in))
	for _, l := range in {
		if !l.Valid() {
			return nil, l, false
		}
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, "", true
}

// LinePath is the row-level security key of a line-scoped row: the line
// label before the tenant's supervision path (construction.000000.41.4101),
// so that a line's subtree is again a path prefix.
func LinePath(l Line, tenantPath string) string { return string(l) + "." + tenantPath }

// LineStrings renders lines as strings (for SQL arrays).
func LineStrings(ls []Line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l)
	}
	return out
}

// ParseLines splits a comma-separated list of lines.
func ParseLines(s string) []Line {
	var out []Line
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, Line(f))
		}
	}
	return out
}

// ScopeAllLines is the row-level security scope of the given supervision
// paths in every line (for trusted work and tests).
func ScopeAllLines(paths ...string) []string {
	out := append([]string{}, paths...)
	for _, p := range paths {
		for _, l := range Lines() {
			out = append(out, LinePath(l, p))
		}
	}
	return out
}
