package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// IdempotencyTTL is how long a key is remembered.
const IdempotencyTTL = 24 * time.Hour

// Idempotent is a remembered response to a creating request.
type Idempotent struct {
	Login, Key, Operation, RequestHash string
	Status                             int
	Response                           json.RawMessage
	TenantPath                         string
}

// LookupIdempotency returns the remembered response for (login, key), nil
// when there is none or it expired.
func (db *DB) LookupIdempotency(ctx context.Context, login, key string) (*Idempotent, error) {
	var r Idempotent
	err := db.InScope(ctx, SystemScope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT login, key, operation, request_hash, status, response, tenant_path::text FROM idempotency_keys
			WHERE login = $1 AND key = $2 AND created_at > now() - $3::interval`, login, key, IdempotencyTTL.String()).
			Scan(&r.Login, &r.Key, &r.Operation, &r.RequestHash, &r.Status, &r.Response, &r.TenantPath)
	})
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// rememberIdempotency stores a response inside the creating transaction,
// replacing an expired entry for the same key.
func rememberIdempotency(ctx context.Context, tx pgx.Tx, r *Idempotent) error {
	_, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (login, key, operation, request_hash, status, response, tenant_path)
		VALUES ($1, $2, $3, $4, $5, $6, $7::text::ltree)
		ON CONFLICT (login, key) DO UPDATE SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash,
			status = EXCLUDED.status, response = EXCLUDED.response, tenant_path = EXCLUDED.tenant_path, created_at = now()
		WHERE idempotency_keys.created_at <= now() - $8::interval`,
		r.Login, r.Key, r.Operation, r.RequestHash, r.Status, r.Response, r.TenantPath, IdempotencyTTL.String())
	return err
}

// RememberIdempotency stores a response outside any other transaction (the
// generic HTTP middleware's record).
func (db *DB) RememberIdempotency(ctx context.Context, r *Idempotent) error {
	if len(r.Response) == 0 {
		r.Response = json.RawMessage("null")
	}
	return db.InScope(ctx, SystemScope, func(tx pgx.Tx) error { return rememberIdempotency(ctx, tx, r) })
}
