// Package throttle is orderhub's one throttle, with two policies: Limiter counts
// failed authentications (OAuth client secrets, HTTP Basic client credentials,
// Zapier logins, console logins); Rate limits a request rate (POST /oauth/token).
// Both key a caller by Source.
//
// Failures are counted per (identifier, source address) pair and per source
// address, never per identifier alone: a stranger's failures from one address
// throttle that stranger, while the real client or user, from another address,
// keeps getting in with the right secret. Whether the identifier exists plays no
// part (callers record a failure for an unknown identifier exactly as for a wrong
// secret), so a 429 tells nothing about which identifiers are real.
//
// The counts live in the process (several instances count on their own) and are
// bounded in memory.
package throttle

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Config sets the limits of a Limiter.
type Config struct {
	// PerPair is how many failures of one identifier from one source are allowed
	// within Window before that pair is refused until the window ends.
	PerPair int
	// PerSource is how many failures from one source, whatever the identifiers,
	// are allowed within Window before the source is refused.
	PerSource int
	// Window is how long failures count, from the first one of a key.
	Window time.Duration
	// MaxKeys bounds the keys kept (default 100,000): beyond it the expired
	// keys are dropped, and everything when that is not enough.
	MaxKeys int
}

// Limiter counts failures and says who must wait.
type Limiter struct {
	cfg Config
	now func() time.Time

	mu   sync.Mutex
	keys map[key]*count
}

type key struct {
	id     string // "" for the source's own count
	source string
}

type count struct {
	n     int
	since time.Time
}

// New returns a limiter; now is its clock (nil: time.Now).
func New(cfg Config, now func() time.Time) *Limiter {
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 100_000
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{cfg: cfg, now: now, keys: map[key]*count{}}
}

// Wait returns how long attempts for id from source are refused (0: go ahead).
func (l *Limiter) Wait(id, source string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	return max(l.waitLocked(key{id, source}, l.cfg.PerPair, now), l.waitLocked(key{"", source}, l.cfg.PerSource, now))
}

func (l *Limiter) waitLocked(k key, limit int, now time.Time) time.Duration {
	c := l.keys[k]
	if c == nil {
		return 0
	}
	el := now.Sub(c.since)
	if el >= l.cfg.Window || el < 0 {
		delete(l.keys, k)
		return 0
	}
	if limit > 0 && c.n >= limit {
		return l.cfg.Window - el
	}
	return 0
}

// Failed records a failed attempt for id from source (an unknown id too).
func (l *Limiter) Failed(id, source string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.keys) >= l.cfg.MaxKeys {
		l.pruneLocked(now)
	}
	for _, k := range []key{{id, source}, {"", source}} {
		c := l.keys[k]
		if c == nil || now.Sub(c.since) >= l.cfg.Window || now.Before(c.since) {
			c = &count{since: now}
			l.keys[k] = c
		}
		c.n++
	}
}

// Succeeded forgets the failures of id from source (not the source's own count:
// one success does not excuse a source's guesses at other identifiers).
func (l *Limiter) Succeeded(id, source string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key{id, source})
}

func (l *Limiter) pruneLocked(now time.Time) {
	for k, c := range l.keys {
		if now.Sub(c.since) >= l.cfg.Window || now.Before(c.since) {
			delete(l.keys, k)
		}
	}
	if len(l.keys) >= l.cfg.MaxKeys {
		clear(l.keys)
	}
}

// Source is the source address of a request as the throttle counts it: the TCP
// peer's IP, an IPv6 address by its /64 (one subscriber usually holds a whole
// /64). Behind a reverse proxy every client shares the proxy's address; put the
// throttling at the proxy there.
func Source(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
