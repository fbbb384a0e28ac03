// Package archtest keeps the dependency directions of STYLE.md: the root
// imports nothing of ours; workflows import no storage, HTTP or API code;
// the API and the activities reach storage only through the root's ports.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", strings.TrimSuffix("github.com/duban/duban/"+pkg, "/.")).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func TestDependencyDirections(t *testing.T) {
	forbidden := map[string][]string{
		"workflows":  {"github.com/duban/duban/postgres", "github.com/jackc/pgx", "github.com/duban/duban/api", "github.com/danielgtaylor/huma"},
		"activities": {"github.com/duban/duban/postgres", "github.com/jackc/pgx", "github.com/duban/duban/workflows", "github.com/duban/duban/api"},
		"api":        {"github.com/duban/duban/postgres", "github.com/jackc/pgx"},
		".":          {"github.com/duban/duban/"},
	}
	for pkg, bad := range forbidden {
		for _, d := range deps(t, pkg) {
			for _, b := range bad {
				if strings.HasPrefix(d, b) {
					t.Errorf("%s depends on %s", pkg, d)
				}
			}
		}
	}
}
