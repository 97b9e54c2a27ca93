package sqlstore_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore/pgtest"
)

// The PostgreSQL backup of docs/postgres.md: pg_dump --format=custom of a database in
// use, pg_restore --no-owner into an empty one, and orderhub opens the copy (no
// migration left to apply) with the same orders, events and pending deliveries.
func TestPostgresDumpAndRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs pg_dump and pg_restore")
	}
	dump, restore := pgtest.Tool(t, "pg_dump"), pgtest.Tool(t, "pg_restore")
	ctx := context.Background()
	src := pgtest.Start(t)
	db := openDSN(t, src)
	_, promo := seedVendor(t, db)
	if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "O-1", true), promo); err != nil {
		t.Fatal(err)
	}
	if err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: "acme", URL: "https://example.com/hook"}); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "O-2", true), promo); err != nil {
		t.Fatal(err)
	}
	before, err := db.Deliveries().DeliveryQueueStats(ctx)
	if err != nil || before.Active == 0 {
		t.Fatalf("pending deliveries before the dump: %+v %v", before, err)
	}
	events, err := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "orderhub.dump")
	if out, err := exec.Command(dump, "--format=custom", "--file="+file, src).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	dst := pgtest.Start(t)
	if out, err := exec.Command(restore, "--no-owner", "--exit-on-error", "--dbname="+dst, file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	copyDB := openDSN(t, dst)
	for _, ext := range []string{"O-1", "O-2"} {
		if n, err := copyDB.Orders().CountContracts(ctx, "acme", ext); err != nil || n != 1 {
			t.Errorf("contract %s in the copy: %d, %v", ext, n, err)
		}
	}
	after, err := copyDB.Deliveries().DeliveryQueueStats(ctx)
	if err != nil || after.Active != before.Active {
		t.Errorf("pending deliveries in the copy: %+v %v, want %+v", after, err, before)
	}
	got, err := copyDB.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme", Limit: 1000})
	if err != nil || len(got) != len(events) || got[len(got)-1].ID != events[len(events)-1].ID {
		t.Errorf("events in the copy: %d, %v; want %d", len(got), err, len(events))
	}
	// The copy goes on where the original stopped: the next event's seq follows.
	ev, err := copyDB.Deliveries().AppendEvent(ctx, "acme", "test", "", []byte(`{}`))
	if err != nil || ev.Seq != events[len(events)-1].Seq+1 {
		t.Errorf("next event in the copy: %+v %v", ev, err)
	}
}
