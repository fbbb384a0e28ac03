package duban

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldType is the type of a report form field.
type FieldType string

// Report form field types.
const (
	FieldInteger    FieldType = "integer"    // whole count ≥ Min
	FieldDecimal    FieldType = "decimal"    // number
	FieldText       FieldType = "text"       // free text up to MaxLength
	FieldChoice     FieldType = "choice"     // one of Choices
	FieldDate       FieldType = "date"       // YYYY-MM-DD
	FieldChecklist  FieldType = "checklist"  // map of Choices → bool, every item answered
	FieldAttachment FieldType = "attachment" // list of attachment references
)

// Text is a bilingual label.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// FormField is one field of a report form.
type FormField struct {
	Name      string    `json:"name"`
	Label     Text      `json:"label"`
	Type      FieldType `json:"type"`
	Required  bool      `json:"required"`
	Min       *float64  `json:"min,omitempty"`
	Max       *float64  `json:"max,omitempty"`
	MaxLength int       `json:"max_length,omitempty"`
	Choices   []string  `json:"choices,omitempty"`
	Unit      *Text     `json:"unit,omitempty" doc:"Unit shown beside the input (项, 元)"`
	Hint      *Text     `json:"hint,omitempty" doc:"What to enter, shown under the input"`
}

// FormSchema is a report form: submissions are validated against it.
type FormSchema struct {
	Fields []FormField `json:"fields"`
	// AtMost lists pairs [a, b]: field a may not exceed field b (hazards
	// rectified ≤ hazards found).
	AtMost [][2]string `json:"at_most,omitempty"`
}

// Float returns a pointer to v, for Min and Max.
func Float(v float64) *float64 { return &v }

var attachmentRE = regexp.MustCompile(`^att_[A-Za-z0-9_-]{4,64}$`)

// Validate checks values against the schema and returns one FieldError per
// bad field (unknown fields included), sorted by location; nil when valid.
// Partial (a draft) skips the required check.
func (s FormSchema) Validate(values map[string]any, partial bool) []FieldError {
	var errs []FieldError
	bad := func(name, msg string, v any) {
		errs = append(errs, FieldError{Location: "body.report." + name, Message: msg, Value: v})
	}
	known := map[string]bool{}
	for _, f := range s.Fields {
		known[f.Name] = true
		v, ok := values[f.Name]
		if !ok || v == nil {
			if f.Required && !partial {
				bad(f.Name, "is required", nil)
			}
			continue
		}
		switch f.Type {
		case FieldInteger, FieldDecimal:
			n, ok := v.(float64)
			if !ok {
				bad(f.Name, "must be a number", v)
				continue
			}
			if math.IsNaN(n) || math.IsInf(n, 0) {
				bad(f.Name, "must be a finite number", v)
				continue
			}
			if f.Type == FieldInteger && n != math.Trunc(n) {
				bad(f.Name, "must be a whole number", v)
				continue
			}
			if f.Min != nil && n < *f.Min {
				bad(f.Name, fmt.Sprintf("must be at least %g", *f.Min), v)
			} else if f.Max != nil && n > *f.Max {
				bad(f.Name, fmt.Sprintf("must be at most %g", *f.Max), v)
			}
		case FieldText:
			str, ok := v.(string)
			if !ok {
				bad(f.Name, "must be text", v)
				continue
			}
			max := f.MaxLength
			if max == 0 {
				max = 5000
			}
			if !utf8.ValidString(str) {
				bad(f.Name, "must be valid UTF-8", nil)
			} else if utf8.RuneCountInString(str) > max {
				bad(f.Name, fmt.Sprintf("must be at most %d characters", max), nil)
			} else if f.Required && !partial && strings.TrimSpace(str) == "" {
				bad(f.Name, "must not be blank", v)
			}
		case FieldChoice:
			str, ok := v.(string)
			if !ok || !slices.Contains(f.Choices, str) {
				bad(f.Name, "must be one of: "+strings.Join(f.Choices, ", "), v)
			}
		case FieldDate:
			str, ok := v.(string)
			if !ok {
				bad(f.Name, "must be a date YYYY-MM-DD", v)
				continue
			}
			if _, err := time.Parse("2006-01-02", str); err != nil {
				bad(f.Name, "must be a date YYYY-MM-DD", v)
			}
		case FieldChecklist:
			m, ok := v.(map[string]any)
			if !ok {
				bad(f.Name, "must be an object of item → true/false", v)
				continue
			}
			for _, k := range sortedKeys(m) {
				x := m[k]
				if !slices.Contains(f.Choices, k) {
					bad(f.Name+"."+k, "is not an item of this checklist", nil)
				} else if _, ok := x.(bool); !ok {
					bad(f.Name+"."+k, "must be true or false", x)
				}
			}
			if !partial {
				for _, c := range f.Choices {
					if _, ok := m[c]; !ok {
						bad(f.Name+"."+c, "must be answered", nil)
					}
				}
			}
		case FieldAttachment:
			list, ok := v.([]any)
			if !ok {
				bad(f.Name, "must be a list of attachment references", v)
				continue
			}
			if len(list) > 50 {
				bad(f.Name, "at most 50 attachments", nil)
			}
			for i, a := range list {
				if s, ok := a.(string); !ok || !attachmentRE.MatchString(s) {
					bad(fmt.Sprintf("%s[%d]", f.Name, i), "must be an attachment reference like att_xxxx", a)
				}
			}
		}
	}
	for _, p := range s.AtMost {
		a, okA := values[p[0]].(float64)
		b, okB := values[p[1]].(float64)
		if okA && okB && a > b {
			bad(p[0], "must not exceed "+p[1], a)
		}
	}
	for _, k := range sortedKeys(values) {
		if !known[k] {
			bad(k, "is not a field of this form", nil)
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Location < errs[j].Location })
	return errs
}

// ValidAttachment reports whether s is an attachment reference (att_…).
func ValidAttachment(s string) bool { return attachmentRE.MatchString(s) }

// SampleReport fills a form with valid values that vary with seed (for
// tests, load runs and examples): fields named first in an AtMost pair get
// small values (seed%5 + position), other numbers 10·(seed%97+10)·(fields
// left), checklists all true, choices the first choice. It does not fill
// attachments.
func (s FormSchema) SampleReport(seed int) map[string]any {
	small := map[string]bool{}
	for _, p := range s.AtMost {
		small[p[0]] = true
	}
	out := map[string]any{}
	base := seed%97 + 10
	for i, f := range s.Fields {
		switch f.Type {
		case FieldInteger, FieldDecimal:
			if small[f.Name] {
				out[f.Name] = float64(seed%5 + i)
			} else {
				out[f.Name] = float64(10 * base * (len(s.Fields) - i))
			}
			if f.Max != nil && out[f.Name].(float64) > *f.Max {
				out[f.Name] = *f.Max
			}
		case FieldText:
			out[f.Name] = "已按要求完成"
		case FieldChoice:
			out[f.Name] = f.Choices[0]
		case FieldDate:
			out[f.Name] = "2026-06-01"
		case FieldChecklist:
			m := map[string]any{}
			for _, c := range f.Choices {
				m[c] = true
			}
			out[f.Name] = m
		}
	}
	return out
}

// sortedKeys returns m's keys in order: deterministic, so workflow code may
// use it (the map is only read to collect the keys).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	//workflowcheck:ignore
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
