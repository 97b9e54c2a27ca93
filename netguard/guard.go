// Package netguard is orderhub's one outbound HTTP transport: every call to a
// vendor's webhook, a Zapier hook, SALESmanago or Yespo (deliveries and "test"
// calls) goes through a Guard, which
//
//   - resolves the host itself and connects only to addresses that are not
//     loopback, private, link-local (cloud metadata), multicast, reserved or
//     IPv4-embedding IPv6 forms of those (ranges.go), checked again on the socket
//     just before connect, so DNS rebinding cannot slip an internal address in;
//   - uses no proxy from the environment (HTTP_PROXY would connect on our behalf,
//     past the check), only one configured explicitly, and then checks the target
//     host before each request;
//   - follows no redirects (a 3xx is answered as what it is, and a credential is
//     never sent on to another URL, let alone an internal one).
//
// CheckURL applies the same rules when a target is registered, so a vendor learns
// at once that a URL will be refused.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"orderhub"
)

// Options configure a Guard.
type Options struct {
	// AllowPrivate lets calls reach loopback, private and link-local addresses
	// (tests, the demo, trusted networks); registration checks are then skipped too.
	AllowPrivate bool
	// Proxy, when set, carries every call (the proxy itself may be internal: the
	// operator chose it). Without it no proxy is used, whatever the environment says.
	Proxy *url.URL
	// DialTimeout bounds one connection attempt (default 10 s).
	DialTimeout time.Duration
	// Resolver resolves host names (default net.DefaultResolver).
	Resolver *net.Resolver
}

// Guard makes guarded transports and checks target URLs.
type Guard struct {
	opt    Options
	dialer *net.Dialer
}

// New returns a guard.
func New(o Options) *Guard {
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	d := &net.Dialer{Timeout: o.DialTimeout, KeepAlive: 30 * time.Second}
	if !o.AllowPrivate && o.Proxy == nil {
		d.Control = dialControl
	}
	return &Guard{opt: o, dialer: d}
}

var (
	defaultOnce  sync.Once
	defaultGuard *Guard
)

// Default is the guard of callers given none: private targets refused, no proxy.
func Default() *Guard {
	defaultOnce.Do(func() { defaultGuard = New(Options{}) })
	return defaultGuard
}

// AllowsPrivate reports whether private targets are allowed.
func (g *Guard) AllowsPrivate() bool { return g.opt.AllowPrivate }

// RefusedError is a call (or a registration) refused because of where it leads.
type RefusedError struct {
	Host   string // the host name, when the address came from resolving one
	Addr   string // the refused address
	Reason string // e.g. "a loopback address"
}

func (e *RefusedError) Error() string {
	target := e.Addr
	if e.Host != "" && e.Host != e.Addr {
		target = e.Host + " (" + e.Addr + ")"
	}
	return fmt.Sprintf("refused to connect to %s: %s (allow with --allow-private-targets)", target, e.Reason)
}

// IsRefused reports whether err (or an error it wraps) is a refusal of the guard:
// retrying cannot help, so deliveries failing with it are dead at once.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

// dialControl runs just before each connect, on the address actually connected
// to: the last line of defence whatever resolved it.
func dialControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Addr: address, Reason: "an address that is not an IP address"}
	}
	if r := BlockedReason(ap.Addr()); r != "" {
		return &RefusedError{Addr: ap.Addr().String(), Reason: r}
	}
	return nil
}

// allowedAddrs resolves host and splits its addresses: the allowed ones, and the
// first refusal (set when no address is allowed).
func (g *Guard) allowedAddrs(ctx context.Context, network, host string) ([]netip.Addr, *RefusedError, error) {
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		addrs = []netip.Addr{ip}
		host = ""
	} else {
		ipnet := "ip"
		switch network {
		case "tcp4":
			ipnet = "ip4"
		case "tcp6":
			ipnet = "ip6"
		}
		if addrs, err = g.opt.Resolver.LookupNetIP(ctx, ipnet, host); err != nil {
			return nil, nil, err
		}
	}
	var ok []netip.Addr
	var first *RefusedError
	for _, a := range addrs {
		if r := BlockedReason(a); r != "" {
			if first == nil {
				first = &RefusedError{Host: host, Addr: a.Unmap().String(), Reason: r}
			}
			continue
		}
		ok = append(ok, a)
	}
	if len(ok) == 0 {
		if first == nil {
			first = &RefusedError{Host: host, Addr: host, Reason: "a host with no address"}
		}
		return nil, first, nil
	}
	return ok, nil, nil
}

