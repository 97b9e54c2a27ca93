package orderhub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"orderhub/internal/seedexample"
)

// fastTarget is a target with every kind of field the fast path reads, a field it
// must leave alone, and a second struct type.
type fastTarget struct {
	Name    string          `json:"name"`
	Email   *string         `json:"email,omitempty"`
	Raw     json.RawMessage `json:"raw"`
	Inner   fastInner       `json:"inner"`
	Ptr     *fastInner      `json:"ptr"`
	Skipped string          `json:"-"`
	hidden  string
	NoTag   string
}

type fastInner struct {
	City string  `json:"city"`
	Zip  *string `json:"zip"`
}

// checkFastPath fails when the fast path accepts body into a fresh T but the full
// reader does not, or reads another value; it reports whether the fast path took it.
func checkFastPath[T any](t *testing.T, body []byte, known bool) bool {
	t.Helper()
	var fast, full T
	opts := JSONOptions{KnownFields: known}
	took := readJSONFast(body, &fast, opts)
	if !took {
		if !reflect.ValueOf(fast).IsZero() {
			t.Fatalf("the fast path gave up on %q but left %+v", body, fast)
		}
		return false
	}
	if err := readJSONFull(body, &full, opts); err != nil {
		t.Fatalf("the fast path took %q (known %v), the full reader refuses it: %v", body, known, err)
	}
	if !reflect.DeepEqual(fast, full) {
		t.Fatalf("%q (known %v): the fast path read %#v, the full reader %#v", body, known, fast, full)
	}
	return true
}

func TestReadJSONFast(t *testing.T) {
	for _, c := range []struct {
		body  string
		known bool
		fast  bool // the fast path takes it
	}{
		{body: `{"name":"a","email":"e@x.se","raw":{"b":[1,2.5e3,"x",null,true]},"inner":{"city":"Sthlm"},"ptr":{"zip":"123"}}`, fast: true},
		{body: ` { "name" : "Åsa" , "email" : null , "raw" : -0 , "ptr" : null , "extra" : {"a":{"b":[{}]}} } `, fast: true},
		{body: `{"name":"a","extra":1}`, known: true}, // unknown field: the full reader refuses it
		{body: `{"NAME":"a"}`},                        // matches only case-insensitively
		{body: `{"name":"a\u0041"}`},                  // an escape
		{body: `{"name":"a","name":"b"}`},             // a duplicate key
		{body: `{"raw":{"a":1,"a":2}}`},               // a duplicate key in a raw value
		{body: `{"extra":{"a":1,"a":2}}`},             // a duplicate key in an ignored value
		{body: `{"name":1}`},                          // another type
		{body: `{"raw":tru}`},                         // malformed
		{body: `{"raw":[1,]}`},                        // malformed
		{body: `{"name":"a"} x`},                      // trailing data
		{body: `{"name":"a"}}`},                       // trailing data
		{body: `{"name":"\xff"}`},                     // invalid UTF-8
		{body: `{"Skipped":"x","hidden":"y","NoTag":"z"}`, fast: true},
		{body: `{"Skipped":"x"}`, known: true},
		{body: `{"raw":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`}, // deeper than the fast path goes
		{body: `null`},
		{body: `[]`},
	} {
		if got := checkFastPath[fastTarget](t, []byte(c.body), c.known); got != c.fast {
			t.Errorf("%s (known %v): fast path %v, want %v", c.body, c.known, got, c.fast)
		}
	}
	if !checkFastPath[wireVendorOrder](t, []byte(seedexample.VendorOrder), false) {
		t.Errorf("the fast path does not read seed 001's order")
	}
	// A target with values set keeps those the body does not name: the full reader's.
	v := fastTarget{Name: "kept"}
	if readJSONFast([]byte(`{"email":"e"}`), &v, JSONOptions{}) || v.Name != "kept" {
		t.Errorf("the fast path read into a target with values: %+v", v)
	}
}

// TestReadJSONFastAllocations: the fast path allocates only what it decodes.
func TestReadJSONFastAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations of its own; CI's -race run counts them, the plain run checks the bound")
	}
	body := []byte(seedexample.VendorOrder)
	n := testing.AllocsPerRun(100, func() {
		var w wireVendorOrder
		if !readJSONFast(body, &w, JSONOptions{}) {
			t.Fatal("not read by the fast path")
		}
	})
	// The seed's order: 13 strings, 2 blocks of the *string fields' strings (the
	// order's 4, userData's 1), 2 structs, 3 raw values, and the target itself.
	if n > 21 {
		t.Errorf("the fast path allocates %v times for seed 001's order", n)
	}
}

