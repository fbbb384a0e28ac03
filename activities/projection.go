package activities

import (
	"context"
	"time"

	"github.com/duban/duban"
)

// ProjectHazard writes a hazard snapshot (versioned, in the system scope).
func (a *Activities) ProjectHazard(ctx context.Context, p duban.HazardProjection) error {
	return a.DB.ProjectHazard(ctx, duban.SystemScope, p)
}

// ProjectAccident writes an accident snapshot (versioned, in the system scope).
func (a *Activities) ProjectAccident(ctx context.Context, p duban.AccidentProjection) error {
	return a.DB.ProjectAccident(ctx, duban.SystemScope, p)
}

// ProjectAssignment writes an assignment snapshot to the read model
// (versioned: an older or repeated version changes nothing).
func (a *Activities) ProjectAssignment(ctx context.Context, p duban.AssignmentProjection) error {
	return a.DB.ProjectAssignment(ctx, p)
}

// CampaignStatusInput ends a campaign in the read model.
type CampaignStatusInput struct {
	CampaignID, Status, Reason string
	At                         time.Time
}

// SetCampaignStatus records a campaign's completion or cancellation.
func (a *Activities) SetCampaignStatus(ctx context.Context, in CampaignStatusInput) error {
	return a.DB.SetCampaignStatus(ctx, in.CampaignID, in.Status, in.Reason, in.At)
}

// ProjectDangerousWork writes a dangerous work's snapshot (versioned, in
// the system scope).
func (a *Activities) ProjectDangerousWork(ctx context.Context, p duban.DangerousWorkProjection) error {
	return a.DB.ProjectDangerousWork(ctx, duban.SystemScope, p)
}
