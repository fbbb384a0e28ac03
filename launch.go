package duban

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// LaunchRequest is the body of launch-campaign.
type LaunchRequest struct {
	Template string            `json:"template" minLength:"1" maxLength:"64" doc:"Template id (list-campaign-templates)"`
	Title    string            `json:"title" minLength:"1" maxLength:"200"`
	Scope    string            `json:"scope" minLength:"2" maxLength:"6" doc:"Tenant that launches: targets lie in its supervised subtree"`
	Levels   []string          `json:"levels,omitempty" maxItems:"3" doc:"Target levels below the scope; default from the template"`
	Phases   map[string]string `json:"phases,omitempty" doc:"Phase id → deadline (YYYY-MM-DD means the end of that day in Asia/Shanghai, or RFC 3339); default from the template"`
	Targets  []string          `json:"targets,omitempty" maxItems:"500" doc:"Only these tenants' subtrees (inside the scope)"`
	Lines    []string          `json:"lines,omitempty" maxItems:"5" doc:"Department lines (条线) the campaign belongs to; several make a joint campaign (联合). Default: the template's line, or for the generic template the planner's own line (construction when the planner holds every line)."`
	Options  *CampaignOptions  `json:"options,omitempty" doc:"Focus areas (rectification-3y) and ratio targets (dual-prevention: {\"targets\":{\"coverage\":0.9}}) the template allows"`
}

// Validate checks a launch request against the tree, the template and
// the clock, and returns the campaign to create (without id or creator).
// Every problem is a 422 naming its field.
func (b LaunchRequest) Validate(dir *Directory, now time.Time) (*Campaign, error) {
	tpl := TemplateByID(b.Template)
	if tpl == nil {
		return nil, Invalid("body.template", "unknown template", b.Template)
	}
	scope := dir.Get(b.Scope)
	if scope == nil {
		return nil, Invalid("body.scope", "unknown tenant", b.Scope)
	}
	if strings.TrimSpace(b.Title) == "" || !utf8.ValidString(b.Title) {
		return nil, Invalid("body.title", "must not be blank", b.Title)
	}
	levels := tpl.Levels
	if len(b.Levels) > 0 {
		levels = nil
		seen := map[Level]bool{}
		for i, l := range b.Levels {
			lv := Level(l)
			if !lv.Valid() || lv.Rank() <= scope.Level.Rank() {
				return nil, Invalid("body.levels["+strconv.Itoa(i)+"]", "must be a level below the scope ("+string(scope.Level)+")", l)
			}
			if _, ok := tpl.Tasks[lv]; !ok {
				return nil, Invalid("body.levels["+strconv.Itoa(i)+"]", "the template has no task for this level", l)
			}
			if !seen[lv] {
				seen[lv] = true
				levels = append(levels, lv)
			}
		}
	}
	var lv []Level
	for _, l := range levels {
		if l.Rank() > scope.Level.Rank() {
			lv = append(lv, l)
		}
	}
	if len(lv) == 0 {
		return nil, Invalid("body.levels", "no target level lies below the scope", b.Levels)
	}
	sort.Slice(lv, func(i, j int) bool { return lv[i].Rank() < lv[j].Rank() })
	overrides := map[string]time.Time{}
	for id, v := range b.Phases {
		t, ok := ParseDeadline(v)
		if !ok {
			return nil, Invalid("body.phases."+id, "must be YYYY-MM-DD or an RFC 3339 time", v)
		}
		overrides[id] = t
	}
	phases, err := tpl.ResolveDeadlines(now, overrides, func(y int, m time.Month, d int) time.Time {
		return EndOfDay(y, m, d)
	})
	if err != nil {
		return nil, Invalid("body.phases", ErrorMessage(err), nil)
	}
	for i, ph := range phases {
		if !ph.Due.After(now) {
			return nil, Invalid("body.phases."+ph.ID, "the deadline must be in the future", ph.Due)
		}
		if i > 0 && !ph.Due.After(phases[i-1].Due) {
			return nil, Invalid("body.phases."+ph.ID, "phase deadlines must be in order: after "+phases[i-1].ID, ph.Due)
		}
		if err := WithinHorizon("body.phases."+ph.ID, ph.Due, now, MaxHorizon); err != nil {
			return nil, err
		}
	}
	var targets []string
	for i, t := range b.Targets {
		if dir.Get(t) == nil || !dir.Within(t, b.Scope) || t == b.Scope {
			return nil, Invalid("body.targets["+strconv.Itoa(i)+"]", "must be a tenant inside the scope", t)
		}
		targets = append(targets, t)
	}
	sort.Strings(targets)
	lines, err := inputLines("body.lines", b.Lines, tpl.Line)
	if err != nil {
		return nil, err
	}
	var opts CampaignOptions
	if b.Options != nil {
		for i, f := range b.Options.FocusAreas {
			ok := false
			for _, c := range tpl.FocusAreas {
				ok = ok || c.ID == f
			}
			if !ok {
				return nil, Invalid("body.options.focus_areas["+strconv.Itoa(i)+"]", "not a focus area of this template", f)
			}
		}
		opts.FocusAreas = b.Options.FocusAreas
		for name, v := range b.Options.Targets {
			ok := false
			for _, r := range tpl.Ratios {
				ok = ok || (r.Name == name && r.Target)
			}
			if !ok {
				return nil, Invalid("body.options.targets."+name, "this template has no ratio with a target of that name", name)
			}
			if v <= 0 || v > 1 {
				return nil, Invalid("body.options.targets."+name, "must be a fraction above 0 and at most 1", v)
			}
		}
		opts.Targets = b.Options.Targets
	}
	return &Campaign{Template: tpl.ID, Title: strings.TrimSpace(b.Title), Scope: b.Scope, Levels: lv, Phases: phases, Targets: targets, Options: opts, Lines: lines}, nil
}
