package orderhub

import (
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "0": 0, "-5": 0, "120": 2 * time.Minute, " 7 ": 7 * time.Second, "soon": 0, "1.5": 0,
		"99999999999999999999": 0, "9999999999": 1 << 31 * time.Second,
		"Mon, 23 Nov 2026 08:01:30 GMT": 90 * time.Second, " Mon, 23 Nov 2026 08:01:30 GMT ": 90 * time.Second,
		"Mon, 23 Nov 2026 07:00:00 GMT": 0, "Mon, 23 Nov 2026 08:00:00 GMT": 0,
	} {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", in, got, want)
		}
	}
}
