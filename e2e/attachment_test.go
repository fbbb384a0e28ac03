package e2e

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/require"
)

// upload posts one file as multipart/form-data.
func (s *stack) upload(login, tenant, name string, content []byte, headers ...string) resp {
	s.t.Helper()
	return s.call(login, "POST", "/v1/attachments?tenant="+tenant, multipartFile{name: name, content: content}, headers...)
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 200)...)

func TestAttachments(t *testing.T) {
	t.Parallel()
	s := startStack(t)

	r := s.upload("zhongmu-staff", "410122", "现场.png", pngBytes)
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	require.Regexp(t, `^att_[0-9a-f]{24}$`, id)
	require.Equal(t, "image/png", r.Body["content_type"])
	require.Equal(t, "现场.png", r.Body["filename"])

	// the same file again is the same attachment, audited once
	again := s.upload("zhongmu-staff", "410122", "现场.png", pngBytes)
	require.Equal(t, 201, again.Status)
	require.Equal(t, id, again.Body["id"])

	// readable as its tenant's work is: the county, its reviewer city, the
	// province; not another city, not another province
	for login, want := range map[string]int{"zhongmu-staff": 200, "zhengzhou-reviewer": 200, "henan-planner": 200, "kaifeng-reviewer": 404, "hubei-planner": 404} {
		got := s.call(login, "GET", "/v1/attachments/"+id+"/content", nil)
		require.Equal(t, want, got.Status, login)
		if want == 200 {
			require.Equal(t, pngBytes, got.Raw, login)
		}
		require.Equal(t, want, s.call(login, "GET", "/v1/attachments/"+id, nil).Status, login)
	}

	// uploading for another county is refused, and writes nothing
	require.Equal(t, 403, s.upload("lankao-staff", "410122", "x.png", pngBytes).Status)
	require.Equal(t, 403, s.upload("hubei-planner", "410122", "x.png", pngBytes).Status)

	// bad files: 4xx problems, in the caller's language
	exe := s.upload("zhongmu-staff", "410122", "virus.exe", []byte("MZ\x90\x00binary"), "Accept-Language", "zh-CN")
	require.Equal(t, 422, exe.Status, string(exe.Raw))
	require.Contains(t, string(exe.Raw), "不接受")
	zip := s.upload("zhongmu-staff", "410122", "a.zip", []byte("PK\x03\x04rest-of-a-zip"))
	require.Equal(t, 422, zip.Status, "a zip that is not an Office document")
	require.Equal(t, 422, s.upload("zhongmu-staff", "410122", "empty.png", nil).Status)
	big := s.upload("zhongmu-staff", "410122", "big.png", append(pngBytes, make([]byte, 11<<20)...))
	require.Contains(t, []int{413, 422}, big.Status, string(big.Raw))
	require.Equal(t, 422, s.upload("zhongmu-staff", "999999", "x.png", pngBytes).Status)
	require.Equal(t, 404, s.call("zhongmu-staff", "GET", "/v1/attachments/att_doesnotexist/content", nil).Status)

	// an uploaded photo goes into a hazard report
	h := s.call("zhongmu-staff", "POST", "/v1/hazards", map[string]any{"tenant": "410122", "place": "某工地", "description": "脚手架缺少连墙件",
		"grade": "general", "found_by": "open", "responsible_unit": "某建筑公司", "deadline": time.Now().AddDate(0, 0, 20).Format("2006-01-02"), "photos": []string{id}})
	require.Equal(t, 201, h.Status, string(h.Raw))
}

// A problem for a caller who reads Chinese has a Chinese detail, whatever
// raised it: authentication, authorization, the schema, the domain, a
// missing route or the edge.
func TestProblemsInTheCallersLanguage(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	zh := []string{"Accept-Language", "zh-CN,zh;q=0.9"}
	cases := []struct {
		login, method, path string
		body                any
		status              int
	}{
		{"", "GET", "/v1/campaigns", nil, 401},
		{"zhongmu-staff", "GET", "/v1/tenants/999999", nil, 404},
		{"zhongmu-staff", "GET", "/v1/no-such-thing", nil, 404},
		{"henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "x", "scope": "41", "unknown": 1}, 422},
		{"henan-planner", "POST", "/v1/campaigns", map[string]any{"template": "nope", "title": "x", "scope": "41"}, 422},
		{"zhongmu-staff", "POST", "/v1/campaigns", map[string]any{"template": "generic", "title": "x", "scope": "41"}, 403},
		{"zhongmu-staff", "GET", "/v1/assignments?cursor=%%%", nil, 400},
		{"henan-planner", "POST", "/v1/hazards", map[string]any{"tenant": "410122", "place": " ", "description": "d", "grade": "general", "found_by": "open", "responsible_unit": "u", "deadline": "2099-01-01"}, 422},
	}
	for _, c := range cases {
		r := s.call(c.login, c.method, c.path, c.body, zh...)
		require.Equal(t, c.status, r.Status, "%s %s: %s", c.method, c.path, r.Raw)
		detail, _ := r.Body["detail"].(string)
		require.True(t, hasHan(detail), "%s %s: detail %q is not Chinese", c.method, c.path, detail)
		for _, e := range anySlice(r.Body["errors"]) {
			msg, _ := e.(map[string]any)["message"].(string)
			require.True(t, hasHan(msg), "%s %s: field message %q is not Chinese", c.method, c.path, msg)
		}
		en := s.call(c.login, c.method, c.path, c.body, "Accept-Language", "en-US")
		require.Equal(t, c.status, en.Status)
		require.False(t, hasHan(en.Body["detail"].(string)), "English asked, got %q", en.Body["detail"])
	}
}

func anySlice(v any) []any { s, _ := v.([]any); return s }

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}
