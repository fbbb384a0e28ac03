package activities

import (
	"context"

	"github.com/duban/duban/postgres"
)

// ProjectHazard writes a hazard snapshot (versioned, in the system scope).
func (a *Activities) ProjectHazard(ctx context.Context, p postgres.HazardProjection) error {
	return a.DB.ProjectHazard(ctx, postgres.SystemScope, p)
}

// ProjectAccident writes an accident snapshot (versioned, in the system scope).
func (a *Activities) ProjectAccident(ctx context.Context, p postgres.AccidentProjection) error {
	return a.DB.ProjectAccident(ctx, postgres.SystemScope, p)
}
