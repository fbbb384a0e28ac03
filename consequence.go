package duban

import (
	"strconv"
	"time"
)

// Consequences that follow by themselves: a follow-up (督办事项) is a piece
// of work a supervisor tracks to closure like an assignment — reminded
// before its due date, escalated after it; a summons (约谈) is a meeting a
// supervisor convenes with a unit it supervises, whose minutes record
// commitments, each a follow-up; an assessment (考核) scores each unit
// against the figures of its responsibility letter.

// Follow-up kinds.
const (
	FollowUpFocus          = "focus"          // 重点督导: a laggard named in a circular
	FollowUpCommitment     = "commitment"     // 约谈承诺: a commitment made at a summons
	FollowUpInvestigation  = "investigation"  // 事故调查报告: due 60 days after the accident
	FollowUpRecommendation = "recommendation" // 整改建议: a recommendation of an investigation report
)

// Follow-up states.
const (
	FollowUpOpen = "open"
	FollowUpDone = "done"
)

// FollowUpKindName is the Chinese name of a follow-up kind.
func FollowUpKindName(kind string) string {
	switch kind {
	case FollowUpFocus:
		return "重点督导"
	case FollowUpCommitment:
		return "约谈整改承诺"
	case FollowUpInvestigation:
		return "事故调查报告"
	case FollowUpRecommendation:
		return "事故防范和整改措施"
	}
	return kind
}

// FollowUpReminders are the working days before the due date a follow-up
// is reminded (0: on the day).
var FollowUpReminders = []int{3, 1, 0}

// FollowUpEscalation is a follow-up's ladder after its due date: 督办提醒
// to the unit and the issuer at once, 督办 to the issuer's supervisor
// after 3 working days, 挂牌督办 after 10.
var FollowUpEscalation = []EscalationStep{
	{1, 0, EscalateReminder, Text{"督办提醒", "overdue reminder"}},
	{2, 3, EscalateSupervise, Text{"督办", "supervised handling"}},
	{3, 10, EscalateListed, Text{"挂牌督办", "listed supervision"}},
}

// InvestigationDays is the time an accident investigation has for its
// report, from the day of the accident; it may be extended once, by at most
// InvestigationDays again (条例 art. 29: 60日, 延长最长不超过60日).
const InvestigationDays = 60

// FollowUp is a piece of work tracked to closure.
type FollowUp struct {
	ID              string     `json:"id"`
	Kind            string     `json:"kind" enum:"focus,commitment,investigation,recommendation"`
	KindName        string     `json:"kind_name" doc:"The kind in Chinese (重点督导, 约谈整改承诺, 事故调查报告, 事故防范和整改措施)"`
	Source          string     `json:"source" doc:"What it follows from: circular/<id>, summons/<id>, accident/<id>"`
	Tenant          string     `json:"tenant" doc:"The unit that must do it"`
	TenantName      string     `json:"tenant_name,omitempty"`
	Issuer          string     `json:"issuer" doc:"The tenant tracking it (issuer of the circular, convener, the investigating level)"`
	IssuerName      string     `json:"issuer_name,omitempty"`
	Lines           []Line     `json:"lines"`
	Title           string     `json:"title"`
	Detail          string     `json:"detail,omitempty"`
	AccidentTenant  string     `json:"accident_tenant,omitempty" doc:"An investigation report's: the tenant where the accident happened, which carries out its recommendations"`
	State           string     `json:"state" enum:"open,done"`
	DueAt           time.Time  `json:"due_at"`
	OriginalDue     *time.Time `json:"original_due,omitempty" doc:"The due date before an extension"`
	Extensions      int        `json:"extensions"`
	MaxExtensions   int        `json:"max_extensions" doc:"How many extensions it may have (an investigation report: one)"`
	MaxExtendDays   int        `json:"max_extend_days,omitempty" doc:"By at most this many days each"`
	Overdue         bool       `json:"overdue"`
	EscalationLevel int        `json:"escalation_level"`
	Result          string     `json:"result,omitempty" doc:"What was done (报告办结)"`
	Recommendations []string   `json:"recommendations,omitempty" doc:"An investigation report's recommendations, each tracked as a follow-up"`
	FollowUps       []string   `json:"follow_ups,omitempty" doc:"The follow-ups the result raised"`
	DoneAt          *time.Time `json:"done_at,omitempty"`
	DoneBy          string     `json:"done_by,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	Version         int64      `json:"version"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// FollowUpProjection is a follow-up snapshot with the step that made it.
type FollowUpProjection struct {
	FollowUp  FollowUp
	Actor     string
	Action    string
	RequestID string
}

// FollowUpFilter selects follow-ups.
type FollowUpFilter struct {
	Within string // the unit's subtree (tenant code)
	Issuer string // tracked by this tenant
	Kind   string
	State  string
	Source string
	After  string
	Limit  int
}

// Summons states.
const (
	SummonsRaised    = "raised"    // due to be convened (by an escalation or a circular)
	SummonsScheduled = "scheduled" // date, place and persons set
	SummonsHeld      = "held"      // minutes recorded; commitments open
	SummonsClosed    = "closed"    // every commitment done
)

// Summons is a 约谈: a meeting a supervisor convenes with a unit it
// supervises, about its lagging or failing work.
type Summons struct {
	ID           string     `json:"id"`
	Tenant       string     `json:"tenant" doc:"The unit summoned"`
	TenantName   string     `json:"tenant_name,omitempty"`
	Convener     string     `json:"convener" doc:"The supervising tenant that convenes it"`
	ConvenerName string     `json:"convener_name,omitempty"`
	Lines        []Line     `json:"lines"`
	Source       string     `json:"source,omitempty" doc:"What raised it: assignment/<id>, hazard/<id>, circular/<id>; empty when convened by hand"`
	Reason       string     `json:"reason"`
	State        string     `json:"state" enum:"raised,scheduled,held,closed"`
	MeetingAt    *time.Time `json:"meeting_at,omitempty"`
	Place        string     `json:"place,omitempty"`
	Persons      []string   `json:"persons,omitempty" doc:"Who is summoned (name and post)"`
	ScheduledBy  string     `json:"scheduled_by,omitempty"`
	Minutes      string     `json:"minutes,omitempty" doc:"约谈纪要"`
	MinutesBy    string     `json:"minutes_by,omitempty"`
	Commitments  []string   `json:"commitments,omitempty" doc:"The follow-ups of its commitments"`
	RaisedAt     time.Time  `json:"raised_at"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Version      int64      `json:"version"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// SummonsFilter selects summonses.
type SummonsFilter struct {
	Within   string // the summoned unit's subtree
	Convener string
	State    string
	After    string
	Limit    int
}

// Commitment is one commitment made at a summons.
type Commitment struct {
	Title string    `json:"title" minLength:"1" maxLength:"500" doc:"What the unit commits to (整改承诺)"`
	DueAt time.Time `json:"due_at" doc:"By when (RFC 3339)"`
}

// NonBlankList checks every entry of a list of free texts is not blank.
func NonBlankList(at string, ss []string) error {
	for i, s := range ss {
		if err := NonBlank(at+"["+strconv.Itoa(i)+"]", s); err != nil {
			return err
		}
	}
	return nil
}
