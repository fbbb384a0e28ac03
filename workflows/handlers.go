package workflows

import (
	"fmt"
	"strings"

	"github.com/duban/duban"
	"go.temporal.io/sdk/workflow"
)

// register installs the query and update handlers: each update has a
// validator (rejects before anything is recorded) and a handler, both
// named methods of the node below.
func (n *node) register(ctx workflow.Context, cancelRun workflow.CancelFunc) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, n.status); err != nil {
		return err
	}
	if n.in.Root {
		n.cancelRun = cancelRun
		if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel, n.cancelCampaign,
			workflow.UpdateHandlerOptions{Validator: n.validateCancel}); err != nil {
			return err
		}
	}
	for _, u := range []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateSaveDraft, n.saveDraft, n.validateDraft},
		{UpdateSubmit, n.submit, n.validateSubmit},
		{UpdateReview, n.review, n.admitReview},
		{UpdateSignOff, n.signOff, n.validateSignOff},
		{UpdateExtend, n.extend, n.admitExtend},
		{UpdateTighten, n.tightenChildren, n.admitTighten},
	} {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler, workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return err
		}
	}
	return nil
}

// The admit* validators add the deadline horizon to the validate* checks
// the handlers repeat under the mutex: a deadline beyond it is refused before
// anything is recorded (so it can never break the timers), while handlers
// replaying older histories decide as they did.

func (n *node) admitReview(ctx workflow.Context, in ReviewInput) error {
	if err := n.validateReview(ctx, in); err != nil || in.Decision != DecisionReturn {
		return err
	}
	return withinHorizon("body.rework_due", in.ReworkDue, workflow.Now(ctx), duban.MaxHorizon)
}

func (n *node) admitExtend(ctx workflow.Context, in ExtendInput) error {
	if err := n.validateExtend(ctx, in); err != nil {
		return err
	}
	return withinHorizon("body.due_at", in.Due, workflow.Now(ctx), duban.MaxHorizon)
}

func (n *node) admitTighten(ctx workflow.Context, in TightenInput) error {
	if err := n.validateTighten(ctx, in); err != nil {
		return err
	}
	return withinHorizon("body.due_at", in.Due, workflow.Now(ctx), duban.MaxHorizon)
}

// status answers QueryStatus.
func (n *node) status() (Status, error) {
	st := Status{Released: n.released, Settled: n.settled()}
	if n.in.HasAssignment {
		a := n.a
		st.Assignment = &a
	}
	for _, t := range n.order {
		st.Children = append(st.Children, n.children[t].status)
	}
	return st, nil
}

func (n *node) validateCancel(ctx workflow.Context, in CancelInput) error {
	if strings.TrimSpace(in.Reason) == "" {
		return invalidFields("a reason is required", []duban.FieldError{{Location: "body.reason", Message: "is required"}})
	}
	if n.released {
		return conflict("the campaign has completed")
	}
	return nil
}

// cancelCampaign cancels the whole tree and answers once it is cancelled.
func (n *node) cancelCampaign(ctx workflow.Context, in CancelInput) (string, error) {
	n.cancelReason, n.cancelBy = in.Reason, in.Actor
	if !n.cancelled {
		n.cancelled = true
		n.cancelRun()
	}
	if err := workflow.Await(ctx, func() bool { return n.cancelDone }); err != nil {
		return "", err
	}
	n.cancelAcked = true
	return duban.CampaignCancelled, nil
}

// guarded serialises a state change on the mutex, validates again under it
// (a concurrent update may have moved the state), then applies it.
func (n *node) guarded(ctx workflow.Context, validate func() error, apply func() error) (*duban.Assignment, error) {
	if err := n.mu.Lock(ctx); err != nil {
		return nil, err
	}
	defer n.mu.Unlock()
	if err := validate(); err != nil {
		return nil, err
	}
	if err := apply(); err != nil {
		return nil, err
	}
	a := n.a
	return &a, nil
}

