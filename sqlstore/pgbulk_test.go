package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
)

// Optimistic batches (pgbulk.go) on both engines: SQLite runs the same requests on the
// careful path, so the two engines must agree on every answer and every row.

// holdCalls runs calls so that they queue, in order, behind a request that keeps the
// writer busy: they then share one batch (up to MaxBatch).
func holdCalls(t *testing.T, db *DB, calls ...func() error) []error {
	t.Helper()
	gate, running := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.Write(context.Background(), func(*Tx) error {
			close(running)
			<-gate
			return nil
		})
	}()
	<-running
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = call()
		}()
		for len(db.w.reqs) < i+1 {
			time.Sleep(100 * time.Microsecond)
		}
	}
	close(gate)
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	return errs
}

func bulkOrder(t *testing.T, vendor, ext, email, name string, confirm bool) *orderhub.VendorOrder {
	t.Helper()
	body := fmt.Sprintf(`{"externalOrderId":%q,"paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":%q,"fullName":%q}}`, ext, email, name)
	o, err := orderhub.ParseVendorOrder(vendor, "DIGI12", confirm, []byte(body), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// acmeWithPromo opens a fresh database with vendor acme and its promo code DIGI12.
func acmeWithPromo(t *testing.T, engine string) (*DB, *orderhub.PromoCode) {
	t.Helper()
	db := openEngine(t, engine)
	ctx := context.Background()
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	promo := &orderhub.PromoCode{VendorID: "acme", Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "sek", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}
	if err := db.Tenants().CreatePromoCode(ctx, promo); err != nil {
		t.Fatal(err)
	}
	return db, promo
}

type placed struct {
	res *orderhub.VendorOrderResult
	err error
}

// placeInOneBatch places the orders (with promo) as requests of one batch and
// returns what each was answered, in order.
func placeInOneBatch(t *testing.T, db *DB, promo *orderhub.PromoCode, orders ...*orderhub.VendorOrder) []placed {
	t.Helper()
	out := make([]placed, len(orders))
	fns := make([]func() error, len(orders))
	for i, o := range orders {
		fns[i] = func() error {
			out[i].res, out[i].err = hub.NewOrders(db).PlaceVendorOrder(context.Background(), o, promo)
			return out[i].err
		}
	}
	holdCalls(t, db, fns...)
	return out
}

// One batch of vendor orders of every kind: new orders, several for the same new
// customer, the same new order three times, replays that confirm, skip or conflict,
// an existing customer whose name changes, and an owner who pays. Every answer is
// the one a request alone would get, every queue has one head (its lowest seq), the
// event sequence has no gaps, and on PostgreSQL the batch ran optimistically.
func TestOptimisticBatchOfVendorOrders(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db, promo := acmeWithPromo(t, engine)
			ctx := context.Background()
			ep := &orderhub.Endpoint{VendorID: "acme", URL: "https://example.com/hook"}
			if err := db.Deliveries().CreateEndpoint(ctx, ep); err != nil {
				t.Fatal(err)
			}
			pending := bulkOrder(t, "acme", "OLD-PENDING", "old@example.com", "Old", false)
			confirmed := bulkOrder(t, "acme", "OLD-CONFIRMED", "old@example.com", "Old", true)
			for _, o := range []*orderhub.VendorOrder{pending, confirmed} {
				if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, o, promo); err != nil {
					t.Fatal(err)
				}
			}
			fallbacks := db.Ops().OptimisticFallbacks()

			type call struct {
				o    *orderhub.VendorOrder
				want string // response key, or "conflict"
			}
			var calls []call
			for i := range 12 {
				calls = append(calls, call{bulkOrder(t, "acme", fmt.Sprintf("N-%d", i), fmt.Sprintf("n%d@example.com", i%4), "N", i%2 == 0), ""})
			}
			for range 3 {
				calls = append(calls, call{bulkOrder(t, "acme", "DUP", "dup@example.com", "Dup", true), ""})
			}
			calls = append(calls,
				call{bulkOrder(t, "acme", "OLD-PENDING", "old@example.com", "Old", true), orderhub.ResponseCreatedConfirmed},
				call{bulkOrder(t, "acme", "OLD-CONFIRMED", "old@example.com", "Old", true), orderhub.ResponseSkippedConfirmed},
				call{bulkOrder(t, "acme", "OLD-CONFIRMED", "other@example.com", "Other", true), "conflict"},
				call{bulkOrder(t, "acme", "RENAMED", "old@example.com", "Old Renamed", true), orderhub.ResponseCreatedConfirmed},
			)
			owned := bulkOrder(t, "acme", "OWNED", "reader@example.com", "Reader", true)
			owned.Owner = &orderhub.Person{Email: "payer@example.com", FullName: "Payer"}
			calls = append(calls, call{owned, orderhub.ResponseCreatedConfirmed})

			out := make([]placed, len(calls))
			// A request without a hint comes first (as a delivery claim often does):
			// the hinted ones still run optimistically.
			fns := []func() error{func() error {
				_, err := db.Deliveries().AppendEvent(ctx, "acme", "test.ping", "", []byte(`{}`))
				return err
			}}
			for i, c := range calls {
				fns = append(fns, func() error {
					out[i].res, out[i].err = hub.NewOrders(db).PlaceVendorOrder(ctx, c.o, promo)
					return out[i].err
				})
			}
			if err := holdCalls(t, db, fns...)[0]; err != nil {
				t.Fatal(err)
			}

			dupID := ""
			for i, c := range calls {
				r := out[i]
				switch {
				case c.want == "conflict":
					if orderhub.ErrorCode(r.err) != orderhub.EConflict {
						t.Errorf("%s: %v, want a conflict", c.o.ExternalOrderID, r.err)
					}
					continue
				case r.err != nil:
					t.Errorf("%s: %v", c.o.ExternalOrderID, r.err)
					continue
				}
				want := c.want
				if want == "" {
					want = orderhub.ResponseCreated
					if c.o.Confirm {
						want = orderhub.ResponseCreatedConfirmed
					}
				}
				if c.o.ExternalOrderID == "DUP" {
					// The first creates and confirms; the replays find it confirmed.
					if dupID == "" {
						dupID = r.res.ContractID
					} else {
						want = orderhub.ResponseSkippedConfirmed
						if r.res.ContractID != dupID {
							t.Errorf("DUP: contract %s, want %s", r.res.ContractID, dupID)
						}
					}
				}
				if r.res.ResponseKey != want {
					t.Errorf("%s: %s, want %s", c.o.ExternalOrderID, r.res.ResponseKey, want)
				}
			}
			for _, ext := range []string{"DUP", "OLD-PENDING", "OLD-CONFIRMED", "N-0", "N-11", "RENAMED", "OWNED"} {
				if n, err := db.Orders().CountContracts(ctx, "acme", ext); err != nil || n != 1 {
					t.Errorf("%s: %d contracts (%v)", ext, n, err)
				}
			}
			c, err := db.Orders().FindCustomerByEmail(ctx, "acme", "old@example.com")
			if err != nil || c.FullName != "Old Renamed" {
				t.Errorf("renamed customer: %+v %v", c, err)
			}
			custs, err := db.Orders().ListCustomers(ctx, orderhub.ListFilter{VendorID: "acme", Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			// old, n0..n3, dup, reader, payer
			if len(custs) != 8 {
				t.Errorf("%d customers, want 8", len(custs))
			}
			owner, err := db.Orders().GetContract(ctx, "acme", out[len(calls)-1].res.ContractID)
			if err != nil {
				t.Fatal(err)
			}
			payer, err := db.Orders().FindCustomerByEmail(ctx, "acme", "payer@example.com")
			if err != nil || owner.PayerID != payer.ID || owner.UserID == payer.ID {
				t.Errorf("owned contract: user %s payer %s, payer customer %+v %v", owner.UserID, owner.PayerID, payer, err)
			}

			evs, err := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme", Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			minSeq := map[string]int64{}
			for i, e := range evs {
				if e.Seq != int64(i+1) {
					t.Fatalf("event %d has seq %d: the sequence has a gap", i, e.Seq)
				}
				if _, ok := minSeq[e.OrderingKey]; !ok {
					minSeq[e.OrderingKey] = e.Seq
				}
			}
			// Every event has a delivery; each queue's head is its lowest seq, and
			// only heads are claimed.
			ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != len(evs) {
				t.Errorf("%d deliveries for %d events", len(ds), len(evs))
			}
			cs, err := db.Deliveries().ClaimDeliveries(ctx, orderhub.ClaimRequest{Owner: "test", Limit: 1000, Lease: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != len(minSeq) {
				t.Errorf("claimed %d heads for %d queues", len(cs), len(minSeq))
			}
			for _, d := range cs {
				if d.Seq != minSeq[d.OrderingKey] {
					t.Errorf("queue %s: head seq %d, want %d", d.OrderingKey, d.Seq, minSeq[d.OrderingKey])
				}
			}
			if engine == "postgres" && db.Ops().OptimisticFallbacks() != fallbacks {
				t.Errorf("the batch fell back to the careful path %d times", db.Ops().OptimisticFallbacks()-fallbacks)
			}
		})
	}
}

// A request that fails after it wrote (here: an order for a vendor that does not
// exist, whose customer is written before its event finds no vendor) sends the
// batch back to the careful path: the other requests succeed as if alone, the bad one
// fails, and nothing of it is left.
func TestOptimisticBatchFallsBack(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db, promo := acmeWithPromo(t, engine)
			ctx := context.Background()
			fallbacks := db.Ops().OptimisticFallbacks()
			orders := []*orderhub.VendorOrder{
				bulkOrder(t, "acme", "A-1", "a1@example.com", "A", true),
				bulkOrder(t, "ghost", "G-1", "g@example.com", "G", true),
				bulkOrder(t, "acme", "A-2", "a2@example.com", "A", false),
			}
			out := placeInOneBatch(t, db, promo, orders...)
			if out[0].err != nil || out[0].res.ResponseKey != orderhub.ResponseCreatedConfirmed {
				t.Errorf("A-1: %+v %v", out[0].res, out[0].err)
			}
			if out[1].err == nil {
				t.Errorf("G-1 for a vendor that does not exist: %+v", out[1].res)
			}
			if out[2].err != nil || out[2].res.ResponseKey != orderhub.ResponseCreated {
				t.Errorf("A-2: %+v %v", out[2].res, out[2].err)
			}
			if _, err := db.Orders().FindCustomerByEmail(ctx, "ghost", "g@example.com"); orderhub.ErrorCode(err) != orderhub.ENotFound {
				t.Errorf("the failed order left its customer behind: %v", err)
			}
			evs, err := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme"})
			if err != nil || len(evs) != 7 { // 2 × customer, contract and order created, 1 confirmed
				t.Errorf("%d events (%v), want 7", len(evs), err)
			}
			if engine == "postgres" && db.Ops().OptimisticFallbacks() == fallbacks {
				t.Error("the batch did not fall back to the careful path")
			}
		})
	}
}
