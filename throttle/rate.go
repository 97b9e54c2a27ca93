package throttle

import (
	"sync"
	"time"
)

// Rate is the throttle's second policy: a request rate per key (a token bucket),
// where Limiter counts failures. POST /oauth/token limits each source address to
// a sustained rate after a burst, whatever its requests' outcome.
type Rate struct {
	rate  float64 // tokens per second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRate allows each key rate requests a second, after a burst of burst.
func NewRate(rate float64, burst int) *Rate {
	return &Rate{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

// Take spends one token of key's bucket; when the bucket is empty it spends
// nothing and returns how long until a token is available.
func (l *Rate) Take(key string, now time.Time) time.Duration {
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
func (l *Rate) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= 10_000 {
		clear(l.buckets)
	}
}