func (n *node) validateDraft(ctx workflow.Context, in DraftInput) error {
	if err := n.needAssignment(); err != nil {
		return err
	}
	if !n.a.State.Open() {
		return conflict("assignment is %s: a draft can only be saved while it is open", n.a.State)
	}
	if errs := n.form().Validate(in.Values, true); errs != nil {
		return invalidFields("the draft does not fit the report form", errs)
	}
	return nil
}

// saveDraft keeps a draft of the report (assigned → in_progress).
func (n *node) saveDraft(ctx workflow.Context, in DraftInput) (*duban.Assignment, error) {
	return n.guarded(ctx, func() error { return n.validateDraft(ctx, in) }, func() error {
		a := n.a
		a.Draft = in.Values
		if a.State == duban.StateAssigned {
			a.State = duban.StateInProgress
		}
		return n.commit(ctx, a, in.Actor, "save_draft", "", nil)
	})
}

func (n *node) validateSubmit(ctx workflow.Context, in SubmitInput) error {
	if err := n.needAssignment(); err != nil {
		return err
	}
	if !n.a.State.Open() {
		return conflict("assignment is %s: only an open assignment can be submitted", n.a.State)
	}
	if errs := n.form().Validate(in.Values, false); errs != nil {
		return invalidFields("the report does not fit the report form", errs)
	}
	var waiting []string
	for _, t := range n.order {
		c := n.children[t]
		if !c.plan.HasAssignment {
			continue
		}
		switch c.status.State {
		case duban.StateApproved, duban.StateSignedOff, duban.StateCancelled:
		default:
			waiting = append(waiting, t)
		}
	}
	if len(waiting) > 0 {
		return conflict("%d supervised reports are not yet approved (%s): the summary can be submitted once all are", len(waiting), strings.Join(firstN(waiting, 5), ", "))
	}
	return nil
}

// submit files the report for review and tells the reviewer.
func (n *node) submit(ctx workflow.Context, in SubmitInput) (*duban.Assignment, error) {
	return n.guarded(ctx, func() error { return n.validateSubmit(ctx, in) }, func() error {
		a := n.a
		now := workflow.Now(ctx)
		a.Report, a.Draft = in.Values, nil
		a.State, a.SubmittedAt, a.Overdue, a.Comment = duban.StateSubmitted, &now, false, ""
		if a.FirstSubmittedAt == nil {
			a.FirstSubmittedAt = &now
		}
		if a.OriginalDue != nil && workflow.GetVersion(ctx, "keep-original-due", workflow.DefaultVersion, 1) == 1 {
			a.DueAt, a.OriginalDue = *a.OriginalDue, nil // the rework is in: the original deadline stands again
			n.rearm = true
		}
		if err := n.commit(ctx, a, in.Actor, "submit", "", nil); err != nil {
			return err
		}
		n.notify(ctx, fmt.Sprintf("%s/v%d", a.ID, n.a.Version), "submitted",
			duban.Text{ZH: fmt.Sprintf("%s %s 已报送「%s」，请审核", n.in.Name, a.Tenant, a.Title), EN: fmt.Sprintf("%s %s submitted %q for review", n.in.Name, a.Tenant, a.Title)},
			[]string{a.ReviewerTenant})
		return nil
	})
}

