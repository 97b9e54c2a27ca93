package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
	"orderhub/sqlstore/pgtest"
)

// PostgreSQL-only behaviour: several processes on one database, and a writer that
// survives losing its connection.

// Two instances (two *sqlstore.DB, as two processes would have) write the same
// orders of two vendors at once, each batch touching both vendors in a different
// order: every order has exactly one contract, no write fails (no deadlock between
// the instances' transactions), and every vendor's event seq is 1..n without gaps or
// duplicates.
func TestPostgresInstancesShareOneDatabase(t *testing.T) {
	dsn := pgtest.Start(t)
	a, b := openDSN(t, dsn), openDSN(t, dsn)
	ctx := context.Background()
	promos := map[string]*orderhub.PromoCode{}
	for _, v := range []string{"acme", "globex"} {
		if err := a.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: v}); err != nil {
			t.Fatal(err)
		}
		p := &orderhub.PromoCode{VendorID: v, Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "sek", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}
		if err := a.Tenants().CreatePromoCode(ctx, p); err != nil {
			t.Fatal(err)
		}
		promos[v] = p
	}
	const orders = 60
	vendorOrder := func(vendor, ext string) *orderhub.VendorOrder {
		body := fmt.Sprintf(`{"externalOrderId":%q,"paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"%s@example.com","fullName":"A B"}}`, ext, ext)
		o, err := orderhub.ParseVendorOrder(vendor, "DIGI12", true, []byte(body), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	contracts := sync.Map{} // vendor/ext → contract id
	var wg sync.WaitGroup
	for i := range orders {
		for inst, db := range []*sqlstore.DB{a, b} {
			vendors := []string{"acme", "globex"}
			if (i+inst)%2 == 1 {
				vendors = []string{"globex", "acme"}
			}
			for _, v := range vendors {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ext := fmt.Sprintf("O-%d", i)
					r, err := hub.NewOrders(db).PlaceVendorOrder(ctx, vendorOrder(v, ext), promos[v])
					if err != nil {
						t.Errorf("instance %d, %s %s: %v", inst, v, ext, err)
						return
					}
					if prev, loaded := contracts.LoadOrStore(v+"/"+ext, r.ContractID); loaded && prev != r.ContractID {
						t.Errorf("%s %s: contracts %s and %s", v, ext, prev, r.ContractID)
					}
				}()
			}
		}
	}
	wg.Wait()
	for _, v := range []string{"acme", "globex"} {
		for i := range orders {
			if n, err := b.Orders().CountContracts(ctx, v, fmt.Sprintf("O-%d", i)); err != nil || n != 1 {
				t.Fatalf("%s O-%d: %d contracts (%v)", v, i, n, err)
			}
		}
		var seqs []int64
		for after := int64(0); ; {
			evs, err := b.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: v, AfterSeq: after, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			for _, e := range evs {
				seqs = append(seqs, e.Seq)
			}
			after = evs[len(evs)-1].Seq
		}
		// customer-created, contract-created, order-created, contract-confirmed per order.
		if len(seqs) != 4*orders {
			t.Fatalf("%s: %d events, want %d", v, len(seqs), 4*orders)
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("%s: event %d has seq %d (events in pos order must have seq 1..n)", v, i, s)
			}
		}
	}
}

// The writer's connection is killed (as by a failover or a restart of PostgreSQL):
// the next write reconnects and succeeds.
func TestPostgresWriterReconnects(t *testing.T) {
	dsn := pgtest.Start(t)
	db := openDSN(t, dsn)
	ctx := context.Background()
	mkVendor(t, db, "before")
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed bool
	if err := admin.QueryRowContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'orderhub-writer' AND datname = current_database()`).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the writer's backend: %v %v", killed, err)
	}
	// The backend is gone once pg_stat_activity no longer lists it.
	for {
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'orderhub-writer' AND datname = current_database()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "after"}); err != nil {
		t.Fatalf("write after the connection was killed: %v", err)
	}
	if _, err := db.Tenants().GetVendor(ctx, "after"); err != nil {
		t.Fatal(err)
	}
}

// Each instance holds exactly one writer session (named for pg_stat_activity) beside
// its reader pool.
func TestPostgresSessions(t *testing.T) {
	dsn := pgtest.Start(t)
	db := openDSN(t, dsn)
	ctx := context.Background()
	mkVendor(t, db, "acme")
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// Make the reader pool open a connection, then check the sessions' settings.
	if _, err := db.Tenants().GetVendor(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	rows, err := admin.QueryContext(ctx, `SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'orderhub-%'`)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		seen[n]++
	}
	rows.Close()
	if seen["orderhub-writer"] != 1 || seen["orderhub-reader"] < 1 {
		t.Fatalf("sessions %v: want one writer and at least one reader", seen)
	}
}
