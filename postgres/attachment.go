package postgres

import (
	"context"
	"errors"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// SaveAttachment records a within scope and audits the upload once.
func (db *DB) SaveAttachment(ctx context.Context, scope []string, a *duban.Attachment) error {
	return FormatError(db.InScope(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q("insert_attachment"), a.ID, a.Tenant, a.SHA256, a.Size, a.ContentType, a.Filename, a.UploadedBy, a.CreatedAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			got, err := getAttachment(ctx, tx, a.ID)
			if err != nil {
				return err
			}
			*a = *got
			return nil
		}
		_, err = AppendAudit(ctx, tx, Audit{Tenant: a.Tenant, Action: "attachment.upload", Target: "attachment/" + a.ID, Actor: a.UploadedBy,
			Summary: map[string]any{"sha256": a.SHA256, "size": a.Size, "content_type": a.ContentType, "filename": a.Filename}})
		return err
	}))
}

// GetAttachment returns an attachment within scope.
func (db *DB) GetAttachment(ctx context.Context, scope []string, id string) (*duban.Attachment, error) {
	var a *duban.Attachment
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		var err error
		a, err = getAttachment(ctx, tx, id)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, duban.Errorf(duban.ENotFound, "attachment %s not found", id)
	}
	return a, FormatError(err)
}

func getAttachment(ctx context.Context, tx pgx.Tx, id string) (*duban.Attachment, error) {
	var a duban.Attachment
	err := tx.QueryRow(ctx, q("get_attachment"), id).Scan(&a.ID, &a.Tenant, &a.SHA256, &a.Size, &a.ContentType, &a.Filename, &a.UploadedBy, &a.CreatedAt)
	if err != nil {
		return nil, err
	}
	return &a, nil
}
