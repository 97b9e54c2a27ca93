package hub

import (
	"context"
	"fmt"
	"testing"

	"orderhub"
)

func orderEvent(t *testing.T, typ, ext, total string) (*orderhub.OrderEvent, []byte) {
	t.Helper()
	body := []byte(fmt.Sprintf(`{"eventTypeKey":%q,"keyValue":"k","params":[{"name":"externalOrderId","value":%q},{"name":"externalCustomerId","value":"AV1"},
		{"name":"totalCost","value":%q},{"name":"status","value":"INITIALIZED"},{"name":"date","value":"2020-05-14T10:11:00"},
		{"name":"items","value":[{"externalItemId":"1","name":"n","quantity":1,"cost":990,"url":"http://a.example","imageUrl":"http://a.example/i"}]}]}`, typ, ext, total))
	ev, err := orderhub.ParseOrderEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	return ev, body
}

func apply(t *testing.T, s *Orders, ev *orderhub.OrderEvent, body []byte, outcome string) *orderhub.OrderEventResult {
	t.Helper()
	res, err := s.ApplyOrderEvent(context.Background(), "acme", ev, body)
	if err != nil || res.Outcome != outcome {
		t.Fatalf("%+v %v, want %s", res, err, outcome)
	}
	return res
}

// An order for no known contact is ignored, with a reason that says how to make
// one; the same event again counts up the one record.
func TestOrderEventForUnknownContactIgnored(t *testing.T) {
	f := newFake()
	s := NewOrders(f)
	ev, body := orderEvent(t, "orderCreated", "O1", "990")
	res := apply(t, s, ev, body, orderhub.OrderEventIgnored)
	wantError(t, res.Reason, orderhub.EContactNotFound,
		"No existing contact matches externalCustomerId=AV1; orders are accepted only for existing contacts (create the contact first, e.g. with POST /api/v1/contact).")
	res = apply(t, s, ev, body, orderhub.OrderEventIgnored)
	if res.Ignored.Count != 2 || len(f.ignored) != 1 || len(f.orders) != 0 || len(f.events) != 0 {
		t.Fatalf("%+v, %d records, %d orders, %d events", res.Ignored, len(f.ignored), len(f.orders), len(f.events))
	}
}

func TestOrderEventLifecycle(t *testing.T) {
	f := newFake()
	s := NewOrders(f)
	f.customers["c1"] = &orderhub.Customer{ID: "c1", VendorID: "acme", PublisherUserID: "AV1"}

	ev, body := orderEvent(t, "orderCreated", "O1", "990")
	res := apply(t, s, ev, body, orderhub.OrderEventCreated)
	if res.Order.CustomerID != "c1" || res.Order.Source != orderhub.OrderSourceEvent || res.Order.Total != 99000 {
		t.Fatalf("%+v", res.Order)
	}
	apply(t, s, ev, body, orderhub.OrderEventUnchanged) // a replay
	wantEvents(t, f, 0, orderhub.EventOrderCreated)

	// Items that no longer add up to the total: ignored, the order kept.
	ev, body = orderEvent(t, "orderUpdated", "O1", "5")
	res = apply(t, s, ev, body, orderhub.OrderEventIgnored)
	if res.Reason == nil || res.Reason.Code == "" {
		t.Fatalf("%+v", res)
	}

	ev, body = orderEvent(t, "orderDelivered", "O1", "990")
	res = apply(t, s, ev, body, orderhub.OrderEventUpdated)
	if res.Order.Status != orderhub.OrderDelivered {
		t.Fatalf("%+v", res.Order)
	}
	apply(t, s, ev, body, orderhub.OrderEventUnchanged)
	wantEvents(t, f, 0, orderhub.EventOrderCreated, orderhub.EventOrderUpdated)

	ev, body = orderEvent(t, "orderCancelled", "O2", "990")
	res = apply(t, s, ev, body, orderhub.OrderEventIgnored)
	wantError(t, res.Reason, orderhub.EOrderNotFound, `Order "O2" does not exist; orderCancelled is ignored for an unknown order.`)
}

func TestUpsertYespoContactConflicts(t *testing.T) {
	f := newFake()
	s := NewOrders(f)
	ctx := context.Background()
	f.customers["c1"] = &orderhub.Customer{ID: "c1", VendorID: "acme", PublisherUserID: "AV1"}
	f.customers["c2"] = &orderhub.Customer{ID: "c2", VendorID: "acme", Email: "b@example.com", PublisherUserID: "AV9"}
	_, _, err := s.UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{PublisherUserID: "AV1", Email: "b@example.com"}})
	wantError(t, err, orderhub.EConflict, `The e-mail b@example.com belongs to another contact than externalCustomerId "AV1".`)
	_, _, err = s.UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{PublisherUserID: "AV2", Email: "b@example.com"}})
	wantError(t, err, orderhub.EConflict, `The contact with these channels has externalCustomerId "AV9", not "AV2".`)

	c, created, err := s.UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{PublisherUserID: "AV1", FullName: "A"}, PushTokens: []string{"tok"}})
	if err != nil || created || c.ID != "c1" || f.tokens["tok"] != "c1" {
		t.Fatal(c, created, err)
	}
	c, created, err = s.UpsertYespoContact(ctx, "acme", &orderhub.ParsedYespoContact{Customer: orderhub.Customer{PublisherUserID: "AV3"}})
	if err != nil || !created || c.PublisherUserID != "AV3" {
		t.Fatal(c, created, err)
	}
}
