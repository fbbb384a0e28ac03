package workflows

import (
	"errors"
	"fmt"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/activities"
	"github.com/duban/duban/calendar"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// NodeInput starts one node of a campaign tree.
type NodeInput struct {
	CampaignID    string
	Root          bool
	Scope         string
	Tenant        string
	Name          string
	Level         duban.Level
	HasAssignment bool
	Reviewer      string
	Signer        string
	ParentID      string // parent node's workflow id; "" for the root
	// ParentAssignment is the parent's assignment id, when it has one.
	ParentAssignment string
	Title            string // the campaign's title
	Phase            string
	Due              time.Time
	Levels           []duban.Level
	Targets          []string
	// Template is a snapshot taken at launch, so later code changes to
	// templates never alter running campaigns. The root gets it whole; from
	// version 1 of "slim-child-input" a child gets only Plan below.
	Template duban.Template `json:",omitzero"`
	// Plan is what a child node needs of the template.
	Plan *NodePlan `json:",omitempty"`
	// RunCommits is how many versions of its assignment a node without
	// children writes in one run before it continues as new (0:
	// NodeRunCommits); recorded with the run, so a replay decides the same.
	RunCommits int `json:",omitempty"`
	// RunEvents is how long a node with children lets its history grow
	// before it continues as new (0: NodeRunEvents).
	RunEvents int `json:",omitempty"`
	// ReportDone: the parent started this node to outlive its runs
	// (abandon-children) and learns from it, not from its own run, that it
	// has finished.
	ReportDone bool `json:",omitempty"`
	// Carried is the state a node continued as new carries into its next
	// run (nil in the first run).
	Carried *NodeCarry `json:",omitempty"`
}

// NodeRunCommits is how many versions of its assignment a leaf node (a
// county's, or any node without children) writes in one run: a three-year
// campaign's monthly drafts, returns, reminders and escalations would
// otherwise pile up in one history. Each version costs a handful of events
// (the Update, its local activity, the report to the parent), so a run
// stays near a thousand events, far under Temporal's 51,200.
const NodeRunCommits = 100

// NodeRunEvents is how many events a node with children (a city's, a
// province's, the root) lets its history reach before it continues as new:
// its children's reports, its own assignment's versions and its timers pile
// up over a three-year campaign; a tenth of Temporal's 51,200. The server's
// suggestion to continue as new is taken too.
const NodeRunEvents = 5000

// NodeCarry is what a node carries across continue-as-new: its assignment
// as last written, what its parent last heard and, for a node with
// children, each child as it last reported.
type NodeCarry struct {
	Assignment duban.Assignment
	SentOnce   bool
	SentState  duban.AssignmentState
	SentSettl  bool
	Released   bool
	Children   []CarriedChild `json:",omitempty"`
}

// CarriedChild is one child of a node continued as new: started by an
// earlier run, it reports to whichever run is current.
type CarriedChild struct {
	Plan        activities.ChildPlan
	Status      ChildStatus
	Done        bool
	ReleaseSent bool
}

// NodePlan is the part of a campaign template a node and its subtree use:
// the tasks of its level and the levels below it, the reminders and the
// escalation ladder.
type NodePlan struct {
	Tasks      map[duban.Level]duban.Task
	Reminders  []int
	Escalation []duban.EscalationStep
}

// plan returns what this node uses of the template.
func (in *NodeInput) plan() NodePlan {
	if in.Plan != nil {
		return *in.Plan
	}
	return NodePlan{Tasks: in.Template.Tasks, Reminders: in.Template.Reminders, Escalation: in.Template.Escalation}
}

// childPlan is the plan of a child at level: the tasks of that level and
// the levels below it.
func (in *NodeInput) childPlan(level duban.Level) *NodePlan {
	p := in.plan()
	out := &NodePlan{Tasks: map[duban.Level]duban.Task{}, Reminders: p.Reminders, Escalation: p.Escalation}
	for _, l := range in.Levels {
		if t, ok := p.Tasks[l]; ok && l.Rank() >= level.Rank() {
			out.Tasks[l] = t
		}
	}
	return out
}

// ChildStatus is what a child reports to its parent.
type ChildStatus struct {
	Tenant  string
	State   duban.AssignmentState
	Settled bool
	Done    bool `json:",omitempty"` // its workflow has finished (ReportDone)
}

// Status is what the status query returns.
type Status struct {
	Assignment *duban.Assignment
	Children   []ChildStatus
	Released   bool
	Settled    bool
}

type child struct {
	plan        activities.ChildPlan
	status      ChildStatus
	started     bool
	done        bool
	releaseSent bool
	carried     bool // started by an earlier run: no future here to cancel it by
}

type node struct {
	in       NodeInput
	plan     NodePlan // what this node uses of the template
	a        duban.Assignment
	children map[string]*child
	order    []string       // child tenants, sorted
	mu       workflow.Mutex // serialises state changes
	upMu     workflow.Mutex // serialises reports to the parent

	released   bool
	dirty      bool // something changed: re-evaluate the loop
	rearm      bool // the due date changed: recompute the schedule
	sentState  duban.AssignmentState
	sentSettl  bool
	sentOnce   bool
	commits    int  // versions written in this run
	abandon    bool // children outlive this run and report when done (abandon-children)
	tightening int  // tighten signals being applied

	cancelRun    workflow.CancelFunc // cancels the run context (root only)
	cancelReason string
	cancelBy     Actor
	cancelled    bool
	cancelDone   bool
	cancelAcked  bool
}

var activityOpts = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 500 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 20},
}

