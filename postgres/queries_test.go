package postgres

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestQueriesNamedAndUsed keeps queries/*.sql and the code in step: every
// q(name) call in the code names a statement, and every statement is used.
func TestQueriesNamedAndUsed(t *testing.T) {
	used := map[string]bool{}
	re := regexp.MustCompile(`\bq\("([a-z0-9_]+)"\)`)
	files, err := filepath.Glob("*.go")
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	var missing, unused []string
	for n := range used {
		if _, ok := queries[n]; !ok {
			missing = append(missing, n)
		}
	}
	for n := range queries {
		if !used[n] {
			unused = append(unused, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	require.Empty(t, missing, "q() names without a statement in queries/*.sql")
	require.Empty(t, unused, "statements in queries/*.sql that no code runs")
}
