package orderhub_test

import (
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/internal/seedexample"
)

// seedPurchase is the sample hook payload of seed 000, as JSON.
const seedPurchase = seedexample.Purchase

var testNow = time.Date(2022, 11, 8, 10, 0, 0, 0, time.UTC)

// with returns the seed payload with fields replaced (nil deletes a field).
func with(t *testing.T, changes map[string]any) []byte {
	t.Helper()
	return seedexample.PurchaseWith(changes)
}

func TestParsePurchaseSeedSample(t *testing.T) {
	p, err := orderhub.ParsePurchase([]byte(seedPurchase), testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := orderhub.Purchase{
		SourceID: "sesamy-source-id-1234", VendorID: "vendor-id-1234", PublisherPurchaseID: "purchase-id-1234",
		ProductID: "product-1234", SKU: "1234", POID: "1234",
		StartsAt: "2022-11-08T12:49:11.19Z", EndsAt: "2022-12-08T12:49:11.19Z",
		FirstName: "John", LastName: "James", Email: "zapier@sesamy.com", UserID: "1234", PublisherUserID: "user-id-1234",
		Notes: "Note..",
	}
	addr := orderhub.Address{FirstName: "John", LastName: "James", Street: "Sveavägen 59", City: "Stockholm", Zip: "113 59", Country: "SE"}
	if p.DeliveryAddress == nil || *p.DeliveryAddress != addr || p.BillingAddress == nil || *p.BillingAddress != addr {
		t.Fatalf("addresses %+v %+v, want %+v", p.DeliveryAddress, p.BillingAddress, addr)
	}
	got := *p
	got.DeliveryAddress, got.BillingAddress, got.Start, got.End, got.Fingerprint, got.Delayed = nil, nil, time.Time{}, nil, "", false
	if got != want {
		t.Fatalf("parsed\n%+v\nwant\n%+v", got, want)
	}
	if !p.Start.Equal(time.Date(2022, 11, 8, 12, 49, 11, 190e6, time.UTC)) || p.End == nil || !p.End.Equal(time.Date(2022, 12, 8, 12, 49, 11, 190e6, time.UTC)) {
		t.Fatalf("start %v end %v", p.Start, p.End)
	}
	if p.Delayed {
		t.Fatal("a purchase starting today is not delayed")
	}
	if len(p.Fingerprint) != 64 {
		t.Fatalf("fingerprint %q", p.Fingerprint)
	}
	c := p.Customer()
	if c.FullName != "John James" || c.Email != "zapier@sesamy.com" || c.PublisherUserID != "user-id-1234" || *c.Address != addr || *c.BillingAddress != addr {
		t.Fatalf("customer %+v", c)
	}
}

func TestParsePurchaseErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    []byte
		code    string
		field   string
		message string
	}{
		{"empty body", []byte(""), orderhub.EInvalidRequest, "", "empty"},
		{"not JSON", []byte("{source:'x'}"), orderhub.EInvalidRequest, "", "not valid JSON"},
		{"array", []byte("[]"), orderhub.EInvalidRequest, "", "JSON object"},
		{"trailing data", []byte(seedPurchase + "{}"), orderhub.EInvalidRequest, "", "after the JSON value"},
		{"no source", with(t, map[string]any{"source": nil}), orderhub.EInvalidRequest, "source", "source is required"},
		{"empty source", with(t, map[string]any{"source": " "}), orderhub.EInvalidRequest, "source", "source is required"},
		{"no vendor", with(t, map[string]any{"vendorId": ""}), orderhub.EInvalidRequest, "vendorId", "vendorId is required"},
		{"source is a boolean", with(t, map[string]any{"source": true}), orderhub.EInvalidRequest, "source", "must be of type string, got boolean"},
		{"sku is an object", with(t, map[string]any{"sku": map[string]any{}}), orderhub.EInvalidRequest, "sku", "got object"},
		{"notes is an array", with(t, map[string]any{"notes": []any{}}), orderhub.EInvalidRequest, "notes", "got array"},
		{"no product", with(t, map[string]any{"productId": nil, "sku": nil, "poId": nil}), orderhub.EInvalidRequest, "productId", "send productId, or sku and poId"},
		{"sku without poId", with(t, map[string]any{"productId": nil, "poId": ""}), orderhub.EInvalidRequest, "poId", "poId is missing"},
		{"poId without sku", with(t, map[string]any{"sku": nil}), orderhub.EInvalidRequest, "sku", "sku is missing"},
		{"no customer", with(t, map[string]any{"userId": nil, "publisherUserId": "", "email": nil}), orderhub.EInvalidRequest, "email", "send userId, publisherUserId or email"},
		{"bad email", with(t, map[string]any{"email": "zapier@"}), orderhub.EInvalidEmail, "email", `"zapier@" is not a valid e-mail`},
		{"email with name", with(t, map[string]any{"email": "Z <z@example.com>"}), orderhub.EInvalidEmail, "email", "not a valid e-mail"},
		{"bad startsAt", with(t, map[string]any{"startsAt": "08/11/2022"}), orderhub.EInvalidDate, "startsAt", "not an ISO 8601 date-time"},
		{"startsAt without zone", with(t, map[string]any{"startsAt": "2022-11-08T12:49:11"}), orderhub.EInvalidDate, "startsAt", "not an ISO 8601"},
		{"startsAt impossible day", with(t, map[string]any{"startsAt": "2022-02-30T12:00:00Z"}), orderhub.EInvalidDate, "startsAt", "not an ISO 8601"},
		{"startsAt far past", with(t, map[string]any{"startsAt": "1492-10-12T00:00:00Z"}), orderhub.EInvalidDate, "startsAt", "not an ISO 8601"},
		{"bad endsAt", with(t, map[string]any{"endsAt": "tomorrow"}), orderhub.EInvalidDate, "endsAt", "not an ISO 8601"},
		{"endsAt before startsAt", with(t, map[string]any{"endsAt": "2022-11-01T00:00:00Z"}), orderhub.EInvalidDate, "endsAt", "must lie after startsAt"},
		{"endsAt equals startsAt", with(t, map[string]any{"endsAt": "2022-11-08T13:49:11.19+01:00"}), orderhub.EInvalidDate, "endsAt", "must lie after startsAt"},
		{"endsAt before now without startsAt", with(t, map[string]any{"startsAt": nil, "endsAt": "2022-11-08T09:00:00Z"}), orderhub.EInvalidDate, "endsAt", "which is now when not sent"},
		{"bad delivery country", with(t, map[string]any{"deliveryAddressCountry": "Sweden"}), orderhub.EInvalidAddress, "deliveryAddressCountry", "ISO 3166-1 alpha-2"},
		{"unassigned billing country", with(t, map[string]any{"billingAddressCountry": "XX"}), orderhub.EInvalidAddress, "billingAddressCountry", "ISO 3166-1 alpha-2"},
		{"long publisherPurchaseId", with(t, map[string]any{"publisherPurchaseId": strings.Repeat("x", 256)}), orderhub.EInvalidRequest, "publisherPurchaseId", "at most 255"},
		{"long notes", with(t, map[string]any{"notes": strings.Repeat("n", orderhub.MaxNotes+1)}), orderhub.EInvalidRequest, "notes", "at most 4000"},
		{"control character", with(t, map[string]any{"firstName": "Jo\u0007hn"}), orderhub.EInvalidRequest, "firstName", "control characters"},
		{"NUL character", with(t, map[string]any{"firstName": "Jo\u0000hn"}), orderhub.EInvalidRequest, "", "NUL"},
		{"long zip", with(t, map[string]any{"billingAddressZip": strings.Repeat("1", 33)}), orderhub.EInvalidRequest, "billingAddressZip", "at most 32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := orderhub.ParsePurchase(tc.body, testNow)
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			e, ok := err.(*orderhub.Error)
			if !ok {
				t.Fatalf("error %T %v is not an *orderhub.Error", err, err)
			}
			if e.Code != tc.code || e.Field != tc.field || !strings.Contains(e.Message, tc.message) {
				t.Fatalf("got %s field %q %q, want %s field %q containing %q", e.Code, e.Field, e.Message, tc.code, tc.field, tc.message)
			}
		})
	}
}

