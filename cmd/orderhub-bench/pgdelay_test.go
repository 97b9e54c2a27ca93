package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/url"
	"testing"
	"time"
)

// The delaying proxy passes every byte on, in order, each direction held for the
// delay: a round trip through it takes at least twice the delay.
func TestDelayProxy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); c.Close() }()
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	const delay = 5 * time.Millisecond
	dsn, stop, err := startDelayProxy("postgres://u@"+host+":"+port+"/db?sslmode=disable", delay)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("host") != "127.0.0.1" || q.Get("port") == port || u.Path != "/db" || u.User.Username() != "u" {
		t.Fatalf("proxied dsn %s", dsn)
	}
	c, err := net.Dial("tcp", net.JoinHostPort(q.Get("host"), q.Get("port")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A round trip of a small message.
	start := time.Now()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "ping" {
		t.Fatalf("got %q (%v)", got, err)
	}
	if rtt := time.Since(start); rtt < 2*delay {
		t.Fatalf("round trip %s, want at least %s", rtt, 2*delay)
	}
	// A stream of many chunks arrives whole and in order, in about one round trip
	// (the delay is not paid per chunk).
	data := make([]byte, 4<<20)
	_, _ = rand.Read(data)
	start = time.Now()
	go func() {
		for b := data; len(b) > 0; b = b[min(len(b), 1000):] {
			if _, err := c.Write(b[:min(len(b), 1000)]); err != nil {
				return
			}
		}
	}()
	back := make([]byte, len(data))
	if _, err := io.ReadFull(c, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, data) {
		t.Fatal("the stream came back changed")
	}
	t.Logf("4 MiB in 1000-byte writes echoed through the proxy in %s", time.Since(start))
}
