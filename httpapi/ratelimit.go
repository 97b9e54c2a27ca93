package httpapi

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Per-client request rate of POST /oauth/token, on top of the per-client-id
// throttling of bad secrets (oauth.go): a token lives an hour, so a well-behaved
// client asks for a few an hour; a client address asking faster than tokenRate
// (after a burst of tokenBurst) is answered 429 with Retry-After. The address is the
// TCP peer (RemoteAddr): behind a reverse proxy every client shares the proxy's
// address, so put the limit at the proxy there (docs/reliability.md).
const (
	tokenRate  = 5.0 // requests per second, sustained
	tokenBurst = 30
)

// rateLimiter is a token bucket per key.
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

// take spends one token of key's bucket; when the bucket is empty it spends
// nothing and returns how long until a token is available.
func (l *rateLimiter) take(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= 10_000 {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(l.burst, b.tokens+el.Seconds()*l.rate)
		b.last = now
	} else if el < 0 { // the clock went back
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// prune forgets the buckets that are full again (their clients have been quiet),
// and every bucket when that is not enough: the map stays bounded.
func (l *rateLimiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= 10_000 {
		clear(l.buckets)
	}
}

// peerHost is the host part of the request's TCP peer address.
func peerHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
