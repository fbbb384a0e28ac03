// Package egress decides where Duban may send requests of its own (the
// tenants' webhooks) and enforces it twice: when a URL is registered, and
// at every delivery, on the very address dialed. Loopback, private,
// link-local, shared and reserved addresses are refused in any notation
// unless an operator lists them (DUBAN_WEBHOOK_ALLOW); redirects are not
// followed; credentials in URLs are refused and secrets in query strings
// are masked whenever a URL is shown back.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Policy is what may be called.
type Policy struct {
	// AllowHTTP permits plain http (dev mode); production takes https only.
	AllowHTTP bool
	// Allow lists the operator's exceptions: prefixes whose addresses may be
	// called although they are private, loopback and the like.
	Allow []netip.Prefix
	// LookupIP resolves a host name (default: the system resolver); tests
	// give their own.
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
}

// ParseAllow reads DUBAN_WEBHOOK_ALLOW: comma-separated addresses or CIDR
// prefixes (127.0.0.1, 10.1.0.0/16, ::1).
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("DUBAN_WEBHOOK_ALLOW: %q is not an address or CIDR prefix", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// special are ranges no webhook may reach unless allowed (beyond what
// netip's predicates name): shared address space, benchmarking, IETF
// protocol assignments, documentation, 6to4 relay, NAT64, reserved.
var special = mustPrefixes("0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15",
	"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64",
	"2001::/23", "2001:db8::/32", "2002::/16", "fc00::/7")

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Public reports whether a is an ordinary public unicast address.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsMulticast() || a.IsInterfaceLocalMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// Permits reports whether the policy lets a be dialed.
func (p Policy) Permits(a netip.Addr) bool {
	a = a.Unmap()
	for _, pr := range p.Allow {
		if pr.Contains(a) {
			return true
		}
	}
	return Public(a)
}

// ErrRefused is why a URL or an address is not called.
var ErrRefused = errors.New("refused by the egress policy")

// CheckURL is the registration check: an absolute http(s) URL (https only
// unless AllowHTTP), without credentials, whose host is a name or an
// address the policy permits — an address written any other way than
// dotted decimal or bracketed IPv6 (0x7f000001, 2130706433, 0177.1) is
// refused, since resolvers read those as loopback or worse.
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%w: not an absolute URL", ErrRefused)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !p.AllowHTTP {
			return fmt.Errorf("%w: https only", ErrRefused)
		}
	default:
		return fmt.Errorf("%w: http(s) only", ErrRefused)
	}
	if u.User != nil {
		return fmt.Errorf("%w: no credentials in the URL (use the secret)", ErrRefused)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: bad port", ErrRefused)
		}
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if a, err := netip.ParseAddr(host); err == nil {
		if !p.Permits(a) {
			return fmt.Errorf("%w: %s is not a public address", ErrRefused, host)
		}
		return nil
	}
	if numericHost(host) {
		return fmt.Errorf("%w: write addresses in dotted decimal", ErrRefused)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".internal") {
		if !p.Permits(netip.MustParseAddr("127.0.0.1")) {
			return fmt.Errorf("%w: %s is a local name", ErrRefused, host)
		}
	}
	return nil
}

// numericHost reports a host made only of digits, dots and hex notation:
// an address in a notation other than canonical dotted decimal.
func numericHost(h string) bool {
	if h == "" {
		return false
	}
	for _, part := range strings.Split(h, ".") {
		if part == "" {
			continue
		}
		s := strings.TrimPrefix(strings.TrimPrefix(part, "0x"), "0X")
		for _, r := range s {
			if !strings.ContainsRune("0123456789abcdef", r) {
				return false
			}
		}
		if s != part { // hex
			continue
		}
		for _, r := range part {
			if r < '0' || r > '9' {
				return false // a label like "cafe" in a name
			}
		}
	}
	return true
}

// Client is the HTTP client for deliveries: every dial resolves the host,
// checks every address it resolves to and connects to a permitted one —
// the address checked is the address dialed — and redirects are not
// followed (a 3xx is a failed delivery).
func (p Policy) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		Proxy: nil, // never through an environment proxy
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			addrs, err := p.resolve(ctx, host)
			if err != nil {
				return nil, err
			}
			for _, a := range addrs {
				if !p.Permits(a) {
					return nil, fmt.Errorf("%w: %s resolves to %s", ErrRefused, host, a)
				}
			}
			var last error
			for _, a := range addrs {
				c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
				if err == nil {
					return c, nil
				}
				last = err
			}
			return nil, last
		},
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
	}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (p Policy) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	if numericHost(strings.ToLower(host)) {
		return nil, fmt.Errorf("%w: write addresses in dotted decimal", ErrRefused)
	}
	lookup := p.LookupIP
	if lookup == nil {
		lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	addrs, err := lookup(ctx, host)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("%s: no addresses", host)
	}
	return addrs, err
}