// DialContext connects to address (host:port) when private targets are refused:
// it resolves the host once, drops refused addresses, and dials the allowed ones
// in turn by IP (so the name is not resolved again between check and connect).
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if g.opt.AllowPrivate || g.opt.Proxy != nil {
		return g.dialer.DialContext(ctx, network, address)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	ok, refused, err := g.allowedAddrs(ctx, network, host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if refused != nil {
		return nil, refused
	}
	var last error
	for _, a := range ok {
		c, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// Transport returns a guarded HTTP transport; tune (optional) adjusts its pool
// settings.
func (g *Guard) Transport(tune func(*http.Transport)) http.RoundTripper {
	tr := &http.Transport{
		Proxy:                 nil, // never the environment's
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          128,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   g.opt.DialTimeout,
		ExpectContinueTimeout: time.Second,
	}
	if g.opt.Proxy != nil {
		tr.Proxy = http.ProxyURL(g.opt.Proxy)
	}
	if tune != nil {
		tune(tr)
	}
	if g.opt.Proxy != nil && !g.opt.AllowPrivate {
		return &proxyCheck{g: g, next: tr}
	}
	return tr
}

// proxyCheck refuses requests whose host resolves only to refused addresses
// before handing them to the proxy (which connects on its own).
type proxyCheck struct {
	g    *Guard
	next http.RoundTripper
}

func (p *proxyCheck) RoundTrip(r *http.Request) (*http.Response, error) {
	_, refused, err := p.g.allowedAddrs(r.Context(), "tcp", r.URL.Hostname())
	if err == nil && refused != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, refused
	}
	return p.next.RoundTrip(r)
}

// Client returns an HTTP client over a guarded transport that follows no redirects.
func (g *Guard) Client() *http.Client {
	return &http.Client{Transport: g.Transport(nil), CheckRedirect: NoRedirects}
}

// NoRedirects is an http.Client CheckRedirect that answers a 3xx as it is.
func NoRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// registrationLookup bounds the name resolution of CheckURL.
const registrationLookup = 3 * time.Second

// CheckURL checks a target URL when it is registered (a webhook endpoint, a Zapier
// hook, a connector's base URL). When private targets are refused: https only when
// requireHTTPS, and neither a literal refused address nor a host whose every
// address is refused. A host that does not resolve now passes (the connect-time
// check stays), and so does a value that is no http(s) URL at all: its syntax is
// the caller's validation.
// Failures are orderhub errors with the code TargetRefusedError naming the rule,
// on field.
func (g *Guard) CheckURL(ctx context.Context, field, raw string, requireHTTPS bool) error {
	if g.opt.AllowPrivate {
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil // not a URL at all: the caller's validation says so
	}
	if requireHTTPS && u.Scheme != "https" {
		return orderhub.FieldError(orderhub.ETargetRefused, field,
			"%s must use https:// (rule: connector base URLs use TLS; plain http is allowed only when the hub allows private targets).", field)
	}
	ctx, cancel := context.WithTimeout(ctx, registrationLookup)
	defer cancel()
	_, refused, err := g.allowedAddrs(ctx, "tcp", u.Hostname())
	if err != nil || refused == nil {
		return nil
	}
	what := "is " + refused.Reason
	if refused.Host != "" {
		what = "resolves only to refused addresses (" + refused.Addr + " is " + refused.Reason + ")"
	}
	return orderhub.FieldError(orderhub.ETargetRefused, field,
		"The host %s %s; rule: no private, loopback, link-local or reserved targets (an operator can allow them with --allow-private-targets).", u.Hostname(), what)
}
