package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/duban/duban/api"
	"github.com/stretchr/testify/require"
)

func (h *harness) raw(method, path, login string, body []byte, headers ...string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json")
	if login != "" {
		req.Header.Set("Authorization", "Bearer "+h.token(login))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	resp.Body.Close()
	return resp
}

func TestRateLimitPerUser(t *testing.T) {
	t.Parallel()
	h := setupWith(t, func(s *api.Server, _ *api.DevSigner) { s.RateLimit = api.RateLimit{PerSecond: 1, Burst: 3} })
	for i := 0; i < 3; i++ {
		require.Equal(t, 200, h.raw("GET", "/v1/tenants/41", "henan-planner", nil).StatusCode)
	}
	resp := h.raw("GET", "/v1/tenants/41", "henan-planner", nil)
	require.Equal(t, 429, resp.StatusCode)
	require.Equal(t, "1", resp.Header.Get("Retry-After"))
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	// another user has a budget of its own
	require.Equal(t, 200, h.raw("GET", "/v1/tenants/41", "henan-admin", nil).StatusCode)
	// health checks are not limited
	for i := 0; i < 5; i++ {
		r, err := http.Get(h.srv.URL + "/healthz")
		require.NoError(t, err)
		r.Body.Close()
		require.Equal(t, 200, r.StatusCode)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	off := setup(t, false)
	resp := off.raw("GET", "/v1/tenants/41", "henan-planner", nil, "Origin", "https://evil.example")
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "CORS is off by default")
	on := setupWith(t, func(s *api.Server, _ *api.DevSigner) { s.CORSOrigins = []string{"https://duban.example"} })
	resp = on.raw("GET", "/v1/tenants/41", "henan-planner", nil, "Origin", "https://duban.example")
	require.Equal(t, "https://duban.example", resp.Header.Get("Access-Control-Allow-Origin"))
	resp = on.raw("GET", "/v1/tenants/41", "henan-planner", nil, "Origin", "https://evil.example")
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	pre := on.raw("OPTIONS", "/v1/users", "", nil, "Origin", "https://duban.example", "Access-Control-Request-Method", "POST")
	require.Equal(t, 204, pre.StatusCode)
}

func TestIdempotencyKeyOnCreatingPosts(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	body := []byte(`{"login":"idem-user","name":"幂等","tenant":"4101"}`)
	first := h.raw("POST", "/v1/users", "henan-admin", body, "Idempotency-Key", "k1")
	require.Equal(t, 201, first.StatusCode)
	again := h.raw("POST", "/v1/users", "henan-admin", body, "Idempotency-Key", "k1")
	require.Equal(t, 201, again.StatusCode, "a retry gets the first response, not a 409")
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	other := h.raw("POST", "/v1/users", "henan-admin", []byte(`{"login":"idem-user2","name":"x","tenant":"4101"}`), "Idempotency-Key", "k1")
	require.Equal(t, 422, other.StatusCode, "same key, different body")
	// keys are per user: the national admin's k1 is its own
	mine := h.raw("POST", "/v1/users", "nation-admin", []byte(`{"login":"idem-user3","name":"x","tenant":"42"}`), "Idempotency-Key", "k1")
	require.Equal(t, 201, mine.StatusCode)
	require.Equal(t, 1, h.countWhere("users", "login = 'idem-user'"))
	require.Equal(t, 0, h.countWhere("users", "login = 'idem-user2'"))
	// grants too
	g := []byte(`{"user":"idem-user","role":"viewer","tenant":"4101"}`)
	require.Equal(t, 201, h.raw("POST", "/v1/role-bindings", "henan-admin", g, "Idempotency-Key", "g1").StatusCode)
	require.Equal(t, 201, h.raw("POST", "/v1/role-bindings", "henan-admin", g, "Idempotency-Key", "g1").StatusCode)
	require.Equal(t, 1, h.countWhere("role_bindings", "login = 'idem-user'"))
	// an expired key is forgotten
	h.exec(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'k1'`)
	require.Equal(t, 409, h.raw("POST", "/v1/users", "henan-admin", body, "Idempotency-Key", "k1").StatusCode)
}

// TestBadInput: every kind of bad body gets a 4xx problem+json, never a 5xx,
// and writes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	cases := map[string][]byte{
		"oversized":        []byte(`{"login":"big","name":"` + strings.Repeat("x", api.MaxBodyBytes) + `","tenant":"41"}`),
		"invalid utf-8":    []byte("{\"login\":\"u8\",\"name\":\"\xff\xfe\",\"tenant\":\"41\"}"),
		"unknown field":    []byte(`{"login":"uf","name":"x","tenant":"41","admin":true}`),
		"wrong type":       []byte(`{"login":12,"name":"x","tenant":"41"}`),
		"array body":       []byte(`[1,2,3]`),
		"not json":         []byte(`login=x`),
		"empty":            []byte(``),
		"deep json":        []byte(deep),
		"sql injection":    []byte(`{"login":"x'; DROP TABLE users; --","name":"x","tenant":"41"}`),
		"tenant injection": []byte(`{"login":"inj","name":"x","tenant":"41' OR '1'='1"}`),
		"null name":        []byte(`{"login":"nn","name":null,"tenant":"41"}`),
		"blank name":       []byte(`{"login":"bn","name":"   ","tenant":"41"}`),
		"control chars":    []byte(`{"login":"cc\u0000","name":"x","tenant":"41"}`),
		"nul in name":      []byte(`{"login":"nul","name":"a\u0000b","tenant":"41"}`),
	}
	users := h.count("users")
	audits := h.count("audit_events")
	for name, body := range cases {
		resp := h.raw("POST", "/v1/users", "henan-admin", body)
		require.True(t, resp.StatusCode >= 400 && resp.StatusCode < 500, "%s: status %d", name, resp.StatusCode)
		require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), name)
	}
	for name, q := range map[string]string{
		"limit too big": "/v1/tenants?limit=100000", "negative limit": "/v1/tenants?limit=-1", "bad cursor": "/v1/tenants?cursor=!!!",
		"bad level": "/v1/tenants?level=galaxy", "long q": "/v1/tenants?q=" + strings.Repeat("x", 500),
	} {
		resp := h.raw("GET", q, "henan-admin", nil)
		require.True(t, resp.StatusCode >= 400 && resp.StatusCode < 500, "%s: status %d", name, resp.StatusCode)
	}
	require.Equal(t, users, h.count("users"))
	require.Equal(t, audits, h.count("audit_events"))
	require.Equal(t, 413, h.raw("POST", "/v1/users", "henan-admin", cases["oversized"]).StatusCode)
}
