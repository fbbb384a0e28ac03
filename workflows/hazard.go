package workflows

import (
	"fmt"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/activities"
	"github.com/duban/duban/calendar"
	"go.temporal.io/sdk/workflow"
)

// HazardWorkflowName is the registered name of the hazard workflow.
const HazardWorkflowName = "Hazard"

// Hazard update and query names.
const (
	UpdateRectify = "rectify"
	UpdateVerify  = "verify"
	// UpdateRecorded answers the object once its first version is in the
	// read model (hazards and accidents): the API's way to answer a report
	// with what the workflow itself recorded.
	UpdateRecorded = "recorded"
	QueryHazard    = "hazard"
)

// HazardWorkflowID is the workflow id of a hazard.
func HazardWorkflowID(id string) string { return "hazard/" + id }

// HazardInput starts a hazard's workflow from its first version, as the API
// recorded it. Reviewer is the tenant that re-inspects (the supervisor).
type HazardInput struct {
	// RequestID of the report, for the audit of the first version.
	RequestID  string `json:",omitempty"`
	Hazard     duban.Hazard
	Reviewer   string
	Reminders  []int
	Escalation []duban.EscalationStep
}

// RectifyInput reports the rectification done and asks for re-inspection.
type RectifyInput struct {
	Actor         Actor
	Rectification string
	Photos        []string
	Plan          *duban.RectificationPlan // for a major hazard, if not given before
}

// VerifyInput records the on-site re-inspection: passed closes the hazard
// (销号), failed re-opens it with a new deadline.
type VerifyInput struct {
	Actor       Actor
	Passed      bool
	Comment     string
	NewDeadline time.Time
}

type hazard struct {
	recorded bool // the first version is in the read model
	in       HazardInput
	h        duban.Hazard
	mu       workflow.Mutex
	rearm    bool
}

// HazardFlow is a hazard's closed loop: rectify → re-inspect → close (销号)
// or re-open. While open it reminds and escalates like an assignment after
// the rectification deadline; while rectified it waits for the re-inspection,
// due ReinspectWithin after the later of the deadline and the request.
func HazardFlow(ctx workflow.Context, in HazardInput) error {
	w := &hazard{in: in, h: in.Hazard, mu: workflow.NewMutex(ctx), rearm: true}
	ctx = workflow.WithActivityOptions(ctx, activityOpts)
	if err := workflow.SetQueryHandler(ctx, QueryHazard, func() (duban.Hazard, error) { return w.h, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateRectify, w.rectify, workflow.UpdateHandlerOptions{Validator: w.validateRectify}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateVerify, w.verify, workflow.UpdateHandlerOptions{Validator: w.admitVerify}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateRecorded, func(ctx workflow.Context) (duban.Hazard, error) {
		err := workflow.Await(ctx, func() bool { return w.recorded })
		return w.h, err
	}); err != nil {
		return err
	}
	// Version 1: the workflow records the first version itself, from its own
	// state (before, the API wrote it from the request).
	if workflow.GetVersion(ctx, "record-first-version", workflow.DefaultVersion, 1) == 1 {
		h := w.h
		p := duban.HazardProjection{Hazard: h, RequestID: in.RequestID, Event: duban.HazardEvent{Version: h.Version, At: h.ReportedAt,
			Actor: h.ReportedBy, Action: "report", To: string(h.State), Details: map[string]any{"grade": h.Grade, "found_by": h.FoundBy, "deadline": h.Deadline}}}
		if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.ProjectHazard, p).Get(ctx, nil); err != nil {
			return fmt.Errorf("record hazard %s: %w", h.ID, err)
		}
	}
	w.recorded = true
	if w.h.Listed {
		w.notify(ctx, "listed", "hazard.listed", duban.Text{
			ZH: fmt.Sprintf("挂牌督办：重大隐患「%s」（%s）", w.h.Description, w.h.Place),
			EN: fmt.Sprintf("Listed for supervision: major hazard %q at %s", w.h.Description, w.h.Place)},
			w.h.Tenant, in.Reviewer, w.h.ListedBy)
	}
	err := runDeadlines(ctx, &w.rearm, func() bool { return w.h.State == duban.HazardClosed }, func() ([]activities.ScheduledEvent, error) {
		var schedule []activities.ScheduledEvent
		if w.h.State == duban.HazardOpen {
			err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.Schedule,
				activities.ScheduleInput{Due: w.h.Deadline, Reminders: in.Reminders, Escalation: in.Escalation}).Get(ctx, &schedule)
			return schedule, err
		}
		if w.h.ReinspectDue != nil && !w.h.ReinspectOverdue {
			schedule = []activities.ScheduledEvent{{At: *w.h.ReinspectDue, Kind: "reinspect"}}
		}
		return schedule, nil
	}, func(ev activities.ScheduledEvent) error { return w.fire(ctx, ev) })
	if err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

