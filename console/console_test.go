package console

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func flatten(prefix string, v any, out map[string]bool) {
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			flatten(prefix+k+".", x, out)
		}
		return
	}
	out[strings.TrimSuffix(prefix, ".")] = true
}

func locale(t *testing.T, name string) map[string]bool {
	b, err := os.ReadFile(filepath.Join("src", "locales", name))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := map[string]bool{}
	flatten("", v, out)
	return out
}

// TestEveryMessageKeyInBothLanguages: the console's zh-CN and en catalogs
// have the same keys, and every key the sources name literally exists.
func TestEveryMessageKeyInBothLanguages(t *testing.T) {
	zh, en := locale(t, "zh-CN.json"), locale(t, "en.json")
	var missing []string
	for k := range zh {
		if !en[k] {
			missing = append(missing, "en lacks "+k)
		}
	}
	for k := range en {
		if !zh[k] {
			missing = append(missing, "zh-CN lacks "+k)
		}
	}
	used := regexp.MustCompile(`\$?\bt\(\s*'([a-zA-Z0-9_.]+)'`)
	n := 0
	err := filepath.WalkDir("src", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".vue") || strings.HasSuffix(path, ".ts")) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			n++
			if strings.HasSuffix(m[1], ".") {
				continue // a prefix completed at run time (state. + s)
			}
			if !zh[m[1]] {
				missing = append(missing, path+" uses "+m[1]+", which zh-CN lacks")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d message keys found in src: the scan is broken", n)
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error(m)
	}
}

func TestHandler(t *testing.T) {
	h := Handler(Options{Issuer: "https://sso.example.gov.cn"})
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	for _, path := range []string{"/", "/inbox", "/assignments/c1.410122", "/login?back=/review"} {
		r := get(path)
		if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/html") || !strings.Contains(r.Body.String(), `id="app"`) {
			t.Errorf("GET %s: %d %s", path, r.Code, r.Header().Get("Content-Type"))
		}
		csp := r.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "connect-src 'self' https://sso.example.gov.cn") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
	}
	docs := get("/docs")
	if docs.Code != 200 || !strings.Contains(docs.Body.String(), "/docs/vendor/swagger-ui-bundle.js") {
		t.Fatalf("/docs: %d", docs.Code)
	}
	if hosts := regexp.MustCompile(`(?:src|href)="(https?:)?//`).FindAllString(docs.Body.String(), -1); len(hosts) > 0 {
		t.Errorf("/docs references another host: %v", hosts)
	}
	if r := get("/docs/vendor/swagger-ui-bundle.js"); r.Code != 200 {
		t.Errorf("swagger bundle: %d", r.Code)
	}
	index := get("/").Body.String()
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(index, -1) {
		if strings.Contains(m[1], "//") {
			t.Errorf("index references another host: %s", m[1])
			continue
		}
		r := get(m[1])
		if r.Code != 200 {
			t.Errorf("asset %s: %d", m[1], r.Code)
		}
		if strings.HasPrefix(m[1], "/assets/") && !strings.Contains(r.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("asset %s is not cached as immutable", m[1])
		}
	}
	if r := get("/assets/nope.js"); r.Code != 404 {
		t.Errorf("a missing asset: %d, want 404", r.Code)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d", rec.Code)
	}
}

func TestAssetsGzipped(t *testing.T) {
	h := Handler(Options{})
	index := httptest.NewRecorder()
	h.ServeHTTP(index, httptest.NewRequest(http.MethodGet, "/", nil))
	js := regexp.MustCompile(`src="(/assets/[^"]+\.js)"`).FindStringSubmatch(index.Body.String())
	if js == nil {
		t.Fatal("no script in index.html")
	}
	plain := httptest.NewRecorder()
	h.ServeHTTP(plain, httptest.NewRequest(http.MethodGet, js[1], nil))
	req := httptest.NewRequest(http.MethodGet, js[1], nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	zipped := httptest.NewRecorder()
	h.ServeHTTP(zipped, req)
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Body.Len()*2 > plain.Body.Len() {
		t.Fatalf("gzip: %q, %d bytes vs %d plain", zipped.Header().Get("Content-Encoding"), zipped.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := io.ReadAll(zr)
	if !bytes.Equal(back, plain.Body.Bytes()) {
		t.Fatal("the gzipped asset is not the asset")
	}
}
