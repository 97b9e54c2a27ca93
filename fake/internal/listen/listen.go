// Package listen is what the fake connector servers share: serving on a loopback
// port in the background, and picking their recorded requests by path.
package listen

import (
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
