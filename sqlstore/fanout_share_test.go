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
// vendor the expander serves the other vendors behind, and when every vendor behind
// has had its step it rests (it reports how long) instead of writing more for them.
// ExpandFanout, without shares, goes on at once (tests drive it).
func TestExpanderSharesPerVendor(t *testing.T) {
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"), Options{InlineFanout: -1, NoFanoutExpander: true, FanoutBatch: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, v := range []string{"acme", "globex"} {
		if err := db.CreateVendor(ctx, &orderhub.Vendor{ID: v}); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := db.CreateEndpoint(ctx, &Endpoint{VendorID: v, URL: "https://example.com/hook"}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 10 {
			if _, err := db.AppendEvent(ctx, v, "t", string(rune('a'+i)), json.RawMessage(`{}`)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var served []string
	step := func() fanStep {
		t.Helper()
		st, err := db.expandStep(ctx, 8, true)
		if err != nil {
			t.Fatal(err)
		}
		if st.worked {
			served = append(served, db.fanLast)
		}
		return st
	}
	step()
	step()
	if len(served) != 2 || served[0] == served[1] {
		t.Fatalf("served %v: want each vendor behind once", served)
	}
	st := step()
	if st.worked || st.rest <= 0 || st.rest > time.Second {
		t.Fatalf("third step at once: %+v; want no work and a rest (both vendors used their share)", st)
	}
	time.Sleep(st.rest)
	if st := step(); !st.worked {
		t.Fatalf("after the rest: %+v", st)
	}
	// Without shares (ExpandFanout) there is no rest.
	for range 2 {
		if worked, err := db.ExpandFanout(ctx); err != nil || !worked {
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
