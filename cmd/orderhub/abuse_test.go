package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Slow and greedy clients against the real server (`orderhub serve`, whose
// http.Server sets ReadHeaderTimeout 5 s, ReadTimeout 30 s, WriteTimeout 60 s,
// IdleTimeout 120 s and MaxHeaderBytes 64 KiB). The slow-header (slow-loris) and
// header-size cases run by default; the slow-body and idle cases take 30 s and 2 min
// and run with ORDERHUB_LONG_TESTS=1.

func longTests(t *testing.T) {
	t.Helper()
	if os.Getenv("ORDERHUB_LONG_TESTS") == "" {
		t.Skip("long test: set ORDERHUB_LONG_TESTS=1")
	}
}

// longTestConn is a connection to a fresh hub for a long test (closed when t ends).
func longTestConn(t *testing.T) net.Conn {
	t.Helper()
	longTests(t)
	c, err := net.Dial("tcp", hostOf(t, abuseHub(t).url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func abuseHub(t *testing.T) *instance {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "abuse.db")
	fixture(t, dsn)
	return startInstances(t, dsn, 1)[0]
}

func hostOf(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// closedWithin waits until the server closes conn (a read ends in EOF or an error),
// reading and discarding what it sends; false when d passes first.
func closedWithin(conn net.Conn, d time.Duration) (bool, string) {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false, string(b)
	}
	return true, string(b)
}

// 200 slow-loris connections (headers trickled a byte every 500 ms) are all cut
// by the server's ReadHeaderTimeout, while other clients are served meanwhile.
func TestSlowHeadersAreCut(t *testing.T) {
	inst := abuseHub(t)
	addr := hostOf(t, inst.url)
	const n = 200
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "POST /oauth/token HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // trickle
		defer wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				for _, c := range conns {
					_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
					_, _ = c.Write([]byte("a"))
				}
			}
		}
	}()
	// The server still answers others.
	res, err := httpClient.Get(inst.url + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz during the attack: %v", err)
	}
	res.Body.Close()
	cut := 0
	for _, c := range conns {
		if ok, _ := closedWithin(c, 30*time.Second); ok {
			cut++
		}
	}
	close(stop)
	wg.Wait()
	if cut != n {
		t.Fatalf("%d of %d slow-header connections still open after 30 s (ReadHeaderTimeout is 5 s)", n-cut, n)
	}
	res, err = httpClient.Get(inst.url + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz after the attack: %v", err)
	}
	res.Body.Close()
}

// A header block larger than MaxHeaderBytes (64 KiB) is refused with 431.
func TestHugeHeadersAreRefused(t *testing.T) {
	inst := abuseHub(t)
	req, _ := http.NewRequest("GET", inst.url+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 1<<20))
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("1 MiB header: %d", res.StatusCode)
	}
}

// A body trickled a byte a second is cut by ReadTimeout (30 s) with no write.
func TestSlowBodyIsCut(t *testing.T) {
	c := longTestConn(t)
	fmt.Fprintf(c, "POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Second):
				_ = c.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := c.Write([]byte("a")); err != nil {
					return
				}
			}
		}
	}()
	ok, answer := closedWithin(c, 60*time.Second)
	close(done)
	if !ok {
		t.Fatal("a body trickled at 1 byte/s was not cut within 60 s (ReadTimeout is 30 s)")
	}
	t.Logf("the server cut the slow body; it answered %q", firstLine(answer))
}

// An idle keep-alive connection is closed after IdleTimeout (120 s).
func TestIdleConnectionsAreClosed(t *testing.T) {
	c := longTestConn(t)
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	start := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(180 * time.Second))
	_, err = br.ReadByte()
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("an idle keep-alive connection was still open after 180 s (IdleTimeout is 120 s)")
	}
	t.Logf("idle connection closed by the server after %s", time.Since(start).Round(time.Second))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}
