package hub

import (
	"context"
	"testing"
	"time"

	"orderhub"
)

func purchaseFake() *fakeTx {
	f := newFake()
	f.sources["src"] = &orderhub.Source{ID: "src", VendorID: "acme", Type: orderhub.SourceTypeHook}
	f.sources["other"] = &orderhub.Source{ID: "other", VendorID: "other", Type: orderhub.SourceTypeHook}
	f.products["p1"] = &orderhub.Product{ID: "p1", VendorID: "acme", Name: "Paper"}
	f.mappings["SKU\x00PO"] = &orderhub.ProductMapping{VendorID: "acme", SKU: "SKU", POID: "PO", ProductID: "p1", PurchaseOptionID: "po1"}
	return f
}

func purchase(pub, email string) *orderhub.Purchase {
	return &orderhub.Purchase{SourceID: "src", VendorID: "acme", PublisherPurchaseID: pub, SKU: "SKU", POID: "PO", Email: email,
		Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Fingerprint: "fp-" + pub + "-" + email}
}

func TestRecordPurchaseAndReplay(t *testing.T) {
	f := purchaseFake()
	s := NewOrders(f)
	res, err := s.RecordPurchase(context.Background(), purchase("P1", "u@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	c := f.contracts[res.ContractID]
	if res.Replayed || c == nil || c.Status != orderhub.ContractConfirmed || c.ProductName != "Paper (Monthly)" || c.Origin != orderhub.OriginExternalPurchase || res.PurchaseOptionID != "po1" {
		t.Fatalf("%+v %+v", res, c)
	}
	wantEvents(t, f, 0, orderhub.EventCustomerCreated, orderhub.EventContractCreated, orderhub.EventContractConfirmed, orderhub.EventOrderCreated)
	if o, _ := f.OrderByContractID(c.ID); o == nil || o.Total != 9900 {
		t.Fatalf("order %+v", o)
	}

	// The same purchase again: the first answer, nothing written.
	n, w := len(f.events), f.writes
	again, err := s.RecordPurchase(context.Background(), purchase("P1", "u@example.com"))
	if err != nil || !again.Replayed || again.PurchaseID != res.PurchaseID || len(f.events) != n || f.writes != w {
		t.Fatalf("%+v %v", again, err)
	}
	// Other content under the same publisherPurchaseId: a conflict.
	_, err = s.RecordPurchase(context.Background(), purchase("P1", "v@example.com"))
	wantError(t, err, orderhub.EConflict, `publisherPurchaseId "P1" was already used by source "src" for a different purchase; use a unique publisherPurchaseId for each new purchase.`)
}

func TestRecordPurchaseRefusals(t *testing.T) {
	f := purchaseFake()
	s := NewOrders(f)
	for _, tc := range []struct {
		edit      func(p *orderhub.Purchase)
		code, msg string
	}{
		{func(p *orderhub.Purchase) { p.SourceID = "other" }, orderhub.ESourceNotFound,
			`source "other" is not a source of vendor "acme"; create a HOOK source for the vendor first.`},
		{func(p *orderhub.Purchase) { p.ProductID = "p2" }, orderhub.EProductMismatch,
			`productId "p2" disagrees with the product mapping of sku "SKU", poId "PO", which names product "p1"; send matching values or only one of them.`},
		{func(p *orderhub.Purchase) { p.POID = "X" }, orderhub.EProductNotFound,
			`No product mapping for sku "SKU", poId "X" of vendor "acme": create the mapping first, or send productId.`},
		{func(p *orderhub.Purchase) { p.SKU, p.ProductID = "", "p9" }, orderhub.EProductNotFound,
			`productId "p9" is not a product of vendor "acme".`},
		{func(p *orderhub.Purchase) { p.Email, p.UserID = "", "cus-1" }, orderhub.ECustomerNotFound,
			`userId "cus-1" is not a customer of vendor "acme"; send email or publisherUserId to create a new customer.`},
	} {
		p := purchase("P2", "u@example.com")
		tc.edit(p)
		_, err := s.RecordPurchase(context.Background(), p)
		wantError(t, err, tc.code, tc.msg)
	}
	if len(f.events) != 0 || f.writes != 0 {
		t.Fatalf("refusals wrote %v", f.types())
	}
}

// A customer matched by publisherUserId takes a new e-mail, unless another
// customer has it.
func TestPurchaseCustomerEmail(t *testing.T) {
	f := purchaseFake()
	s := NewOrders(f)
	f.customers["c1"] = &orderhub.Customer{ID: "c1", VendorID: "acme", PublisherUserID: "pub-1", Email: "old@example.com"}
	f.customers["c2"] = &orderhub.Customer{ID: "c2", VendorID: "acme", Email: "taken@example.com"}
	p := purchase("P3", "taken@example.com")
	p.PublisherUserID = "pub-1"
	_, err := s.RecordPurchase(context.Background(), p)
	wantError(t, err, orderhub.EConflict, `The customer matched by publisherUserId has another e-mail, and "taken@example.com" belongs to a different customer; send the customer's own e-mail or leave email out.`)

	p = purchase("P4", "new@example.com")
	p.PublisherUserID = "pub-1"
	res, err := s.RecordPurchase(context.Background(), p)
	if err != nil || res.CustomerID != "c1" || f.customers["c1"].Email != "new@example.com" {
		t.Fatal(res, err)
	}
	wantEvents(t, f, 0, orderhub.EventCustomerUpdated, orderhub.EventContractCreated, orderhub.EventContractConfirmed, orderhub.EventOrderCreated)
}
