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

// Several instances (several *sqlstore.DB on one database, as several processes have)
// share the delivery queue: on both engines (SQLite: processes on one file;
// PostgreSQL: processes on one server).

// forEachEngineShared runs f per engine with n handles on one fresh database.
func forEachEngineShared(t *testing.T, n int, f func(t *testing.T, dbs []*sqlstore.DB)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e, func(t *testing.T) {
			t.Parallel()
			dsn := testDSN(t)
			dbs := make([]*sqlstore.DB, n)
			for i := range dbs {
				dbs[i] = openDSN(t, dsn)
			}
			f(t, dbs)
		})
	}
}

// Three instances claim and complete concurrently: a delivery is never held by two
// instances at once, every delivery is delivered exactly once, and each ordering key
// is delivered in seq order across the instances.
func TestInstancesShareDeliveryQueue(t *testing.T) {
	forEachEngineShared(t, 3, func(t *testing.T, dbs []*sqlstore.DB) {
		db := dbs[0]
		mkVendor(t, db, "acme")
		ep := mkEndpoint(t, db, "acme")
		const keys, perKey = 6, 12
		// Events are appended through every instance, keys interleaved, while the
		// instances claim and complete: a new event of a key races with the
		// completion of the key's head in another instance.
		appended := appendRoundsMeanwhile(t, dbs, 0, perKey, keys)
		var mu sync.Mutex
		inFlight := map[string]string{} // delivery id → instance
		lastSeq := map[string]int64{}   // key → seq of the last delivered
		delivered := map[string]int{}   // delivery id → times delivered
		claimUntilDrained(t, dbs, appended, orderhub.ClaimRequest{Limit: 4, Lease: time.Minute}, func(_ int, owner string, inst *sqlstore.DB, cs []*orderhub.ClaimedDelivery) bool {
			mu.Lock()
			for _, c := range cs {
				if other, ok := inFlight[c.ID]; ok {
					t.Errorf("%s claimed %s while %s holds it", owner, c.ID, other)
				}
				inFlight[c.ID] = owner
				if c.Seq <= lastSeq[c.OrderingKey] {
					t.Errorf("%s: key %s seq %d claimed after seq %d was delivered", owner, c.OrderingKey, c.Seq, lastSeq[c.OrderingKey])
				}
			}
			mu.Unlock()
			// Record the outcome before completing: once completed, the next
			// head of the key may be claimed by another instance at once.
			mu.Lock()
			for _, c := range cs {
				delete(inFlight, c.ID)
				lastSeq[c.OrderingKey] = c.Seq
				delivered[c.ID]++
			}
			mu.Unlock()
			rep := complete(t, inst, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered)
			if rep.Stale != 0 {
				t.Errorf("%s: %d stale completions", owner, rep.Stale)
			}
			return true
		})
		checkDeliveredOnce(t, db, ep, delivered, keys*perKey)
	})
}