func (w *hazard) fire(ctx workflow.Context, ev activities.ScheduledEvent) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	h := w.h
	switch {
	case ev.Kind == "reinspect" && h.State == duban.HazardRectified:
		h.ReinspectOverdue = true
		if err := w.commit(ctx, h, Actor{Login: "system"}, "reinspect_overdue", "复查逾期", nil); err != nil {
			return err
		}
		w.notify(ctx, fmt.Sprintf("reinspect/%d", h.ReinspectDue.Unix()), "hazard.reinspect_overdue", duban.Text{
			ZH: fmt.Sprintf("隐患复查逾期：「%s」应于 %s 前现场复查", h.Description, localTime(*h.ReinspectDue)),
			EN: fmt.Sprintf("Re-inspection overdue: %q was due by %s", h.Description, localTime(*h.ReinspectDue))},
			w.in.Reviewer, h.ListedBy)
	case h.State != duban.HazardOpen:
	case ev.Kind == activities.KindReminder:
		w.notify(ctx, fmt.Sprintf("reminder/%d", ev.At.Unix()), "hazard.reminder", duban.Text{
			ZH: fmt.Sprintf("提醒：隐患「%s」整改时限 %s", h.Description, localTime(h.Deadline)),
			EN: fmt.Sprintf("Reminder: hazard %q must be rectified by %s", h.Description, localTime(h.Deadline))}, h.Tenant)
	case ev.Step.Level > h.EscalationLevel:
		h.Overdue, h.EscalationLevel = true, ev.Step.Level
		if err := w.commit(ctx, h, Actor{Login: "system"}, "escalate", ev.Step.Name.ZH, map[string]any{"level": ev.Step.Level, "kind": ev.Step.Kind}); err != nil {
			return err
		}
		w.notify(ctx, fmt.Sprintf("escalation/%d/%d", ev.Step.Level, h.Deadline.Unix()), "hazard.escalation."+ev.Step.Kind, duban.Text{
			ZH: fmt.Sprintf("%s：隐患「%s」逾期未整改", ev.Step.Name.ZH, h.Description),
			EN: fmt.Sprintf("%s: hazard %q is overdue", ev.Step.Name.EN, h.Description)},
			h.Tenant, w.in.Reviewer, h.ListedBy)
		// Version 1: the 约谈 rung raises a summons for the reviewer to convene.
		if ev.Step.Kind == duban.EscalateSummons && w.in.Reviewer != "" && workflow.GetVersion(ctx, "summons-meeting", workflow.DefaultVersion, 1) == 1 {
			return workflow.ExecuteActivity(ctx, acts.RaiseSummons, activities.RaiseInput{Source: "hazard/" + h.ID, Tenant: h.Tenant, Convener: w.in.Reviewer,
				Lines: lineOf(h.Line), Reason: "隐患「" + h.Description + "」逾期未整改", At: workflow.Now(ctx)}).Get(ctx, nil)
		}
	}
	return nil
}

func lineOf(l duban.Line) []duban.Line {
	if l == "" {
		return []duban.Line{}
	}
	return []duban.Line{l}
}

func (w *hazard) validateRectify(ctx workflow.Context, in RectifyInput) error {
	if w.h.State != duban.HazardOpen {
		return conflict("the hazard is %s, not open", w.h.State)
	}
	if w.h.Grade == duban.HazardMajor {
		plan := in.Plan
		if plan == nil {
			plan = w.h.Plan
		}
		if missing := plan.Missing(); len(missing) > 0 {
			fields := make([]duban.FieldError, len(missing))
			for i, m := range missing {
				fields[i] = duban.FieldError{Location: "body.plan." + m, Message: "a major hazard's rectification plan needs this element (五到位)"}
			}
			return invalidFields("a major hazard needs a rectification plan with the five elements in place (五到位)", fields)
		}
	}
	return nil
}

