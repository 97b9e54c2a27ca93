package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// completeEach completes the claimed deliveries with the outcome pick chooses for each
// (or leaves it claimed when pick says -1).
func completeEach(t *testing.T, db *sqlstore.DB, cs []*orderhub.ClaimedDelivery, pick func(*orderhub.ClaimedDelivery) orderhub.Outcome) {
	t.Helper()
	by := map[orderhub.Outcome][]*orderhub.ClaimedDelivery{}
	for _, c := range cs {
		by[pick(c)] = append(by[pick(c)], c)
	}
	for o, list := range by {
		if o >= 0 {
			complete(t, db, orderhub.CompleteOptions{}, list, o)
		}
	}
}

func exists(t *testing.T, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	if orderhub.ErrorCode(err) != orderhub.ENotFound {
		t.Fatal(err)
	}
	return false
}

func counts(t *testing.T, db *sqlstore.DB, tables ...string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, tb := range tables {
		n, err := db.CountRows(context.Background(), tb)
		if err != nil {
			t.Fatal(err)
		}
		m[tb] = n
	}
	return m
}

var keptTables = []string{"vendors", "customers", "orders", "contracts", "transactions", "endpoints", "promo_codes"}

// Pruning deletes exactly the old finished deliveries, their attempts, the old events
// without deliveries and the dead letters past their own limit; it keeps everything
// active, young, kept by a vendor override, and every customer, order and contract.
func TestPruneDeletesExactlyWhatIsOld(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		_, promo := seedVendor(t, db) // vendor acme
		clk := newClock(db)
		mkVendor(t, db, "globex")
		// An order placed before any endpoint exists: its events have no delivery.
		if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "O-1", true), promo); err != nil {
			t.Fatal(err)
		}
		orderEvents, err := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme"})
		if err != nil || len(orderEvents) == 0 {
			t.Fatalf("order events: %d, %v", len(orderEvents), err)
		}
		e1, e2 := mkEndpoint(t, db, "acme"), mkEndpoint(t, db, "acme")
		g1 := mkEndpoint(t, db, "globex")

		evPending := appendEv(t, db, "acme", "t", "k1")   // e1 delivered, e2 still failing
		evDelivered := appendEv(t, db, "acme", "t", "k2") // both delivered
		evDead := appendEv(t, db, "acme", "t", "k3")      // e1 dead, e2 delivered
		evReplayed := appendEv(t, db, "acme", "t", "k4")  // e1 dead then replayed, e2 delivered
		var bulk []*orderhub.Event                        // many delivered ones, to page through
		for range 23 {
			bulk = append(bulk, appendEv(t, db, "acme", "t", ""))
		}
		evGlobex := appendEv(t, db, "globex", "t", "g") // delivered, but globex keeps for ever
		completeEach(t, db, claim(t, db, 1000), func(c *orderhub.ClaimedDelivery) orderhub.Outcome {
			switch {
			case c.EventID == evPending.ID && c.EndpointID == e2.ID:
				return orderhub.OutcomeRetry
			case (c.EventID == evDead.ID || c.EventID == evReplayed.ID) && c.EndpointID == e1.ID:
				return orderhub.OutcomeDead
			}
			return orderhub.OutcomeDelivered
		})
		zero := time.Duration(0)
		if err := db.Admin().SetVendorRetention(ctx, "globex", &zero, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Admin().SetVendorRetention(ctx, "nobody", &zero, nil); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("override for a missing vendor: %v", err)
		}

		deliveriesOf := func(ev *orderhub.Event) map[string]*orderhub.Delivery {
			t.Helper()
			ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: ev.VendorID, EventID: ev.ID})
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]*orderhub.Delivery{}
			for _, d := range ds {
				m[d.EndpointID] = d
			}
			return m
		}
		dPending, dDead, dReplayed := deliveriesOf(evPending), deliveriesOf(evDead), deliveriesOf(evReplayed)
		if len(dPending) != 2 || dPending[e2.ID].Status != orderhub.DeliveryFailed || dDead[e1.ID].Status != orderhub.DeliveryDead {
			t.Fatalf("setup: %+v %+v", dPending, dDead)
		}
		before := counts(t, db, keptTables...)

		r := orderhub.Retention{Delivered: 30 * 24 * time.Hour, Dead: 60 * 24 * time.Hour, Batch: 2}
		// Nothing is old yet.
		if st, err := db.Admin().Prune(ctx, r); err != nil || st != (orderhub.PruneStats{}) {
			t.Fatalf("young prune: %+v %v", st, err)
		}

		clk.advance(31 * 24 * time.Hour)
		// A young event, delivered; and the dead letter of evReplayed replayed (it is
		// active again, then delivered now: young).
		evYoung := appendEv(t, db, "acme", "t", "k5")
		if _, err := db.Deliveries().ReplayDelivery(ctx, "acme", dReplayed[e1.ID].ID); err != nil {
			t.Fatal(err)
		}
		completeEach(t, db, claim(t, db, 1000), func(c *orderhub.ClaimedDelivery) orderhub.Outcome {
			if c.EventID == evPending.ID {
				return -1 // stays failing
			}
			return orderhub.OutcomeDelivered
		})

		st, err := db.Admin().Prune(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		// Deleted: e1's of evPending, both of evDelivered, e2's of evDead and
		// evReplayed, both of each bulk event; events: evDelivered, the bulk ones and
		// the order's.
		wantDelivered := int64(1 + 2 + 1 + 1 + 2*len(bulk))
		wantEvents := int64(1 + len(bulk) + len(orderEvents))
		if st.Delivered != wantDelivered || st.Dead != 0 || st.Events != wantEvents || st.Attempts != wantDelivered {
			t.Fatalf("first prune: %+v, want %d delivered, %d events, %d attempts", st, wantDelivered, wantEvents, wantDelivered)
		}
		check := func(ev *orderhub.Event, want bool) {
			t.Helper()
			_, err := db.Admin().AdminGetEvent(ctx, ev.ID)
			if exists(t, err) != want {
				t.Errorf("event %s (%s) exists = %v, want %v", ev.ID, ev.OrderingKey, !want, want)
			}
		}
		for _, ev := range append(bulk, evDelivered) {
			check(ev, false)
		}
		for _, ev := range orderEvents {
			check(ev, false)
		}
		for _, ev := range []*orderhub.Event{evPending, evDead, evReplayed, evYoung, evGlobex} {
			check(ev, true)
		}
		if m := deliveriesOf(evPending); len(m) != 1 || m[e2.ID] == nil {
			t.Errorf("evPending deliveries: %+v", m)
		}
		if m := deliveriesOf(evDead); len(m) != 1 || m[e1.ID] == nil || m[e1.ID].Status != orderhub.DeliveryDead {
			t.Errorf("evDead deliveries: %+v", m)
		}
		if m := deliveriesOf(evReplayed); len(m) != 1 || m[e1.ID] == nil || m[e1.ID].Status != orderhub.DeliveryDelivered {
			t.Errorf("evReplayed deliveries: %+v", m)
		}
		if m := deliveriesOf(evYoung); len(m) != 2 {
			t.Errorf("evYoung deliveries: %+v", m)
		}
		if m := deliveriesOf(evGlobex); len(m) != 1 || m[g1.ID] == nil {
			t.Errorf("evGlobex deliveries: %+v", m)
		}
		// The attempts of what is kept are kept.
		if as, err := db.Deliveries().ListAttempts(ctx, "acme", dPending[e2.ID].ID); err != nil || len(as) != 1 {
			t.Errorf("attempts of the failing delivery: %d, %v", len(as), err)
		}
		if as, err := db.Deliveries().ListAttempts(ctx, "acme", dReplayed[e1.ID].ID); err != nil || len(as) != 2 {
			t.Errorf("attempts of the replayed delivery: %d, %v", len(as), err)
		}
		if _, err := db.Deliveries().GetDelivery(ctx, "acme", dDead[e2.ID].ID); exists(t, err) {
			t.Error("evDead's delivered delivery is still there")
		}
		if after := counts(t, db, keptTables...); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("kept tables changed: %v, before %v", after, before)
		}
		// A second pass finds nothing more.
		if st, err := db.Admin().Prune(ctx, r); err != nil || st != (orderhub.PruneStats{}) {
			t.Fatalf("second prune: %+v %v", st, err)
		}

		// Past the dead letters' limit: the dead one goes, and then its event.
		clk.advance(30 * 24 * time.Hour)
		st, err = db.Admin().Prune(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		// Dead: evDead's (and then its event). evReplayed's and evYoung's were
		// delivered exactly 30 days ago: not older than the limit, so kept.
		if st.Dead != 1 || st.Delivered != 0 || st.Events != 1 || st.Attempts != 1 {
			t.Fatalf("third prune: %+v", st)
		}
		check(evDead, false)
		check(evYoung, true)
		check(evPending, true)
		check(evGlobex, true)
		check(evReplayed, true)
		if after := counts(t, db, keptTables...); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("kept tables changed: %v, before %v", after, before)
		}

		// Removing the override lets globex's go too; a canceled delivery (its
		// endpoint deleted) goes as a finished one.
		if err := db.Admin().SetVendorRetention(ctx, "globex", nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Deliveries().DeleteEndpoint(ctx, "acme", e2.ID, "test"); err != nil {
			t.Fatal(err)
		}
		clk.advance(31 * 24 * time.Hour)
		st, err = db.Admin().Prune(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		// evPending's canceled delivery, evReplayed's, evYoung's two, globex's; their
		// four events.
		if st.Delivered != 5 || st.Events != 4 || st.Dead != 0 {
			t.Fatalf("last prune: %+v", st)
		}
		if n := counts(t, db, "events", "deliveries", "delivery_attempts"); n["events"]+n["deliveries"]+n["delivery_attempts"] != 0 {
			t.Fatalf("left: %v", n)
		}
		if after := counts(t, db, keptTables...); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("kept tables changed: %v, before %v", after, before)
		}
	})
}

func TestPruneStopsWithItsContext(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := db.Admin().Prune(ctx, orderhub.Retention{Delivered: time.Hour}); !errors.Is(err, context.Canceled) {
			t.Fatalf("prune with a canceled context: %v", err)
		}
	})
}
