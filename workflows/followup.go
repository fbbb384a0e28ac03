package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/activities"
	"go.temporal.io/sdk/workflow"
)

// FollowUpWorkflowName is the registered name of a follow-up's workflow.
const FollowUpWorkflowName = "FollowUp"

// FollowUpWorkflowID is the workflow id of a follow-up.
func FollowUpWorkflowID(id string) string { return "follow-up/" + id }

// Follow-up updates and query.
const (
	UpdateCompleteFollowUp = "complete-follow-up"
	UpdateExtendFollowUp   = "extend-follow-up"
	QueryFollowUp          = "follow-up"
)

// FollowUpInput starts a follow-up: the record as created, and the
// issuer's own supervisor, who hears of it at the 督办 rung.
type FollowUpInput struct {
	FollowUp         duban.FollowUp
	IssuerSupervisor string
	RequestID        string
	Actor            string
}

// CompleteFollowUpInput reports a follow-up done; an investigation report
// files its recommendations, each tracked as a follow-up of the accident's
// tenant.
type CompleteFollowUpInput struct {
	Actor           Actor
	Result          string
	Recommendations []duban.Commitment
}

// ExtendFollowUpInput moves a follow-up's due date later, within what it
// allows.
type ExtendFollowUpInput struct {
	Actor  Actor
	Due    time.Time
	Reason string
}

type followUp struct {
	in    FollowUpInput
	f     duban.FollowUp
	mu    workflow.Mutex
	rearm bool
}

// FollowUpFlow tracks a follow-up to closure like an assignment: reminded
// 3 and 1 working days before its due date and on the day, then 督办提醒
// (the unit and the issuer), 督办 (the issuer's supervisor told) and 挂牌督办
// after it, until reported done.
func FollowUpFlow(ctx workflow.Context, in FollowUpInput) error {
	w := &followUp{in: in, f: in.FollowUp, mu: workflow.NewMutex(ctx), rearm: true}
	ctx = workflow.WithActivityOptions(ctx, activityOpts)
	if err := workflow.SetQueryHandler(ctx, QueryFollowUp, func() (duban.FollowUp, error) { return w.f, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteFollowUp, w.complete, workflow.UpdateHandlerOptions{Validator: w.validateComplete}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateExtendFollowUp, w.extend, workflow.UpdateHandlerOptions{Validator: w.validateExtend}); err != nil {
		return err
	}
	actor := in.Actor
	if actor == "" {
		actor = "system"
	}
	w.f.Version, w.f.State, w.f.CreatedAt, w.f.UpdatedAt = 0, duban.FollowUpOpen, workflow.Now(ctx), workflow.Now(ctx)
	if err := w.commit(ctx, w.f, Actor{Login: actor, RequestID: in.RequestID}, "create"); err != nil {
		return err
	}
	w.notify(ctx, "created", "follow_up.created", duban.Text{
		ZH: fmt.Sprintf("%s：%s（%s 前办结）", duban.FollowUpKindName(w.f.Kind), w.f.Title, localTime(w.f.DueAt)),
		EN: fmt.Sprintf("Follow-up (%s): %s, due %s", w.f.Kind, w.f.Title, localTime(w.f.DueAt))}, w.f.Tenant)
	err := runDeadlines(ctx, &w.rearm, func() bool { return w.f.State == duban.FollowUpDone }, func() ([]activities.ScheduledEvent, error) {
		var schedule []activities.ScheduledEvent
		err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.Schedule,
			activities.ScheduleInput{Due: w.f.DueAt, Reminders: duban.FollowUpReminders, Escalation: duban.FollowUpEscalation}).Get(ctx, &schedule)
		return schedule, err
	}, func(ev activities.ScheduledEvent) error { return w.fire(ctx, ev) })
	if err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

func (w *followUp) fire(ctx workflow.Context, ev activities.ScheduledEvent) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	f := w.f
	switch {
	case f.State != duban.FollowUpOpen:
	case ev.Kind == activities.KindReminder:
		title := duban.Text{ZH: fmt.Sprintf("提醒：%s「%s」将于 %s 到期", duban.FollowUpKindName(f.Kind), f.Title, localTime(f.DueAt)),
			EN: fmt.Sprintf("Reminder: follow-up %q is due %s", f.Title, localTime(f.DueAt))}
		if ev.Offset > 0 {
			title.ZH += fmt.Sprintf("（还剩 %d 个工作日）", ev.Offset)
			title.EN += fmt.Sprintf(" (%d working days left)", ev.Offset)
		}
		w.notify(ctx, fmt.Sprintf("reminder/%d", ev.At.Unix()), "follow_up.reminder", title, f.Tenant)
	case ev.Step.Level > f.EscalationLevel:
		f.Overdue, f.EscalationLevel = true, ev.Step.Level
		if err := w.commit(ctx, f, Actor{Login: "system"}, "escalate"); err != nil {
			return err
		}
		to := []string{f.Tenant, f.Issuer}
		if ev.Step.Kind != duban.EscalateReminder {
			to = append(to, w.in.IssuerSupervisor)
		}
		w.notify(ctx, fmt.Sprintf("escalation/%d/%d", ev.Step.Level, f.DueAt.Unix()), "follow_up.escalation."+ev.Step.Kind, duban.Text{
			ZH: fmt.Sprintf("%s：%s %s 的%s「%s」逾期未办结", ev.Step.Name.ZH, f.TenantName, f.Tenant, duban.FollowUpKindName(f.Kind), f.Title),
			EN: fmt.Sprintf("%s: %s's follow-up %q is overdue", ev.Step.Name.EN, f.Tenant, f.Title)}, to...)
	}
	return nil
}