// FuzzReadJSONFast: whatever the fast path reads, the full reader reads alike.
func FuzzReadJSONFast(f *testing.F) {
	f.Add([]byte(seedexample.VendorOrder), false)
	f.Add([]byte(`{"externalOrderId":"A","quantity":1e3,"paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"a@b.se","address":null},"ownerData":{"x":[1,{"y":2}]}}`), false)
	f.Add([]byte(`{"name":"a","email":"e@x.se","raw":{"b":[1,"x",null,true]},"inner":{"city":"S"},"ptr":{"zip":"1"}}`), true)
	f.Fuzz(func(t *testing.T, body []byte, known bool) {
		checkFastPath[wireVendorOrder](t, body, known)
		checkFastPath[fastTarget](t, body, known)
	})
}

// checkCanonical fails when canonicalFast writes raw otherwise than canonicalJSONFull;
// it reports whether canonicalFast took it.
func checkCanonical(t *testing.T, raw []byte) bool {
	t.Helper()
	fast, ok := canonicalFast(raw)
	if !ok {
		return false
	}
	if full := canonicalJSONFull(raw); string(fast) != string(full) {
		t.Fatalf("%q: canonicalFast wrote %q, encoding/json %q", raw, fast, full)
	}
	return true
}

func TestCanonicalFast(t *testing.T) {
	for _, c := range []struct {
		raw  string
		fast bool
	}{
		{`{"seller":"tm-team","promoCode":"PROMOCODE"}`, true},
		{` { "b" : [ 1 , -0.5e+3 , "x" , null , true , false , { } , [ ] ] , "a" : { "z" : 1 , "Z" : 2 } , "å" : "ä" } `, true},
		{`"plain"`, true},
		{`12`, true},
		{`{"a":"<b>"}`, false},          // written as \u003cb\u003e
		{`{"a":"x\u2028y"}`, false},     // an escape
		{"{\"a\":\"x\u2028y\"}", false}, // written escaped
		{`{"a":1,"a":2}`, false},        // a duplicate key
		{`{"a":01}`, false},             // malformed
		{`{"a":1} x`, false},            // trailing data
		{`{"a":[1,2}`, false},           // malformed
		{`{"a":tru}`, false},            // malformed
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), false}, // deeper than the fast path goes
	} {
		if got := checkCanonical(t, []byte(c.raw)); got != c.fast {
			t.Errorf("%s: fast %v, want %v", c.raw, got, c.fast)
		}
	}
}

// FuzzCanonicalJSON: what canonicalFast writes is what encoding/json writes.
func FuzzCanonicalJSON(f *testing.F) {
	f.Add([]byte(`{"seller":"tm-team","promoCode":"PROMOCODE","SMNO":"123"}`))
	f.Add([]byte(`{"flowyCustomerNumber":"987654321","seller":"Jane Smith","n":[1,2.5,-0,1e9],"o":{"b":null,"a":true}}`))
	f.Fuzz(func(t *testing.T, raw []byte) { checkCanonical(t, raw) })
}

// checkVendorOrderJSON fails when vendorOrderJSON writes o otherwise than
// json.Marshal; it reports whether vendorOrderJSON wrote it.
func checkVendorOrderJSON(t *testing.T, o *VendorOrder) bool {
	t.Helper()
	fast, ok := vendorOrderJSON(nil, o)
	if !ok {
		return false
	}
	full, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if string(fast) != string(full) {
		t.Fatalf("vendorOrderJSON wrote\n%s\njson.Marshal\n%s", fast, full)
	}
	return true
}

func TestVendorOrderJSON(t *testing.T) {
	full := &VendorOrder{
		VendorID: "acme", PromoCode: "P", ExternalOrderID: "E-1", Quantity: 12, PaymentMethod: "CARD",
		PaymentProvider: "STRIPE", StartDate: "2025-01-08",
		User: Person{Email: "a@b.se", FullName: "Åsa Öberg", Phone: "+4670", Extra: json.RawMessage(`{"a":[1,"x y"]}`),
			Address: &Address{FirstName: "F", LastName: "L", Co: "C", Street: "S", Street2: "S2", Zip: "Z", City: "C", State: "St", Country: "SE"}},
		Owner:     &Person{Address: &Address{}},
		OwnerData: json.RawMessage(`{"email":"o@b.se"}`), VendorData: json.RawMessage(`{"seller":"x"}`),
		Delayed: true, Confirm: true, Fingerprint: "x",
	}
	for _, c := range []struct {
		o    *VendorOrder
		fast bool
	}{
		{full, true},
		{&VendorOrder{}, true},
		{&VendorOrder{User: Person{Phone: "1", Extra: json.RawMessage(`{}`)}}, true},
		{&VendorOrder{User: Person{Extra: json.RawMessage(`{}`)}, Owner: &Person{FullName: "x"}}, true},
		{&VendorOrder{ExternalOrderID: "a<b"}, false},
		{&VendorOrder{ExternalOrderID: `a"b`}, false},
		{&VendorOrder{ExternalOrderID: "a\u2028b"}, false},
		{&VendorOrder{ExternalOrderID: "a\xffb"}, false},
		{&VendorOrder{User: Person{Extra: json.RawMessage(`{"a": 1}`)}}, false},
		{&VendorOrder{VendorData: json.RawMessage(`{"a":"<"}`)}, false},
		{&VendorOrder{VendorData: json.RawMessage(`{"a":"\u003c\"x"}`)}, true},
	} {
		if got := checkVendorOrderJSON(t, c.o); got != c.fast {
			t.Errorf("%+v: fast %v, want %v", c.o, got, c.fast)
		}
	}
}

