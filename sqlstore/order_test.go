package sqlstore_test

import (
	"context"
	"testing"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

func TestOrderLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		in := &orderhub.OrderInput{
			VendorID: "acme", ExternalOrderID: "E-1", Source: "test", Status: orderhub.OrderInitialized, Currency: "UAH",
			Customer: orderhub.Customer{Email: "buyer@example.com", Phone: "+380501234567"},
			Total:    25800, Items: []orderhub.OrderItem{{ExternalItemID: "200600", Name: "Super Device", Quantity: 1, Cost: 25800}},
		}
		o, created, err := hub.NewOrders(db).UpsertOrder(ctx, in)
		if err != nil || !created || o.Number != 1 || o.Status != "INITIALIZED" {
			t.Fatalf("create: %+v %v %v", o, created, err)
		}
		// A replay changes nothing and emits nothing.
		o2, created, err := hub.NewOrders(db).UpsertOrder(ctx, in)
		if err != nil || created || o2.ID != o.ID {
			t.Fatalf("replay: %+v %v %v", o2, created, err)
		}
		// An update keeps what it does not send.
		o3, _, err := hub.NewOrders(db).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "E-1", Customer: orderhub.Customer{Phone: "+380501234567"}, Status: orderhub.OrderInProgress})
		if err != nil || o3.Status != "IN_PROGRESS" || o3.Total != 25800 || len(o3.Items) != 1 || o3.CustomerID != o.CustomerID {
			t.Fatalf("update: %+v %v", o3, err)
		}
		if _, err := hub.NewOrders(db).SetOrderStatus(ctx, "acme", "E-1", orderhub.OrderDelivered); err != nil {
			t.Fatal(err)
		}
		if _, err := hub.NewOrders(db).SetOrderStatus(ctx, "acme", "E-1", orderhub.OrderDelivered); err != nil {
			t.Fatal(err)
		}
		if _, err := hub.NewOrders(db).SetOrderStatus(ctx, "acme", "nope", orderhub.OrderDelivered); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown order: %v", err)
		}
		got := eventTypes(t, db, "acme")
		want := []string{"customer-created", "order-created", "order-updated", "order-updated"}
		if len(got) != len(want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("events %v, want %v", got, want)
			}
		}
		list, err := db.Orders().ListOrders(ctx, orderhub.ListFilter{VendorID: "acme"})
		if err != nil || len(list) != 1 || list[0].Status != "DELIVERED" {
			t.Fatalf("list %+v %v", list, err)
		}
		if l, _ := db.Orders().ListOrders(ctx, orderhub.ListFilter{VendorID: "other"}); len(l) != 0 {
			t.Fatal("another vendor sees the order")
		}

		// Shipping, transactions, surveys, cancellation.
		s := &orderhub.Shipping{VendorID: "acme", OrderID: o.ID}
		if err := hub.NewOrders(db).CreateShipping(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := hub.NewOrders(db).CreateShipping(ctx, &orderhub.Shipping{VendorID: "other", OrderID: o.ID}); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("cross-vendor shipping: %v", err)
		}
		up, err := hub.NewOrders(db).UpdateShippingTracking(ctx, "acme", s.ID, "dhl", "123", "")
		if err != nil || up.Carrier != "dhl" || up.TrackingNumber != "123" {
			t.Fatalf("tracking %+v %v", up, err)
		}
		tr := &orderhub.Transaction{VendorID: "acme", CustomerID: o.CustomerID, OrderID: o.ID, Status: "declined", Amount: 25800, Currency: "uah", Provider: "stripe", ExternalID: "ch_1"}
		if err := hub.NewOrders(db).RecordTransaction(ctx, tr); err != nil {
			t.Fatal(err)
		}
		tr2 := &orderhub.Transaction{VendorID: "acme", CustomerID: o.CustomerID, Status: "approved", Amount: 25800, Currency: "UAH", Provider: "stripe", ExternalID: "ch_1"}
		if err := hub.NewOrders(db).RecordTransaction(ctx, tr2); err != nil || tr2.ID != tr.ID {
			t.Fatalf("second outcome: %+v %v", tr2, err)
		}
		hist, _ := db.Orders().ListTransactionHistories(ctx, orderhub.ListFilter{VendorID: "acme"})
		if len(hist) != 2 {
			t.Fatalf("history %d", len(hist))
		}
		if err := hub.NewOrders(db).CreateSurvey(ctx, &orderhub.Survey{VendorID: "acme", Title: "NPS", Status: true}); err != nil {
			t.Fatal(err)
		}
		o4 := order(t, "C-1", true)
		promo, _ := db.Tenants().GetPromoCode(ctx, "acme", "DIGI12")
		res, err := hub.NewOrders(db).PlaceVendorOrder(ctx, o4, promo)
		if err != nil {
			t.Fatal(err)
		}
		c, err := hub.NewOrders(db).CancelContract(ctx, "acme", res.ContractID)
		if err != nil || c.Status != "CANCELED" || c.CanceledAt == nil {
			t.Fatalf("cancel %+v %v", c, err)
		}
		if _, err := hub.NewOrders(db).CancelContract(ctx, "other", res.ContractID); orderhub.ErrorCode(err) != orderhub.EContractNotFound {
			t.Fatalf("cross-vendor cancel: %v", err)
		}
		got = eventTypes(t, db, "acme")
		tail := got[len(got)-11:]
		want = []string{"shipping-created", "shipping-updated", "transaction-declined", "transaction-approved", "survey-created", "customer-created", "contract-created", "order-created", "contract-confirmed", "contract-canceled", "order-updated"}
		for i := range want {
			if tail[i] != want[i] {
				t.Fatalf("events %v, want tail %v", got, want)
			}
		}
	})
}