func (w *hazard) rectify(ctx workflow.Context, in RectifyInput) (duban.Hazard, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return duban.Hazard{}, err
	}
	defer w.mu.Unlock()
	if err := w.validateRectify(ctx, in); err != nil {
		return duban.Hazard{}, err
	}
	now := workflow.Now(ctx)
	h := w.h
	if in.Plan != nil {
		h.Plan = in.Plan
	}
	h.State, h.Rectification, h.RectifiedBy, h.RectifiedAt = duban.HazardRectified, in.Rectification, in.Actor.Login, &now
	h.Photos = append(append([]string(nil), h.Photos...), in.Photos...)
	base := now
	if h.Deadline.After(base) {
		base = h.Deadline
	}
	due := base.Add(duban.ReinspectWithin)
	h.ReinspectDue, h.ReinspectOverdue = &due, false
	if err := w.commit(ctx, h, in.Actor, "rectify", in.Rectification, map[string]any{"reinspect_due": due}); err != nil {
		return duban.Hazard{}, err
	}
	w.notify(ctx, fmt.Sprintf("rectified/%d", h.Version), "hazard.rectified", duban.Text{
		ZH: fmt.Sprintf("隐患「%s」已整改，请于 %s 前现场复查", h.Description, localTime(due)),
		EN: fmt.Sprintf("Hazard %q reported rectified: re-inspect on site by %s", h.Description, localTime(due))}, w.in.Reviewer)
	w.rearm = true
	return w.h, nil
}

// admitVerify adds the deadline horizon to validateVerify (see admitExtend).
func (w *hazard) admitVerify(ctx workflow.Context, in VerifyInput) error {
	if err := w.validateVerify(ctx, in); err != nil || in.Passed {
		return err
	}
	return withinHorizon("body.new_deadline", in.NewDeadline, workflow.Now(ctx), duban.HazardHorizon)
}

func (w *hazard) validateVerify(ctx workflow.Context, in VerifyInput) error {
	if w.h.State != duban.HazardRectified {
		return conflict("the hazard is %s: only a rectified hazard is re-inspected", w.h.State)
	}
	if in.Actor.Login == w.h.ReportedBy {
		return forbidden("the re-inspection must be made by someone other than the reporter")
	}
	if w.h.Grade == duban.HazardMajor && len(w.h.Plan.Missing()) > 0 {
		return invalidFields("a major hazard cannot be closed without its rectification plan", nil)
	}
	if !in.Passed && !in.NewDeadline.After(workflow.Now(ctx)) {
		return invalidFields("a failed re-inspection needs a new deadline in the future",
			[]duban.FieldError{{Location: "body.new_deadline", Message: "must be a date in the future"}})
	}
	return nil
}

func (w *hazard) verify(ctx workflow.Context, in VerifyInput) (duban.Hazard, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return duban.Hazard{}, err
	}
	defer w.mu.Unlock()
	if err := w.validateVerify(ctx, in); err != nil {
		return duban.Hazard{}, err
	}
	now := workflow.Now(ctx)
	h := w.h
	h.VerifiedBy = in.Actor.Login
	action := "close"
	if in.Passed {
		h.State, h.ClosedAt, h.Overdue, h.ReinspectOverdue = duban.HazardClosed, &now, false, false
	} else {
		action = "reopen"
		h.State, h.Deadline, h.Reopens = duban.HazardOpen, in.NewDeadline, h.Reopens+1
		h.Overdue, h.EscalationLevel, h.ReinspectDue, h.ReinspectOverdue = false, 0, nil, false
	}
	if err := w.commit(ctx, h, in.Actor, action, in.Comment, map[string]any{"passed": in.Passed}); err != nil {
		return duban.Hazard{}, err
	}
	title := duban.Text{ZH: fmt.Sprintf("隐患「%s」复查合格，已销号", h.Description), EN: fmt.Sprintf("Hazard %q passed re-inspection and is closed", h.Description)}
	if !in.Passed {
		title = duban.Text{ZH: fmt.Sprintf("隐患「%s」复查不合格，重新整改，时限 %s", h.Description, localTime(h.Deadline)),
			EN: fmt.Sprintf("Hazard %q failed re-inspection: rectify again by %s", h.Description, localTime(h.Deadline))}
	}
	w.notify(ctx, fmt.Sprintf("%s/%d", action, h.Version), "hazard."+action, title, h.Tenant, h.ListedBy)
	w.rearm = true
	return w.h, nil
}

