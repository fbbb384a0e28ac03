// Package i18n turns the API's English messages into the caller's language.
//
// Every message a client can see is written once, in English, where it is
// raised (a format like "tenant %s not found"); the catalog here gives its
// Chinese form. A message is matched by its format, the captured values
// are put into the Chinese form, and known words among them (states,
// grades) are translated too. A message already written in both languages
// ("English / 中文") is split. A test walks the source for every message
// raised to clients and fails when one has no Chinese form.
package i18n

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Languages the API answers in.
const (
	ZH = "zh-CN"
	EN = "en"
)

// Lang picks the language for an Accept-Language header: Chinese when the
// caller prefers any zh variant over English, English when it prefers en,
// "" when it names neither (the message is left as written).
func Lang(accept string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(accept, ",") {
		tag, q := strings.TrimSpace(part), 1.0
		if i := strings.Index(tag, ";"); i >= 0 {
			for _, p := range strings.Split(tag[i+1:], ";") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
					if f, err := strconv.ParseFloat(v, 64); err == nil {
						q = f
					}
				}
			}
			tag = strings.TrimSpace(tag[:i])
		}
		tag = strings.ToLower(tag)
		var l string
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			l = ZH
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			l = EN
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

type entry struct {
	re *regexp.Regexp
	zh string // $1, $2 … stand for the captured values
}

var catalog []entry

func init() {
	for _, m := range messages {
		catalog = append(catalog, entry{re: compile(m[0]), zh: m[1]})
	}
}

// verb matches a printf verb in a message format.
var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[sdvqfgTx]`)

// compile turns a message format into an anchored pattern capturing each
// verb's value.
func compile(format string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^`)
	rest := format
	for {
		loc := verb.FindStringIndex(rest)
		if loc == nil {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:loc[0]]))
		b.WriteString(`(.*?)`)
		rest = rest[loc[1]:]
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// Message returns msg in lang. With no language it is returned as written.
func Message(lang, msg string) string {
	if lang == "" {
		return msg
	}
	if en, zh, ok := strings.Cut(msg, " / "); ok && hasHan(zh) && !hasHan(en) {
		if lang == ZH {
			return zh
		}
		return en
	}
	if lang == EN || hasHan(msg) {
		return msg
	}
	if zh, ok := lookup(msg); ok {
		return zh
	}
	return "请求未被接受：" + msg
}

// Translated reports whether msg has a Chinese form (for the catalog test).
func Translated(msg string) bool {
	if _, zh, ok := strings.Cut(msg, " / "); ok && hasHan(zh) {
		return true
	}
	_, ok := lookup(msg)
	return ok
}

func lookup(msg string) (string, bool) {
	for _, e := range catalog {
		m := e.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		out := e.zh
		for i := len(m) - 1; i >= 1; i-- {
			out = strings.ReplaceAll(out, "$"+strconv.Itoa(i), word(m[i]))
		}
		return out, true
	}
	return "", false
}

// word translates a value captured from a message when it is one of the
// domain's words (states, grades, levels); anything else is kept.
func word(v string) string {
	if zh, ok := words[strings.Trim(v, `"`)]; ok {
		return zh
	}
	return v
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Title is the Chinese title of an HTTP status.
func Title(lang string, status int, title string) string {
	if lang != ZH {
		return title
	}
	if t, ok := titles[status]; ok {
		return t
	}
	return title
}

var titles = map[int]string{
	400: "请求格式错误", 401: "未登录或登录已过期", 403: "无权操作", 404: "未找到", 405: "不支持的请求方法",
	409: "状态冲突", 412: "前提条件不满足", 413: "请求内容过大", 415: "不支持的内容类型", 422: "输入有误",
	428: "缺少前提条件", 429: "请求过于频繁", 500: "服务器内部错误", 502: "上游服务错误", 503: "服务暂不可用", 504: "上游服务超时",
}
