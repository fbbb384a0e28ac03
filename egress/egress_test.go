package egress

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCheckURLRefusesInternalTargets: every spelling of an internal target
// seen in the attack probes is refused at registration; public names and
// addresses pass. Nothing is dialed.
func TestCheckURLRefusesInternalTargets(t *testing.T) {
	prod := Policy{}
	dev := Policy{AllowHTTP: true}
	for _, raw := range []string{
		"https://127.0.0.1:8080/v1/users", "https://127.0.0.1:54329/", "https://169.254.169.254/latest/meta-data/",
		"https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://0x7f000001/", "https://2130706433/", "https://0177.0.0.1/",
		"https://127.1/", "https://0.0.0.0/", "https://10.0.0.8/", "https://172.16.3.4/", "https://192.168.1.1/", "https://100.64.0.1/",
		"https://[fe80::1]/", "https://[fd00::1]/", "https://localhost/", "https://hooks.localhost/", "https://user:pass@example.com/hook",
		"https://example.com:99999/", "ftp://example.com/", "example.com/hook", "http://example.com/hook",
	} {
		require.ErrorIs(t, prod.CheckURL(raw), ErrRefused, raw)
	}
	require.ErrorIs(t, dev.CheckURL("http://127.0.0.1:9/"), ErrRefused, "dev allows http, not loopback")
	for _, raw := range []string{"https://oapi.dingtalk.com/robot/send?access_token=abc", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
		"https://93.184.216.34/hook", "https://cafe.example.com/x"} {
		require.NoError(t, prod.CheckURL(raw), raw)
	}
	allowed := Policy{AllowHTTP: true, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	require.NoError(t, allowed.CheckURL("http://127.0.0.1:9/hook"))
	require.ErrorIs(t, allowed.CheckURL("http://169.254.169.254/"), ErrRefused)
	p, err := ParseAllow("127.0.0.1, 10.1.0.0/16,::1")
	require.NoError(t, err)
	require.Len(t, p, 3)
	_, err = ParseAllow("localhost")
	require.Error(t, err)
}

// TestDeliveryChecksTheDialedAddress: at delivery the host is resolved (a
// test resolver here) and every address checked; the request never reaches
// a loopback receiver the policy does not allow, however the name is spelled,
// and redirects are not followed.
func TestDeliveryChecksTheDialedAddress(t *testing.T) {
	var hits, redirected atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { redirected.Add(1) }))
	defer target.Close()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, target.URL+"/x", http.StatusFound)
		}
	}))
	defer recv.Close()
	port := mustURL(t, recv.URL).Port()
	resolver := func(ctx context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "hook.test":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		case "mixed.test": // one public answer does not launder a private one
			return []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, errors.New("no such host")
	}
	strict := Policy{AllowHTTP: true, LookupIP: resolver}.Client(2 * time.Second)
	for _, u := range []string{"http://hook.test:" + port + "/", "http://mixed.test:" + port + "/", "http://127.0.0.1:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/", "http://0x7f000001:" + port + "/"} {
		_, err := strict.Post(u, "application/json", nil)
		require.ErrorIs(t, err, ErrRefused, u)
	}
	require.Zero(t, hits.Load(), "nothing reached the receiver")

	allowed := Policy{AllowHTTP: true, LookupIP: resolver, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}.Client(2 * time.Second)
	resp, err := allowed.Post("http://hook.test:"+port+"/", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	resp, err = allowed.Post("http://hook.test:"+port+"/redirect", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode, "a redirect is a failed delivery, not followed")
	require.EqualValues(t, 2, hits.Load())
	require.Zero(t, redirected.Load())
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
