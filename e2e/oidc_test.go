package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/duban/duban/api"
	"github.com/duban/duban/console"
	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// issuer is a minimal OpenID Connect provider for the test: discovery, an
// authorization endpoint that logs in one user at once (no login form),
// a token endpoint that checks PKCE (S256), and JWKS.
type issuer struct {
	srv      *httptest.Server
	key      ed25519.PrivateKey
	login    string
	clientID string
	mu       sync.Mutex
	codes    map[string]string // code → code_challenge
	exchange int
}

func newIssuer(t *testing.T, login string) *issuer {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	is := &issuer{key: key, login: login, clientID: "duban-console", codes: map[string]string{}}
	mux := http.NewServeMux()
	cors := func(w http.ResponseWriter) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
	}
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		cors(w)
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": is.srv.URL, "authorization_endpoint": is.srv.URL + "/authorize",
			"token_endpoint": is.srv.URL + "/token", "jwks_uri": is.srv.URL + "/jwks", "code_challenge_methods_supported": []string{"S256"}})
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != is.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "bad authorization request", 400)
			return
		}
		code := newCode()
		is.mu.Lock()
		is.codes[code] = q.Get("code_challenge") + " " + q.Get("redirect_uri")
		is.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		v := back.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		cors(w)
		if r.Method == http.MethodOptions {
			return
		}
		_ = r.ParseForm()
		is.mu.Lock()
		want, ok := is.codes[r.PostForm.Get("code")]
		delete(is.codes, r.PostForm.Get("code"))
		is.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || want != base64.RawURLEncoding.EncodeToString(sum[:])+" "+r.PostForm.Get("redirect_uri") || r.PostForm.Get("grant_type") != "authorization_code" {
			http.Error(w, `{"error":"invalid_grant"}`, 400)
			return
		}
		now := time.Now()
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.RegisteredClaims{Subject: is.login, Issuer: is.srv.URL, Audience: jwt.ClaimStrings{"duban"},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))})
		tok.Header["kid"] = "k1"
		signed, _ := tok.SignedString(is.key)
		is.mu.Lock()
		is.exchange++
		is.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": signed, "id_token": signed, "token_type": "Bearer", "expires_in": 3600})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: is.key.Public(), KeyID: "k1", Algorithm: "EdDSA", Use: "sig"}}})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func newCode() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// TestConsoleOpenIDConnectLogin: in production the console logs in by the
// authorization code flow with PKCE against AUTH_ISSUER, and the API
// verifies the token it gets by the issuer's JWKS.
func TestConsoleOpenIDConnectLogin(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	is := newIssuer(t, "zhongmu-staff")
	v := &api.KeyVerifier{Issuer: is.srv.URL, Audience: "duban", Keys: (&api.JWKS{URL: is.srv.URL + "/jwks"}).Key, MaxLifetime: api.DefaultMaxTokenLifetime}
	server := s.app.Server(v, nil)
	server.AuthConfig = api.AuthConfig{Mode: "oidc", Issuer: is.srv.URL, ClientID: is.clientID}
	server.Console = console.Handler(console.Options{Issuer: is.srv.URL})
	srv := httptest.NewServer(server.Handler())
	t.Cleanup(srv.Close)

	p := newPage(t, srv.URL)
	p.base = "" // the login leaves for the issuer and comes back
	p.run(chromedp.Navigate(srv.URL + "/inbox"))
	p.text(`.login`, "统一身份认证登录")
	p.clickText(`button`, "统一身份认证登录")
	p.text(`[data-test=user-menu]`, "中牟县工作人员")
	require.Equal(t, srv.URL+"/inbox", eval[string](p, `location.href`), "back where the user was going")
	p.text(`.page-title`, "待办任务")
	is.mu.Lock()
	require.Equal(t, 1, is.exchange, "one code exchanged")
	is.mu.Unlock()

	// the API verified the issuer's token by JWKS; a token of another key is refused
	req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+foreignToken(t, "zhongmu-staff"))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 401, res.StatusCode)
}
