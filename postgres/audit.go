package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/duban/duban"
	"github.com/jackc/pgx/v5"
)

// Audit is what a mutating call records; the store fills tenant path,
// sequence, time and hashes.
type Audit struct {
	Tenant  string // the tenant whose chain records the event
	Action  string
	Target  string
	Outcome string // duban.OutcomeOK when empty
	Summary any
	// Actor and RequestID say who asked; when empty they are the caller
	// and request of ctx ("system" without a caller).
	Actor, RequestID string
}

// AppendAudit appends an event to its tenant's hash chain inside tx. The
// chain head row is locked, so concurrent writers of one tenant serialise.
func AppendAudit(ctx context.Context, tx pgx.Tx, a Audit) (*duban.AuditEvent, error) {
	actor, requestID := a.Actor, a.RequestID
	if actor == "" {
		actor = "system"
		if p := duban.PrincipalFromContext(ctx); p != nil {
			actor = p.Login
		}
	}
	if requestID == "" {
		requestID = duban.RequestIDFromContext(ctx)
	}
	if a.Outcome == "" {
		a.Outcome = duban.OutcomeOK
	}
	raw, err := json.Marshal(a.Summary)
	if err != nil {
		return nil, fmt.Errorf("audit summary: %w", err)
	}
	var path string
	if err := tx.QueryRow(ctx, q("audit_tenant_path"), a.Tenant).Scan(&path); err != nil {
		return nil, fmt.Errorf("audit tenant %s: %w", a.Tenant, FormatError(err))
	}
	if _, err := tx.Exec(ctx, q("ensure_audit_head"), a.Tenant, path); err != nil {
		return nil, err
	}
	ev := duban.AuditEvent{Tenant: a.Tenant, Actor: actor, Action: a.Action, Target: a.Target, Outcome: a.Outcome,
		RequestID: requestID, At: time.Now().UTC().Truncate(time.Microsecond)}
	var seq int64
	if err := tx.QueryRow(ctx, q("lock_audit_head"), a.Tenant).Scan(&seq, &ev.PrevHash); err != nil {
		return nil, err
	}
	ev.Seq = seq + 1
	// jsonb normalises the summary; hash the normalised text so that
	// verification recomputes the same bytes.
	var norm string
	if err := tx.QueryRow(ctx, q("normalise_json"), string(raw)).Scan(&norm); err != nil {
		return nil, err
	}
	ev.Summary = json.RawMessage(norm)
	ev.Hash = AuditHash(&ev)
	err = tx.QueryRow(ctx, q("insert_audit_event"),
		ev.Tenant, path, ev.Seq, ev.Actor, ev.Action, ev.Target, ev.Outcome, ev.RequestID, ev.At, norm, ev.PrevHash, ev.Hash).Scan(&ev.ID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, q("advance_audit_head"), a.Tenant, ev.Seq, ev.Hash); err != nil {
		return nil, err
	}
	return &ev, nil
}

