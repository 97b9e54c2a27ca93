package throttle

import (
	"strconv"
	"testing"
	"time"
)

func TestRateBucket(t *testing.T) {
	l := NewRate(5, 3)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if w := l.Take("a", now); w != 0 {
			t.Fatalf("burst request %d refused (%s)", i, w)
		}
	}
	if w := l.Take("a", now); w != 200*time.Millisecond {
		t.Fatalf("over the burst: wait %s, want 200ms", w)
	}
	if w := l.Take("b", now); w != 0 {
		t.Fatal("another key is limited too")
	}
	if w := l.Take("a", now.Add(200*time.Millisecond)); w != 0 {
		t.Fatalf("after the refill: wait %s", w)
	}
	// A clock going back neither refills nor breaks the bucket.
	if w := l.Take("a", now.Add(-time.Hour)); w == 0 {
		t.Fatal("a clock going back refilled the bucket")
	}
}

// The limiter keeps at most 10,000 buckets, however many addresses call.
func TestRateStaysBounded(t *testing.T) {
	l := NewRate(5, 30)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 50_000 {
		l.Take("10.0."+strconv.Itoa(i), now)
		now = now.Add(time.Millisecond)
	}
	if n := len(l.buckets); n > 10_000 {
		t.Fatalf("%d buckets", n)
	}
	// Pruning forgets the quiet addresses (full buckets), not a busy one.
	l = NewRate(5, 30)
	for i := range 9_999 {
		l.Take("quiet"+strconv.Itoa(i), now)
	}
	now = now.Add(10 * time.Second) // the quiet ones have refilled
	for range 30 {
		l.Take("busy", now)
	}
	l.Take("newcomer", now) // the 10,001st key: prune
	if n := len(l.buckets); n > 2 {
		t.Fatalf("%d buckets after pruning, want busy and newcomer", n)
	}
	if w := l.Take("busy", now); w == 0 {
		t.Fatal("pruning forgot a busy address")
	}
}
