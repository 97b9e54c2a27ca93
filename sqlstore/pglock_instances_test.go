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

// Three instances on one PostgreSQL database take vendor orders of six vendors, each
// vendor's orders spread over all three (so their batches take the vendors' lock
// slots in every combination), while global writes (events appended on their own)
// go to the same vendors: every order has one contract, each vendor's events have
// seq 1..n in commit (pos) order, and every delivery queue (endpoint, ordering key)
// has exactly one head, its lowest seq.
func TestPostgresInstancesKeepVendorEventOrder(t *testing.T) {
	dsn := pgtest.Start(t)
	dbs := []*sqlstore.DB{openDSN(t, dsn), openDSN(t, dsn), openDSN(t, dsn)}
	ctx := context.Background()
	vendors := []string{"v1", "v2", "v3", "v4", "v5", "v6"}
	promos := map[string]*orderhub.PromoCode{}
	for _, v := range vendors {
		if err := dbs[0].Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: v}); err != nil {
			t.Fatal(err)
		}
		p := &orderhub.PromoCode{VendorID: v, Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "sek", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}
		if err := dbs[0].Tenants().CreatePromoCode(ctx, p); err != nil {
			t.Fatal(err)
		}
		promos[v] = p
		mkEndpoint(t, dbs[0], v)
	}
	const orders = 40 // per vendor
	var wg sync.WaitGroup
	var mu sync.Mutex
	appended := map[string]int{} // vendor → events appended on their own
	for _, v := range vendors {
		for i := range orders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Four customers per vendor: their ordering keys get queues of
				// several deliveries.
				body := fmt.Sprintf(`{"externalOrderId":"O-%d","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"u%d@example.com","fullName":"A B"}}`, i, i%4)
				o, err := orderhub.ParseVendorOrder(v, "DIGI12", true, []byte(body), time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				db := dbs[(i+len(v))%len(dbs)]
				if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, o, promos[v]); err != nil {
					t.Errorf("%s O-%d: %v", v, i, err)
				}
				if i%8 == 0 {
					if _, err := dbs[(i+1)%len(dbs)].Deliveries().AppendEvent(ctx, v, "test", fmt.Sprintf("k%d", i%3), nil); err != nil {
						t.Errorf("%s append: %v", v, err)
						return
					}
					mu.Lock()
					appended[v]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, v := range vendors {
		for i := range orders {
			if n, err := dbs[1].Orders().CountContracts(ctx, v, fmt.Sprintf("O-%d", i)); err != nil || n != 1 {
				t.Fatalf("%s O-%d: %d contracts (%v)", v, i, n, err)
			}
		}
		var seqs []int64
		for after := int64(0); ; {
			evs, err := dbs[2].Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: v, AfterSeq: after, Limit: 1000})
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
		// An order of a new customer: customer-created, contract-created,
		// order-created, contract-confirmed; of a known one, three.
		want := 4*4 + 3*(orders-4) + appended[v]
		if len(seqs) != want {
			t.Fatalf("%s: %d events, want %d", v, len(seqs), want)
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("%s: event %d in pos order has seq %d: a vendor's events must commit in seq order", v, i, s)
			}
		}
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var queues, bad int
	if err := raw.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE heads <> 1 OR head_seq <> min_seq) FROM (
			SELECT endpoint_id, ordering_key, count(*) FILTER (WHERE ready = 1) AS heads,
				min(seq) FILTER (WHERE ready = 1) AS head_seq, min(seq) AS min_seq
			FROM deliveries WHERE status IN ('pending', 'failed') AND ordering_key <> ''
			GROUP BY endpoint_id, ordering_key) q`).Scan(&queues, &bad); err != nil {
		t.Fatal(err)
	}
	if queues < len(vendors)*4 || bad != 0 {
		t.Fatalf("%d delivery queues, %d of them without exactly one head at their lowest seq", queues, bad)
	}
}
