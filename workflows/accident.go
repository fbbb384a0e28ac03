package workflows

import (
	"fmt"
	"time"

	"github.com/duban/duban"
	"go.temporal.io/sdk/workflow"
)

// AccidentWorkflowName is the registered name of the accident workflow.
const AccidentWorkflowName = "Accident"

// Accident update and query names.
const (
	UpdateForward = "forward"
	UpdateAmend   = "amend"
	QueryAccident = "accident"
)

// AccidentWorkflowID is the workflow id of an accident.
func AccidentWorkflowID(id string) string { return "accident/" + id }

// AccidentInput starts an accident's workflow from its first version.
type AccidentInput struct {
	Accident duban.Accident
	// RequestID of the report, for the audit of the first version.
	RequestID string `json:",omitempty"`
}

// ForwardInput passes the report from its holder to the next tenant.
type ForwardInput struct {
	Actor Actor
	From  string // the tenant forwarding: must be the holder
	Note  string
}

// AmendInput is a supplementary report of the figures (补报).
type AmendInput struct {
	Actor   Actor
	Figures duban.AccidentFigures
	Note    string
}

type accident struct {
	recorded bool // the first version is in the read model
	a        duban.Accident
	mu       workflow.Mutex
	rearm    bool
}

// AccidentFlow enforces the reporting chain: each pending forward has its
// clock; a forward past it, or a clock that runs out, is flagged 迟报 and
// the receiving tenant and its supervisor are alerted. The workflow lives
// until the chain is complete and the amendment window has closed.
func AccidentFlow(ctx workflow.Context, in AccidentInput) error {
	w := &accident{a: in.Accident, mu: workflow.NewMutex(ctx)}
	ctx = workflow.WithActivityOptions(ctx, activityOpts)
	if err := workflow.SetQueryHandler(ctx, QueryAccident, func() (duban.Accident, error) { return w.a, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateForward, w.forward, workflow.UpdateHandlerOptions{Validator: w.validateForward}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAmend, w.amend, workflow.UpdateHandlerOptions{Validator: w.validateAmend}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateRecorded, func(ctx workflow.Context) (duban.Accident, error) {
		err := workflow.Await(ctx, func() bool { return w.recorded })
		return w.a, err
	}); err != nil {
		return err
	}
	// Version 1: the workflow records the first version itself (see HazardFlow).
	if workflow.GetVersion(ctx, "record-first-version", workflow.DefaultVersion, 1) == 1 {
		a := w.a
		p := duban.AccidentProjection{Accident: a, Action: "report", Actor: a.ReportedBy, RequestID: in.RequestID,
			Details: map[string]any{"grade": a.Grade, "required_level": a.RequiredLevel, "late": a.Late}}
		if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.ProjectAccident, p).Get(ctx, nil); err != nil {
			return fmt.Errorf("record accident %s: %w", a.ID, err)
		}
	}
	w.recorded = true
	if w.a.Steps[0].Late {
		w.alertLate(ctx, w.a.Steps[0])
	}
	w.announce(ctx)
	for {
		p := w.a.Pending()
		if p == nil || p.Escalated {
			// nothing to time: wait for a forward or an amendment, or the end of the amendment window
			if w.a.Complete && !workflow.Now(ctx).Before(w.a.AmendUntil) {
				break
			}
			var wait time.Duration = -1
			if w.a.Complete {
				wait = w.a.AmendUntil.Sub(workflow.Now(ctx))
			}
			w.rearm = false
			if wait < 0 {
				if err := workflow.Await(ctx, func() bool { return w.rearm }); err != nil {
					return err
				}
			} else if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return w.rearm }); err != nil {
				return err
			}
			continue
		}
		w.rearm = false
		seq, due := p.Seq, p.DueAt
		// late means past the limit: the clock runs out a second after it
		fired, err := workflow.AwaitWithTimeout(ctx, max(due.Sub(workflow.Now(ctx))+time.Second, 0), func() bool { return w.rearm })
		if err != nil {
			return err
		}
		if !fired {
			if err := w.expire(ctx, seq); err != nil {
				return err
			}
		}
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// expire flags a pending step whose clock ran out.
func (w *accident) expire(ctx workflow.Context, seq int) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	p := w.a.Pending()
	if p == nil || p.Seq != seq || p.Escalated || !workflow.Now(ctx).After(p.DueAt) {
		return nil
	}
	a := w.clone()
	s := &a.Steps[seq]
	s.Late, s.Escalated, a.Late = true, true, true
	if err := w.commit(ctx, a, Actor{Login: "system"}, "late", map[string]any{"seq": seq, "from": s.From, "to": s.To, "due_at": s.DueAt}); err != nil {
		return err
	}
	w.alertLate(ctx, *s)
	return nil
}

func (w *accident) validateForward(ctx workflow.Context, in ForwardInput) error {
	p := w.a.Pending()
	if p == nil {
		return conflict("the report has reached the level its grade requires: nothing to forward")
	}
	if in.From != p.From {
		return conflict("the report is held by %s, not %s", p.From, in.From)
	}
	return nil
}

