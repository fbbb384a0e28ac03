// Package workflows holds Duban's Temporal workflows. A campaign is a tree
// of CampaignNode workflows that mirrors the supervision tree: the root
// (campaign/<id>) starts one child per supervised tenant that is a target or
// leads to targets (campaign/<id>/t/<code>), and so on down. Each node owns
// its tenant's assignment: every state change is an Update that validates
// against the node's own state, writes the read model through a versioned
// activity, and returns the new state.
package workflows

import "time"

// TaskQueue is the task queue of every Duban workflow and activity.
const TaskQueue = "duban"

// WorkflowName is the registered name of the node workflow.
const WorkflowName = "CampaignNode"

// Update, signal and query names.
const (
	UpdateSaveDraft = "save-draft"
	UpdateSubmit    = "submit"
	UpdateReview    = "review"
	UpdateSignOff   = "sign-off"
	UpdateExtend    = "extend-deadline"
	UpdateTighten   = "set-child-deadline" // 倒排工期: an earlier internal deadline for the children
	UpdateCancel    = "cancel-campaign"    // root only

	SignalChildStatus = "child-status" // child → parent: its state and whether its subtree is settled
	SignalRelease     = "release"      // parent → child: the campaign is complete, finish
	SignalTighten     = "tighten-deadline"

	QueryStatus = "status"
)

// RootID is the workflow id of a campaign's root.
func RootID(campaignID string) string { return "campaign/" + campaignID }

// NodeID is the workflow id of a tenant's node in a campaign.
func NodeID(campaignID, tenant string) string { return "campaign/" + campaignID + "/t/" + tenant }

// Review decisions.
const (
	DecisionApprove = "approve"
	DecisionReturn  = "return"
)

// Actor names who asked for a change, for the history and the audit log.
type Actor struct {
	Login     string
	RequestID string
}

// DraftInput saves a partial report.
type DraftInput struct {
	Actor  Actor
	Values map[string]any
}

// SubmitInput submits the report.
type SubmitInput struct {
	Actor  Actor
	Values map[string]any
}

// ReviewInput approves or returns a report.
type ReviewInput struct {
	Actor     Actor
	Decision  string
	Comment   string
	ReworkDue time.Time // for a return: the new due date
}

// SignOffInput signs an approved report off.
type SignOffInput struct {
	Actor   Actor
	Comment string
}

// ExtendInput moves a deadline later.
type ExtendInput struct {
	Actor  Actor
	Due    time.Time
	Reason string
	// ParentDue bounds it: the parent assignment's due date (zero: none).
	ParentDue time.Time
}

// TightenInput sets an earlier internal deadline for a node's children.
type TightenInput struct {
	Actor Actor
	Due   time.Time
}

// CancelInput cancels a whole campaign.
type CancelInput struct {
	Actor  Actor
	Reason string
}