// AuditHash is the chain hash of an event: SHA-256 over the previous hash
// and every recorded field.
func AuditHash(ev *duban.AuditEvent) string {
	h := sha256.New()
	for _, s := range []string{ev.PrevHash, ev.Tenant, strconv.FormatInt(ev.Seq, 10), ev.Actor, ev.Action, ev.Target,
		ev.Outcome, ev.RequestID, ev.At.UTC().Format(time.RFC3339Nano), string(ev.Summary)} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RecordDenied writes a denied attempt to the audit chain of tenant in its
// own transaction (the denied call itself writes nothing).
func (db *DB) RecordDenied(ctx context.Context, tenant, action, target string, summary any) error {
	return db.InScope(ctx, duban.SystemScope, func(tx pgx.Tx) error {
		_, err := AppendAudit(ctx, tx, Audit{Tenant: tenant, Action: action, Target: target, Outcome: duban.OutcomeDenied, Summary: summary})
		return err
	})
}

// ListAuditEvents returns events newest first, within scope, and the total.
func (db *DB) ListAuditEvents(ctx context.Context, scope []string, f duban.AuditFilter) ([]duban.AuditEvent, int, error) {
	return page(ctx, db, scope, q("count_audit_events"), q("list_audit_events"), []any{f.Tenant, f.Action}, f.BeforeID, f.Limit, scanAudit)
}

func scanAudit(r pgx.CollectableRow) (duban.AuditEvent, error) {
	var e duban.AuditEvent
	var summary string
	err := r.Scan(&e.ID, &e.Tenant, &e.Seq, &e.Actor, &e.Action, &e.Target, &e.Outcome, &e.RequestID, &e.At, &summary, &e.PrevHash, &e.Hash)
	e.Summary = json.RawMessage(summary)
	return e, err
}

// VerifyAudit verifies every chain within scope and returns the first
// broken link (by tenant path, then sequence), nil when all verify, and how
// many events were checked. A full verification walks every chain from its
// start; a routine one starts at each chain's verified checkpoint: it
// re-hashes the checkpoint event, requires the hash the checkpoint recorded,
// and walks only what was added since. Either, finding nothing broken,
// moves each chain's checkpoint to the last event it verified (never
// backwards); a broken chain moves none.
func (db *DB) VerifyAudit(ctx context.Context, scope []string, full bool) (*duban.BrokenLink, int, error) {
	var broken *duban.BrokenLink
	checked := 0
	err := db.InScope(ctx, scope, func(tx pgx.Tx) error {
		query := q("audit_events_since_checkpoint")
		if full {
			query = q("audit_events_in_order")
		}
		rows, err := tx.Query(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		var tenant, prev string
		var seq int64
		var last struct {
			tenants, hashes []string
			seqs            []int64
		}
		for rows.Next() {
			var e duban.AuditEvent
			var summary, cpHash string
			var cpSeq int64
			dest := []any{&e.ID, &e.Tenant, &e.Seq, &e.Actor, &e.Action, &e.Target, &e.Outcome, &e.RequestID, &e.At, &summary, &e.PrevHash, &e.Hash}
			if !full {
				dest = append(dest, &cpSeq, &cpHash)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			e.Summary = json.RawMessage(summary)
			checked++
			reason := ""
			if e.Tenant != tenant {
				tenant, prev, seq = e.Tenant, "", 0
				last.tenants, last.seqs, last.hashes = append(last.tenants, e.Tenant), append(last.seqs, 0), append(last.hashes, "")
				if cpSeq > 0 { // the checkpoint event: its content and the hash recorded when it was verified
					switch {
					case e.Seq != cpSeq:
						reason = fmt.Sprintf("the checkpoint event %d is missing", cpSeq)
					case AuditHash(&e) != e.Hash || e.Hash != cpHash:
						reason = "the checkpoint event does not match the hash verified before"
					}
					prev, seq = e.PrevHash, e.Seq-1
				}
			}
			if reason == "" {
				switch {
				case e.Seq != seq+1:
					reason = fmt.Sprintf("sequence gap: expected %d, found %d", seq+1, e.Seq)
				case e.PrevHash != prev:
					reason = "previous hash does not match the prior event"
				case AuditHash(&e) != e.Hash:
					reason = "event content does not match its hash"
				}
			}
			if reason != "" {
				broken = &duban.BrokenLink{Tenant: e.Tenant, Seq: e.Seq, ID: e.ID, Reason: reason}
				return nil
			}
			prev, seq = e.Hash, e.Seq
			last.seqs[len(last.seqs)-1], last.hashes[len(last.hashes)-1] = e.Seq, e.Hash
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// A checkpoint whose event was deleted breaks the chain too.
		var t string
		var s int64
		err = tx.QueryRow(ctx, q("audit_checkpoints_without_event")).Scan(&t, &s)
		if err == nil {
			broken = &duban.BrokenLink{Tenant: t, Seq: s, Reason: "the checkpoint event was removed"}
			return nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		// The head must match the last event: a deleted tail breaks too.
		hrows, err := tx.Query(ctx, q("audit_heads_with_last_event"))
		if err != nil {
			return err
		}
		defer hrows.Close()
		for hrows.Next() {
			var t, hh, eh string
			var s, id int64
			if err := hrows.Scan(&t, &s, &hh, &eh, &id); err != nil {
				return err
			}
			if s > 0 && hh != eh {
				broken = &duban.BrokenLink{Tenant: t, Seq: s, ID: id, Reason: "chain head does not match the last event (events removed)"}
				return nil
			}
		}
		if err := hrows.Err(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, q("advance_audit_checkpoints"), last.tenants, last.seqs, last.hashes)
		return err
	})
	return broken, checked, err
}
