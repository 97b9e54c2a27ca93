package sqlstore

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"orderhub"
)

// Each vendor's fan-out gets a bounded share of the writer: after a step for a
// vendor that vendor rests, the expander serves the other vendors behind, and when
// every vendor behind rests it reports how long until the first may go on instead
// of writing more for them. ExpandFanout, without shares, goes on at once.
func TestExpanderSharesPerVendor(t *testing.T) {
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"), Options{InlineFanout: -1, NoFanoutExpander: true, FanoutBatch: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, v := range []string{"acme", "globex"} {
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: v}); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: v, URL: "https://example.com/hook"}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 10 {
			if _, err := db.Deliveries().AppendEvent(ctx, v, "t", string(rune('a'+i)), json.RawMessage(`{}`)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A step with shares leaves its vendor resting.
	st, err := db.expandStep(ctx, 8, true)
	if err != nil || !st.worked {
		t.Fatalf("first step: %+v %v", st, err)
	}
	first := db.fanLast
	db.fanMu.Lock()
	until, resting := db.fanRest[first]
	db.fanMu.Unlock()
	if !resting || until.Before(time.Now().Add(-time.Second)) {
		t.Fatalf("after a step for %s: rest %v %v", first, until, resting)
	}
	// The next vendor in turn is the other one while the first rests, and with
	// both resting there is no vendor, only how long until the first may go on.
	hour := time.Now().Add(time.Hour)
	pick := func(rest map[string]time.Time) (string, time.Duration) {
		t.Helper()
		var v string
		var wait time.Duration
		if err := db.Write(ctx, func(tx *Tx) error {
			var err error
			v, wait, err = fanout{tx}.nextBacklog(first, rest)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return v, wait
	}
	other := "globex"
	if first == "globex" {
		other = "acme"
	}
	if v, _ := pick(map[string]time.Time{other: hour}); v != first {
		t.Fatalf("with %s resting got %q, want %s", other, v, first)
	}
	if v, _ := pick(map[string]time.Time{first: hour}); v != other {
		t.Fatalf("with %s resting got %q, want %s", first, v, other)
	}
	if v, wait := pick(map[string]time.Time{first: hour, other: time.Now().Add(time.Minute)}); v != "" || wait <= 0 || wait > time.Minute {
		t.Fatalf("both resting: %q, wait %v; want none and a wait of at most a minute", v, wait)
	}
	// Without shares (ExpandFanout) there is no rest.
	for range 3 {
		if worked, err := db.Deliveries().ExpandFanout(ctx); err != nil || !worked {
			t.Fatalf("ExpandFanout: %v %v", worked, err)
		}
	}
}

// Steps are sized by their cost: halved toward the target when slower, doubled when
// much faster, within 16 rows and the batch limit.
func TestNextFanBudget(t *testing.T) {
	for _, c := range []struct {
		budget int
		work   time.Duration
		max    int
		want   int
	}{
		{256, 20 * time.Millisecond, 256, 64},
		{64, fanStepTarget, 256, 64},
		{64, time.Millisecond, 256, 128},
		{200, time.Millisecond, 256, 256},
		{16, time.Second, 256, 16},
		{8, time.Second, 8, 8},
	} {
		if got := nextFanBudget(c.budget, c.work, c.max); got != c.want {
			t.Errorf("nextFanBudget(%d, %v, %d) = %d, want %d", c.budget, c.work, c.max, got, c.want)
		}
	}
}
