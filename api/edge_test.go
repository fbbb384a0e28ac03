package api_test

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/duban/duban/api"
	"github.com/duban/duban/egress"
	"github.com/stretchr/testify/require"
)

// TestDuplicateAndCaseVariantKeys: a body that names a key twice, or twice
// in different case, is refused before the schema or the handler sees it —
// Go's decoder would take the last case-insensitive match behind the
// schema's back — and nothing is written.
func TestDuplicateAndCaseVariantKeys(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	users, audit := h.count("users"), h.count("audit_events")
	for _, body := range []string{
		`{"login":"rt-ok-user","name":"x","tenant":"4101","Login":"nation-admin"}`,
		`{"login":"rt-ok-user","login":"rt-other","name":"x","tenant":"4101"}`,
		`{"login":"rt-ok-user","name":"x","tenant":"4101","TENANT":"41"}`,
		`{"login":"rt-ok-user","name":"x","tenant":"4101","extra":{"a":1,"A":2}}`,
	} {
		var out map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &out))
		resp := h.raw("POST", "/v1/users", "henan-admin", []byte(body))
		require.Equal(t, 422, resp.StatusCode, body)
	}
	webhooks := h.count("webhooks")
	for _, body := range []string{
		`{"tenant":"4101","url":"https://example.com/h","secret":"0123456789abcdefghij","Secret":"x"}`,
		`{"tenant":"4101","url":"https://example.com/h","secret":"0123456789abcdefghij","Format":"evil"}`,
	} {
		resp := h.raw("POST", "/v1/webhooks", "henan-admin", []byte(body), "Content-Type", "application/json")
		resp.Body.Close()
		require.Equal(t, 422, resp.StatusCode, body)
	}
	require.Equal(t, users, h.count("users"))
	require.Equal(t, webhooks, h.count("webhooks"))
	require.Equal(t, audit, h.count("audit_events"))
}

// TestNamesAndLogins: display names refuse control and text-direction
// characters; a login that looks like an existing one is refused.
func TestNamesAndLogins(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	for _, name := range []string{"Nation Admin \u202e", "a\u2066b", "tab\x01"} {
		code, _ := h.do("POST", "/v1/users", "henan-admin", map[string]any{"login": "rt-ok-user", "name": name, "tenant": "4101"})
		require.Equal(t, 422, code, "%q", name)
	}
	code, _ := h.do("POST", "/v1/users", "nation-admin", map[string]any{"login": "henan-p1anner", "name": "x", "tenant": "41"})
	require.Equal(t, 409, code, "looks like henan-planner")
	code, _ = h.do("POST", "/v1/users", "nation-admin", map[string]any{"login": "henan_planner", "name": "x", "tenant": "41"})
	require.Equal(t, 409, code, "looks like henan-planner")
	code, _ = h.do("POST", "/v1/users", "henan-admin", map[string]any{"login": "rt-ok-user", "name": "郑州市应急管理局 张三", "tenant": "4101"})
	require.Equal(t, 201, code)
}

// TestWebhookTargets: internal targets in any spelling, credentials in the
// URL and weak secrets are refused at creation (nothing is ever sent: the
// targets are only checked); tokens in a robot URL are masked when shown.
func TestWebhookTargets(t *testing.T) {
	t.Parallel()
	h := setupWith(t, func(s *api.Server, _ *api.DevSigner) {
		s.Egress = egress.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}} // an operator's exception
	})
	const secret = "0123456789abcdefghij"
	before := h.count("webhooks")
	for _, u := range []string{"https://169.254.169.254/latest", "https://[::1]/", "https://0x7f000001/", "https://10.1.2.3/",
		"https://user:pass@example.com/", "http://example.com/hook", "https://[fe80::1]/"} {
		code, body := h.do("POST", "/v1/webhooks", "henan-admin", map[string]any{"tenant": "4101", "url": u, "secret": secret})
		require.Equal(t, 422, code, "%s: %v", u, body)
		raw, _ := json.Marshal(body)
		require.NotContains(t, string(raw), "pass@", "credentials are never echoed")
	}
	for _, weak := range []string{"aaaaaaaaaaaaaaaaaaaa", "abababababababababab"} {
		code, _ := h.do("POST", "/v1/webhooks", "henan-admin", map[string]any{"tenant": "4101", "url": "https://example.com/h", "secret": weak})
		require.Equal(t, 422, code, weak)
	}
	require.Equal(t, before, h.count("webhooks"))
	code, body := h.do("POST", "/v1/webhooks", "henan-admin", map[string]any{"tenant": "4101", "format": "dingtalk",
		"url": "https://oapi.dingtalk.com/robot/send?access_token=a1b2c3d4e5f6", "secret": secret})
	require.Equal(t, 201, code, "%v", body)
	require.NotContains(t, body["url"], "a1b2c3d4e5f6")
	code, body = h.do("POST", "/v1/webhooks", "henan-admin", map[string]any{"tenant": "4101", "url": "https://127.0.0.1:8443/hook", "secret": secret})
	require.Equal(t, 201, code, "an allowed exception: %v", body)
	_, list := h.do("GET", "/v1/webhooks?tenant=4101", "henan-admin", nil)
	raw, _ := json.Marshal(list)
	require.NotContains(t, string(raw), "a1b2c3d4e5f6")
	require.Zero(t, h.countWhere("audit_events", "summary::text LIKE '%a1b2c3d4e5f6%'"), "nor in the audit log")
}

// TestTokenLifetime: a token issued in the future, or living longer than
// the configured maximum (24 h here), is refused like any bad token.
func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	status := func(tok string) int {
		resp := h.raw("GET", "/v1/tenants/41", "", nil, "Authorization", "Bearer "+tok)
		return resp.StatusCode
	}
	ok, err := h.signer.Sign("henan-planner", time.Now())
	require.NoError(t, err)
	require.Equal(t, 200, status(ok))
	future, err := h.signer.Sign("henan-planner", time.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 401, status(future), "issued in the future")
	decades, err := (&api.DevSigner{Key: h.signer.Key, Issuer: "test", Audience: "duban", TTL: 30 * 365 * 24 * time.Hour}).Sign("henan-planner", time.Now())
	require.NoError(t, err)
	require.Equal(t, 401, status(decades), "expires decades ahead")
	long, err := (&api.DevSigner{Key: h.signer.Key, Issuer: "test", Audience: "duban", TTL: 25 * time.Hour}).Sign("henan-planner", time.Now().Add(-2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 401, status(long), "issued for longer than the maximum")
}