func (w *followUp) validateComplete(ctx workflow.Context, in CompleteFollowUpInput) error {
	if w.f.State != duban.FollowUpOpen {
		return conflict("the follow-up is %s", w.f.State)
	}
	var errs []duban.FieldError
	if strings.TrimSpace(in.Result) == "" {
		errs = append(errs, duban.FieldError{Location: "body.result", Message: "is required"})
	}
	if len(in.Recommendations) > 0 && w.f.Kind != duban.FollowUpInvestigation {
		errs = append(errs, duban.FieldError{Location: "body.recommendations", Message: "only an investigation report files recommendations"})
	}
	now := workflow.Now(ctx)
	for i, r := range in.Recommendations {
		at := fmt.Sprintf("body.recommendations[%d]", i)
		if strings.TrimSpace(r.Title) == "" {
			errs = append(errs, duban.FieldError{Location: at + ".title", Message: "is required"})
		}
		if !r.DueAt.After(now) || r.DueAt.Sub(now) > duban.MaxHorizon {
			errs = append(errs, duban.FieldError{Location: at + ".due_at", Message: "must be in the future and within five years", Value: r.DueAt})
		}
	}
	if errs != nil {
		return invalidFields("cannot complete the follow-up", errs)
	}
	return nil
}

// complete reports the follow-up done; an investigation report's
// recommendations start follow-ups of the accident's tenant.
func (w *followUp) complete(ctx workflow.Context, in CompleteFollowUpInput) (duban.FollowUp, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.f, err
	}
	defer w.mu.Unlock()
	if err := w.validateComplete(ctx, in); err != nil {
		return w.f, err
	}
	f := w.f
	now := workflow.Now(ctx)
	f.State, f.Result, f.DoneAt, f.DoneBy = duban.FollowUpDone, strings.TrimSpace(in.Result), &now, in.Actor.Login
	for i, r := range in.Recommendations {
		f.Recommendations = append(f.Recommendations, strings.TrimSpace(r.Title))
		f.FollowUps = append(f.FollowUps, fmt.Sprintf("%s-r%d", f.ID, i+1))
	}
	if len(in.Recommendations) > 0 {
		// the recommendations are the accident tenant's to carry out, tracked
		// by the investigating level
		for i, r := range in.Recommendations {
			child := duban.FollowUp{ID: f.FollowUps[i], Kind: duban.FollowUpRecommendation, Source: f.Source, Tenant: f.AccidentTenant, Issuer: f.Tenant,
				IssuerName: f.TenantName, Lines: f.Lines, Title: strings.TrimSpace(r.Title), DueAt: r.DueAt.UTC(), KindName: duban.FollowUpKindName(duban.FollowUpRecommendation)}
			if child.Tenant == "" {
				child.Tenant = f.Tenant
			}
			if err := startAbandoned(ctx, FollowUpWorkflowID(child.ID), FollowUpFlow,
				FollowUpInput{FollowUp: child, IssuerSupervisor: w.in.IssuerSupervisor, Actor: in.Actor.Login}); err != nil {
				return w.f, err
			}
		}
	}
	if err := w.commit(ctx, f, in.Actor, "complete"); err != nil {
		return w.f, err
	}
	// the workflow ends after this: the notice is stored before it answers
	err := notifyAndWait(ctx, "follow-up/"+f.ID+"/done", "follow_up.done", duban.Text{
		ZH: fmt.Sprintf("%s %s 已报告办结%s「%s」", f.TenantName, f.Tenant, duban.FollowUpKindName(f.Kind), f.Title),
		EN: fmt.Sprintf("%s reported follow-up %q done", f.Tenant, f.Title)}, map[string]any{"follow_up": f.ID, "source": f.Source}, []string{f.Issuer})
	return w.f, err
}