var projectOpts = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 10 * time.Minute,
	StartToCloseTimeout:    30 * time.Second,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second},
}

var webhookOpts = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute, MaximumAttempts: 8},
}

// acts is only used for method references; the worker registers the real instance.
var acts *activities.Activities

// CampaignNode is the workflow of one node of a campaign tree (the root
// when in.Root). It lives until the whole campaign is settled (every
// assignment signed off or cancelled) and released from the root, so that a
// higher level can still return a signed-off report until then.
func CampaignNode(ctx workflow.Context, in NodeInput) error {
	n := &node{in: in, plan: in.plan(), children: map[string]*child{}, mu: workflow.NewMutex(ctx), upMu: workflow.NewMutex(ctx)}
	// The parent starts out knowing nothing is settled, which is what a new
	// assignment means: from version 1 no first report is sent.
	if workflow.GetVersion(ctx, "no-initial-report", workflow.DefaultVersion, 1) == 1 {
		n.sentOnce, n.sentState = true, duban.StateAssigned
		if !in.HasAssignment {
			n.sentState = ""
		}
	}
	if c := in.Carried; c != nil {
		// a later run of a leaf: its assignment and what its parent knows
		// come with it, set before the Update handlers are (an Update that
		// waited for this run is validated as soon as they are)
		n.a, n.sentOnce, n.sentState, n.sentSettl, n.released = c.Assignment, c.SentOnce, c.SentState, c.SentSettl, c.Released
		for _, cc := range c.Children {
			n.children[cc.Plan.Tenant] = &child{plan: cc.Plan, status: cc.Status, started: true, done: cc.Done, releaseSent: cc.ReleaseSent, carried: true}
			n.order = append(n.order, cc.Plan.Tenant)
		}
		n.abandon = len(c.Children) > 0
		n.in.Carried, n.rearm = nil, in.HasAssignment // a relay has no schedule to recompute
	}
	ctx = workflow.WithActivityOptions(ctx, activityOpts)
	runCtx, cancelRun := workflow.WithCancel(ctx)
	if err := n.register(ctx, cancelRun); err != nil {
		return err
	}
	if in.Carried != nil { // its children, if any, are running already
		return n.finish(ctx, runCtx, n.loop(runCtx))
	}
	if in.HasAssignment {
		task := in.plan().Tasks[in.Level]
		now := workflow.Now(ctx)
		n.a = duban.Assignment{ID: duban.AssignmentID(in.CampaignID, in.Tenant), CampaignID: in.CampaignID, Tenant: in.Tenant,
			Level: in.Level, Phase: in.Phase, Title: in.Title + " · " + task.Title.ZH, ReviewerTenant: in.Reviewer, SignerTenant: in.Signer,
			State: duban.StateAssigned, DueAt: in.Due, UpdatedAt: now}
		n.a.ParentID = in.ParentAssignment
		if err := n.commit(ctx, n.a, Actor{Login: "system"}, "assign", "", nil); err != nil {
			return err
		}
		n.rearm = true
	}

	var plans []activities.ChildPlan
	if err := n.run(ctx, acts.PlanChildren, activities.PlanInput{Scope: in.Scope, Tenant: in.Tenant, Levels: in.Levels, Targets: in.Targets}).Get(ctx, &plans); err != nil {
		return fmt.Errorf("plan children of %s: %w", in.Tenant, err)
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	// Version 1: children get only what they use of the template (a
	// national launch copied the whole snapshot ~3,300 times).
	slim := len(plans) > 0 && workflow.GetVersion(ctx, "slim-child-input", workflow.DefaultVersion, 1) == 1
	// Version 1: children outlive this run (it may continue as new), are
	// cancelled by it explicitly and report when they finish.
	n.abandon = len(plans) > 0 && workflow.GetVersion(ctx, "abandon-children", workflow.DefaultVersion, 1) == 1
	closePolicy := enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL
	if n.abandon {
		closePolicy = enumspb.PARENT_CLOSE_POLICY_ABANDON
	}
	for _, p := range plans {
		c := &child{plan: p, status: ChildStatus{Tenant: p.Tenant}}
		n.children[p.Tenant] = c
		n.order = append(n.order, p.Tenant)
		cin := in
		cin.Root, cin.Tenant, cin.Name, cin.Level, cin.HasAssignment = false, p.Tenant, p.Name, p.Level, p.HasAssignment
		cin.Reviewer, cin.Signer, cin.ParentID = p.Reviewer, p.Signer, workflow.GetInfo(ctx).WorkflowExecution.ID
		cin.ParentAssignment, cin.ReportDone = "", n.abandon
		if slim {
			cin.Template, cin.Plan = duban.Template{}, in.childPlan(p.Level)
		}
		if in.HasAssignment {
			cin.ParentAssignment = n.a.ID
		}
		cctx := workflow.WithChildOptions(runCtx, workflow.ChildWorkflowOptions{
			WorkflowID:            NodeID(in.CampaignID, p.Tenant),
			ParentClosePolicy:     closePolicy,
			WaitForCancellation:   true,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		})
		f := workflow.ExecuteChildWorkflow(cctx, CampaignNode, cin)
		workflow.Go(dctx, func(g workflow.Context) {
			if err := f.GetChildWorkflowExecution().Get(g, nil); err == nil {
				c.started = true
			}
			_ = f.Get(g, nil)
			c.done = true
			n.dirty = true
		})
	}

	return n.finish(ctx, runCtx, n.loop(runCtx))
}

// finish ends a run after its loop: cancelled, continued as new, failed,
// or complete.
func (n *node) finish(ctx, runCtx workflow.Context, err error) error {
	if errors.Is(err, workflow.ErrCanceled) || runCtx.Err() != nil {
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		err := n.cancel(dctx)
		n.reportDone(dctx)
		return err
	}
	if err != nil {
		var can *workflow.ContinueAsNewError
		if !errors.As(err, &can) {
			n.reportDone(ctx) // a failed node is finished too
		}
		return err
	}
	in := n.in
	if in.Root {
		if err := workflow.ExecuteActivity(ctx, acts.SetCampaignStatus, activities.CampaignStatusInput{CampaignID: in.CampaignID,
			Status: duban.CampaignCompleted, At: workflow.Now(ctx)}).Get(ctx, nil); err != nil {
			return err
		}
	}
	err = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	n.reportDone(ctx)
	return err
}

// report is what this node tells its parent: its state and settledness.
func (n *node) report() ChildStatus {
	return ChildStatus{Tenant: n.in.Tenant, State: n.a.State, Settled: n.settled()}
}

// reportDone tells a parent that started this node to outlive its runs
// (ReportDone) that it has finished: the parent's current run has no
// future of it to wait on.
func (n *node) reportDone(ctx workflow.Context) {
	if !n.in.ReportDone || n.in.ParentID == "" {
		return
	}
	s := n.report()
	s.Done = true
	_ = workflow.SignalExternalWorkflow(ctx, n.in.ParentID, "", SignalChildStatus, s).Get(ctx, nil)
}

// run executes a short, idempotent activity: from version 1 of
// "local-planning" as a local activity inside the workflow task (no
// activity-task round trip; BENCHMARKS.md), before as a regular one.
func (n *node) run(ctx workflow.Context, activity any, arg any) workflow.Future {
	if workflow.GetVersion(ctx, "local-planning", workflow.DefaultVersion, 1) == 1 {
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), activity, arg)
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activityOpts), activity, arg)
}

