package sqlstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// TestDerivedOrderFieldsAreOneWay: the same items make the same subtotal whatever
// surface the order came from (a Yespo order event, a Zapier lead with an order),
// in the stored order, in what the store reads back and in the order-created event.
func TestDerivedOrderFieldsAreOneWay(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		ctx := context.Background()
		if _, _, err := hub.NewOrders(db).UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{Email: "ann@example.com"}}); err != nil {
			t.Fatal(err)
		}
		// 2 × 5.25 + 1 × 9.50 = 20.00; total 23.00 with 3.00 shipping.
		body := `{"eventTypeKey":"orderCreated","keyValue":"ann@example.com","params":[{"name":"externalOrderId","value":"Y-1"},
			{"name":"email","value":"ann@example.com"},{"name":"totalCost","value":"23"},{"name":"shipping","value":"3"},{"name":"status","value":"INITIALIZED"},
			{"name":"date","value":"2020-05-14T10:11:00"},{"name":"items","value":[
			{"externalItemId":"a","name":"A","quantity":2,"cost":"5.25","url":"https://shop.example/a","imageUrl":"https://shop.example/a.png"},
			{"externalItemId":"b","name":"B","quantity":1,"cost":9.5,"url":"https://shop.example/b","imageUrl":"https://shop.example/b.png"}]}]}`
		ev, err := orderhub.ParseOrderEvent([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		r, err := hub.NewOrders(db).ApplyOrderEvent(ctx, "acme", ev, []byte(body))
		if err != nil || r.Outcome != orderhub.OrderEventCreated {
			t.Fatalf("yespo order: %+v %v", r, err)
		}
		zap, _, err := hub.NewOrders(db).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "Z-1", Source: "zapier",
			Customer: orderhub.Customer{Email: "ann@example.com"}, Shipping: 300, Total: 2300, Items: ev.Order.Items})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []*orderhub.Order{r.Order, zap} {
			if o.Subtotal != 2000 {
				t.Errorf("%s (%s): subtotal %v, want 20.00", o.ExternalOrderID, o.Source, o.Subtotal)
			}
			got, err := db.Orders().GetOrder(ctx, "acme", o.ID)
			if err != nil || got.Subtotal != 2000 {
				t.Errorf("%s read back: subtotal %v (%v), want 20.00", o.ExternalOrderID, got.Subtotal, err)
			}
		}
		list, err := db.Orders().ListOrders(ctx, orderhub.ListFilter{VendorID: "acme"})
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %d %v", len(list), err)
		}
		for _, o := range list {
			if o.Subtotal != 2000 {
				t.Errorf("listed %s: subtotal %v", o.ExternalOrderID, o.Subtotal)
			}
		}
		evs, err := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme", Type: orderhub.EventOrderCreated})
		if err != nil || len(evs) != 2 {
			t.Fatalf("order-created events: %d %v", len(evs), err)
		}
		for _, e := range evs {
			var o orderhub.Order
			if err := json.Unmarshal(e.Data, &o); err != nil || o.Subtotal != 2000 {
				t.Errorf("order-created of %s: subtotal %v (%v)", o.ExternalOrderID, o.Subtotal, err)
			}
		}
		// An update that changes the items changes the subtotal with them; its total
		// is checked with the stored shipping (3.00), which it need not send again.
		upd := `{"eventTypeKey":"orderUpdated","keyValue":"k","params":[{"name":"externalOrderId","value":"Y-1"},{"name":"totalCost","value":"13"},
			{"name":"items","value":[{"externalItemId":"b","name":"B","quantity":1,"cost":"10","url":"https://shop.example/b","imageUrl":"https://shop.example/b.png"}]}]}`
		ev, _ = orderhub.ParseOrderEvent([]byte(upd))
		if r, err := hub.NewOrders(db).ApplyOrderEvent(ctx, "acme", ev, []byte(upd)); err != nil || r.Order == nil || r.Order.Subtotal != 1000 || r.Order.Shipping != 300 {
			t.Fatalf("update: %+v %v", r, err)
		}
		// An orderUpdated that creates the order is checked on what it sends.
		mk := `{"eventTypeKey":"orderUpdated","keyValue":"k","params":[{"name":"externalOrderId","value":"Y-NEW"},{"name":"email","value":"ann@example.com"},
			{"name":"totalCost","value":"13"},{"name":"status","value":"INITIALIZED"},{"name":"date","value":"2020-05-14T10:11:00"},
			{"name":"items","value":[{"externalItemId":"b","name":"B","quantity":1,"cost":"10","url":"https://shop.example/b","imageUrl":"https://shop.example/b.png"}]}]}`
		ev, _ = orderhub.ParseOrderEvent([]byte(mk))
		if r, err := hub.NewOrders(db).ApplyOrderEvent(ctx, "acme", ev, []byte(mk)); err != nil || r.Outcome != orderhub.OrderEventIgnored || r.Reason.Code != orderhub.EOrderTotalMismatch {
			t.Fatalf("creating update with a mismatching total: %+v %v", r, err)
		}
	})
}
