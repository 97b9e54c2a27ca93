// Package listen is what the fake connector servers share: serving on a loopback
// port in the background, and picking their recorded requests by path.
package listen

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Serve serves h on addr (a free loopback port when empty) in the background and
// returns the server (for Close) and its base URL.
func Serve(addr string, h http.Handler) (*http.Server, string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

// Base is a fake's HTTP server, embedded in the fake: the fake's Start calls
// Base.Start with itself as the handler; URL is promoted.
type Base struct {
	srv *http.Server
	url string
}

// Start serves h on addr (a free loopback port when empty) until Close and
// returns the base URL.
func (b *Base) Start(addr string, h http.Handler) (string, error) {
	srv, u, err := Serve(addr, h)
	if err != nil {
		return "", err
	}
	b.srv, b.url = srv, u
	return u, nil
}

// URL is the base URL after Start.
func (b *Base) URL() string { return b.url }

// Close stops a started server, first letting requests in flight finish for up
// to grace (none when 0).
func (b *Base) Close(grace time.Duration) {
	if b.srv == nil {
		return
	}
	if grace > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		_ = b.srv.Shutdown(ctx)
	}
	_ = b.srv.Close()
}

// ByPath returns the requests of all whose path (pathOf) is path; all of them
// when path is "".
func ByPath[R any](all []R, path string, pathOf func(R) string) []R {
	var out []R
	for _, r := range all {
		if path == "" || pathOf(r) == path {
			out = append(out, r)
		}
	}
	return out
}
