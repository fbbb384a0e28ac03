package activities

import (
	"context"
	"time"

	"github.com/duban/duban"
)

// Notify stores notifications (deduplicated by key) and returns the ids of
// those new, for webhook delivery.
func (a *Activities) Notify(ctx context.Context, ns []duban.NewNotification) ([]int64, error) {
	return a.DB.InsertNotifications(ctx, ns)
}

// SummonsInput records a 约谈.
type SummonsInput struct {
	AssignmentID string
	Tenant       string // the summoned tenant
	Reviewer     string // its supervisor, who holds the summons
	At           time.Time
}

// RecordSummons records the summons with the responsible officials of the
// tenant and its supervisor as attendees.
func (a *Activities) RecordSummons(ctx context.Context, in SummonsInput) error {
	var attendees []string
	for _, t := range []string{in.Tenant, in.Reviewer} {
		who, err := a.DB.TenantOfficials(ctx, t)
		if err != nil {
			return err
		}
		for _, w := range who {
			attendees = append(attendees, w+"@"+t)
		}
	}
	if attendees == nil {
		attendees = []string{}
	}
	return a.DB.RecordSummons(ctx, in.AssignmentID, in.At, attendees)
}
