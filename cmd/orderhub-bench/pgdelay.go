package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// A delaying TCP proxy between the spawned hubs and their PostgreSQL server
// (--pg-delay): every chunk of bytes read from one side is held for the delay and
// then written to the other side, in the order read, in both directions. So each
// round trip between a hub and its database takes twice the delay longer, as on a
// network (--pg-delay 500us: a 1 ms round trip), while the bytes in flight are not
// limited: a pipeline of statements costs one delay each way, not one per statement.

// delayProxy listens on loopback TCP and forwards each connection to the server.
type delayProxy struct {
	ln    net.Listener
	dial  func() (net.Conn, error)
	delay time.Duration
	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// startDelayProxy starts a proxy in front of the server of dsn (a postgres:// URL:
// a unix socket directory or a TCP host) and returns dsn pointed at the proxy.
func startDelayProxy(dsn string, delay time.Duration) (proxied string, stop func(), err error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "", nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, errors.New("--pg-delay needs a postgres:// URL as --db")
	}
	network, addr := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, addr = "unix", filepath.Join(cfg.Host, fmt.Sprintf(".s.PGSQL.%d", cfg.Port))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	p := &delayProxy{ln: ln, delay: delay, conns: map[net.Conn]bool{},
		dial: func() (net.Conn, error) { return net.DialTimeout(network, addr, 10*time.Second) }}
	p.wg.Add(1)
	go p.serve()
	port := ln.Addr().(*net.TCPAddr).Port
	q := u.Query()
	q.Set("host", "127.0.0.1")
	q.Set("port", strconv.Itoa(port))
	if cfg.TLSConfig == nil && q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.Host = ""
	u.RawQuery = q.Encode()
	return u.String(), p.stop, nil
}

func (p *delayProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := p.dial()
		if err != nil {
			c.Close()
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

// chunk is what one read returned and when it may be written on.
type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst, each chunk delay after it was read; a reader goroutine
// keeps reading meanwhile, so that the delay does not slow the stream down.
func (p *delayProxy) pipe(src, dst net.Conn) {
	defer p.wg.Done()
	ch := make(chan chunk, 4096)
	go func() {
		defer close(ch)
		buf := make([]byte, 256<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{b: append([]byte(nil), buf[:n]...), due: time.Now().Add(p.delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range ch {
		if d := time.Until(c.due); d > 0 {
			preciseSleep(d)
		}
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	// Either side ended: end both (PostgreSQL's protocol has no half-closed use).
	src.Close()
	dst.Close()
	for range ch {
	}
	p.mu.Lock()
	delete(p.conns, src)
	delete(p.conns, dst)
	p.mu.Unlock()
}

func (p *delayProxy) stop() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// preciseSleep sleeps d in a nanosleep system call: the Go runtime's timers wait in
// epoll with millisecond resolution when the process is otherwise idle, which makes
// a 500 µs sleep last 1–1.5 ms. The call blocks this goroutine's thread only.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var rem syscall.Timespec
		if err := syscall.Nanosleep(&ts, &rem); err != syscall.EINTR {
			return
		}
		ts = rem
	}
}
