package console

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Failed logins are throttled per username and per client address: after
// maxFailures failures within failureWindow, further attempts are refused (429)
// until the window ends, without checking the password. The counts live in this
// process (a second instance counts on its own).
const (
	maxFailures   = 10
	failureWindow = 15 * time.Minute
)

type throttle struct {
	now func() time.Time

	mu    sync.Mutex
	fails map[string]*failures
}

type failures struct {
	n     int
	since time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, fails: map[string]*failures{}}
}

func loginKeys(r *http.Request, username string) []string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return []string{"u:" + strings.ToLower(excerpt(username, 64)), "a:" + host}
}

// blocked reports how long the keys are still blocked (0: not blocked).
func (t *throttle) blocked(keys []string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range keys {
		f := t.fails[k]
		if f == nil {
			continue
		}
		if now.Sub(f.since) >= failureWindow {
			delete(t.fails, k)
			continue
		}
		if f.n >= maxFailures {
			wait = max(wait, failureWindow-now.Sub(f.since))
		}
	}
	return wait
}

// failed counts a failed login.
func (t *throttle) failed(keys []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.fails) > 100_000 { // bounded: forget everyone rather than grow forever
		clear(t.fails)
	}
	for _, k := range keys {
		f := t.fails[k]
		if f == nil || now.Sub(f.since) >= failureWindow {
			f = &failures{since: now}
			t.fails[k] = f
		}
		f.n++
	}
}

// succeeded forgets the username's failures (not the address's).
func (t *throttle) succeeded(keys []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, keys[0])
}
