package netguard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"orderhub"
	"orderhub/netguard"
)

func TestBlockedAddresses(t *testing.T) {
	t.Parallel()
	for addr, blocked := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "fe80::1": true, "fd00:ec2::254": true, "0.0.0.0": true, "::": true,
		"100.100.100.200": true, "224.0.0.1": true, "255.255.255.255": true, "::ffff:127.0.0.1": true,
		"64:ff9b::a9fe:a9fe": true, // NAT64 of 169.254.169.254
		"::7f00:1":           true, // IPv4-compatible 127.0.0.1
		"::a9fe:a9fe":        true, // IPv4-compatible 169.254.169.254
		"::808:808":          true, // IPv4-compatible, deprecated whatever it embeds
		"2002:7f00:1::1":     true, // 6to4 of 127.0.0.1
		"2002:a9fe:a9fe::":   true, // 6to4 of 169.254.169.254
		"2001:0:4136:e378::": true, // Teredo
		"192.0.2.10":         true, "198.51.100.1": true, "203.0.113.5": true,
		"93.184.216.34": false, "2606:4700::1111": false, "8.8.8.8": false, "2002:808:808::": false,
	} {
		if got := netguard.BlockedReason(netip.MustParseAddr(addr)) != ""; got != blocked {
			t.Errorf("%s: blocked %v, want %v", addr, got, blocked)
		}
	}
}

// counter is a local service that counts the requests reaching it.
func counter(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestClientRefusesInternalTargets(t *testing.T) {
	t.Parallel()
	internal, hits := counter(t, nil)
	port := internal.URL[strings.LastIndex(internal.URL, ":")+1:]
	c := netguard.New(netguard.Options{}).Client()
	for _, u := range []string{internal.URL, "http://localhost:" + port, "http://[::7f00:1]:" + port, "http://[::ffff:127.0.0.1]:" + port, "http://169.254.169.254/"} {
		res, err := c.Get(u)
		if err == nil {
			res.Body.Close()
			t.Fatalf("%s: %d, want a refusal", u, res.StatusCode)
		}
		var re *netguard.RefusedError
		if !errors.As(err, &re) || !netguard.IsRefused(err) {
			t.Fatalf("%s: %v, want a RefusedError", u, err)
		}
		if strings.Contains(u, "localhost") && !strings.Contains(err.Error(), "localhost (127.0.0.1)") {
			t.Fatalf("the refusal %q does not say which address the name resolved to", err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests reached the internal service", hits.Load())
	}
	// Allowed, the same client reaches it.
	res, err := netguard.New(netguard.Options{AllowPrivate: true}).Client().Get(internal.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("allowed: %d requests", hits.Load())
	}
}

// A redirect is answered as it is: the client never follows it (into an internal
// address, or with a credential to another host).
func TestClientFollowsNoRedirects(t *testing.T) {
	t.Parallel()
	internal, hits := counter(t, nil)
	redirector, _ := counter(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/latest/meta-data", http.StatusFound)
	})
	res, err := netguard.New(netguard.Options{AllowPrivate: true}).Client().Get(redirector.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || hits.Load() != 0 {
		t.Fatalf("status %d, %d requests followed to the redirect's target", res.StatusCode, hits.Load())
	}
}

// The environment's proxy is never used; a configured one is, and the target is
// checked before the request is handed to it.
func TestProxyOnlyWhenConfigured(t *testing.T) {
	proxy, proxied := counter(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) })
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	tr, ok := netguard.New(netguard.Options{}).Transport(nil).(*http.Transport)
	if !ok || tr.Proxy != nil {
		t.Fatalf("the default transport has a proxy function")
	}
	pu, _ := url.Parse(proxy.URL)
	c := netguard.New(netguard.Options{Proxy: pu}).Client()
	if _, err := c.Get("http://127.0.0.1:1/internal"); !netguard.IsRefused(err) {
		t.Fatalf("an internal target through the proxy: %v, want a refusal", err)
	}
	if proxied.Load() != 0 {
		t.Fatal("the refused request reached the proxy")
	}
	res, err := c.Get("http://93.184.216.34/hook") // a public literal: handed to the proxy
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 299 || proxied.Load() != 1 {
		t.Fatalf("status %d, %d proxied", res.StatusCode, proxied.Load())
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g := netguard.New(netguard.Options{})
	for _, c := range []struct {
		url   string
		https bool
		ok    bool
		want  string
	}{
		{"http://127.0.0.1:8080/hook", false, false, "127.0.0.1 is a loopback address"},
		{"http://localhost/hook", false, false, "resolves only to refused addresses"},
		{"https://169.254.169.254/latest", false, false, "link-local"},
		{"http://[::ffff:10.0.0.1]/", false, false, "private"},
		{"http://[::7f00:1]/", false, false, "IPv4-compatible"},
		{"http://yespo.invalid/", true, false, "https://"},
		{"https://yespo.invalid/", true, true, ""},      // does not resolve now: the connect-time check stays
		{"http://hooks.invalid/x", false, true, ""},     // http is fine for webhooks
		{"https://93.184.216.34/hook", false, true, ""}, // public
		{"not a url", false, true, ""},                  // syntax is the caller's validation
	} {
		err := g.CheckURL(ctx, "url", c.url, c.https)
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", c.url, err)
			}
			continue
		}
		if orderhub.ErrorCode(err) != orderhub.ETargetRefused || !strings.Contains(orderhub.ErrorMessage(err), c.want) || !strings.Contains(orderhub.ErrorMessage(err), "rule") {
			t.Errorf("%s: %v, want TargetRefusedError mentioning %q and the rule", c.url, err, c.want)
		}
	}
	if err := netguard.New(netguard.Options{AllowPrivate: true}).CheckURL(ctx, "url", "http://127.0.0.1/", true); err != nil {
		t.Fatalf("private targets allowed: %v", err)
	}
}