// settled: own assignment final (or none) and every child settled.
func (n *node) settled() bool {
	if n.in.HasAssignment && !n.a.State.Final() {
		return false
	}
	for _, t := range n.order {
		if !n.children[t].status.Settled {
			return false
		}
	}
	return true
}

func (n *node) allChildrenDone() bool {
	for _, t := range n.order {
		if !n.children[t].done {
			return false
		}
	}
	return true
}

// loop runs timers and reports until the node is released and its children
// are done.
func (n *node) loop(ctx workflow.Context) error {
	var schedule []activities.ScheduledEvent
	next := 0
	releaseCh := workflow.GetSignalChannel(ctx, SignalRelease)
	statusCh := workflow.GetSignalChannel(ctx, SignalChildStatus)
	tightenCh := workflow.GetSignalChannel(ctx, SignalTighten)
	workflow.Go(ctx, func(g workflow.Context) {
		for {
			var s ChildStatus
			statusCh.Receive(g, &s)
			n.childReported(s)
		}
	})
	workflow.Go(ctx, func(g workflow.Context) {
		releaseCh.Receive(g, nil)
		n.released = true
		n.dirty = true
	})
	workflow.Go(ctx, func(g workflow.Context) {
		for {
			var due time.Time
			tightenCh.Receive(g, &due)
			n.tightening++
			n.tighten(g, due)
			n.tightening--
		}
	})
	for {
		n.dirty = false // anything that changes from here on wakes the wait below
		// A leaf continues as new after RunCommits versions (or when the
		// server suggests it); a node with children after RunEvents events
		// (or when suggested), if its children outlive its runs
		// (abandon-children: before it they closed with the run).
		if n.in.HasAssignment && len(n.order) == 0 && (n.commits >= n.runCommits() || workflow.GetInfo(ctx).GetContinueAsNewSuggested()) &&
			workflow.GetVersion(ctx, "node-continue-as-new", workflow.DefaultVersion, 1) == 1 {
			return n.continueAsNew(ctx, releaseCh, tightenCh, statusCh)
		}
		if n.abandon && !(n.released && n.allChildrenDone()) && (workflow.GetInfo(ctx).GetCurrentHistoryLength() >= n.runEvents() || workflow.GetInfo(ctx).GetContinueAsNewSuggested()) &&
			workflow.GetVersion(ctx, "node-continue-as-new", workflow.DefaultVersion, 1) == 1 {
			return n.continueAsNew(ctx, releaseCh, tightenCh, statusCh)
		}
		if n.in.HasAssignment && n.rearm {
			n.rearm = false
			schedule = nil
			if n.a.State.Open() {
				err := n.run(ctx, acts.Schedule, activities.ScheduleInput{Due: n.a.DueAt,
					Reminders: n.plan.Reminders, Escalation: n.plan.Escalation}).Get(ctx, &schedule)
				if err != nil {
					return err
				}
			}
			now := workflow.Now(ctx)
			next = 0
			var missed *activities.ScheduledEvent
			for next < len(schedule) && schedule[next].At.Before(now) {
				if schedule[next].Kind == activities.KindEscalation {
					missed = &schedule[next]
				}
				next++
			}
			// An escalation step whose time passed before the schedule was
			// computed (the worker was down, or the deadline is already past)
			// still applies: fire the highest one now. Past reminders are moot.
			if missed != nil && workflow.GetVersion(ctx, "catch-up-escalation", workflow.DefaultVersion, 1) == 1 {
				if err := n.fire(ctx, *missed); err != nil {
					return err
				}
			}
		}
		n.reportUp(ctx)
		if n.in.Root && !n.released && n.settled() {
			n.released = true
		}
		if n.released {
			n.releaseChildren(ctx)
			if n.allChildrenDone() {
				return nil
			}
		}
		var wait time.Duration = -1
		if next < len(schedule) && n.a.State.Open() {
			wait = schedule[next].At.Sub(workflow.Now(ctx))
			if wait < 0 {
				wait = 0
			}
		}
		cond := func() bool { return n.dirty || n.rearm }
		if wait < 0 {
			if err := workflow.Await(ctx, cond); err != nil {
				return err
			}
			continue
		}
		fired, err := workflow.AwaitWithTimeout(ctx, wait, cond)
		if err != nil {
			return err
		}
		if !fired && !n.rearm {
			ev := schedule[next]
			next++
			if err := n.fire(ctx, ev); err != nil {
				return err
			}
		}
	}
}

