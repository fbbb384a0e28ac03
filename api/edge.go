package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every string a request carries outside its body — path, query, the
// headers the API reads, and a token's subject — is checked once here, at
// the edge: invalid UTF-8, NUL and other control characters are refused
// with 400 before anything reaches a handler or PostgreSQL (which cannot
// store NUL and rejects bad UTF-8 with a 500-class error).

// headersRead are the request headers whose values reach handlers.
var headersRead = []string{"Idempotency-Key", "X-Request-Id", "Authorization", "Origin"}

// cleanText reports whether s is valid UTF-8 free of control characters
// (tab aside) and of the Unicode "bidi" overrides that disguise text.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (unicode.IsControl(r) && r != '\t') || isBidiControl(r) {
			return false
		}
	}
	return true
}

// isBidiControl reports the Unicode directional formatting characters
// (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C).
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// withCleanRequest refuses bad bytes outside the body (400).
func withCleanRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad := func(where string) {
			writeProblem(w, http.StatusBadRequest, "Bad Request",
				where+" must be valid UTF-8 without control characters / "+where+" 含有非法字符")
		}
		if !cleanText(r.URL.Path) {
			bad("the path")
			return
		}
		q, err := url.ParseQuery(r.URL.RawQuery) // strict: a malformed escape is refused, not dropped
		if err != nil {
			bad("the query string")
			return
		}
		for k, vs := range q {
			if !cleanText(k) {
				bad("the query string")
				return
			}
			for _, v := range vs {
				if !cleanText(v) {
					bad("query parameter " + k)
					return
				}
			}
		}
		for _, h := range headersRead {
			for _, v := range r.Header.Values(h) {
				if !cleanText(v) {
					bad("header " + h)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// errDuplicateKey names a JSON object key given twice, or twice in
// different case (which Go's decoder would merge, last one winning, behind
// the schema's back).
type errDuplicateKey struct{ path string }

func (e errDuplicateKey) Error() string { return "duplicate key " + e.path }

// checkJSONKeys walks a JSON document and refuses any object with two keys
// equal but for case. Bodies that are not JSON are left to the decoder.
func checkJSONKeys(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := walkJSON(dec, "body")
	if errors.Is(err, io.EOF) {
		return nil
	}
	var dup errDuplicateKey
	if errors.As(err, &dup) {
		return dup
	}
	return nil // malformed JSON: huma answers it
}

func walkJSON(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			folded := strings.ToLower(k)
			if seen[folded] {
				return errDuplicateKey{path + "." + k}
			}
			seen[folded] = true
			if err := walkJSON(dec, path+"."+k); err != nil {
				return err
			}
		}
		_, err = dec.Token() // }
		return err
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := walkJSON(dec, path+"[]"); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ]
		return err
	}
	return nil
}
