package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/postgres"
	"github.com/jackc/pgx/v5"
)

// benchAudit measures audit verification as the log grows: DUBAN_BENCH_AUDIT_EVENTS
// events (1,000,000 by default: #16's size S, a province's year) appended to
// the chains of Henan's tenants in bulk (rows identical to the write path's:
// TestBulkAuditChainVerifies), then the full walk, the routine walk from the
// checkpoints after 1,000 more events written through the real write path,
// and the limit for those: reading the same 1,000 rows by (tenant, seq) as the
// table owner and hashing them, nothing else.
func benchAudit(ctx context.Context, b *benchStack, out io.Writer) ([]BenchResult, error) {
	n := envInt("DUBAN_BENCH_AUDIT_EVENTS", 1_000_000)
	owner, err := pgx.Connect(ctx, b.pg.AdminURL("duban"))
	if err != nil {
		return nil, err
	}
	defer owner.Close(ctx)
	tenants := subtree(b.app.Dir, "41")
	start := time.Now()
	if err := bulkAudit(ctx, owner, b.app.Dir, tenants, n, time.Now().Add(-365*24*time.Hour)); err != nil {
		return nil, err
	}
	fill := time.Since(start)
	fmt.Fprintf(out, "filled %d audit events over %d chains in %s\n", n, len(tenants), fill.Round(time.Millisecond))

	var res []BenchResult
	timeIt := func(full bool) (time.Duration, int, error) {
		t0 := time.Now()
		broken, checked, err := b.app.DB.VerifyAudit(ctx, duban.SystemScope, full)
		if err == nil && broken != nil {
			err = fmt.Errorf("the chain broke at %s/%d: %s", broken.Tenant, broken.Seq, broken.Reason)
		}
		return time.Since(t0), checked, err
	}
	first, _, err := timeIt(false) // no checkpoints yet: the whole log, then they are set
	if err != nil {
		return nil, err
	}
	full, fullN, err := timeIt(true)
	if err != nil {
		return nil, err
	}
	const added = 1000
	var before struct {
		tenants []string
		seqs    []int64
	}
	hr, err := owner.Query(ctx, `SELECT tenant, seq FROM audit_heads`)
	if err != nil {
		return nil, err
	}
	for hr.Next() {
		var t string
		var s int64
		if err := hr.Scan(&t, &s); err != nil {
			return nil, err
		}
		before.tenants, before.seqs = append(before.tenants, t), append(before.seqs, s)
	}
	hr.Close()
	for i := range added {
		if err := b.app.DB.RecordDenied(ctx, tenants[i%len(tenants)], "user.create", "tenant/"+tenants[i%len(tenants)], map[string]any{"i": i}); err != nil {
			return nil, err
		}
	}
	routine, routineN, err := timeIt(false)
	if err != nil {
		return nil, err
	}
	// the limit: read the 1,000 new rows by their key (one range a chain, in
	// one round trip, as the table owner: no row-level security) and hash them
	t0 := time.Now()
	hashed := 0
	batch := &pgx.Batch{}
	for i, t := range before.tenants {
		batch.Queue(`SELECT id, tenant, seq, actor, action, target, outcome, request_id, at, summary::text, prev_hash, hash
			FROM audit_events WHERE tenant = $1 AND seq > $2 ORDER BY seq`, t, before.seqs[i])
	}
	br := owner.SendBatch(ctx, batch)
	for range before.tenants {
		rows, err := br.Query()
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var e duban.AuditEvent
			var summary string
			if err := rows.Scan(&e.ID, &e.Tenant, &e.Seq, &e.Actor, &e.Action, &e.Target, &e.Outcome, &e.RequestID, &e.At, &summary, &e.PrevHash, &e.Hash); err != nil {
				return nil, err
			}
			e.Summary = []byte(summary)
			if postgres.AuditHash(&e) == e.Hash && e.Action == "user.create" {
				hashed++
			}
		}
		rows.Close()
	}
	if err := br.Close(); err != nil {
		return nil, err
	}
	limit := time.Since(t0)
	res = append(res,
		BenchResult{Name: fmt.Sprintf("audit verify, full walk of %d events", fullN), Value: ms(full), Unit: "ms"},
		BenchResult{Name: "audit verify, routine without checkpoints (the first one: the whole log)", Value: ms(first), Baseline: ms(full), Unit: "ms", Note: "baseline: the full walk"},
		BenchResult{Name: fmt.Sprintf("audit verify, routine after %d events added (%d checked)", added, routineN), Value: ms(routine), Baseline: ms(limit), Unit: "ms",
			Note: fmt.Sprintf("baseline: the limit — the %d new rows read by key and hashed (%d verified); the full walk is %.0f× the routine one", hashed, hashed, ms(full)/ms(routine))},
	)
	return res, nil
}

// bulkAudit appends n events round-robin to the chains of tenants, as
// AppendAudit would (the same fields, the same hash, the heads advanced),
// through COPY: the rows a year of work leaves, in seconds.
func bulkAudit(ctx context.Context, conn *pgx.Conn, dir *duban.Directory, tenants []string, n int, from time.Time) error {
	type head struct {
		seq  int64
		hash string
	}
	heads := map[string]*head{}
	for _, t := range tenants {
		h := &head{}
		err := conn.QueryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE tenant = $1`, t).Scan(&h.seq, &h.hash)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		if err == pgx.ErrNoRows {
			if _, err := conn.Exec(ctx, `INSERT INTO audit_heads (tenant, tenant_path) SELECT code, path FROM tenants WHERE code = $1`, t); err != nil {
				return err
			}
		}
		heads[t] = h
	}
	const batch = 50_000
	for done := 0; done < n; done += batch {
		var rows [][]any
		for i := done; i < min(done+batch, n); i++ {
			t := tenants[i%len(tenants)]
			h := heads[t]
			ev := duban.AuditEvent{Tenant: t, Seq: h.seq + 1, Actor: "bench", Action: "assignment.submit", Target: fmt.Sprintf("assignment/bench.%d", i),
				Outcome: duban.OutcomeOK, RequestID: fmt.Sprintf("bench-%d", i), At: from.Add(time.Duration(i) * 30 * time.Second).UTC().Truncate(time.Microsecond),
				Summary: []byte(fmt.Sprintf(`{"n": %d}`, i)), PrevHash: h.hash}
			ev.Hash = postgres.AuditHash(&ev)
			h.seq, h.hash = ev.Seq, ev.Hash
			rows = append(rows, []any{ev.Tenant, ltreeBinary(dir.Get(t).Path), ev.Seq, ev.Actor, ev.Action, ev.Target, ev.Outcome, ev.RequestID, ev.At, string(ev.Summary), ev.PrevHash, ev.Hash})
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"audit_events"},
			[]string{"tenant", "tenant_path", "seq", "actor", "action", "target", "outcome", "request_id", "at", "summary", "prev_hash", "hash"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
	}
	for t, h := range heads {
		if _, err := conn.Exec(ctx, `UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant = $1`, t, h.seq, h.hash); err != nil {
			return err
		}
	}
	// the planner's statistics, as autovacuum keeps them on a live system
	_, err := conn.Exec(ctx, `ANALYZE audit_events, audit_heads`)
	return err
}

// subtree is root and every tenant it supervises, directly or not.
func subtree(dir *duban.Directory, root string) []string {
	out := []string{root}
	for i := 0; i < len(out); i++ {
		out = append(out, dir.Supervised(out[i])...)
	}
	return out
}

// ltreeBinary is an ltree in PostgreSQL's binary form (a version byte, then
// the text), as COPY sends it.
func ltreeBinary(path string) []byte { return append([]byte{1}, path...) }
