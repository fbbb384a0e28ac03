package workflows

import (
	"fmt"

	"github.com/duban/duban"
	"github.com/duban/duban/activities"
	"go.temporal.io/sdk/workflow"
)

// DangerousWorkWorkflowName is the registered name of a dangerous work's
// workflow (危大工程: the four gates).
const DangerousWorkWorkflowName = "DangerousWork"

// Dangerous-work update and query names.
const (
	UpdatePassGate     = "pass-gate"
	QueryDangerousWork = "dangerous-work"
)

// DangerousWorkWorkflowID is the workflow id of a dangerous work.
func DangerousWorkWorkflowID(id string) string { return "dangerous-work/" + id }

// DangerousWorkInput starts a dangerous work's workflow from its first
// version. Supervisor is the tenant that hears of an overdue gate.
type DangerousWorkInput struct {
	RequestID  string `json:",omitempty"`
	Work       duban.DangerousWork
	Supervisor string
	Reminders  []int
	Escalation []duban.EscalationStep
}

// PassGateInput records one gate passed.
type PassGateInput struct {
	Actor Actor
	Pass  duban.GatePass
}

// DangerousWorkReminders are the working days before a gate's due date on
// which it is reminded.
var DangerousWorkReminders = []int{3, 1, 0}

type dangerousWork struct {
	in       DangerousWorkInput
	w        duban.DangerousWork
	mu       workflow.Mutex
	recorded bool
	rearm    bool
}

// DangerousWorkFlow keeps a dangerous work through its four gates in order
// (方案编审 → 安全交底 → 方案实施 → 工序验收): a gate out of order is refused
// (409); the next gate's due date reminds and, once passed, escalates like
// an assignment. It ends when the fourth gate is passed.
func DangerousWorkFlow(ctx workflow.Context, in DangerousWorkInput) error {
	d := &dangerousWork{in: in, w: in.Work, mu: workflow.NewMutex(ctx), rearm: true}
	ctx = workflow.WithActivityOptions(ctx, activityOpts)
	if err := workflow.SetQueryHandler(ctx, QueryDangerousWork, func() (duban.DangerousWork, error) { return d.w, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePassGate, d.passGate, workflow.UpdateHandlerOptions{Validator: d.validateGate}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateRecorded, func(ctx workflow.Context) (duban.DangerousWork, error) {
		err := workflow.Await(ctx, func() bool { return d.recorded })
		return d.w, err
	}); err != nil {
		return err
	}
	d.w.Advance()
	p := duban.DangerousWorkProjection{Work: d.w, RequestID: in.RequestID, Actor: d.w.CreatedBy, Action: "create",
		Details: map[string]any{"category": d.w.Category, "over_scale": d.w.OverScale}}
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.ProjectDangerousWork, p).Get(ctx, nil); err != nil {
		return fmt.Errorf("record dangerous work %s: %w", d.w.ID, err)
	}
	d.recorded = true
	err := runDeadlines(ctx, &d.rearm, func() bool { return d.w.NextGate == "" }, func() ([]activities.ScheduledEvent, error) {
		var schedule []activities.ScheduledEvent
		err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.Schedule,
			activities.ScheduleInput{Due: *d.w.NextDue, Reminders: in.Reminders, Escalation: in.Escalation}).Get(ctx, &schedule)
		return schedule, err
	}, func(ev activities.ScheduledEvent) error { return d.fire(ctx, ev) })
	if err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

