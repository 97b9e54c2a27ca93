package throttle_test

import (
	"net/http"
	"testing"
	"time"

	"orderhub/throttle"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	l := throttle.New(throttle.Config{PerPair: 3, PerSource: 5, Window: time.Minute, MaxKeys: 50}, func() time.Time { return now })
	for range 3 {
		l.Failed("client", "10.0.0.1")
	}
	if l.Wait("client", "10.0.0.1") == 0 {
		t.Fatal("the pair is not throttled after 3 failures")
	}
	if l.Wait("client", "10.0.0.2") != 0 {
		t.Fatal("another address is throttled for the client")
	}
	if l.Wait("other", "10.0.0.1") != 0 {
		t.Fatal("the address is throttled for another client before its own limit")
	}
	l.Failed("a", "10.0.0.1")
	l.Failed("b", "10.0.0.1")
	if w := l.Wait("c", "10.0.0.1"); w <= 0 || w > time.Minute {
		t.Fatalf("after 5 failures from the address: wait %v", w)
	}
	// A success forgets the pair, not the address.
	l.Succeeded("client", "10.0.0.2")
	now = now.Add(time.Minute)
	if l.Wait("client", "10.0.0.1") != 0 || l.Wait("c", "10.0.0.1") != 0 {
		t.Fatal("still throttled after the window")
	}
	// Bounded: many sources do not grow the map beyond MaxKeys.
	for i := range 1000 {
		l.Failed("x", string(rune('A'+i%26))+time.Duration(i).String())
	}
}

func TestSource(t *testing.T) {
	t.Parallel()
	for remote, want := range map[string]string{
		"192.0.2.1:5555": "192.0.2.1", "[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64", "[::ffff:10.1.2.3]:1": "10.1.2.3", "garbage": "garbage",
	} {
		if got := throttle.Source(&http.Request{RemoteAddr: remote}); got != want {
			t.Errorf("%s: %s, want %s", remote, got, want)
		}
	}
}