// childReported takes a child's report (SignalChildStatus).
func (n *node) childReported(s ChildStatus) {
	if c := n.children[s.Tenant]; c != nil {
		c.status = s
		if s.Done {
			c.done = true
		}
		n.dirty = true
	}
}

func (n *node) runEvents() int {
	if n.in.RunEvents > 0 {
		return n.in.RunEvents
	}
	return NodeRunEvents
}

func (n *node) runCommits() int {
	if n.in.RunCommits > 0 {
		return n.in.RunCommits
	}
	return NodeRunCommits
}

// continueAsNew ends this run once nothing is in flight and starts the next
// with the node's state: Updates being handled answer from this run first
// (those that arrive later go to the next), a deadline being tightened is
// written, every child's start is confirmed, and signals not yet taken are
// taken here.
func (n *node) continueAsNew(ctx workflow.Context, releaseCh, tightenCh, statusCh workflow.ReceiveChannel) error {
	if err := workflow.Await(ctx, func() bool {
		for _, t := range n.order {
			if c := n.children[t]; !c.started && !c.done {
				return false
			}
		}
		return workflow.AllHandlersFinished(ctx) && n.tightening == 0
	}); err != nil {
		return err
	}
	for releaseCh.ReceiveAsync(nil) {
		n.released = true
	}
	var due time.Time
	for tightenCh.ReceiveAsync(&due) {
		n.tighten(ctx, due)
	}
	for {
		var s ChildStatus // a fresh one each: a report leaves out what is false
		if !statusCh.ReceiveAsync(&s) {
			break
		}
		n.childReported(s)
	}
	next := n.in
	next.Carried = &NodeCarry{Assignment: n.a, SentOnce: n.sentOnce, SentState: n.sentState, SentSettl: n.sentSettl, Released: n.released}
	for _, t := range n.order {
		c := n.children[t]
		next.Carried.Children = append(next.Carried.Children, CarriedChild{Plan: c.plan, Status: c.status, Done: c.done, ReleaseSent: c.releaseSent})
	}
	return workflow.NewContinueAsNewError(ctx, WorkflowName, next)
}

