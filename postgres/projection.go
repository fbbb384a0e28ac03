package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// projection is one versioned write of a workflow's object: the snapshot
// (written only when newer than the stored one), its history row (once per
// version) and, when that row is new, the audit event — one transaction.
// Replaying a version changes nothing, so a retried activity is harmless.
type projection struct {
	what      string // "assignment a1 v3", for errors
	snapshot  string // upsert … WHERE stored.version < EXCLUDED.version
	snapArgs  []any
	event     string // insert … ON CONFLICT (id, version) DO NOTHING
	eventArgs []any
	audit     Audit // with Actor and RequestID of whoever asked for the change
}

// project writes p within scope.
func (db *DB) project(ctx context.Context, scope []string, p projection) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, p.snapshot, p.snapArgs...); err != nil {
			return fmt.Errorf("project %s: %w", p.what, err)
		}
		tag, err := tx.Exec(ctx, p.event, p.eventArgs...)
		if err != nil {
			return fmt.Errorf("project %s: history: %w", p.what, err)
		}
		if tag.RowsAffected() == 0 {
			return nil // this version was projected before: no second audit event
		}
		_, err = AppendAudit(ctx, tx, p.audit)
		return err
	}))
}
