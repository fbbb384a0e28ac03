package duban

import (
	"context"
	"time"
)

// The ports: what the adapters implement and the API, activities and
// assembly depend on. package postgres implements every store; the API
// holds a Store, the activities an ActivityStore. A scope is the list of
// supervision paths the caller may see (row-level security applies it);
// SystemScope is the whole tree, for trusted internal work.

// TenantStore reads the tenant tree (public reference data).
type TenantStore interface {
	AllTenants(ctx context.Context) ([]Tenant, error)
	GetTenant(ctx context.Context, code string) (*TenantDetail, error)
	ListTenants(ctx context.Context, f TenantFilter) ([]Tenant, int, error)
}

// UserStore keeps users, their role bindings and the callers they become.
type UserStore interface {
	CreateUser(ctx context.Context, scope []string, u *User) error
	GetUser(ctx context.Context, scope []string, login string) (*User, error)
	ListUsers(ctx context.Context, scope []string, f UserFilter) ([]User, int, error)
	Principal(ctx context.Context, login string) (*Principal, error)
	GrantRole(ctx context.Context, scope []string, b *RoleBinding) error
	GetRoleBinding(ctx context.Context, scope []string, id int64) (*RoleBinding, error)
	RevokeRole(ctx context.Context, scope []string, b *RoleBinding) error
	ListRoleBindings(ctx context.Context, scope []string, f RoleBindingFilter) ([]RoleBinding, int, error)
	AllRoleBindings(ctx context.Context) ([]RoleBinding, error)
	TenantOfficials(ctx context.Context, tenant string) ([]string, error)
}

// AuditStore reads the hash-chained audit log and records refusals (every
// other event is written in the transaction of the change it records).
type AuditStore interface {
	ListAuditEvents(ctx context.Context, scope []string, f AuditFilter) ([]AuditEvent, int, error)
	// VerifyAudit verifies the chains in scope: from each one's verified
	// checkpoint (routine), or from their start (full).
	VerifyAudit(ctx context.Context, scope []string, full bool) (*BrokenLink, int, error)
	RecordDenied(ctx context.Context, tenant, action, target string, summary any) error
}

// CampaignStore keeps campaigns, the assignment read model and its roll-ups.
type CampaignStore interface {
	InsertCampaign(ctx context.Context, scope []string, c *Campaign) error
	GetCampaign(ctx context.Context, scope []string, id string) (*Campaign, error)
	ListCampaigns(ctx context.Context, scope []string, f CampaignFilter) ([]Campaign, int, error)
	SetCampaignStatus(ctx context.Context, id, status, reason string, at time.Time) error
	ProjectAssignment(ctx context.Context, p AssignmentProjection) error
	GetAssignment(ctx context.Context, scope []string, id string) (*Assignment, []AssignmentEvent, error)
	// FindAssignment is GetAssignment without the history (a transition's
	// check needs only the current state).
	FindAssignment(ctx context.Context, scope []string, id string) (*Assignment, error)
	ListAssignments(ctx context.Context, scope []string, f AssignmentFilter) ([]Assignment, int, error)
	CampaignProgress(ctx context.Context, scope []string, campaign string, lowest Level, tenants []Tenant, now time.Time) ([]Progress, error)
	RecordSummons(ctx context.Context, assignmentID string, at time.Time, attendees []string) error
	Summons(ctx context.Context, scope []string, assignmentID string) (*time.Time, []string, error)
}

// SupervisionStore keeps the read models of hazards, accidents, the three
// lists and circulars.
type SupervisionStore interface {
	ProjectHazard(ctx context.Context, scope []string, p HazardProjection) error
	GetHazard(ctx context.Context, scope []string, id string) (*Hazard, []HazardEvent, error)
	// FindHazard is GetHazard without the history.
	FindHazard(ctx context.Context, scope []string, id string) (*Hazard, error)
	ListHazards(ctx context.Context, scope []string, f HazardFilter) ([]Hazard, int, error)
	HazardsClosed(ctx context.Context, scope []string, campaign string, paths []string, from, to time.Time) ([]int, error)
	ProjectAccident(ctx context.Context, scope []string, p AccidentProjection) error
	GetAccident(ctx context.Context, scope []string, id string) (*Accident, error)
	ListAccidents(ctx context.Context, scope []string, f AccidentFilter) ([]Accident, int, error)
	AccidentTotals(ctx context.Context, scope []string, path string, from, to time.Time) (AccidentTotals, error)
	UpsertListItem(ctx context.Context, scope []string, it *ListItem, expect *int64) error
	ListListItems(ctx context.Context, scope []string, f ListItemFilter) ([]ListItem, int, error)
	InsertCircular(ctx context.Context, scope []string, c *Circular) error
	GetCircular(ctx context.Context, scope []string, id string) (*Circular, error)
	ListCirculars(ctx context.Context, scope []string, campaign string, limit int) ([]CircularSummary, int, error)
	ListedItems(ctx context.Context, scope []string, campaign, path string) ([]ListedItem, error)
}