// reportUp tells the parent when this node's state or settledness changed.
// Calls are serialised and each reports the state at the time it sends, so
// the parent's last view is the latest.
func (n *node) reportUp(ctx workflow.Context) {
	if n.in.ParentID == "" {
		return
	}
	if err := n.upMu.Lock(ctx); err != nil {
		return
	}
	defer n.upMu.Unlock()
	s := n.report()
	if n.sentOnce && s.State == n.sentState && s.Settled == n.sentSettl {
		return
	}
	n.sentOnce, n.sentState, n.sentSettl = true, s.State, s.Settled
	_ = workflow.SignalExternalWorkflow(ctx, n.in.ParentID, "", SignalChildStatus, s).Get(ctx, nil)
}

func (n *node) releaseChildren(ctx workflow.Context) {
	for _, t := range n.order {
		c := n.children[t]
		if c.started && !c.done && !c.releaseSent {
			_ = workflow.SignalExternalWorkflow(ctx, NodeID(n.in.CampaignID, t), "", SignalRelease, nil).Get(ctx, nil)
			c.releaseSent = true
		}
	}
}

// fire handles a reminder or an escalation step that came due.
func (n *node) fire(ctx workflow.Context, ev activities.ScheduledEvent) error {
	if !n.a.State.Open() {
		return nil
	}
	if err := n.mu.Lock(ctx); err != nil {
		return err
	}
	defer n.mu.Unlock()
	if !n.a.State.Open() {
		return nil
	}
	a := n.a
	if ev.Kind == activities.KindReminder {
		title := duban.Text{
			ZH: fmt.Sprintf("提醒：「%s」将于 %s 到期", a.Title, a.DueAt.In(calendar.Shanghai).Format("2006-01-02 15:04")),
			EN: fmt.Sprintf("Reminder: %q is due %s", a.Title, a.DueAt.In(calendar.Shanghai).Format("2006-01-02 15:04")),
		}
		if ev.Offset > 0 {
			title.ZH += fmt.Sprintf("（还剩 %d 个工作日）", ev.Offset)
			title.EN += fmt.Sprintf(" (%d working days left)", ev.Offset)
		}
		n.notify(ctx, fmt.Sprintf("%s/reminder/%d", a.ID, ev.At.Unix()), "reminder", title, []string{a.Tenant})
		return nil
	}
	step := ev.Step
	if step.Level <= a.EscalationLevel {
		return nil
	}
	a.Overdue = true
	a.EscalationLevel = step.Level
	a.UpdatedAt = workflow.Now(ctx)
	if err := n.commit(ctx, a, Actor{Login: "system"}, "escalate", step.Name.ZH, map[string]any{"level": step.Level, "kind": step.Kind}); err != nil {
		return err
	}
	recipients := []string{a.Tenant, a.ReviewerTenant}
	if step.Kind != duban.EscalateReminder {
		recipients = []string{a.ReviewerTenant, n.in.Scope}
		if step.Kind == duban.EscalateSummons {
			recipients = []string{a.Tenant, a.ReviewerTenant, n.in.Scope}
		}
	}
	title := duban.Text{
		ZH: fmt.Sprintf("%s：%s %s「%s」已逾期", step.Name.ZH, n.in.Name, n.in.Tenant, a.Title),
		EN: fmt.Sprintf("%s: %s %s is overdue on %q", step.Name.EN, n.in.Name, n.in.Tenant, a.Title),
	}
	n.notify(ctx, fmt.Sprintf("%s/escalation/%d/%d", a.ID, step.Level, a.DueAt.Unix()), "escalation."+step.Kind, title, dedupe(recipients))
	if step.Kind == duban.EscalateSummons {
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activityOpts), acts.RecordSummons, activities.SummonsInput{AssignmentID: a.ID, Tenant: a.Tenant,
			Reviewer: a.ReviewerTenant, At: workflow.Now(ctx)}).Get(ctx, nil)
	}
	return nil
}

