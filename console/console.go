// Package console serves the web console (督办工作台) and the API reference
// from assets built by Vite into dist/ and embedded in the binary: no page
// contacts any host but the server (its Content-Security-Policy says so).
// Rebuild with `npm ci && npm run build` in this directory; .ci/run fails
// when the committed build is stale.
package console

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Options adjust what the pages may reach.
type Options struct {
	// Issuer is the OpenID Connect issuer's origin the login page talks to
	// (discovery, token endpoint); empty in dev.
	Issuer string
}

// Handler serves the console at / (any unknown path gets the app, which
// routes in the browser) and the API reference at /docs.
func Handler(o Options) http.Handler {
	root, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	index, err := fs.ReadFile(root, "index.html")
	if err != nil {
		panic("console: dist/index.html missing; run `npm ci && npm run build` in console/")
	}
	docs, _ := fs.ReadFile(root, "docs/index.html")
	csp := policy(o.Issuer)
	files := http.FileServer(http.FS(root))
	z := &gzipped{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		p := path.Clean("/" + r.URL.Path)
		switch {
		case p == "/docs" || p == "/docs/index.html":
			page(w, r, docs)
		case strings.HasPrefix(p, "/assets/") || strings.HasPrefix(p, "/docs/"):
			if _, err := fs.Stat(root, strings.TrimPrefix(p, "/")); err != nil {
				http.NotFound(w, r)
				return
			}
			if strings.HasPrefix(p, "/assets/") {
				h.Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			if z.serve(w, r, root, p) {
				return
			}
			files.ServeHTTP(w, r)
		case p != "/" && path.Ext(p) != "" && exists(root, p):
			files.ServeHTTP(w, r)
		default:
			page(w, r, index)
		}
	})
}

// gzipped serves script and style files compressed to clients that accept
// it, each compressed once (the login page's assets shrink about 3×).
type gzipped struct{ cache sync.Map } // path → []byte

func (g *gzipped) serve(w http.ResponseWriter, r *http.Request, root fs.FS, p string) bool {
	ext := path.Ext(p)
	if (ext != ".js" && ext != ".css") || !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") || r.Header.Get("Range") != "" {
		return false
	}
	v, ok := g.cache.Load(p)
	if !ok {
		raw, err := fs.ReadFile(root, strings.TrimPrefix(p, "/"))
		if err != nil {
			return false
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(raw)
		_ = zw.Close()
		v, _ = g.cache.LoadOrStore(p, b.Bytes())
	}
	body := v.([]byte)
	h := w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Type", mime.TypeByExtension(ext))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return true
}

func exists(root fs.FS, p string) bool {
	_, err := fs.Stat(root, strings.TrimPrefix(p, "/"))
	return err == nil
}

// page serves an HTML document that is never cached (it names the hashed
// assets of this build).
func page(w http.ResponseWriter, r *http.Request, b []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(b))
}

// policy is the pages' Content-Security-Policy: everything from this
// server only; the OpenID issuer may be reached for login.
func policy(issuer string) string {
	connect, form := "'self'", "'self'"
	if issuer != "" {
		connect += " " + issuer
		form += " " + issuer
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
		"font-src 'self' data:; connect-src " + connect + "; form-action " + form + "; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
}