// NotificationStore keeps inboxes, webhooks and their deliveries.
type NotificationStore interface {
	InsertNotifications(ctx context.Context, ns []NewNotification) ([]int64, error)
	ListNotifications(ctx context.Context, scope []string, f NotificationFilter) ([]Notification, int, error)
	MarkNotificationRead(ctx context.Context, scope []string, login string, tenants []string, id int64) error
	CreateWebhook(ctx context.Context, scope []string, w *Webhook) error
	ListWebhooks(ctx context.Context, scope []string, tenant string) ([]Webhook, error)
	PendingDeliveries(ctx context.Context, ids []int64) ([]Delivery, error)
	RecordDelivery(ctx context.Context, webhookID, notificationID int64, status int) error
}

// CalendarStore keeps the administrators' working-day overrides.
type CalendarStore interface {
	SetCalendarDay(ctx context.Context, scope []string, d CalendarDay) error
	ListCalendarDays(ctx context.Context, from, to string) ([]CalendarDay, error)
}

// IdempotencyStore claims Idempotency-Keys atomically and remembers the
// answers given under them.
type IdempotencyStore interface {
	// ClaimIdempotency claims (login, key) for r. It returns nil when the
	// caller won the claim (it must Complete or Release it), else the
	// existing record: in flight (Status 0) or completed.
	ClaimIdempotency(ctx context.Context, r *Idempotent) (*Idempotent, error)
	// CompleteIdempotency stores the winner's answer.
	CompleteIdempotency(ctx context.Context, r *Idempotent) error
	// ReleaseIdempotency drops an unanswered claim, so a retry may run.
	ReleaseIdempotency(ctx context.Context, login, key string) error
}

// ConsequenceStore keeps follow-ups (督办事项), summonses (约谈) and
// assessments (考核), and the figures assessments and accident statistics
// are computed from.
type ConsequenceStore interface {
	ProjectFollowUp(ctx context.Context, scope []string, p FollowUpProjection) error
	GetFollowUp(ctx context.Context, scope []string, id string) (*FollowUp, error)
	ListFollowUps(ctx context.Context, scope []string, f FollowUpFilter) ([]FollowUp, int, error)
	InsertSummons(ctx context.Context, scope []string, s *Summons) (bool, error)
	UpdateSummons(ctx context.Context, scope []string, s *Summons, action string) error
	GetSummons(ctx context.Context, scope []string, id string) (*Summons, error)
	ListSummonses(ctx context.Context, scope []string, f SummonsFilter) ([]Summons, int, error)
	PreviousLaggards(ctx context.Context, campaign, issuer, circular string) ([]string, error)
	InsertAssessment(ctx context.Context, scope []string, a *Assessment) error
	UpdateAssessment(ctx context.Context, scope []string, a *Assessment, action string, summary any) error
	GetAssessment(ctx context.Context, scope []string, id string) (*Assessment, error)
	ListAssessments(ctx context.Context, scope []string, campaign string, year int, after string, limit int) ([]Assessment, int, error)
	AssessmentFigures(ctx context.Context, scope []string, path string, from, to time.Time) (AssessmentFigures, error)
	AccidentStatsByRegion(ctx context.Context, scope []string, tenant string, paths []string, from, to time.Time) ([2]int, [][2]int, error)
	AccidentStatsBySector(ctx context.Context, scope []string, path string, from, to time.Time) (map[string][2]int, error)
}

// Store is every store: what the API needs.
type Store interface {
	TenantStore
	UserStore
	AuditStore
	CampaignStore
	SupervisionStore
	NotificationStore
	CalendarStore
	IdempotencyStore
	AttachmentStore
	RegistryStore
	ConsequenceStore
	Ping(ctx context.Context) error
}

// Engine starts durable workflows and sends them updates: the one place
// the API reaches Temporal through (package workflows' Client).
type Engine interface {
	// Start starts workflow name with id; starting it again is a no-op.
	Start(ctx context.Context, id, name string, arg any) error
	// Update sends an update and decodes its answer into out. A rejection
	// comes back as the workflow's *Error (EConflict, EInvalid with fields,
	// EForbidden); a workflow no longer running as EConflict; an engine
	// that does not answer as EUnavailable.
	Update(ctx context.Context, workflowID, name string, arg, out any) error
	// Cancel requests cancellation of a running workflow.
	Cancel(ctx context.Context, workflowID string) error
	// Ping checks the engine answers.
	Ping(ctx context.Context) error
}
