package orderhub_test

import (
	"testing"

	"orderhub"
)

// Fuzz target for the Yespo contact body (seed 004; ParseOrderEvent's target is
// FuzzParseOrderEvent in yespoevent_test.go); see vendororder_fuzz_test.go for the
// property checked.

func FuzzParseYespoContact(f *testing.F) {
	f.Add([]byte(`{"externalCustomerId":"cust-1","firstName":"John","lastName":"Doe","channels":[{"type":"email","value":"john@example.com"},{"type":"sms","value":"+46701234567"},{"type":"push","value":"tok-1"}]}`))
	f.Add([]byte(`{"channels":[{"type":"email","value":"a@b.se"}]}`))
	f.Add([]byte(`{"externalCustomerId":"","channels":[{"type":"fax","value":1}],"addressBookId":-1}`))
	f.Add([]byte(`{"firstName":"\u0000","channels":null}`))
	fuzzParser(f, orderhub.ParseYespoContact, func(t *testing.T, c *orderhub.ParsedYespoContact) {
		if c.Customer.PublisherUserID == "" && c.Customer.Email == "" && c.Customer.Phone == "" {
			t.Fatalf("accepted a contact without an identifier: %+v", c)
		}
	})
}
