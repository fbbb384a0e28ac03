package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// IdempotencyTTL is how long a key is remembered.
const IdempotencyTTL = 24 * time.Hour

// ClaimTimeout is how long a claim may stay in flight before another
// request may take it over (its instance is presumed dead).
const ClaimTimeout = 2 * time.Minute

// ClaimIdempotency claims (r.Login, r.Key) in one statement: the insert wins
// unless a live entry exists (completed within the TTL, or in flight within
// ClaimTimeout). It returns nil to the winner, else the existing entry.
func (db *DB) ClaimIdempotency(ctx context.Context, r *duban.Idempotent) (*duban.Idempotent, error) {
	var prev *duban.Idempotent
	err := db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q("claim_idempotency"), r.Login, r.Key, r.Operation, r.RequestHash, r.TenantPath,
			IdempotencyTTL.String(), ClaimTimeout.String())
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var e duban.Idempotent
		var resp []byte
		err = tx.QueryRow(ctx, q("get_idempotency"), r.Login, r.Key).
			Scan(&e.Login, &e.Key, &e.Operation, &e.RequestHash, &e.Status, &resp, &e.TenantPath)
		e.Response = resp
		prev = &e
		return err
	})
	return prev, FormatError(err)
}

// CompleteIdempotency stores the answer of the claim's winner.
func (db *DB) CompleteIdempotency(ctx context.Context, r *duban.Idempotent) error {
	if len(r.Response) == 0 {
		r.Response = json.RawMessage("null")
	}
	return db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, q("complete_idempotency"), r.Login, r.Key, r.Status, []byte(r.Response))
		return err
	})
}

// ReleaseIdempotency drops a claim that has no answer to keep.
func (db *DB) ReleaseIdempotency(ctx context.Context, login, key string) error {
	return db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, q("release_idempotency"), login, key)
		return err
	})
}