func dedupe(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// commit projects a new snapshot (version+1) and, once it is written,
// makes it the node's state. A failed write leaves the state unchanged.
func (n *node) commit(ctx workflow.Context, next duban.Assignment, actor Actor, action, comment string, details map[string]any) error {
	from := ""
	if n.a.Version > 0 {
		from = string(n.a.State)
	}
	next.Version = n.a.Version + 1
	next.UpdatedAt = workflow.Now(ctx)
	p := duban.AssignmentProjection{Assignment: next, RequestID: actor.RequestID, Event: duban.AssignmentEvent{Version: next.Version, At: next.UpdatedAt,
		Actor: actor.Login, Action: action, From: from, To: string(next.State), Comment: comment, Details: details}}
	// Version 1: a local activity, so the write happens inside this workflow
	// task and an Update answers without an extra activity-task round trip
	// (BENCHMARKS.md). Campaigns started before keep the regular activity.
	var f workflow.Future
	if workflow.GetVersion(ctx, "projection-local-activity", workflow.DefaultVersion, 1) == 1 {
		f = workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOpts), acts.ProjectAssignment, p)
	} else {
		f = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activityOpts), acts.ProjectAssignment, p)
	}
	if err := f.Get(ctx, nil); err != nil {
		return fmt.Errorf("project %s: %w", next.ID, err)
	}
	n.a = next
	n.dirty = true
	n.commits++
	// the parent hears of it before the update answers, so a summary
	// submitted right after an approval sees the approval
	n.reportUp(ctx)
	return nil
}

// notify stores notifications for the tenants and delivers webhooks in the
// background: neither blocks the workflow's progress.
func (n *node) notify(ctx workflow.Context, key, kind string, title duban.Text, tenants []string) {
	ns := make([]duban.NewNotification, 0, len(tenants))
	for _, t := range tenants {
		ns = append(ns, duban.NewNotification{DedupeKey: key + "/" + t, Tenant: t, CampaignID: n.in.CampaignID,
			AssignmentID: n.a.ID, Kind: kind, Title: title, Body: map[string]any{"state": n.a.State, "due_at": n.a.DueAt}, At: workflow.Now(ctx)})
	}
	deliver(ctx, ns)
}

