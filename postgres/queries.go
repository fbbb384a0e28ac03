package postgres

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

// The SQL lives in queries/*.sql, each statement under a "-- name: x" line;
// runtime code names the statement with q and its name. A test checks that every
// name used exists and every statement is used.
//
//go:embed queries/*.sql
var queryFiles embed.FS

var queries = mustLoadQueries(queryFiles)

func mustLoadQueries(fsys fs.FS) map[string]string {
	m, err := loadQueries(fsys)
	if err != nil {
		panic(err)
	}
	return m
}

func loadQueries(fsys fs.FS) (map[string]string, error) {
	files, err := fs.Glob(fsys, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var name string
		var body strings.Builder
		flush := func() error {
			if name == "" {
				return nil
			}
			if _, dup := out[name]; dup {
				return fmt.Errorf("%s: query %q defined twice", f, name)
			}
			s := strings.TrimSuffix(strings.TrimSpace(body.String()), ";")
			if s == "" {
				return fmt.Errorf("%s: query %q is empty", f, name)
			}
			out[name] = s
			body.Reset()
			return nil
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(line, "-- name: "); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				name = strings.TrimSpace(n)
				continue
			}
			if strings.HasPrefix(strings.TrimSpace(line), "--") || name == "" {
				continue
			}
			body.WriteString(line)
			body.WriteByte('\n')
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// q returns the named statement; an unknown name is a programming error.
func q(name string) string {
	s, ok := queries[name]
	if !ok {
		panic("postgres: no query named " + name)
	}
	return s
}
