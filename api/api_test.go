package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/api"
	"github.com/duban/duban/authz"
	"github.com/duban/duban/internal/seed"
	"github.com/duban/duban/internal/testenv"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type harness struct {
	t      *testing.T
	srv    *httptest.Server
	signer *api.DevSigner
	db     testenv.DB
	tokens map[string]string
}

func setup(t *testing.T, dev bool) *harness {
	t.Helper()
	return setupWith(t, func(s *api.Server, signer *api.DevSigner) {
		if dev {
			s.DevSigner = signer
		}
	})
}

// setupWith builds the server over a fresh database; configure adjusts it.
func setupWith(t *testing.T, configure func(s *api.Server, signer *api.DevSigner)) *harness {
	t.Helper()
	store, d := testenv.OpenStore(t)
	ctx := context.Background()
	require.NoError(t, seed.Apply(ctx, store))
	tenants, err := store.AllTenants(ctx)
	require.NoError(t, err)
	dir := duban.NewDirectory(tenants)
	enf, err := authz.New(ctx, dir, store)
	require.NoError(t, err)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer := &api.DevSigner{Key: key, Issuer: "test", Audience: "duban", TTL: time.Hour}
	s := &api.Server{DB: store, Dir: dir, Authz: enf, Verifier: signer.Verifier(), Version: "test",
		Ready: []api.HealthCheck{{Name: "postgres", Check: store.Ping}}}
	configure(s, signer)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, signer: signer, db: d, tokens: map[string]string{}}
}

func (h *harness) token(login string) string {
	if tok, ok := h.tokens[login]; ok {
		return tok
	}
	tok, err := h.signer.Sign(login, time.Now())
	require.NoError(h.t, err)
	h.tokens[login] = tok
	return tok
}

