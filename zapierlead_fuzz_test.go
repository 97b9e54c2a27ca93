package orderhub_test

import (
	"testing"

	"orderhub"
)

// Fuzz target for the Zapier store-customer-order action (seed 003); see
// vendororder_fuzz_test.go for the property checked.

func FuzzParseZapierLead(f *testing.F) {
	// The seed's two examples: a customer lead and an order lead.
	f.Add([]byte(`{"event":"customer","source":"zapier","contact":{"email":"customer@thiio.com","last_name":"Doe","first_name":"John"},"phone":{"country":"US","number":"+17723611127"}}`))
	f.Add([]byte(`{"event":"order","source":"zapier","contact":{"email":"john.doe@thiio.com","first_name":"John","last_name":"Doe"},"phone":{"country":"US","number":"+15124713434"},` +
		`"billing_address":{"first_name":"John","last_name":"Doe","line1":"11801 Stonehollow Drive","line2":"Line 2","city":"Austin","state":"TX","zip_code":"78758","country":"US"},` +
		`"shipping_address":{"first_name":"John","last_name":"Doe","line1":"11801 Stonehollow Drive","line2":"Line 2","city":"Austin","state":"TX","zip_code":"78758","country":"US"},` +
		`"order":{"id":1234,"type":"online","user_id":"42","date":"2023-01-01 10:00:00","shipping":"5.00","taxes":1,"total":"106.00","items":[{"name":"Book","title":"Book","quantity":"2","price":"50.00"}]}}`))
	f.Add([]byte(`{"event":"order","contact":{"email":"a@b.se","first_name":1,"last_name":true},"phone":{"country":"SE","number":"070"},"order":{"id":null,"items":[{"quantity":1e400}]}}`))
	f.Add([]byte(`{"event":["customer"],"contact":null}`))
	fuzzParser(f, orderhub.ParseZapierLead, func(t *testing.T, l *orderhub.ZapierLead) {
		if l.Email == "" || (l.Event != "customer" && l.Event != "order") {
			t.Fatalf("accepted an incomplete lead: %+v", l)
		}
		if l.Event == "order" && l.Order == nil {
			t.Fatalf("accepted an order lead without an order: %+v", l)
		}
	})
}
