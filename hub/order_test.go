package hub

import (
	"context"
	"testing"

	"orderhub"
)

func TestUpsertOrder(t *testing.T) {
	f := newFake()
	s := NewOrders(f)
	ctx := context.Background()
	in := &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "O1", Customer: orderhub.Customer{Email: "u@example.com"}, Currency: "SEK", Total: 100,
		Items: []orderhub.OrderItem{{Name: "n", Quantity: 1, Cost: 100}}}
	o, created, err := s.UpsertOrder(ctx, in)
	if err != nil || !created || o.Status != orderhub.OrderInitialized || o.Subtotal != 100 {
		t.Fatal(o, created, err)
	}
	wantEvents(t, f, 0, orderhub.EventCustomerCreated, orderhub.EventOrderCreated)

	// The same again: unchanged, nothing written.
	n, w := len(f.events), f.writes
	again, created, err := s.UpsertOrder(ctx, in)
	if err != nil || created || again.ID != o.ID || len(f.events) != n || f.writes != w {
		t.Fatal(again, created, err)
	}
	// An update keeps what it does not send.
	upd, created, err := s.UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "O1", Customer: orderhub.Customer{Email: "u@example.com"}, Status: orderhub.OrderInProgress})
	if err != nil || created || upd.Status != orderhub.OrderInProgress || upd.Total != 100 || len(upd.Items) != 1 || upd.Currency != "SEK" {
		t.Fatal(upd, created, err)
	}
	wantEvents(t, f, n, orderhub.EventOrderUpdated)
}

func TestSetOrderStatus(t *testing.T) {
	f := newFake()
	s := NewOrders(f)
	ctx := context.Background()
	_, err := s.SetOrderStatus(ctx, "acme", "O1", "SHIPPED")
	wantError(t, err, orderhub.EInvalidRequest, `Order status "SHIPPED" is not valid.`)
	_, err = s.SetOrderStatus(ctx, "acme", "O1", orderhub.OrderDelivered)
	wantError(t, err, orderhub.ENotFound, `Order "O1" not found.`)

	if _, _, err := s.UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "O1", Customer: orderhub.Customer{Email: "u@example.com"}}); err != nil {
		t.Fatal(err)
	}
	n := len(f.events)
	for range 2 {
		o, err := s.SetOrderStatus(ctx, "acme", "O1", orderhub.OrderDelivered)
		if err != nil || o.Status != orderhub.OrderDelivered {
			t.Fatal(o, err)
		}
	}
	wantEvents(t, f, n, orderhub.EventOrderUpdated) // once: the second changed nothing
}
