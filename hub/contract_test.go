package hub

import (
	"context"
	"slices"
	"testing"

	"orderhub"
)

var promo = &orderhub.PromoCode{VendorID: "acme", Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "SEK"}

func vendorOrder(ext, email string, confirm bool) *orderhub.VendorOrder {
	return &orderhub.VendorOrder{VendorID: "acme", PromoCode: "DIGI12", ExternalOrderID: ext, Quantity: 1,
		PaymentMethod: "INVOICE", PaymentProvider: "BILLOGRAM", User: orderhub.Person{Email: email, FullName: "A B"},
		Confirm: confirm, Fingerprint: "fp-" + ext + "-" + email}
}

func place(t *testing.T, f *fakeTx, o *orderhub.VendorOrder) *orderhub.VendorOrderResult {
	t.Helper()
	res, err := NewOrders(f).PlaceVendorOrder(context.Background(), o, promo)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantEvents(t *testing.T, f *fakeTx, from int, want ...string) {
	t.Helper()
	if got := f.types()[from:]; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func wantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	if orderhub.ErrorCode(err) != code || orderhub.ErrorMessage(err) != msg {
		t.Fatalf("error %q %q, want %q %q", orderhub.ErrorCode(err), orderhub.ErrorMessage(err), code, msg)
	}
}

func TestPlaceVendorOrderNewConfirmed(t *testing.T) {
	f := newFake()
	res := place(t, f, vendorOrder("E1", "u@example.com", true))
	if res.ResponseKey != orderhub.ResponseCreatedConfirmed || f.contracts[res.ContractID] == nil {
		t.Fatalf("%+v", res)
	}
	c := f.contracts[res.ContractID]
	if c.Status != orderhub.ContractConfirmed || c.ConfirmedAt == nil || !c.ConfirmedAt.Equal(f.now) || c.UserEmail != "u@example.com" {
		t.Fatalf("contract %+v", c)
	}
	wantEvents(t, f, 0, orderhub.EventCustomerCreated, orderhub.EventContractCreated, orderhub.EventOrderCreated, orderhub.EventContractConfirmed)
	o, _ := f.OrderByContractID(c.ID)
	if o == nil || o.Status != orderhub.ContractOrderStatus(orderhub.ContractConfirmed) || o.Total != 9900 || o.Currency != "SEK" {
		t.Fatalf("order %+v", o)
	}
}

// A replay of a pending contract that asks to confirm confirms it (and its order);
// one that does not answers the contract as it is, writing nothing.
func TestReplayConfirmsPendingContract(t *testing.T) {
	f := newFake()
	first := place(t, f, vendorOrder("E1", "u@example.com", false))
	if first.ResponseKey != orderhub.ResponseCreated {
		t.Fatalf("%+v", first)
	}
	wantEvents(t, f, 0, orderhub.EventCustomerCreated, orderhub.EventContractCreated, orderhub.EventOrderCreated)

	n, w := len(f.events), f.writes
	again := place(t, f, vendorOrder("E1", "u@example.com", false))
	if again.ResponseKey != orderhub.ResponseCreated || again.ContractID != first.ContractID || len(f.events) != n || f.writes != w {
		t.Fatalf("pending replay %+v wrote %d events, %d writes", again, len(f.events)-n, f.writes-w)
	}

	conf := place(t, f, vendorOrder("E1", "u@example.com", true))
	if conf.ResponseKey != orderhub.ResponseCreatedConfirmed || conf.ContractID != first.ContractID {
		t.Fatalf("%+v", conf)
	}
	wantEvents(t, f, n, orderhub.EventContractConfirmed, orderhub.EventOrderUpdated)
	if c := f.contracts[first.ContractID]; c.Status != orderhub.ContractConfirmed || c.ConfirmedAt == nil {
		t.Fatalf("%+v", c)
	}

	// Confirmed: skipped, nothing written.
	n, w = len(f.events), f.writes
	skip := place(t, f, vendorOrder("E1", "u@example.com", true))
	if skip.ResponseKey != orderhub.ResponseSkippedConfirmed || len(f.events) != n || f.writes != w {
		t.Fatalf("%+v", skip)
	}
}

func TestReplayWithOtherContentConflicts(t *testing.T) {
	f := newFake()
	place(t, f, vendorOrder("E1", "u@example.com", true))
	n := len(f.events)
	_, err := NewOrders(f).PlaceVendorOrder(context.Background(), vendorOrder("E1", "other@example.com", true), promo)
	wantError(t, err, orderhub.EConflict, `externalOrderId "E1" was already used for a different order (promo code, customer or order details differ); use a unique externalOrderId for each new order.`)
	if len(f.events) != n || len(f.customers) != 1 {
		t.Fatalf("a conflict wrote %d events, %d customers", len(f.events)-n, len(f.customers))
	}
}

// A canceled contract is never confirmed by a replay; it is not "already confirmed"
// either when it never was.
func TestReplayOfCanceledContract(t *testing.T) {
	f := newFake()
	res := place(t, f, vendorOrder("E1", "u@example.com", false))
	c, err := NewOrders(f).CancelContract(context.Background(), "acme", res.ContractID)
	if err != nil || c.Status != orderhub.ContractCanceled || c.CanceledAt == nil {
		t.Fatal(c, err)
	}
	_, err = NewOrders(f).PlaceVendorOrder(context.Background(), vendorOrder("E1", "u@example.com", true), promo)
	wantError(t, err, orderhub.EConflict, `The contract of externalOrderId "E1" is CANCELED and cannot be confirmed.`)

	// Confirmed, then canceled: a replay answers that it was confirmed.
	res = place(t, f, vendorOrder("E2", "u@example.com", true))
	if _, err := NewOrders(f).CancelContract(context.Background(), "acme", res.ContractID); err != nil {
		t.Fatal(err)
	}
	if again := place(t, f, vendorOrder("E2", "u@example.com", true)); again.ResponseKey != orderhub.ResponseSkippedConfirmed {
		t.Fatalf("%+v", again)
	}
}

func TestCancelContract(t *testing.T) {
	f := newFake()
	res := place(t, f, vendorOrder("E1", "u@example.com", true))
	n := len(f.events)
	if _, err := NewOrders(f).CancelContract(context.Background(), "acme", res.ContractID); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, f, n, orderhub.EventContractCanceled, orderhub.EventOrderUpdated)
	if o, _ := f.OrderByContractID(res.ContractID); o.Status != orderhub.ContractOrderStatus(orderhub.ContractCanceled) {
		t.Fatalf("order %+v", o)
	}
	// Again: nothing changes.
	n, w := len(f.events), f.writes
	if c, err := NewOrders(f).CancelContract(context.Background(), "acme", res.ContractID); err != nil || c.Status != orderhub.ContractCanceled || len(f.events) != n || f.writes != w {
		t.Fatal(c, err)
	}
	// Another vendor's contract, or none: not found.
	_, err := NewOrders(f).CancelContract(context.Background(), "other", res.ContractID)
	wantError(t, err, orderhub.EContractNotFound, `Contract "`+res.ContractID+`" not found.`)
}