// FuzzParseVendorOrderFingerprint: the fingerprint of every order ParseVendorOrder
// accepts is the SHA-256 of json.Marshal of the order, as it always was.
func FuzzParseVendorOrderFingerprint(f *testing.F) {
	f.Add([]byte(seedexample.VendorOrder), true)
	f.Add([]byte(`{"externalOrderId":"A<1>","quantity":3,"paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"a@b.se","address":{"street":"G 1","country":"se"}},"ownerData":{"email":"o@b.se","fullName":"O"},"vendorData":{"SMNO":"12","b":[1, 2]}}`), false)
	f.Fuzz(func(t *testing.T, body []byte, confirm bool) {
		o, err := ParseVendorOrder("acme", "PROMO", confirm, body, time.Date(2025, 1, 7, 0, 0, 0, 0, time.UTC))
		if err != nil {
			return
		}
		full, _ := json.Marshal(o)
		sum := sha256.Sum256(full)
		if o.Fingerprint != hex.EncodeToString(sum[:]) {
			t.Fatalf("%q: fingerprint %s is not that of %s", body, o.Fingerprint, full)
		}
		checkVendorOrderJSON(t, o)
	})
}

// TestVendorOrderFingerprintsKept: fingerprints stored before the fast paths match
// the same orders now (computed with the code before them).
func TestVendorOrderFingerprintsKept(t *testing.T) {
	today := time.Date(2025, 1, 7, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ body, fingerprint string }{
		{seedexample.VendorOrder, "680410e726763ae0781fd4188c78450f6ba582f5d9a66b1b9d002a123a187830"},
		{`{"externalOrderId":"B-x-1","quantity":1,"paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"u1@bench.example","fullName":"Bench User 1"},"vendorData":{"seller":"bench"}}`,
			"b3ba9df8cef5f60209d6c2080c32816eddd93c4d9fdd10febfc94adf4968731f"},
		{`{"externalOrderId":"A<1>","quantity":3,"paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"A@B.se","phone":"070-123 45 67","address":{"street":"G 1","country":"se"},"extraData":{"z":1,"a":{"y":"<&>","b":[1.50,-0]}}},"ownerData":{"email":"o@b.se","fullName":"O"},"vendorData":{"SMNO":12,"b":[1, 2]}}`,
			"6e9b1833e8db2811400da7eb83c04672f264f6b6c4fce0a82aa3d89a74a613d1"},
	} {
		o, err := ParseVendorOrder("acme", "PROMOCODE", true, []byte(c.body), today)
		if err != nil || o.Fingerprint != c.fingerprint {
			t.Errorf("%s: fingerprint %v (%v), want %s", c.body, o, err, c.fingerprint)
		}
	}
}

// BenchmarkParseVendorOrder parses the body BenchmarkVendorOrders sends.
func BenchmarkParseVendorOrder(b *testing.B) {
	body := []byte(`{"externalOrderId":"B-1-1","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","startDate":"2025-01-08",` +
		`"userData":{"email":"c1-1@example.com","fullName":"John Doe","phone":"+46701234567","address":{"firstName":"John","lastName":"Doe","street":"Example Street 123","zip":"12345","city":"Stockholm","country":"SE"}},` +
		`"vendorData":{"promoCode":"PROMOCODE","seller":"tm-team"}}`)
	today := time.Date(2025, 1, 7, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseVendorOrder("acme", "PROMOCODE", true, body, today); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadJSONManyKeys: an object of many keys is checked for duplicates (escaped
// or not, at any position) in time linear in its keys.
func TestReadJSONManyKeys(t *testing.T) {
	object := func(n int, last string) []byte {
		b := []byte(`{"raw":{`)
		for i := range n {
			b = fmt.Appendf(b, `"k%d":%d,`, i, i)
		}
		return append(b, last+`}}`...)
	}
	for _, c := range []struct {
		last, field string
	}{
		{`"k99":1`, "raw.k99"},
		{`"\u006b5":1`, "raw.k5"},
		{`"new":1`, ""},
	} {
		var v fastTarget
		err := ReadJSON(object(200, c.last), &v, JSONOptions{})
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.last, err)
			}
			continue
		}
		if e, ok := err.(*Error); !ok || e.Field != c.field {
			t.Errorf("%s: got %v, want the duplicate %s", c.last, err, c.field)
		}
	}
	body := object(60000, `"end":1`)
	start := time.Now()
	var v fastTarget
	if err := ReadJSON(body, &v, JSONOptions{}); err != nil {
		t.Fatal(err)
	}
	// Comparing every key with each before it took 28 s here.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("%d keys took %v", 60000, d)
	}
}