func (w *accident) forward(ctx workflow.Context, in ForwardInput) (duban.Accident, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return duban.Accident{}, err
	}
	defer w.mu.Unlock()
	if err := w.validateForward(ctx, in); err != nil {
		return duban.Accident{}, err
	}
	now := workflow.Now(ctx)
	a := w.clone()
	s := &a.Steps[len(a.Steps)-1]
	s.At, s.By = &now, in.Actor.Login
	late := now.After(s.DueAt)
	alert := late && !s.Escalated
	if late {
		s.Late, s.Escalated, a.Late = true, true, true
	}
	step := *s
	a.Holder = s.To
	a.Extend(now)
	if err := w.commit(ctx, a, in.Actor, "forward", map[string]any{"seq": step.Seq, "from": step.From, "to": step.To, "late": step.Late, "note": in.Note}); err != nil {
		return duban.Accident{}, err
	}
	if alert {
		w.alertLate(ctx, step)
	}
	w.announce(ctx)
	return w.a, nil
}

func (w *accident) validateAmend(ctx workflow.Context, in AmendInput) error {
	if workflow.Now(ctx).After(w.a.AmendUntil) {
		return conflict("the figures may only be amended until %s", localTime(w.a.AmendUntil))
	}
	return nil
}

func (w *accident) amend(ctx workflow.Context, in AmendInput) (duban.Accident, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return duban.Accident{}, err
	}
	defer w.mu.Unlock()
	if err := w.validateAmend(ctx, in); err != nil {
		return duban.Accident{}, err
	}
	a := w.clone()
	before := a.RequiredLevel
	regraded := a.Amend(workflow.Now(ctx), in.Actor.Login, in.Note, in.Figures)
	if err := w.commit(ctx, a, in.Actor, "amend", map[string]any{"figures": in.Figures, "grade": a.Grade, "regraded": regraded,
		"required_level": a.RequiredLevel, "was": before}); err != nil {
		return duban.Accident{}, err
	}
	w.announce(ctx)
	return w.a, nil
}

// clone copies the accident deeply enough to change steps and amendments.
func (w *accident) clone() duban.Accident {
	a := w.a
	a.Steps = append([]duban.AccidentStep(nil), w.a.Steps...)
	a.Amendments = append([]duban.AccidentAmendment(nil), w.a.Amendments...)
	return a
}

func (w *accident) commit(ctx workflow.Context, next duban.Accident, actor Actor, action string, details map[string]any) error {
	next.Version = w.a.Version + 1
	next.UpdatedAt = workflow.Now(ctx)
	p := duban.AccidentProjection{Accident: next, Action: action, Actor: actor.Login, Details: details, RequestID: actor.RequestID}
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.ProjectAccident, p).Get(ctx, nil); err != nil {
		return fmt.Errorf("project accident %s: %w", next.ID, err)
	}
	w.a = next
	w.rearm = true
	return nil
}

// announce tells the holder what it owes: the next forward and its limit.
func (w *accident) announce(ctx workflow.Context) {
	p := w.a.Pending()
	if p == nil {
		return
	}
	sendNotifications(ctx, fmt.Sprintf("accident/%s/due/%d/%d", w.a.ID, p.Seq, p.DueAt.Unix()), "accident.forward_due", duban.Text{
		ZH: fmt.Sprintf("事故报告：%s（%s），请于 %s 前报送 %s", w.a.Place, gradeZH(w.a.Grade), localTime(p.DueAt), w.label(p.To)),
		EN: fmt.Sprintf("Accident at %s (%s): forward to %s by %s", w.a.Place, w.a.Grade, w.label(p.To), localTime(p.DueAt))},
		map[string]any{"accident": w.a.ID, "due_at": p.DueAt, "to": p.To}, []string{p.From})
}

// label names a tenant of the route with its code (河南省 41); reports
// recorded before the route carried names show the code.
func (w *accident) label(code string) string {
	for _, h := range w.a.Route {
		if h.Tenant == code {
			return h.Label()
		}
	}
	return code
}

// alertLate escalates a late step (迟报) to the receiving tenant and its supervisor.
func (w *accident) alertLate(ctx workflow.Context, s duban.AccidentStep) {
	up := ""
	for i, h := range w.a.Route {
		if h.Tenant == s.To && i+1 < len(w.a.Route) {
			up = w.a.Route[i+1].Tenant
		}
	}
	from, fromEN := w.label(s.From), w.label(s.From)
	if s.From == "" {
		from, fromEN = "事发单位", "the site"
	}
	sendNotifications(ctx, fmt.Sprintf("accident/%s/late/%d", w.a.ID, s.Seq), "accident.late", duban.Text{
		ZH: fmt.Sprintf("迟报：%s 事故（%s）由 %s 报送 %s 超过时限 %s", w.a.Place, gradeZH(w.a.Grade), from, w.label(s.To), localTime(s.DueAt)),
		EN: fmt.Sprintf("Late report: accident at %s (%s) from %s to %s was due by %s", w.a.Place, w.a.Grade, fromEN, w.label(s.To), localTime(s.DueAt))},
		map[string]any{"accident": w.a.ID, "seq": s.Seq, "due_at": s.DueAt}, []string{s.To, up})
}

func gradeZH(g duban.AccidentGrade) string {
	switch g {
	case duban.GradeLarger:
		return "较大事故"
	case duban.GradeMajor:
		return "重大事故"
	case duban.GradeEspeciallyMajor:
		return "特别重大事故"
	}
	return "一般事故"
}
