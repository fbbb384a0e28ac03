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
	if err := a.DB.RecordSummons(ctx, in.AssignmentID, in.At, attendees); err != nil {
		return err
	}
	// the meeting itself: raised for the supervisor to convene (约谈 with
	// date, place, persons, minutes and commitments)
	as, err := a.DB.FindAssignment(ctx, duban.SystemScope, in.AssignmentID)
	if err != nil {
		return err
	}
	_, err = a.RaiseSummons(ctx, RaiseInput{Source: "assignment/" + in.AssignmentID, Tenant: in.Tenant, Convener: in.Reviewer, Lines: as.Lines,
		Reason: "「" + as.Title + "」逾期未办结，经督办、挂牌督办仍未完成", At: in.At})
	return err
}
