package authz_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/duban/duban/authz"
	"github.com/stretchr/testify/require"
)

// TestREADMERoleTable keeps the README's role table and policy.csv in step.
func TestREADMERoleTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	s := string(b)
	start := strings.Index(s, "<!-- role-table:start -->")
	end := strings.Index(s, "<!-- role-table:end -->")
	require.True(t, start >= 0 && end > start, "README role table markers")
	var want strings.Builder
	want.WriteString("\n| role | action | scope |\n|---|---|---|\n")
	for _, p := range authz.Permissions() {
		fmt.Fprintf(&want, "| %s | `%s` | %s |\n", p.Role, p.Action, p.Scope)
	}
	require.Equal(t, want.String(), s[start+len("<!-- role-table:start -->"):end])
}
