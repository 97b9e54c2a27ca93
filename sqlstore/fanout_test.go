package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// openFanout opens a fresh database of t's engine with fan-out options.
func openFanout(t *testing.T, dsn string, opt sqlstore.Options) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// More endpoints than the default quotas allow: the point is many subscribers.
	if err := db.Tenants().SetQuotaDefaults(map[string]int{orderhub.QuotaEndpoints: 100000, orderhub.QuotaWebhookEndpoints: 100000}); err != nil {
		t.Fatal(err)
	}
	return db
}

func countDeliveries(t *testing.T, db *sqlstore.DB, vendor string) int {
	t.Helper()
	ds, err := db.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{VendorID: vendor, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) == 1000 {
		t.Fatal("1000 deliveries or more")
	}
	return len(ds)
}

// perEndpoint returns each endpoint's deliveries of vendor as event ids in seq order.
func perEndpoint(t *testing.T, db *sqlstore.DB, eps []*orderhub.Endpoint) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, e := range eps {
		ds, err := db.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{EndpointID: e.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for i := len(ds) - 1; i >= 0; i-- {
			out[e.ID] = append(out[e.ID], ds[i].EventID)
		}
	}
	return out
}

func expandAll(t *testing.T, db *sqlstore.DB, maxSteps int) int {
	t.Helper()
	for steps := 0; ; steps++ {
		if steps > maxSteps {
			t.Fatalf("fan-out not done after %d steps", maxSteps)
		}
		worked, err := db.Deliveries().ExpandFanout(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !worked {
			return steps
		}
	}
}

// A request's transaction writes the event only, whatever the number of endpoints:
// with 300 endpoints the request commits no delivery; the expander then writes them
// in steps of at most FanoutBatch rows, in seq order per queue, with the same heads
// and the same filters as fan-out at append time.
func TestFanoutIsBoundedPerRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, _ *sqlstore.DB) {
		ctx := context.Background()
		db := openFanout(t, testDSN(t), sqlstore.Options{NoFanoutExpander: true, FanoutBatch: 50})
		clk := deliverySetup(t, db)
		const n = 300
		var eps []*orderhub.Endpoint
		for i := 0; i < n; i++ {
			var types []string
			if i%10 == 9 {
				types = []string{"other.type"} // filtered out
			}
			eps = append(eps, mkEndpoint(t, db, "acme", types...))
		}
		disabled := eps[3]
		e1 := appendEv(t, db, "acme", "order.created", "k1")
		e2 := appendEv(t, db, "acme", "order.created", "k2")
		if _, err := db.Deliveries().SetEndpointEnabled(ctx, "acme", disabled.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		e3 := appendEv(t, db, "acme", "order.created", "k1")
		late := mkEndpoint(t, db, "acme") // created after e1..e3: gets none of them
		// A vendor with one endpoint is not held up by acme's backlog: inline.
		g := mkEndpoint(t, db, "globex")
		ge := appendEv(t, db, "globex", "order.created", "k1")
		if ds := perEndpoint(t, db, []*orderhub.Endpoint{g}); len(ds[g.ID]) != 1 || ds[g.ID][0] != ge.ID {
			t.Fatalf("globex's event was not fanned out in its request: %v", ds)
		}

		// The requests committed their events and no acme delivery.
		if got := countDeliveries(t, db, "acme"); got != 0 {
			t.Fatalf("acme's requests wrote %d deliveries; want 0 (the expander writes them)", got)
		}
		if b, err := db.Deliveries().FanoutBacklog(ctx); err != nil || b != 3 {
			t.Fatalf("backlog %d, %v; want 3 events", b, err)
		}
		// Retention does not take waiting events for events without deliveries.
		clk.advance(time.Hour)
		if st, err := db.Admin().Prune(ctx, orderhub.Retention{Delivered: time.Nanosecond}); err != nil || st.Events != 0 {
			t.Fatalf("prune deleted %d waiting events (%v)", st.Events, err)
		}

		// Each step writes at most FanoutBatch rows.
		prev := 0
		steps := 0
		for {
			worked, err := db.Deliveries().ExpandFanout(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !worked {
				break
			}
			steps++
			got := 0
			for _, ds := range perEndpoint(t, db, eps) {
				got += len(ds)
			}
			if got-prev > 50 {
				t.Fatalf("one expander step wrote %d deliveries, batch is 50", got-prev)
			}
			prev = got
		}
		if steps < 3*n/50 {
			t.Fatalf("%d steps for %d rows in batches of 50", steps, 3*n)
		}
		if b, err := db.Deliveries().FanoutBacklog(ctx); err != nil || b != 0 {
			t.Fatalf("backlog %d, %v after expanding", b, err)
		}

		got := perEndpoint(t, db, append(eps, late))
		for i, e := range eps {
			var want []string
			switch {
			case i%10 == 9:
			case e.ID == disabled.ID:
				// Disabled before the expander reached e1 and e2: no delivery.
			default:
				want = []string{e1.ID, e2.ID, e3.ID}
			}
			if fmt.Sprint(got[e.ID]) != fmt.Sprint(want) {
				t.Fatalf("endpoint %d got %v, want %v", i, got[e.ID], want)
			}
		}
		if len(got[late.ID]) != 0 {
			t.Fatalf("an endpoint created after the events got %v", got[late.ID])
		}

		// Heads: per endpoint the k1 queue's head is e1, k2's is e2; e3 waits.
		cs := claim(t, db, 10000)
		heads := 0
		for _, c := range cs {
			if c.VendorID != "acme" {
				continue
			}
			if c.EventID == e3.ID {
				t.Fatalf("e3 claimed before e1 finished on %s", c.EndpointID)
			}
			heads++
		}
		if want := 2 * (n - n/10 - 1); heads != want {
			t.Fatalf("%d acme heads claimed, want %d", heads, want)
		}

		// While acme has a backlog its new events wait too (seq order per queue) …
		e4 := appendEv(t, db, "acme", "order.created", "k2")
		if ds := perEndpoint(t, db, eps[:1]); len(ds[eps[0].ID]) != 3 {
			t.Fatalf("e4 fanned out in its request: %v", ds)
		}
		expandAll(t, db, 100)
		if ds := perEndpoint(t, db, []*orderhub.Endpoint{eps[0], late}); len(ds[eps[0].ID]) != 4 || len(ds[late.ID]) != 1 || ds[late.ID][0] != e4.ID {
			t.Fatalf("after e4: %v", ds)
		}
		// … and re-enabling an endpoint does not hand it what it missed.
		if _, err := db.Deliveries().SetEndpointEnabled(ctx, "acme", disabled.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		e5 := appendEv(t, db, "acme", "order.created", "k9")
		expandAll(t, db, 100)
		if ds := perEndpoint(t, db, []*orderhub.Endpoint{disabled}); fmt.Sprint(ds[disabled.ID]) != fmt.Sprint([]string{e5.ID}) {
			t.Fatalf("re-enabled endpoint got %v, want only e5", ds[disabled.ID])
		}
	})
}

// Expansion is durable progress: a process that stops in the middle of a fan-out
// (here: closes after a few steps; a crash is the same, the step's transaction
// either committed or did not) leaves the rest to the next one, which writes every
// delivery exactly once. With two processes on one database expanding at once,
// each delivery is still written once.
func TestFanoutResumesAndRunsOnceAcrossProcesses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, _ *sqlstore.DB) {
		dsn := testDSN(t)
		a := openFanout(t, dsn, sqlstore.Options{NoFanoutExpander: true, FanoutBatch: 40})
		deliverySetup(t, a)
		var eps []*orderhub.Endpoint
		for i := 0; i < 60; i++ {
			eps = append(eps, mkEndpoint(t, a, "acme"))
		}
		var evs []*orderhub.Event
		for i := 0; i < 10; i++ {
			evs = append(evs, appendEv(t, a, "acme", "order.created", fmt.Sprintf("k%d", i%3)))
		}
		for i := 0; i < 4; i++ {
			if _, err := a.Deliveries().ExpandFanout(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		a.Close()

		// Two processes with their expanders running, plus more events.
		b := openFanout(t, dsn, sqlstore.Options{FanoutBatch: 40})
		c := openFanout(t, dsn, sqlstore.Options{FanoutBatch: 40})
		var wg sync.WaitGroup
		for _, db := range []*sqlstore.DB{b, c} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					appendEv(t, db, "acme", "order.created", fmt.Sprintf("k%d", i%3))
				}
			}()
		}
		wg.Wait()
		waitUntil(t, "backlog expanded", func() bool {
			n, err := b.Deliveries().FanoutBacklog(context.Background())
			return err == nil && n == 0
		})
		all, err := b.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: "acme", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 20 {
			t.Fatalf("%d events", len(all))
		}
		got := perEndpoint(t, b, eps)
		var want []string
		for _, ev := range all {
			want = append(want, ev.ID)
		}
		for _, e := range eps {
			if fmt.Sprint(got[e.ID]) != fmt.Sprint(want) {
				t.Fatalf("endpoint %s got %d deliveries %v, want the 20 events in seq order", e.ID, len(got[e.ID]), got[e.ID])
			}
		}
		// One head per (endpoint, key): three keys.
		cs, err := b.Deliveries().ClaimDeliveries(context.Background(), orderhub.ClaimRequest{Owner: "t", Limit: 10000, Lease: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 3*len(eps) {
			t.Fatalf("%d heads, want %d", len(cs), 3*len(eps))
		}
	})
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
