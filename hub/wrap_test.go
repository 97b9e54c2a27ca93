package hub_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// Wrap puts hub's services where the store's order and connector stores were: a
// vendor order placed through the wrapped store runs hub's rules in the store's
// transaction, and the store's reads pass through.
func TestWrapOverSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "h.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := hub.Wrap(db.Store(), db)
	if _, ok := st.Orders.(*hub.Orders); !ok {
		t.Fatalf("Orders is %T", st.Orders)
	}
	if _, ok := st.Connectors.(*hub.Connectors); !ok {
		t.Fatalf("Connectors is %T", st.Connectors)
	}
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	promo := &orderhub.PromoCode{VendorID: "acme", Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "sek", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}
	if err := db.Tenants().CreatePromoCode(ctx, promo); err != nil {
		t.Fatal(err)
	}
	o, err := orderhub.ParseVendorOrder("acme", "DIGI12", false, []byte(`{"externalOrderId":"E1","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"u@example.com"}}`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Orders.PlaceVendorOrder(ctx, o, promo)
	if err != nil || res.ResponseKey != orderhub.ResponseCreated {
		t.Fatal(res, err)
	}
	o.Confirm = true
	if res, err = st.Orders.PlaceVendorOrder(ctx, o, promo); err != nil || res.ResponseKey != orderhub.ResponseCreatedConfirmed {
		t.Fatal(res, err)
	}
	c, err := st.Orders.GetContract(ctx, "acme", res.ContractID)
	if err != nil || c.Status != orderhub.ContractConfirmed || c.UserEmail != "u@example.com" {
		t.Fatal(c, err)
	}
	evs, err := st.Orders.ListEvents(ctx, orderhub.EventFilter{VendorID: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	want := []string{orderhub.EventCustomerCreated, orderhub.EventContractCreated, orderhub.EventOrderCreated, orderhub.EventContractConfirmed, orderhub.EventOrderUpdated}
	if len(types) != len(want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
}