func (w *followUp) validateExtend(ctx workflow.Context, in ExtendFollowUpInput) error {
	if w.f.State != duban.FollowUpOpen {
		return conflict("the follow-up is %s", w.f.State)
	}
	if w.f.Extensions >= w.f.MaxExtensions {
		return conflict("the follow-up's due date may be extended %d time(s), and was", w.f.MaxExtensions)
	}
	var errs []duban.FieldError
	if !in.Due.After(w.f.DueAt) {
		errs = append(errs, duban.FieldError{Location: "body.due_at", Message: "must be later than the current due date " + w.f.DueAt.Format(time.RFC3339), Value: in.Due})
	} else if w.f.MaxExtendDays > 0 && in.Due.After(w.f.DueAt.AddDate(0, 0, w.f.MaxExtendDays)) {
		errs = append(errs, duban.FieldError{Location: "body.due_at", Message: fmt.Sprintf("may be at most %d days later than %s", w.f.MaxExtendDays, w.f.DueAt.Format(time.RFC3339)), Value: in.Due})
	} else if in.Due.Sub(workflow.Now(ctx)) > duban.MaxHorizon {
		errs = append(errs, duban.FieldError{Location: "body.due_at", Message: "must be within five years", Value: in.Due})
	}
	if strings.TrimSpace(in.Reason) == "" {
		errs = append(errs, duban.FieldError{Location: "body.reason", Message: "is required"})
	}
	if errs != nil {
		return invalidFields("cannot extend the follow-up", errs)
	}
	return nil
}

func (w *followUp) extend(ctx workflow.Context, in ExtendFollowUpInput) (duban.FollowUp, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.f, err
	}
	defer w.mu.Unlock()
	if err := w.validateExtend(ctx, in); err != nil {
		return w.f, err
	}
	f := w.f
	if f.OriginalDue == nil {
		d := f.DueAt
		f.OriginalDue = &d
	}
	f.DueAt, f.Extensions, f.Overdue, f.EscalationLevel = in.Due.UTC(), f.Extensions+1, false, 0
	if err := w.commit(ctx, f, in.Actor, "extend"); err != nil {
		return w.f, err
	}
	w.rearm = true
	return w.f, nil
}

// commit writes the next version and makes it the state once written.
func (w *followUp) commit(ctx workflow.Context, next duban.FollowUp, actor Actor, action string) error {
	next.Version = w.f.Version + 1
	next.UpdatedAt = workflow.Now(ctx)
	next.KindName = duban.FollowUpKindName(next.Kind)
	p := duban.FollowUpProjection{FollowUp: next, Actor: actor.Login, Action: action, RequestID: actor.RequestID}
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.ProjectFollowUp, p).Get(ctx, nil); err != nil {
		return fmt.Errorf("project follow-up %s: %w", next.ID, err)
	}
	w.f = next
	return nil
}

func (w *followUp) notify(ctx workflow.Context, key, kind string, title duban.Text, tenants ...string) {
	sendNotifications(ctx, "follow-up/"+w.f.ID+"/"+key, kind, title, map[string]any{"follow_up": w.f.ID, "source": w.f.Source, "due_at": w.f.DueAt}, tenants)
}
