package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/duban/duban"
	"github.com/duban/duban/internal/testenv"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestWholeScopeSeesTheSameRows: migration 016 lets a row below a scope
// path that holds every line through on one test. Every row a policy shows
// is compared with the rule as written before it (sees, here in Go: the
// tenant in scope, and the tenant in one of the row's first five lines, or
// no lines), for rows of every shape — no lines, known lines, several, an
// unknown line, more than five — under scopes that hold every line, some,
// or a place without its lines. Both ways through the policy are taken.
func TestWholeScopeSeesTheSameRows(t *testing.T) {
	t.Parallel()
	db, d := testenv.OpenStore(t)
	ctx := context.Background()
	conn := owner(t, d)
	shapes := [][]string{{}, {"construction"}, {"market"}, {"construction", "market"}, {"food_office"}, {"foo"}, {"foo", "construction"},
		{"construction", "foo"}, {"foo", "foo2", "foo3", "foo4", "foo5", "construction"}, {"emergency", "market", "safety_office", "food_office", "construction"}}
	// hazard_totals: no foreign keys, every policy's shape; the rows are the
	// test's own (no trigger writes them here)
	_, err := conn.Exec(ctx, `INSERT INTO hazard_totals (tenant, tenant_path, lines, grade, state, overdue, listed, n)
		SELECT t.code, t.path, s.lines, 'general', 'open', false, false, 1
		FROM tenants t CROSS JOIN (SELECT ('{' || x || '}')::text[] lines FROM unnest($1::text[]) x) s
		WHERE t.path <@ '000000.41' OR t.path <@ '000000.42.4201' OR t.code = '000000'`, func() []string {
		out := make([]string, len(shapes))
		for i, s := range shapes {
			out[i] = strings.Join(s, ",")
		}
		return out
	}())
	require.NoError(t, err)
	type row struct {
		tenant, path string
		lines        []string
	}
	rs, err := conn.Query(ctx, `SELECT tenant, tenant_path::text, lines FROM hazard_totals ORDER BY tenant, lines`)
	require.NoError(t, err)
	all, err := pgx.CollectRows(rs, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.tenant, &x.path, &x.lines)
	})
	require.NoError(t, err)
	require.Greater(t, len(all), 2000)

	under := func(p string, scope []string) bool {
		return slices.ContainsFunc(scope, func(s string) bool { return p == s || strings.HasPrefix(p, s+".") })
	}
	sees := func(r row, scope []string) bool {
		if !under(r.path, scope) {
			return false
		}
		if len(r.lines) == 0 {
			return true
		}
		for _, l := range r.lines[:min(5, len(r.lines))] {
			if under(l+"."+r.path, scope) {
				return true
			}
		}
		return false
	}
	hn, zz, zm := "000000.41", "000000.41.4101", "000000.41.4101.410122"
	allBut := func(p string, drop duban.Line) []string {
		return slices.DeleteFunc(duban.ScopeAllLines(p), func(s string) bool { return s == duban.LinePath(drop, p) })
	}
	scopes := map[string][]string{
		"system": duban.SystemScope, "henan, every line": duban.ScopeAllLines(hn), "henan, no line": {hn},
		"henan construction": {hn, duban.LinePath(duban.LineConstruction, hn)}, "henan but food": allBut(hn, duban.LineFoodOffice),
		"zhengzhou every line, henan construction": append(duban.ScopeAllLines(zz), duban.LinePath(duban.LineConstruction, hn)),
		"zhongmu every line, zhengzhou plain":      append(duban.ScopeAllLines(zm), zz),
		"henan and wuhan":                          duban.ScopeAllLines(hn, "000000.42.4201"),
		"lines at henan, place at zhengzhou":       append([]string{zz}, slices.DeleteFunc(duban.ScopeAllLines(hn), func(s string) bool { return s == hn })...),
		"none":                                     {},
	}
	whole, slow := 0, 0
	for name, scope := range scopes {
		var got []string
		var w []string
		require.NoError(t, db.InScope(ctx, scope, func(tx pgx.Tx) error {
			rs, err := tx.Query(ctx, `SELECT tenant || ' ' || array_to_string(lines, ',') FROM hazard_totals ORDER BY tenant, lines`)
			if err != nil {
				return err
			}
			if got, err = pgx.CollectRows(rs, pgx.RowTo[string]); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT coalesce(duban_scope_whole()::text[], '{}')`).Scan(&w)
		}))
		want := []string{}
		for _, r := range all {
			if sees(r, scope) {
				want = append(want, r.tenant+" "+strings.Join(r.lines, ","))
				if under(r.path, w) && !slices.ContainsFunc(r.lines, func(l string) bool { return duban.Line(l).Info() == nil }) {
					whole++
				} else {
					slow++
				}
			}
		}
		require.Equal(t, want, append([]string{}, got...), "%s (whole at %v)", name, w)
	}
	require.Greater(t, whole, 1000, "rows seen through the whole subtree")
	require.Greater(t, slow, 1000, "rows seen through the test of their lines")
	t.Logf("rows seen through a whole subtree: %d, through their lines: %d", whole, slow)
}

// TestWholeScopeKnowsEveryLine: the lines migration 016's shortcut requires
// a scope to hold are Duban's lines.
func TestWholeScopeKnowsEveryLine(t *testing.T) {
	t.Parallel()
	_, d := testenv.OpenStore(t)
	var got []string
	require.NoError(t, owner(t, d).QueryRow(context.Background(), `SELECT duban_lines()`).Scan(&got))
	require.ElementsMatch(t, duban.LineStrings(duban.Lines()), got)
}