// The payer (owner) is a customer of its own, matched by e-mail; a customer met
// again takes the non-empty fields sent and emits customer-updated only on change.
func TestVendorOrderCustomers(t *testing.T) {
	f := newFake()
	o := vendorOrder("E1", "u@example.com", false)
	o.Owner = &orderhub.Person{Email: "payer@example.com", FullName: "P Q"}
	res := place(t, f, o)
	c := f.contracts[res.ContractID]
	if c.UserID == c.PayerID || f.customers[c.PayerID].Email != "payer@example.com" {
		t.Fatalf("%+v", c)
	}
	wantEvents(t, f, 0, orderhub.EventCustomerCreated, orderhub.EventCustomerCreated, orderhub.EventContractCreated, orderhub.EventOrderCreated)

	n := len(f.events)
	place(t, f, vendorOrder("E2", "u@example.com", false)) // same name: no customer-updated
	wantEvents(t, f, n, orderhub.EventContractCreated, orderhub.EventOrderCreated)
	n = len(f.events)
	o = vendorOrder("E3", "u@example.com", false)
	o.User.FullName = "A C"
	place(t, f, o)
	wantEvents(t, f, n, orderhub.EventCustomerUpdated, orderhub.EventContractCreated, orderhub.EventOrderCreated)
	if len(f.customers) != 2 || f.customers[c.UserID].FullName != "A C" {
		t.Fatalf("%d customers, %+v", len(f.customers), f.customers[c.UserID])
	}
}

// A vendor order names what its rule looks up — the vendor, its externalOrderId and
// the customers' e-mails — so that the store's writer can read them for a whole
// batch up front (PostgreSQL's optimistic path).
func TestPlaceVendorOrderHint(t *testing.T) {
	f := newFake()
	o := vendorOrder("E1", "u@example.com", true)
	o.Owner = &orderhub.Person{Email: "payer@example.com"}
	place(t, f, o)
	h := f.hints[0]
	if h.VendorID != "acme" || !slices.Equal(h.ExternalOrderIDs, []string{"E1"}) || !slices.Equal(h.Emails, []string{"u@example.com", "payer@example.com"}) {
		t.Fatalf("hint %+v", h)
	}
}