func (n *node) validateReview(ctx workflow.Context, in ReviewInput) error {
	if err := n.needAssignment(); err != nil {
		return err
	}
	switch in.Decision {
	case DecisionApprove:
		if n.a.State != duban.StateSubmitted {
			return conflict("assignment is %s: only a submitted report can be approved", n.a.State)
		}
	case DecisionReturn:
		if n.a.State != duban.StateSubmitted && n.a.State != duban.StateApproved && n.a.State != duban.StateSignedOff {
			return conflict("assignment is %s: only a submitted, approved or signed-off report can be returned", n.a.State)
		}
		if n.released {
			return conflict("the campaign has completed: the report is locked")
		}
		var errs []duban.FieldError
		if strings.TrimSpace(in.Comment) == "" {
			errs = append(errs, duban.FieldError{Location: "body.comment", Message: "a reason is required to return a report"})
		}
		if !in.ReworkDue.After(workflow.Now(ctx)) {
			errs = append(errs, duban.FieldError{Location: "body.rework_due", Message: "must be in the future", Value: in.ReworkDue})
		}
		if errs != nil {
			return invalidFields("cannot return the report", errs)
		}
	default:
		return invalidFields("unknown decision", []duban.FieldError{{Location: "body.decision", Message: "must be approve or return", Value: in.Decision}})
	}
	return nil
}

// review approves a submitted report or returns it with a rework deadline.
func (n *node) review(ctx workflow.Context, in ReviewInput) (*duban.Assignment, error) {
	return n.guarded(ctx, func() error { return n.validateReview(ctx, in) }, func() error {
		a := n.a
		now := workflow.Now(ctx)
		if in.Decision == DecisionApprove {
			a.State, a.ApprovedAt, a.Comment = duban.StateApproved, &now, in.Comment
			if err := n.commit(ctx, a, in.Actor, "approve", in.Comment, nil); err != nil {
				return err
			}
			n.notify(ctx, fmt.Sprintf("%s/v%d", a.ID, n.a.Version), "approved",
				duban.Text{ZH: fmt.Sprintf("「%s」已审核通过", a.Title), EN: fmt.Sprintf("%q was approved", a.Title)}, []string{a.Tenant})
			return nil
		}
		// Version 1: the assignment keeps the due date it had; the rework's
		// submission restores it.
		if workflow.GetVersion(ctx, "keep-original-due", workflow.DefaultVersion, 1) == 1 && a.OriginalDue == nil {
			d := a.DueAt
			a.OriginalDue = &d
		}
		a.State, a.Comment, a.DueAt, a.Overdue = duban.StateReturned, in.Comment, in.ReworkDue.UTC(), false
		a.ApprovedAt, a.SignedOffAt = nil, nil
		if err := n.commit(ctx, a, in.Actor, "return", in.Comment, map[string]any{"rework_due": in.ReworkDue.UTC()}); err != nil {
			return err
		}
		n.rearm = true
		n.notify(ctx, fmt.Sprintf("%s/v%d", a.ID, n.a.Version), "returned",
			duban.Text{ZH: fmt.Sprintf("「%s」被退回：%s", a.Title, in.Comment), EN: fmt.Sprintf("%q was returned: %s", a.Title, in.Comment)}, []string{a.Tenant})
		return nil
	})
}

func (n *node) validateSignOff(ctx workflow.Context, in SignOffInput) error {
	if err := n.needAssignment(); err != nil {
		return err
	}
	if n.a.State != duban.StateApproved {
		return conflict("assignment is %s: only an approved report can be signed off", n.a.State)
	}
	return nil
}

// signOff signs an approved report off.
func (n *node) signOff(ctx workflow.Context, in SignOffInput) (*duban.Assignment, error) {
	return n.guarded(ctx, func() error { return n.validateSignOff(ctx, in) }, func() error {
		a := n.a
		now := workflow.Now(ctx)
		a.State, a.SignedOffAt = duban.StateSignedOff, &now
		if err := n.commit(ctx, a, in.Actor, "sign_off", in.Comment, nil); err != nil {
			return err
		}
		n.notify(ctx, fmt.Sprintf("%s/v%d", a.ID, n.a.Version), "signed_off",
			duban.Text{ZH: fmt.Sprintf("「%s」已签收", a.Title), EN: fmt.Sprintf("%q was signed off", a.Title)}, []string{a.Tenant, a.ReviewerTenant})
		return nil
	})
}

