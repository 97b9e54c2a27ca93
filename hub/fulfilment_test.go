package hub

import (
	"context"
	"testing"

	"orderhub"
)

// A transaction reported again with the same status changes nothing; a new status
// updates it and adds to its history.
func TestRecordTransactionIdempotent(t *testing.T) {
	f := newFake()
	s := NewOrders(f)
	ctx := context.Background()
	f.customers["c1"] = &orderhub.Customer{ID: "c1", VendorID: "acme"}
	tr := func(status string) *orderhub.Transaction {
		return &orderhub.Transaction{VendorID: "acme", CustomerID: "c1", Status: status, Amount: 100, Currency: " sek", Provider: "stripe", ExternalID: "ch_1"}
	}
	first := tr(orderhub.TransactionDeclined)
	if err := s.RecordTransaction(ctx, first); err != nil || first.ID == "" || first.Currency != "SEK" {
		t.Fatal(first, err)
	}
	again := tr(orderhub.TransactionDeclined)
	if err := s.RecordTransaction(ctx, again); err != nil || again.ID != first.ID {
		t.Fatal(again, err)
	}
	approved := tr(orderhub.TransactionApproved)
	if err := s.RecordTransaction(ctx, approved); err != nil || approved.ID != first.ID || f.txns[first.ID].Status != orderhub.TransactionApproved {
		t.Fatal(approved, err)
	}
	wantEvents(t, f, 0, orderhub.EventTransactionDeclined, orderhub.EventTransactionApproved)
	if len(f.txns) != 1 || len(f.history) != 2 {
		t.Fatalf("%d transactions, %d history entries", len(f.txns), len(f.history))
	}

	for _, tc := range []struct {
		edit        func(*orderhub.Transaction)
		code, field string
		msg         string
	}{
		{func(t *orderhub.Transaction) { t.Status = "pending" }, orderhub.EInvalidRequest, "status", "Transaction status must be approved or declined."},
		{func(t *orderhub.Transaction) { t.Currency = "kronor" }, orderhub.EInvalidRequest, "currency", "currency must be an ISO 4217 code."},
		{func(t *orderhub.Transaction) { t.CustomerID = "c9" }, orderhub.ENotFound, "customerId", `Customer "c9" not found.`},
		{func(t *orderhub.Transaction) { t.OrderID = "o9" }, orderhub.ENotFound, "orderId", `Order "o9" not found.`},
		{func(t *orderhub.Transaction) { t.ContractID = "k9" }, orderhub.ENotFound, "contractId", `Contract "k9" not found.`},
	} {
		x := tr(orderhub.TransactionApproved)
		tc.edit(x)
		err := s.RecordTransaction(ctx, x)
		wantError(t, err, tc.code, tc.msg)
		if e, _ := err.(*orderhub.Error); e == nil || e.Field != tc.field {
			t.Fatalf("%v: field %v, want %s", err, e, tc.field)
		}
	}
}

func TestShippingTracking(t *testing.T) {
	f := newFake()
	s := NewOrders(f)
	ctx := context.Background()
	err := s.CreateShipping(ctx, &orderhub.Shipping{VendorID: "acme", OrderID: "o1"})
	wantError(t, err, orderhub.ENotFound, `Order "o1" not found.`)
	f.orders["o1"] = &orderhub.Order{ID: "o1", VendorID: "acme", CustomerID: "c1"}
	sh := &orderhub.Shipping{VendorID: "acme", OrderID: "o1", Carrier: "PostNord"}
	if err := s.CreateShipping(ctx, sh); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.UpdateShippingTracking(ctx, "acme", sh.ID, "PostNord", "123", ""); err != nil {
			t.Fatal(err)
		}
	}
	wantEvents(t, f, 0, orderhub.EventShippingCreated, orderhub.EventShippingUpdated)
	if f.events[1].OrderingKey != "c1" || f.shippings[sh.ID].TrackingNumber != "123" {
		t.Fatalf("%+v %+v", f.events[1], f.shippings[sh.ID])
	}
	_, err = s.UpdateShippingTracking(ctx, "other", sh.ID, "PostNord", "123", "")
	wantError(t, err, orderhub.ENotFound, `Shipping "`+sh.ID+`" not found.`)
}