// commit writes version+1 and, once written, makes it the state.
func (w *hazard) commit(ctx workflow.Context, next duban.Hazard, actor Actor, action, comment string, details map[string]any) error {
	from := string(w.h.State)
	next.Version = w.h.Version + 1
	next.UpdatedAt = workflow.Now(ctx)
	p := duban.HazardProjection{Hazard: next, RequestID: actor.RequestID, Event: duban.HazardEvent{Version: next.Version, At: next.UpdatedAt,
		Actor: actor.Login, Action: action, From: from, To: string(next.State), Comment: comment, Details: details}}
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.ProjectHazard, p).Get(ctx, nil); err != nil {
		return fmt.Errorf("project hazard %s: %w", next.ID, err)
	}
	w.h = next
	return nil
}

func (w *hazard) notify(ctx workflow.Context, key, kind string, title duban.Text, tenants ...string) {
	sendNotifications(ctx, "hazard/"+w.h.ID+"/"+key, kind, title, map[string]any{"hazard": w.h.ID, "state": w.h.State, "deadline": w.h.Deadline}, tenants)
}

// sendNotifications stores notifications for the (distinct, non-empty)
// tenants and delivers their webhooks in the background.
func sendNotifications(ctx workflow.Context, key, kind string, title duban.Text, body map[string]any, tenants []string) {
	if ns := newNotifications(ctx, key, kind, title, body, tenants); len(ns) > 0 {
		deliver(ctx, ns)
	}
}

func newNotifications(ctx workflow.Context, key, kind string, title duban.Text, body map[string]any, tenants []string) []duban.NewNotification {
	var ns []duban.NewNotification
	for _, t := range dedupe(tenants) {
		if t != "" {
			ns = append(ns, duban.NewNotification{DedupeKey: key + "/" + t, Tenant: t, Kind: kind, Title: title, Body: body, At: workflow.Now(ctx)})
		}
	}
	return ns
}

// notifyAndWait is sendNotifications for a workflow about to end: it
// returns once the notices are stored and their webhooks tried.
func notifyAndWait(ctx workflow.Context, key, kind string, title duban.Text, body map[string]any, tenants []string) error {
	ns := newNotifications(ctx, key, kind, title, body, tenants)
	if len(ns) == 0 {
		return nil
	}
	return storeAndDeliver(ctx, ns)
}

// runDeadlines keeps one deadline's reminders and escalations until done:
// whenever rearm is set (the deadline or the state changed) it takes a new
// schedule from plan and fires at once the latest escalation already past
// (never the reminders before it), then fires each later event on its time.
// Hazards and dangerous works keep their deadlines with it.
func runDeadlines(ctx workflow.Context, rearm *bool, done func() bool, plan func() ([]activities.ScheduledEvent, error),
	fire func(activities.ScheduledEvent) error) error {
	var schedule []activities.ScheduledEvent
	next := 0
	for !done() {
		if *rearm {
			*rearm = false
			var err error
			if schedule, err = plan(); err != nil {
				return err
			}
			next = 0
			now := workflow.Now(ctx)
			var missed *activities.ScheduledEvent
			for next < len(schedule) && schedule[next].At.Before(now) {
				if schedule[next].Kind == activities.KindEscalation {
					missed = &schedule[next]
				}
				next++
			}
			if missed != nil {
				if err := fire(*missed); err != nil {
					return err
				}
			}
		}
		cond := func() bool { return *rearm || done() }
		if next >= len(schedule) {
			if err := workflow.Await(ctx, cond); err != nil {
				return err
			}
			continue
		}
		wait := schedule[next].At.Sub(workflow.Now(ctx))
		if wait < 0 {
			wait = 0
		}
		fired, err := workflow.AwaitWithTimeout(ctx, wait, cond)
		if err != nil {
			return err
		}
		if !fired {
			ev := schedule[next]
			next++
			if err := fire(ev); err != nil {
				return err
			}
		}
	}
	return nil
}

func localTime(t time.Time) string { return t.In(calendar.Shanghai).Format("2006-01-02 15:04") }
