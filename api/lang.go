package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/duban/duban/i18n"
)

// withLanguage answers problem details in the caller's language
// (Accept-Language: zh-CN → Chinese, en → English). Messages are raised in
// English once, where they arise; i18n holds their Chinese forms. Only
// problem+json bodies are rewritten; everything else streams through.
func withLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Language")
		lang := i18n.Lang(r.Header.Get("Accept-Language"))
		if lang == "" {
			next.ServeHTTP(w, r)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), langKey{}, lang))
		lw := &langWriter{ResponseWriter: w, lang: lang}
		next.ServeHTTP(lw, r)
		lw.finish()
	})
}

type langKey struct{}

// localizeMessage puts a message raised in English into the caller's language
// (for answers that carry messages outside a problem: an import's rows).
func localizeMessage(ctx context.Context, msg string) string {
	if lang, _ := ctx.Value(langKey{}).(string); lang != "" {
		return i18n.Message(lang, msg)
	}
	return msg
}

type langWriter struct {
	http.ResponseWriter
	lang    string
	status  int
	problem bool
	buf     bytes.Buffer
}

func (w *langWriter) WriteHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status = status
	if status >= 400 && strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
		w.problem = true
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *langWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.problem {
		return w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streamed (non-problem) responses flush.
func (w *langWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok && !w.problem {
		f.Flush()
	}
}

func (w *langWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *langWriter) finish() {
	if !w.problem {
		return
	}
	body := w.buf.Bytes()
	var p map[string]any
	if err := json.Unmarshal(body, &p); err == nil {
		localize(p, w.lang)
		if b, err := json.Marshal(p); err == nil {
			body = b
		}
	}
	h := w.Header()
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Content-Language", w.lang)
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(body)
}

// localize translates a problem's title, detail and each error's message.
func localize(p map[string]any, lang string) {
	status, _ := p["status"].(float64)
	if t, ok := p["title"].(string); ok {
		p["title"] = i18n.Title(lang, int(status), t)
	}
	if d, ok := p["detail"].(string); ok {
		p["detail"] = i18n.Message(lang, d)
	} else if lang == i18n.ZH {
		p["detail"] = i18n.Title(lang, int(status), "")
	}
	if errs, ok := p["errors"].([]any); ok {
		for _, e := range errs {
			if m, ok := e.(map[string]any); ok {
				if msg, ok := m["message"].(string); ok {
					m["message"] = i18n.Message(lang, msg)
				}
			}
		}
	}
}
