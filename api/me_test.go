package api

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestConsoleActionsReported: every action the console's menus and buttons
// ask about (can('x') / can?.includes('x')) is one get-me reports.
func TestConsoleActionsReported(t *testing.T) {
	asked := regexp.MustCompile(`(?:can\(|includes\()'([a-z_]+\.[a-z_]+)'\)`)
	n := 0
	err := filepath.WalkDir("../console/src", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".vue") || strings.HasSuffix(path, ".ts")) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range asked.FindAllStringSubmatch(string(b), -1) {
			n++
			if !slices.Contains(consoleActions, m[1]) {
				t.Errorf("%s asks whether the user may %s, which get-me does not report (consoleActions)", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("found only %d questions: the scan is broken", n)
	}
}