func (n *node) validateExtend(ctx workflow.Context, in ExtendInput) error {
	if err := n.needAssignment(); err != nil {
		return err
	}
	if n.a.State.Final() {
		return conflict("assignment is %s: its deadline can no longer change", n.a.State)
	}
	var errs []duban.FieldError
	if !in.Due.After(n.a.DueAt) {
		errs = append(errs, duban.FieldError{Location: "body.due_at", Message: "must be later than the current deadline " + n.a.DueAt.Format("2006-01-02T15:04:05Z07:00"), Value: in.Due})
	} else if !in.Due.After(workflow.Now(ctx)) {
		errs = append(errs, duban.FieldError{Location: "body.due_at", Message: "must be in the future", Value: in.Due})
	} else if !in.ParentDue.IsZero() && in.Due.After(in.ParentDue) {
		errs = append(errs, duban.FieldError{Location: "body.due_at", Message: "must not be later than the parent assignment's due date " + in.ParentDue.Format("2006-01-02T15:04:05Z07:00"), Value: in.Due})
	}
	if strings.TrimSpace(in.Reason) == "" {
		errs = append(errs, duban.FieldError{Location: "body.reason", Message: "is required"})
	}
	if errs != nil {
		return invalidFields("cannot extend the deadline", errs)
	}
	return nil
}

// extend moves the deadline later (with a reason) and re-arms the timers.
func (n *node) extend(ctx workflow.Context, in ExtendInput) (*duban.Assignment, error) {
	return n.guarded(ctx, func() error { return n.validateExtend(ctx, in) }, func() error {
		a := n.a
		old := a.DueAt
		a.DueAt, a.Overdue, a.EscalationLevel = in.Due.UTC(), false, 0
		if err := n.commit(ctx, a, in.Actor, "extend_deadline", in.Reason, map[string]any{"from": old, "to": a.DueAt}); err != nil {
			return err
		}
		n.rearm = true
		return nil
	})
}

func (n *node) validateTighten(ctx workflow.Context, in TightenInput) error {
	if len(n.order) == 0 {
		return conflict("%s has no supervised assignments in this campaign", n.in.Tenant)
	}
	limit := n.in.Due
	if n.in.HasAssignment {
		limit = n.a.DueAt
	}
	if in.Due.After(limit) {
		return invalidFields("the internal deadline cannot be later than your own",
			[]duban.FieldError{{Location: "body.due_at", Message: "must not be later than " + limit.Format("2006-01-02T15:04:05Z07:00"), Value: in.Due}})
	}
	if !in.Due.After(workflow.Now(ctx)) {
		return invalidFields("the internal deadline must be in the future", []duban.FieldError{{Location: "body.due_at", Message: "must be in the future", Value: in.Due}})
	}
	return nil
}

// tightenChildren sets an earlier internal deadline for the children's
// assignments (倒排工期) and answers how many were told.
func (n *node) tightenChildren(ctx workflow.Context, in TightenInput) (int, error) {
	if err := n.validateTighten(ctx, in); err != nil {
		return 0, err
	}
	count := 0
	// Version 1 of "nested-deadlines": relay children (no assignment of
	// their own) pass it on to theirs.
	nested := workflow.GetVersion(ctx, "nested-deadlines", workflow.DefaultVersion, 1) == 1
	for _, t := range n.order {
		c := n.children[t]
		if !c.started || c.done || (!c.plan.HasAssignment && !nested) {
			continue
		}
		if err := workflow.SignalExternalWorkflow(ctx, NodeID(n.in.CampaignID, t), "", SignalTighten, in.Due.UTC()).Get(ctx, nil); err == nil {
			count++
		}
	}
	return count, nil
}

func (n *node) needAssignment() error {
	if !n.in.HasAssignment {
		return conflict("%s has no assignment of its own in this campaign", n.in.Tenant)
	}
	return nil
}

func (n *node) form() duban.FormSchema { return n.plan.Tasks[n.in.Level].Form }

func firstN(ss []string, k int) []string {
	if len(ss) > k {
		return append(ss[:k:k], "…")
	}
	return ss
}