func TestParsePurchaseOptionalFields(t *testing.T) {
	t.Run("minimal with productId and email", func(t *testing.T) {
		p, err := orderhub.ParsePurchase([]byte(`{"source":"s","vendorId":"v","productId":"p","email":"A@Example.com"}`), testNow)
		if err != nil {
			t.Fatal(err)
		}
		if p.Email != "a@example.com" || p.SKU != "" || p.PublisherPurchaseID != "" || p.DeliveryAddress != nil || p.BillingAddress != nil || p.End != nil {
			t.Fatalf("%+v", p)
		}
		if p.StartsAt != "" || !p.Start.Equal(testNow) {
			t.Fatalf("missing startsAt must mean now: %q %v", p.StartsAt, p.Start)
		}
	})
	t.Run("sku and poId without productId", func(t *testing.T) {
		p, err := orderhub.ParsePurchase(with(t, map[string]any{"productId": ""}), testNow)
		if err != nil || p.ProductID != "" || p.SKU != "1234" || p.POID != "1234" {
			t.Fatalf("%+v %v", p, err)
		}
	})
	t.Run("publisherUserId alone", func(t *testing.T) {
		p, err := orderhub.ParsePurchase(with(t, map[string]any{"email": nil, "userId": ""}), testNow)
		if err != nil || p.PublisherUserID != "user-id-1234" || p.Email != "" || p.UserID != "" {
			t.Fatalf("%+v %v", p, err)
		}
	})
	t.Run("userId alone", func(t *testing.T) {
		p, err := orderhub.ParsePurchase(with(t, map[string]any{"email": nil, "publisherUserId": nil}), testNow)
		if err != nil || p.UserID != "1234" {
			t.Fatalf("%+v %v", p, err)
		}
	})
	t.Run("numbers for text fields", func(t *testing.T) {
		p, err := orderhub.ParsePurchase(with(t, map[string]any{"sku": 1234, "poId": 7, "userId": 42, "deliveryAddressZip": 11359}), testNow)
		if err != nil || p.SKU != "1234" || p.POID != "7" || p.UserID != "42" || p.DeliveryAddress.Zip != "11359" {
			t.Fatalf("%+v %v", p, err)
		}
	})
	t.Run("nulls are absent", func(t *testing.T) {
		p, err := orderhub.ParsePurchase([]byte(`{"source":"s","vendorId":"v","productId":"p","email":"a@example.com","notes":null,"endsAt":null,"sku":null,"poId":null,"billingAddressCountry":null}`), testNow)
		if err != nil || p.Notes != "" || p.End != nil || p.BillingAddress != nil {
			t.Fatalf("%+v %v", p, err)
		}
	})
	t.Run("whitespace is trimmed and lower-case countries accepted", func(t *testing.T) {
		p, err := orderhub.ParsePurchase(with(t, map[string]any{"firstName": "  John ", "deliveryAddressCountry": "se", "billingAddressCountry": " fi "}), testNow)
		if err != nil || p.FirstName != "John" || p.DeliveryAddress.Country != "SE" || p.BillingAddress.Country != "FI" {
			t.Fatalf("%+v %v", p, err)
		}
	})
	t.Run("only some address fields", func(t *testing.T) {
		p, err := orderhub.ParsePurchase([]byte(`{"source":"s","vendorId":"v","productId":"p","email":"a@example.com","deliveryAddressCo":"c/o Berg","billingAddressCity":"Malmö"}`), testNow)
		if err != nil || p.DeliveryAddress == nil || p.DeliveryAddress.Co != "c/o Berg" || p.BillingAddress == nil || p.BillingAddress.City != "Malmö" {
			t.Fatalf("%+v %v", p, err)
		}
	})
	t.Run("names fall back to the delivery address", func(t *testing.T) {
		p, err := orderhub.ParsePurchase(with(t, map[string]any{"firstName": nil, "lastName": "", "deliveryAddressFirstName": "Anna", "deliveryAddressLastName": "Berg"}), testNow)
		if err != nil {
			t.Fatal(err)
		}
		if c := p.Customer(); c.FirstName != "Anna" || c.LastName != "Berg" || c.FullName != "Anna Berg" {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("unknown fields are ignored", func(t *testing.T) {
		if _, err := orderhub.ParsePurchase(with(t, map[string]any{"zapMeta": map[string]any{"x": 1}}), testNow); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParsePurchaseDates(t *testing.T) {
	for _, tc := range []struct {
		startsAt, endsAt string
		start            time.Time
		delayed          bool
	}{
		{"2022-11-08T12:49:11Z", "2022-12-08T12:49:11.5Z", time.Date(2022, 11, 8, 12, 49, 11, 0, time.UTC), false},
		{"2022-11-08T13:49:11.190+01:00", "", time.Date(2022, 11, 8, 12, 49, 11, 190e6, time.UTC), false},
		{"2022-12-01", "2023-12-01", time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC), true},
		{"2022-11-09T00:30:00+02:00", "", time.Date(2022, 11, 8, 22, 30, 0, 0, time.UTC), false},
	} {
		p, err := orderhub.ParsePurchase(with(t, map[string]any{"startsAt": tc.startsAt, "endsAt": tc.endsAt}), testNow)
		if err != nil {
			t.Fatalf("%s: %v", tc.startsAt, err)
		}
		if !p.Start.Equal(tc.start) || p.Delayed != tc.delayed || p.StartsAt != tc.start.Format(time.RFC3339Nano) {
			t.Errorf("%s: start %v (%q) delayed %v, want %v delayed %v", tc.startsAt, p.Start, p.StartsAt, p.Delayed, tc.start, tc.delayed)
		}
		if (tc.endsAt == "") != (p.End == nil) {
			t.Errorf("%s: end %v", tc.endsAt, p.End)
		}
	}
}

func TestPurchaseFingerprint(t *testing.T) {
	fp := func(body []byte, now time.Time) string {
		t.Helper()
		p, err := orderhub.ParsePurchase(body, now)
		if err != nil {
			t.Fatal(err)
		}
		return p.Fingerprint
	}
	base := fp([]byte(seedPurchase), testNow)
	// The same content written differently is the same purchase.
	same := with(t, map[string]any{"email": "Zapier@Sesamy.com ", "startsAt": "2022-11-08T13:49:11.19+01:00", "deliveryAddressCountry": "se", "sku": 1234})
	if fp(same, testNow.Add(time.Hour)) != base {
		t.Error("equivalent payload has another fingerprint")
	}
	// A defaulted startsAt is not part of the content: a later replay matches.
	noStart := with(t, map[string]any{"startsAt": nil})
	if fp(noStart, testNow) != fp(noStart, testNow.Add(time.Hour)) {
		t.Error("a missing startsAt changes the fingerprint over time")
	}
	for k, v := range map[string]any{"notes": "other", "endsAt": "2023-01-01T00:00:00Z", "productId": "p2", "billingAddressStreet": "Drottninggatan 1", "deliveryAddressCo": "c/o X"} {
		if fp(with(t, map[string]any{k: v}), testNow) == base {
			t.Errorf("changing %s keeps the fingerprint", k)
		}
	}
}

// FuzzParsePurchase checks that no input panics and that every rejection is a
// client error with a code and a message.
func FuzzParsePurchase(f *testing.F) {
	f.Add([]byte(seedPurchase))
	f.Add([]byte(`{"source":"s","vendorId":"v","productId":"p","email":"a@b.se","startsAt":"2022-01-01","endsAt":"2021-01-01"}`))
	f.Add([]byte(`{"source":1,"vendorId":-2e400,"sku":[],"poId":{}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := orderhub.ParsePurchase(body, testNow)
		if err != nil {
			e, ok := err.(*orderhub.Error)
			if !ok || e.Code == "" || e.Message == "" || e.Code == orderhub.EInternal {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if p.SourceID == "" || p.VendorID == "" || (p.ProductID == "" && (p.SKU == "" || p.POID == "")) || (p.Email == "" && p.UserID == "" && p.PublisherUserID == "") {
			t.Fatalf("accepted an incomplete purchase %+v", p)
		}
		if p.End != nil && !p.End.After(p.Start) {
			t.Fatalf("endsAt %v not after startsAt %v", p.End, p.Start)
		}
	})
}
