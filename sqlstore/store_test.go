package sqlstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

func seedVendor(t *testing.T, db *sqlstore.DB) (*orderhub.Vendor, *orderhub.PromoCode) {
	t.Helper()
	ctx := context.Background()
	v := &orderhub.Vendor{ID: "acme", Name: "Acme"}
	if err := db.Tenants().CreateVendor(ctx, v); err != nil {
		t.Fatal(err)
	}
	p := &orderhub.PromoCode{VendorID: v.ID, Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "sek", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}
	if err := db.Tenants().CreatePromoCode(ctx, p); err != nil {
		t.Fatal(err)
	}
	return v, p
}

// SQLite only: the pragmas of the DSN took effect.
func TestPragmasTookEffect(t *testing.T) {
	db := openDSN(t, "sqlite:"+filepath.Join(t.TempDir(), "t.db"))
	for name, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"} {
		got, err := db.Pragma(context.Background(), name)
		if err != nil || got != want {
			t.Errorf("pragma %s = %q (%v), want %q", name, got, err, want)
		}
	}
}

func order(t *testing.T, ext string, confirm bool) *orderhub.VendorOrder {
	t.Helper()
	body := `{"externalOrderId":"` + ext + `","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"A@example.com","fullName":"A B"}}`
	o, err := orderhub.ParseVendorOrder("acme", "DIGI12", confirm, []byte(body), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestPlaceVendorOrderReplayRules(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		_, promo := seedVendor(t, db)
		ctx := context.Background()

		r1, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "O-1", false), promo)
		if err != nil || r1.ResponseKey != orderhub.ResponseCreated {
			t.Fatalf("first: %+v %v", r1, err)
		}
		r2, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "O-1", false), promo)
		if err != nil || r2.ResponseKey != orderhub.ResponseCreated || r2.ContractID != r1.ContractID {
			t.Fatalf("replay pending: %+v %v", r2, err)
		}
		r3, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "O-1", true), promo)
		if err != nil || r3.ResponseKey != orderhub.ResponseCreatedConfirmed || r3.ContractID != r1.ContractID {
			t.Fatalf("replay confirm: %+v %v", r3, err)
		}
		r4, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "O-1", true), promo)
		if err != nil || r4.ResponseKey != orderhub.ResponseSkippedConfirmed || r4.ContractID != r1.ContractID {
			t.Fatalf("replay confirmed: %+v %v", r4, err)
		}
		other := order(t, "O-1", true)
		other.Fingerprint = "different"
		if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, other, promo); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("conflict: %v", err)
		}
		evs, err := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for i, e := range evs {
			if e.Seq != int64(i+1) {
				t.Errorf("event %d has seq %d", i, e.Seq)
			}
			types = append(types, e.Type)
		}
		// The pending contract's order is created with it and set IN_PROGRESS by the
		// confirming replay.
		want := []string{"customer-created", "contract-created", "order-created", "contract-confirmed", "order-updated"}
		if len(types) != len(want) {
			t.Fatalf("events %v, want %v", types, want)
		}
		for i := range want {
			if types[i] != want[i] {
				t.Fatalf("events %v, want %v", types, want)
			}
		}
	})
}

func TestGroupCommitConcurrentOrders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		_, promo := seedVendor(t, db)
		ctx := context.Background()
		var wg sync.WaitGroup
		ids := make([]string, 50)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "SAME", true), promo)
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = r.ContractID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("different contract ids: %v", ids)
			}
		}
		n, _ := db.Orders().CountContracts(ctx, "acme", "SAME")
		if n != 1 {
			t.Fatalf("%d contracts", n)
		}
	})
}
