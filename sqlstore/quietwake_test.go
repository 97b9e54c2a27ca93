package sqlstore

import (
	"context"
	"sync/atomic"
	"testing"

	"orderhub"
	"orderhub/hub"
)

// A commit wakes the delivery engine only when its events may have made deliveries:
// orders of a vendor without endpoints do not (the engine's wake-up reads the reader
// pool beside the writer), the same orders once an endpoint takes their events do,
// and so does a replay (due again, without an event).
func TestCommitWakesDeliveryOnlyForDeliveries(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db, promo := acmeWithPromo(t, engine)
			ctx := context.Background()
			var wakes atomic.Int64
			db.Ops().OnCommit(func() { wakes.Add(1) })
			place := func(ext string) {
				t.Helper()
				if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, bulkOrder(t, "acme", ext, ext+"@example.com", "A", true), promo); err != nil {
					t.Fatal(err)
				}
			}
			place("Q-1")
			placeInOneBatch(t, db, promo, bulkOrder(t, "acme", "Q-2", "q2@example.com", "Q", true), bulkOrder(t, "acme", "Q-3", "q3@example.com", "Q", false))
			if n := wakes.Load(); n != 0 {
				t.Errorf("%d wake-ups for orders no endpoint takes", n)
			}
			// An endpoint that takes only order events: a vendor order's order-created
			// makes a delivery, so its commit wakes the engine.
			if err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: "acme", URL: "https://example.com/hook", EventTypes: []string{orderhub.EventOrderCreated}}); err != nil {
				t.Fatal(err)
			}
			before := wakes.Load()
			place("Q-4")
			if wakes.Load() == before {
				t.Error("an order whose event an endpoint takes did not wake the engine")
			}
			// A replay makes a delivery due without an event: it wakes the engine too.
			ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme"})
			if err != nil || len(ds) == 0 {
				t.Fatalf("deliveries %v, %v", ds, err)
			}
			before = wakes.Load()
			if _, err := db.Deliveries().ReplayDelivery(ctx, "acme", ds[0].ID); err != nil {
				t.Fatal(err)
			}
			if wakes.Load() == before {
				t.Error("a replayed delivery did not wake the engine")
			}
		})
	}
}