func (d *dangerousWork) fire(ctx workflow.Context, ev activities.ScheduledEvent) error {
	if err := d.mu.Lock(ctx); err != nil {
		return err
	}
	defer d.mu.Unlock()
	w := d.w
	if w.NextGate == "" {
		return nil
	}
	gate := duban.GateName(w.NextGate)
	switch {
	case ev.Kind == activities.KindReminder:
		d.notify(ctx, fmt.Sprintf("reminder/%s/%d", w.NextGate, ev.At.Unix()), "dangerous_work.reminder", duban.Text{
			ZH: fmt.Sprintf("提醒：危大工程「%s」（%s）的“%s”关口应于 %s 前完成", w.Description, w.ID, gate, localTime(*w.NextDue)),
			EN: fmt.Sprintf("Reminder: dangerous work %q (%s) must pass %s by %s", w.Description, w.ID, w.NextGate, localTime(*w.NextDue))}, w.Tenant)
	case ev.Step.Level > w.EscalationLevel:
		w.Overdue, w.EscalationLevel = true, ev.Step.Level
		if err := d.commit(ctx, w, Actor{Login: "system"}, "escalate", map[string]any{"level": ev.Step.Level, "kind": ev.Step.Kind, "gate": w.NextGate}); err != nil {
			return err
		}
		d.notify(ctx, fmt.Sprintf("escalation/%s/%d", w.NextGate, ev.Step.Level), "dangerous_work.escalation."+ev.Step.Kind, duban.Text{
			ZH: fmt.Sprintf("%s：危大工程「%s」（%s）的“%s”关口逾期未完成", ev.Step.Name.ZH, w.Description, w.ID, gate),
			EN: fmt.Sprintf("%s: dangerous work %q (%s) is overdue at %s", ev.Step.Name.EN, w.Description, w.ID, w.NextGate)},
			w.Tenant, d.in.Supervisor)
	}
	return nil
}

// validateGate refuses a gate out of order (409): the gates are passed
// one by one, in order, and none twice.
func (d *dangerousWork) validateGate(ctx workflow.Context, in PassGateInput) error {
	if d.w.NextGate == "" {
		return conflict("every gate of %s is passed", d.w.ID)
	}
	if in.Pass.Gate != d.w.NextGate {
		return conflict("gates are passed in order: the next gate is %s, not %s", duban.GateName(d.w.NextGate), duban.GateName(in.Pass.Gate))
	}
	if n := len(d.w.Gates); n > 0 && in.Pass.On < d.w.Gates[n-1].On {
		return invalidFields("a gate cannot be passed before the one before it",
			[]duban.FieldError{{Location: "body.on", Message: "must not be before " + d.w.Gates[n-1].On, Value: in.Pass.On}})
	}
	return nil
}

func (d *dangerousWork) passGate(ctx workflow.Context, in PassGateInput) (duban.DangerousWork, error) {
	if err := d.mu.Lock(ctx); err != nil {
		return duban.DangerousWork{}, err
	}
	defer d.mu.Unlock()
	if err := d.validateGate(ctx, in); err != nil {
		return duban.DangerousWork{}, err
	}
	w := d.w
	pass := in.Pass
	pass.By, pass.At = in.Actor.Login, workflow.Now(ctx)
	w.Gates = append(append([]duban.GatePass(nil), w.Gates...), pass)
	w.Overdue, w.EscalationLevel = false, 0
	w.Advance()
	if err := d.commit(ctx, w, in.Actor, "pass_gate", map[string]any{"gate": pass.Gate, "on": pass.On, "person": pass.Person}); err != nil {
		return duban.DangerousWork{}, err
	}
	d.rearm = true
	return d.w, nil
}

// commit writes version+1 and, once written, makes it the state.
func (d *dangerousWork) commit(ctx workflow.Context, next duban.DangerousWork, actor Actor, action string, details map[string]any) error {
	next.Version = d.w.Version + 1
	next.UpdatedAt = workflow.Now(ctx)
	p := duban.DangerousWorkProjection{Work: next, RequestID: actor.RequestID, Actor: actor.Login, Action: action, Details: details}
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.ProjectDangerousWork, p).Get(ctx, nil); err != nil {
		return fmt.Errorf("project dangerous work %s: %w", next.ID, err)
	}
	d.w = next
	return nil
}

func (d *dangerousWork) notify(ctx workflow.Context, key, kind string, title duban.Text, tenants ...string) {
	sendNotifications(ctx, "dangerous-work/"+d.w.ID+"/"+key, kind, title,
		map[string]any{"dangerous_work": d.w.ID, "project": d.w.Project, "next_gate": d.w.NextGate}, tenants)
}