// appendRounds appends rounds [from, to) of events of vendor acme: in each, one
// event per key (key-K), round I's of key K through dbs[(I+K) mod len(dbs)].
func appendRounds(dbs []*sqlstore.DB, from, to, keys int) error {
	for i := from; i < to; i++ {
		for k := range keys {
			if _, err := dbs[(i+k)%len(dbs)].Deliveries().AppendEvent(context.Background(), "acme", "t", fmt.Sprintf("key-%d", k), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendRoundsMeanwhile runs appendRounds in the background; the channel it returns
// is closed when it is done.
func appendRoundsMeanwhile(t *testing.T, dbs []*sqlstore.DB, from, to, keys int) <-chan struct{} {
	appended := make(chan struct{})
	go func() {
		defer close(appended)
		if err := appendRounds(dbs, from, to, keys); err != nil {
			t.Error(err)
		}
	}()
	return appended
}

// claimUntilDrained runs an instance per db (owner instance-I) that claims with req
// and hands what it got to handle (false: stop), until appended is closed and its
// claims have come back empty 20 times in a row.
func claimUntilDrained(t *testing.T, dbs []*sqlstore.DB, appended <-chan struct{}, req orderhub.ClaimRequest,
	handle func(i int, owner string, inst *sqlstore.DB, cs []*orderhub.ClaimedDelivery) bool) {
	var wg sync.WaitGroup
	for i, inst := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := req
			req.Owner = fmt.Sprintf("instance-%d", i)
			idle := 0
			for {
				select {
				case <-appended:
					if idle >= 20 {
						return
					}
				default:
				}
				cs, err := inst.Deliveries().ClaimDeliveries(context.Background(), req)
				if err != nil {
					t.Error(err)
					return
				}
				if len(cs) == 0 {
					idle++
					time.Sleep(2 * time.Millisecond)
					continue
				}
				idle = 0
				if !handle(i, req.Owner, inst, cs) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// checkDeliveredOnce checks that want deliveries were delivered, each once, and that
// every delivery to ep is delivered and not in flight.
func checkDeliveredOnce(t *testing.T, db *sqlstore.DB, ep *orderhub.Endpoint, delivered map[string]int, want int) {
	t.Helper()
	if len(delivered) != want {
		t.Fatalf("%d deliveries delivered, want %d", len(delivered), want)
	}
	for id, n := range delivered {
		if n != 1 {
			t.Fatalf("delivery %s delivered %d times", id, n)
		}
	}
	ds, err := db.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{VendorID: "acme", EndpointID: ep.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Status != orderhub.DeliveryDelivered || d.InFlightUntil != nil {
			t.Fatalf("delivery %s is %s (in flight until %v)", d.ID, d.Status, d.InFlightUntil)
		}
	}
}

// An instance dies holding leases: the others leave those deliveries (and the keys
// behind them) alone until the lease expires, then finish them; the dead instance's
// late completion changes nothing.
func TestInstanceCrashLeaseExpires(t *testing.T) {
	forEachEngineShared(t, 2, func(t *testing.T, dbs []*sqlstore.DB) {
		ctx := context.Background()
		crashed, survivor := dbs[0], dbs[1]
		clk := newClock(crashed)
		survivor.Now = clk.now
		mkVendor(t, crashed, "acme")
		mkEndpoint(t, crashed, "acme")
		for _, k := range []string{"a", "a", "b"} {
			appendEv(t, crashed, "acme", "t", k)
		}
		held, err := crashed.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "crashed", Limit: 1, Lease: 30 * time.Second})
		if err != nil || len(held) != 1 || held[0].OrderingKey != "a" {
			t.Fatalf("crashed instance's claim: %+v %v", held, err)
		}
		// Before the lease expires the survivor gets key b only: a's head is leased
		// and a's second event waits behind it.
		clk.advance(29 * time.Second)
		cs, err := survivor.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "survivor", Limit: 10, Lease: 30 * time.Second})
		if err != nil || len(cs) != 1 || cs[0].OrderingKey != "b" {
			t.Fatalf("claim during the lease: %+v %v", cs, err)
		}
		complete(t, survivor, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered)
		clk.advance(2 * time.Second)
		cs, err = survivor.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "survivor", Limit: 10, Lease: 30 * time.Second})
		if err != nil || len(cs) != 1 || cs[0].ID != held[0].ID {
			t.Fatalf("claim after the lease expired: %+v %v", cs, err)
		}
		complete(t, survivor, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered)
		if rep := complete(t, crashed, orderhub.CompleteOptions{}, held, orderhub.OutcomeDelivered); rep.Stale != 1 {
			t.Fatalf("late completion of the crashed instance: %+v", rep)
		}
		cs, err = survivor.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "survivor", Limit: 10, Lease: 30 * time.Second})
		if err != nil || len(cs) != 1 || cs[0].OrderingKey != "a" || cs[0].Seq <= held[0].Seq {
			t.Fatalf("next event of key a: %+v %v", cs, err)
		}
		complete(t, survivor, orderhub.CompleteOptions{}, cs, orderhub.OutcomeDelivered)
		st, err := survivor.Deliveries().DeliveryQueueStats(ctx)
		if err != nil || st.Active != 0 {
			t.Fatalf("queue after recovery: %+v %v", st, err)
		}
	})
}
