package sqlstore

import (
	"context"
	"testing"

	"orderhub"
	"orderhub/hub"
)

// On SQLite a batch of vendor orders runs without savepoints (sqlite_batch.go): a
// replay, a conflict or a replay in the same batch is answered from what the request
// read, without running the batch again; an order that fails after writing (a vendor
// that does not exist: its customer is written before its event finds no vendor) runs
// the batch again with savepoints, and nothing of it is left.
func TestUnsavedBatchOfVendorOrders(t *testing.T) {
	db, promo := acmeWithPromo(t, "sqlite")
	ctx := context.Background()
	if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, bulkOrder(t, "acme", "OLD", "old@example.com", "Old", true), promo); err != nil {
		t.Fatal(err)
	}
	place := func(orders ...*orderhub.VendorOrder) []placed { return placeInOneBatch(t, db, promo, orders...) }

	reruns := db.unsavedReruns.Load()
	out := place(
		bulkOrder(t, "acme", "A-1", "a1@example.com", "A", true),
		bulkOrder(t, "acme", "OLD", "other@example.com", "Other", true), // a conflict
		bulkOrder(t, "acme", "A-1", "a1@example.com", "A", true),        // a replay of the first
		bulkOrder(t, "acme", "A-2", "a2@example.com", "A", false),
	)
	for i, want := range []string{orderhub.ResponseCreatedConfirmed, "", orderhub.ResponseSkippedConfirmed, orderhub.ResponseCreated} {
		switch {
		case want == "":
			if orderhub.ErrorCode(out[i].err) != orderhub.EConflict {
				t.Errorf("order %d: %v, want a conflict", i, out[i].err)
			}
		case out[i].err != nil || out[i].res.ResponseKey != want:
			t.Errorf("order %d: %+v %v, want %s", i, out[i].res, out[i].err, want)
		}
	}
	if n := db.unsavedReruns.Load() - reruns; n != 0 {
		t.Errorf("the batch ran again %d times", n)
	}

	reruns = db.unsavedReruns.Load()
	out = place(
		bulkOrder(t, "acme", "B-1", "b1@example.com", "B", true),
		bulkOrder(t, "ghost", "G-1", "g@example.com", "G", true),
		bulkOrder(t, "acme", "B-2", "b2@example.com", "B", false),
	)
	if out[0].err != nil || out[2].err != nil || out[1].err == nil {
		t.Errorf("answers %v, %v, %v: want B-1 and B-2 placed, G-1 failed", out[0].err, out[1].err, out[2].err)
	}
	if n := db.unsavedReruns.Load() - reruns; n != 1 {
		t.Errorf("the batch ran again %d times, want once", n)
	}
	if _, err := db.Orders().FindCustomerByEmail(ctx, "ghost", "g@example.com"); orderhub.ErrorCode(err) != orderhub.ENotFound {
		t.Errorf("the failed order left its customer behind: %v", err)
	}
	for _, ext := range []string{"OLD", "A-1", "A-2", "B-1", "B-2"} {
		if n, err := db.Orders().CountContracts(ctx, "acme", ext); err != nil || n != 1 {
			t.Errorf("%s: %d contracts (%v)", ext, n, err)
		}
	}
	evs, err := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: the sequence has a gap", i, e.Seq)
		}
	}
	// OLD, A-1, B-1: customer, contract, order created and confirmed; A-2, B-2 not confirmed.
	if len(evs) != 3*4+2*3 {
		t.Errorf("%d events, want %d", len(evs), 3*4+2*3)
	}
}