// deliver stores notifications and delivers their webhooks in the
// background: neither blocks the workflow's progress.
func deliver(ctx workflow.Context, ns []duban.NewNotification) {
	workflow.Go(ctx, func(g workflow.Context) { _ = storeAndDeliver(g, ns) })
}

// storeAndDeliver stores notifications and then tries their webhooks (a
// failing webhook is retried by its activity and never fails the caller);
// it returns once both are done, or the store's error.
func storeAndDeliver(ctx workflow.Context, ns []duban.NewNotification) error {
	var ids []int64
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activityOpts), acts.Notify, ns).Get(ctx, &ids); err != nil || len(ids) == 0 {
		return err
	}
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, webhookOpts), acts.DeliverWebhooks, ids).Get(ctx, nil)
	return nil
}

// startAbandoned starts a child workflow that outlives its parent (a
// period campaign, a follow-up) and returns once it has started; one
// already started under id is no error.
func startAbandoned(ctx workflow.Context, id string, wf, arg any) error {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: id,
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE})
	if err := workflow.ExecuteChildWorkflow(cctx, wf, arg).GetChildWorkflowExecution().Get(ctx, nil); err != nil && !isAlreadyStarted(err) {
		return err
	}
	return nil
}

// tighten applies an earlier internal deadline from the parent (倒排工期).
func (n *node) tighten(ctx workflow.Context, due time.Time) {
	// Version 1: the deadline reaches the whole subtree — each node passes
	// it on to its children, relay nodes without an assignment included.
	if workflow.GetVersion(ctx, "nested-deadlines", workflow.DefaultVersion, 1) == 1 {
		defer n.relayTighten(ctx, due)
	}
	if !n.in.HasAssignment || n.a.State.Final() || !due.Before(n.a.DueAt) {
		return
	}
	if err := n.mu.Lock(ctx); err != nil {
		return
	}
	defer n.mu.Unlock()
	a := n.a
	a.DueAt = due
	if err := n.commit(ctx, a, Actor{Login: "system"}, "tighten_deadline", "倒排工期", map[string]any{"due_at": due}); err == nil {
		n.rearm = true
	}
}

// relayTighten passes an internal deadline on to every running child.
func (n *node) relayTighten(ctx workflow.Context, due time.Time) {
	for _, t := range n.order {
		if c := n.children[t]; c.started && !c.done {
			_ = workflow.SignalExternalWorkflow(ctx, NodeID(n.in.CampaignID, t), "", SignalTighten, due).Get(ctx, nil)
		}
	}
}

// cancel ends the node cleanly after the campaign was cancelled: its own
// assignment is recorded cancelled, children finish cancelling first.
func (n *node) cancel(ctx workflow.Context) error {
	// children this run started were asked to cancel with its context; those
	// an earlier run started are asked here
	for _, t := range n.order {
		if c := n.children[t]; c.carried && !c.done {
			_ = workflow.RequestCancelExternalWorkflow(ctx, NodeID(n.in.CampaignID, t), "").Get(ctx, nil)
		}
	}
	_ = workflow.Await(ctx, n.allChildrenDone)
	if n.in.HasAssignment && !n.a.State.Final() {
		a := n.a
		a.State = duban.StateCancelled
		_ = n.commit(ctx, a, Actor{Login: "system"}, "cancel", "campaign cancelled", nil)
	}
	if n.in.Root {
		reason := n.cancelReason
		if reason == "" {
			reason = "cancelled"
		}
		if err := workflow.ExecuteActivity(ctx, acts.SetCampaignStatus, activities.CampaignStatusInput{CampaignID: n.in.CampaignID,
			Status: duban.CampaignCancelled, Reason: reason, At: workflow.Now(ctx)}).Get(ctx, nil); err != nil {
			return err
		}
	}
	n.cancelDone = true
	if n.cancelled { // the cancel update waits for this: let it answer first
		_ = workflow.Await(ctx, func() bool { return n.cancelAcked })
	}
	return temporal.NewCanceledError()
}
