package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLang(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "zh-CN": ZH, "zh": ZH, "zh-Hans-CN,zh;q=0.9": ZH, "en-US,en;q=0.9": EN,
		"en;q=0.5, zh-CN;q=0.8": ZH, "zh;q=0.3, en": EN, "fr-FR": "", "de, en;q=0.1": EN, "ZH-cn": ZH,
	} {
		if got := Lang(in); got != want {
			t.Errorf("Lang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMessage(t *testing.T) {
	cases := []struct{ lang, in, want string }{
		{ZH, "tenant 4101 not found", "未找到单位 4101"},
		{ZH, "assignment is submitted: only an open assignment can be submitted", "任务状态为“已上报”：只有办理中的任务可上报"},
		{ZH, "expected number >= 0", "应不小于 0"},
		{ZH, "you may not campaign.launch at tenant 41 / 无权在河南省 41执行此操作（campaign.launch）", "无权在河南省 41执行此操作（campaign.launch）"},
		{EN, "you may not campaign.launch at tenant 41 / 无权在河南省 41执行此操作（campaign.launch）", "you may not campaign.launch at tenant 41"},
		{EN, "tenant 4101 not found", "tenant 4101 not found"},
		{"", "tenant 4101 not found", "tenant 4101 not found"},
		{ZH, "something nobody wrote down", "请求未被接受：something nobody wrote down"},
	}
	for _, c := range cases {
		if got := Message(c.lang, c.in); got != c.want {
			t.Errorf("Message(%q, %q) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
}

// TestEveryMessageHasChinese walks the packages whose messages reach
// clients and fails on any raised message without a Chinese form.
func TestEveryMessageHasChinese(t *testing.T) {
	var missing []string
	n := 0
	for _, dir := range []string{"..", "../api", "../workflows", "../activities"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range raised(f) {
				n++
				if !Translated(m) {
					missing = append(missing, filepath.Base(path)+": "+strconv.Quote(m))
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("found only %d raised messages: the walk is broken", n)
	}
	for _, m := range missing {
		t.Errorf("no Chinese form for %s (add it to i18n/messages.go)", m)
	}
}

// raised returns the message formats a file raises to clients.
func raised(f *ast.File) []string {
	var out []string
	add := func(e ast.Expr) {
		if s, ok := format(e); ok && strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			name, pkg := "", ""
			switch fn := n.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
				if id, ok := fn.X.(*ast.Ident); ok {
					pkg = id.Name
				}
			}
			arg := -1
			switch {
			case name == "Invalid" || name == "invalid" || name == "bad":
				arg = 1
			case name == "Errorf" && pkg != "fmt" && pkg != "t":
				arg = 1
			case name == "fail":
				arg = 1
			case name == "conflict" || name == "forbidden" || name == "invalidFields":
				arg = 0
			case pkg == "huma" && strings.HasPrefix(name, "Error") && len(name) > 5 && name[5] >= '0' && name[5] <= '9':
				arg = 0
			case name == "writeProblem":
				arg = 3
			}
			if arg >= 0 && arg < len(n.Args) {
				add(n.Args[arg])
			}
		case *ast.CompositeLit:
			// FieldError literals, spelled out or elided inside a []FieldError
			if sel, ok := n.Type.(*ast.SelectorExpr); n.Type == nil || ok && sel.Sel.Name == "FieldError" || isIdent(n.Type, "FieldError") {
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Message") {
						add(kv.Value)
					}
				}
			}
		}
		return true
	})
	return out
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// format renders a message expression as a format: literals as written,
// anything computed as %s. It reports false for a message that is wholly
// computed (a variable passed along).
func format(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			l, lok := format(e.X)
			r, rok := format(e.Y)
			if !lok {
				l = "%s"
			}
			if !rok {
				r = "%s"
			}
			return l + r, lok || rok
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			return format(e.Args[0])
		}
	}
	return "", false
}