// do sends a request as login ("" for none) and decodes the JSON answer.
func (h *harness) do(method, path, login string, body any) (int, map[string]any) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(h.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	require.NoError(h.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if login != "" {
		req.Header.Set("Authorization", "Bearer "+h.token(login))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 {
		require.NoError(h.t, json.Unmarshal(raw, &out), string(raw))
	}
	if resp.StatusCode >= 400 {
		require.Equal(h.t, "application/problem+json", resp.Header.Get("Content-Type"), string(raw))
	}
	return resp.StatusCode, out
}

func (h *harness) exec(q string) {
	conn, err := pgx.Connect(context.Background(), h.db.AdminURL)
	require.NoError(h.t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), q)
	require.NoError(h.t, err)
}

func (h *harness) countWhere(table, where string) int { return h.count(table + " WHERE " + where) }

func (h *harness) count(table string) int {
	conn, err := pgx.Connect(context.Background(), h.db.AdminURL)
	require.NoError(h.t, err)
	defer conn.Close(context.Background())
	var n int
	require.NoError(h.t, conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n))
	return n
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	code, body := h.do("GET", "/v1/tenants/41", "", nil)
	require.Equal(t, 401, code)
	require.Equal(t, "missing bearer token", body["detail"])

	bad := func(tok string) int {
		req, _ := http.NewRequest("GET", h.srv.URL+"/v1/tenants/41", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	expired, err := h.signer.Sign("henan-planner", time.Now().Add(-2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 401, bad(expired))
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	foreign, err := (&api.DevSigner{Key: otherKey, Issuer: "test", Audience: "duban", TTL: time.Hour}).Sign("henan-planner", time.Now())
	require.NoError(t, err)
	require.Equal(t, 401, bad(foreign))
	wrongAud, err := (&api.DevSigner{Key: h.signer.Key, Issuer: "test", Audience: "other", TTL: time.Hour}).Sign("henan-planner", time.Now())
	require.NoError(t, err)
	require.Equal(t, 401, bad(wrongAud))
	// alg "none" is never accepted
	require.Equal(t, 401, bad("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJoZW5hbi1wbGFubmVyIiwiaXNzIjoidGVzdCIsImF1ZCI6ImR1YmFuIiwiZXhwIjo0MTAyNDQ0ODAwfQ."))
	require.Equal(t, 401, bad("garbage"))
	unknownUser, err := h.signer.Sign("nobody", time.Now())
	require.NoError(t, err)
	require.Equal(t, 401, bad(unknownUser))

	code, _ = h.do("GET", "/v1/tenants/41", "henan-planner", nil)
	require.Equal(t, 200, code)
}

func TestTenantsContract(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	code, body := h.do("GET", "/v1/tenants?parent=41&limit=500", "henan-planner", nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, 18, body["total"]) // 17 cities + 济源; direct counties' geographic parent is their city
	code, body = h.do("GET", "/v1/tenants/410225", "zhongmu-staff", nil)
	require.Equal(t, 200, code)
	require.Equal(t, "410225", body["code"])
	require.Equal(t, "兰考县", body["name"])
	require.Equal(t, "county", body["level"])
	require.Equal(t, "4102", body["parent"])
	require.Equal(t, "41", body["supervisor"])
	code, _ = h.do("GET", "/v1/tenants/999999", "henan-planner", nil)
	require.Equal(t, 404, code)
	code, _ = h.do("GET", "/v1/tenants?limit=0", "henan-planner", nil)
	require.Equal(t, 422, code)
	// paging with next_cursor visits each Henan city once
	seen := map[string]bool{}
	path := "/v1/tenants?parent=41&level=city&limit=5"
	for {
		code, body = h.do("GET", path, "henan-planner", nil)
		require.Equal(t, 200, code)
		for _, it := range body["items"].([]any) {
			c := it.(map[string]any)["code"].(string)
			require.False(t, seen[c])
			seen[c] = true
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/v1/tenants?parent=41&level=city&limit=5&cursor=" + next
	}
	require.Len(t, seen, 17)
}

func TestUsersAcrossTenants(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	code, body := h.do("POST", "/v1/users", "henan-admin", map[string]any{"login": "zz-clerk", "name": "郑州科员", "tenant": "4101"})
	require.Equal(t, 201, code, body)
	require.Equal(t, "4101", body["tenant"])
	// duplicate
	code, _ = h.do("POST", "/v1/users", "henan-admin", map[string]any{"login": "zz-clerk", "name": "x", "tenant": "4101"})
	require.Equal(t, 409, code)
	// a Henan admin cannot create a user in Hubei; nothing is written
	users := h.count("users")
	code, _ = h.do("POST", "/v1/users", "henan-admin", map[string]any{"login": "hb-clerk", "name": "x", "tenant": "42"})
	require.Equal(t, 403, code)
	require.Equal(t, users, h.count("users"))
	// a planner is no admin
	code, _ = h.do("POST", "/v1/users", "henan-planner", map[string]any{"login": "p-clerk", "name": "x", "tenant": "41"})
	require.Equal(t, 403, code)
	// bad input names the field, writes nothing
	code, body = h.do("POST", "/v1/users", "henan-admin", map[string]any{"login": "Bad Login!", "name": "x", "tenant": "41"})
	require.Equal(t, 422, code)
	require.Contains(t, body["errors"].([]any)[0].(map[string]any)["location"], "body.login")
	code, _ = h.do("POST", "/v1/users", "henan-admin", map[string]any{"login": "ok-login", "name": "x", "tenant": "41", "extra": 1})
	require.Equal(t, 422, code)
	require.Equal(t, users, h.count("users"))

	// list-users is scoped: Henan's admin sees Henan's users, not Hubei's
	code, body = h.do("GET", "/v1/users?limit=500", "henan-admin", nil)
	require.Equal(t, 200, code)
	for _, it := range body["items"].([]any) {
		require.NotEqual(t, "hubei-planner", it.(map[string]any)["login"])
	}
	require.EqualValues(t, 10+6+1, body["total"]) // 10 Henan personas, 6 provincial line desks + zz-clerk
	code, _ = h.do("GET", "/v1/users?tenant=42", "henan-admin", nil)
	require.Equal(t, 403, code)
	code, body = h.do("GET", "/v1/users?limit=500", "nation-admin", nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, len(seed.Personas)+1, body["total"])
	code, _ = h.do("GET", "/v1/users", "zhongmu-staff", nil)
	require.Equal(t, 403, code)
}

func TestPrivilegeEscalationRefusedAndAudited(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	// henan-admin grants within its subtree
	code, body := h.do("POST", "/v1/role-bindings", "henan-admin", map[string]any{"user": "zhongmu-staff", "role": "viewer", "tenant": "410122"})
	require.Equal(t, 201, code, body)
	id := body["id"]
	bindings := h.count("role_bindings")
	// …but never above its own tenant, nor in another province
	for _, tenant := range []string{"000000", "42"} {
		code, _ = h.do("POST", "/v1/role-bindings", "henan-admin", map[string]any{"user": "henan-admin", "role": "admin", "tenant": tenant})
		require.Equal(t, 403, code)
	}
	require.Equal(t, bindings, h.count("role_bindings"))
	// a reviewer cannot grant at all
	code, _ = h.do("POST", "/v1/role-bindings", "zhengzhou-reviewer", map[string]any{"user": "zhongmu-staff", "role": "admin", "tenant": "410122"})
	require.Equal(t, 403, code)
	// denied attempts are audited
	code, body = h.do("GET", "/v1/audit/events?action=role.grant&limit=50", "nation-admin", nil)
	require.Equal(t, 200, code)
	denied := 0
	for _, it := range body["items"].([]any) {
		if it.(map[string]any)["outcome"] == "denied" {
			denied++
		}
	}
	require.Equal(t, 3, denied)
	// a Hubei planner cannot be granted by Henan's admin: the user is outside its subtree
	code, _ = h.do("POST", "/v1/role-bindings", "henan-admin", map[string]any{"user": "hubei-planner", "role": "viewer", "tenant": "41"})
	require.Equal(t, 404, code)
	code, body = h.do("GET", "/v1/role-bindings?user=zhongmu-staff", "henan-admin", nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, 2, body["total"])
	// revoke, and a Hubei planner's binding is invisible (404) to Henan's admin
	code, _ = h.do("DELETE", "/v1/role-bindings/"+jsonNumber(id), "henan-admin", nil)
	require.Equal(t, 204, code)
	code, body = h.do("GET", "/v1/role-bindings?user=hubei-planner", "nation-admin", nil)
	require.Equal(t, 200, code)
	hubeiID := body["items"].([]any)[0].(map[string]any)["id"]
	code, _ = h.do("DELETE", "/v1/role-bindings/"+jsonNumber(hubeiID), "henan-admin", nil)
	require.Equal(t, 404, code)
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	code, body := h.do("GET", "/v1/audit/verify", "nation-admin", nil)
	require.Equal(t, 200, code)
	require.Equal(t, true, body["ok"])
	require.Greater(t, body["checked"], float64(0))
	code, _ = h.do("GET", "/v1/audit/verify", "zhongmu-staff", nil)
	require.Equal(t, 403, code)

	conn, err := pgx.Connect(context.Background(), h.db.AdminURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), `UPDATE audit_events SET actor = 'mallory' WHERE tenant = '4101' AND seq = 1`)
	require.NoError(t, err)
	// before the checkpoint the first verification set: the routine walk
	// does not read it again; the full walk does
	code, body = h.do("GET", "/v1/audit/verify", "nation-admin", nil)
	require.Equal(t, 200, code)
	require.Equal(t, true, body["ok"], "routine: from the checkpoints")
	code, body = h.do("GET", "/v1/audit/verify?mode=full", "nation-admin", nil)
	require.Equal(t, 200, code)
	require.Equal(t, false, body["ok"])
	fb := body["first_broken"].(map[string]any)
	require.Equal(t, "4101", fb["tenant"])
	require.EqualValues(t, 1, fb["seq"])
	// Hubei's chain is untouched
	code, body = h.do("GET", "/v1/audit/verify?tenant=42&mode=full", "nation-admin", nil)
	require.Equal(t, 200, code)
	require.Equal(t, true, body["ok"])
}

func TestDevEndpointOnlyInDevMode(t *testing.T) {
	t.Parallel()
	prod := setup(t, false)
	code, _ := prod.do("POST", "/v1/dev/tokens", "", map[string]any{"user": "henan-planner"})
	require.Equal(t, 404, code)
	dev := setup(t, true)
	code, body := dev.do("POST", "/v1/dev/tokens", "", map[string]any{"user": "henan-planner"})
	require.Equal(t, 200, code)
	tok := body["token"].(string)
	req, _ := http.NewRequest("GET", dev.srv.URL+"/v1/tenants/41", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	code, _ = dev.do("POST", "/v1/dev/tokens", "", map[string]any{"user": "nobody"})
	require.Equal(t, 404, code)
}

func TestHealthAndOpenAPI(t *testing.T) {
	t.Parallel()
	h := setup(t, false)
	resp, err := http.Get(h.srv.URL + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	resp, err = http.Get(h.srv.URL + "/openapi.json")
	require.NoError(t, err)
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	ops := map[string]bool{}
	for _, p := range doc.Paths {
		for _, o := range p {
			ops[o.OperationID] = true
		}
	}
	for _, want := range []string{"list-tenants", "get-tenant", "create-user", "list-users", "grant-role", "revoke-role", "list-role-bindings", "list-audit-events", "verify-audit-chain"} {
		require.True(t, ops[want], want)
	}
	require.False(t, ops["create-dev-token"], "dev endpoint must not be in the production document")
}
