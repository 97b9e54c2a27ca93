package orderhub_test

import (
	"testing"

	"orderhub"
)

// Fuzz targets for the SALESmanago request bodies (seed 002); see
// vendororder_fuzz_test.go for the property checked.

func FuzzParseSalesmanagoContact(f *testing.F) {
	f.Add([]byte(`{"data":{"email":"customer@example.com","fax":"","name":"John Doe","phone":"+46701234567","company":"Acme","streetAddress":"Example Street 123","zipCode":"12345","city":"Stockholm","country":"SE"},"group_key":"acme-main"}`))
	f.Add([]byte(`{"data":{"email":"a@b.se"}}`))
	f.Add([]byte(`{"data":{"email":"A@B.SE ","name":123,"extra":true},"group_key":null}`))
	f.Add([]byte(`{"data":"x","group_key":["k"]}`))
	f.Add([]byte(`null`))
	fuzzParser(f, orderhub.ParseSalesmanagoContact, func(t *testing.T, r *orderhub.SalesmanagoContactRequest) {
		if r.Data.Email == "" {
			t.Fatalf("accepted a contact without email: %+v", r)
		}
	})
}

func FuzzParseSalesmanagoDelete(f *testing.F) {
	f.Add([]byte(`{"email":"customer@example.com","group_key":"acme-main"}`))
	f.Add([]byte(`{"email":"customer@example.com"}`))
	f.Add([]byte(`{"email":1,"group_key":{}}`))
	fuzzParser(f, orderhub.ParseSalesmanagoDelete, func(t *testing.T, r *orderhub.SalesmanagoDeleteRequest) {
		if r.Email == "" {
			t.Fatalf("accepted a delete without email: %+v", r)
		}
	})
}

func FuzzParseSalesmanagoEvent(f *testing.F) {
	f.Add([]byte(`{"data":{"email":"customer@example.com","description":"Order 1234","products":"p1,p2","location":"web","value":99.5,"contactExtEventType":"PURCHASE","externalId":"ORDER-1","shopDomain":"shop.example.com","detail1":"a","detail10":"j"},"group_key":"acme-main"}`))
	f.Add([]byte(`{"data":{"contactId":"c-1","contactExtEventType":"CART","value":"12.30"}}`))
	f.Add([]byte(`{"data":{"email":"a@b.se","contactExtEventType":"NOPE","value":1e999}}`))
	f.Add([]byte(`{"data":{"email":"a@b.se","contactExtEventType":"OTHER","value":-0.000000001,"detail11":"x"}}`))
	fuzzParser(f, func(b []byte) (*orderhub.SalesmanagoEventRequest, error) {
		return orderhub.ParseSalesmanagoEvent(b, fuzzToday)
	}, func(t *testing.T, r *orderhub.SalesmanagoEventRequest) {
		if r.Data.ContactExtEventType == "" {
			t.Fatalf("accepted an event without a type: %+v", r)
		}
	})
}

func FuzzParseSalesmanagoProducts(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"SKU-1","name":"Digital 12 months","description":"All articles","category":"subscriptions","sub_category":"digital","brand":"Acme","sex":0,"price":99.00,"special_price":79.00,"detail1":"a","url":"https://example.com/p/1","image_url":"https://example.com/p/1.png","image2_url":"https://example.com/p/1b.png","stock_available":10,"color":"red","season":"winter"}],"group_key":"acme-main"}`))
	f.Add([]byte(`{"data":[]}`))
	f.Add([]byte(`{"data":[{"id":"` + "0123456789012345678901234567890123" + `","name":"x","price":"1.5","sex":1.5}]}`))
	f.Add([]byte(`{"data":{"id":"x"}}`))
	fuzzParser(f, orderhub.ParseSalesmanagoProducts, nil)
}
