package duban

import (
	"strings"
	"time"
)

// HazardGrade is a hazard's grade (隐患等级).
type HazardGrade string

// Hazard grades.
const (
	HazardGeneral HazardGrade = "general" // 一般隐患
	HazardMajor   HazardGrade = "major"   // 重大隐患
)

// Inspection kinds that find hazards.
const (
	InspectOpen        = "open"         // 明查
	InspectCovert      = "covert"       // 暗访
	InspectCrossRegion = "cross_region" // 异地执法
)

// InspectionKinds lists the kinds, for validation and the API enum.
var InspectionKinds = []string{InspectOpen, InspectCovert, InspectCrossRegion}

// HazardState is where a hazard stands in its closed loop.
type HazardState string

// Hazard states: open (to rectify) → rectified (awaiting the on-site
// re-inspection) → closed (销号); a failed re-inspection re-opens it.
const (
	HazardOpen      HazardState = "open"
	HazardRectified HazardState = "rectified"
	HazardClosed    HazardState = "closed"
)

// ReinspectWithin is how long after the rectification deadline, or after
// the request when rectification is reported, the re-inspection is due.
const ReinspectWithin = 10 * 24 * time.Hour

// RectificationPlan is a major hazard's plan with the five elements in
// place (五到位): measures, funds, deadline, responsible person and the
// emergency plan.
type RectificationPlan struct {
	Measures          string `json:"measures" maxLength:"5000" doc:"整改措施"`
	FundsCNY          int64  `json:"funds_cny" minimum:"0" maximum:"100000000000" doc:"整改资金, CNY"`
	Deadline          string `json:"deadline" maxLength:"10" doc:"整改时限, YYYY-MM-DD"`
	ResponsiblePerson string `json:"responsible_person" maxLength:"100" doc:"责任人"`
	EmergencyPlan     string `json:"emergency_plan" maxLength:"5000" doc:"应急预案"`
}

// Missing names the elements of the plan not in place, as field names.
func (p *RectificationPlan) Missing() []string {
	if p == nil {
		return []string{"measures", "funds_cny", "deadline", "responsible_person", "emergency_plan"}
	}
	var out []string
	if strings.TrimSpace(p.Measures) == "" {
		out = append(out, "measures")
	}
	if p.FundsCNY <= 0 {
		out = append(out, "funds_cny")
	}
	if _, err := time.Parse("2006-01-02", p.Deadline); err != nil {
		out = append(out, "deadline")
	}
	if strings.TrimSpace(p.ResponsiblePerson) == "" {
		out = append(out, "responsible_person")
	}
	if strings.TrimSpace(p.EmergencyPlan) == "" {
		out = append(out, "emergency_plan")
	}
	return out
}

// Hazard is one hazard as its workflow keeps it and the read model shows it.
type Hazard struct {
	ID               string             `json:"id"`
	Tenant           string             `json:"tenant"`
	TenantPath       string             `json:"-"`
	Campaign         string             `json:"campaign,omitempty"`
	Line             Line               `json:"line,omitempty" doc:"Department line (条线) that supervises it"`
	Enterprise       string             `json:"enterprise,omitempty" doc:"The enterprise concerned (统一社会信用代码)"`
	Project          string             `json:"project,omitempty" doc:"The project concerned (项目编号)"`
	Place            string             `json:"place" doc:"Where (地点)"`
	Description      string             `json:"description" doc:"What (隐患内容)"`
	Grade            HazardGrade        `json:"grade" enum:"general,major"`
	FoundBy          string             `json:"found_by" enum:"open,covert,cross_region" doc:"明查 / 暗访 / 异地执法"`
	ResponsibleUnit  string             `json:"responsible_unit" doc:"责任单位"`
	Deadline         time.Time          `json:"deadline" doc:"Rectification deadline (整改时限)"`
	Photos           []string           `json:"photos,omitempty" doc:"Attachment references"`
	Plan             *RectificationPlan `json:"plan,omitempty" doc:"Rectification plan (五到位), required for a major hazard"`
	Listed           bool               `json:"listed" doc:"Listed for supervision by the province (挂牌督办)"`
	ListedBy         string             `json:"listed_by,omitempty" doc:"The supervising tenant of a listed hazard"`
	State            HazardState        `json:"state" enum:"open,rectified,closed"`
	Overdue          bool               `json:"overdue"`
	EscalationLevel  int                `json:"escalation_level"`
	ReportedBy       string             `json:"reported_by"`
	ReportedAt       time.Time          `json:"reported_at"`
	Rectification    string             `json:"rectification,omitempty" doc:"What was done, as last reported"`
	RectifiedBy      string             `json:"rectified_by,omitempty"`
	RectifiedAt      *time.Time         `json:"rectified_at,omitempty"`
	ReinspectDue     *time.Time         `json:"reinspect_due,omitempty" doc:"The on-site re-inspection is due by then"`
	ReinspectOverdue bool               `json:"reinspect_overdue"`
	VerifiedBy       string             `json:"verified_by,omitempty"`
	ClosedAt         *time.Time         `json:"closed_at,omitempty"`
	Reopens          int                `json:"reopens"`
	Version          int64              `json:"version"`
	UpdatedAt        time.Time          `json:"updated_at"`
}

// HazardEvent is one step in a hazard's history: the same versioned
// transition record as an assignment's.
type HazardEvent = AssignmentEvent

// HazardProjection is one versioned write of a hazard with the step that
// produced it.
type HazardProjection struct {
	Hazard    Hazard
	Event     HazardEvent
	RequestID string
}

// HazardFilter selects hazards.
type HazardFilter struct {
	Within     string // tenant code: its supervision subtree
	Grade      string
	State      string
	Overdue    *bool
	Listed     *bool
	Campaign   string
	Enterprise string // credit code
	Project    string // project code
	After      string // cursor: id
	Limit      int
}
