package orderhub

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"
)

// payloadFiller sets every field of a value, by reflection, to random values that
// exercise what encoding/json does: escapes, omitempty, nil pointers and slices,
// raw values that need compacting or are invalid, Money and times of every shape.
// A field of a type it does not know fails the test: teach it the type, and the
// appenders the field.
type payloadFiller struct {
	t *testing.T
	r *rand.Rand
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	moneyType = reflect.TypeFor[Money]()
)

func (f *payloadFiller) fill(v reflect.Value, path string) {
	switch v.Type() {
	case timeType:
		v.Set(reflect.ValueOf(f.time()))
		return
	case rawMessageType:
		v.Set(reflect.ValueOf(f.raw()))
		return
	case moneyType:
		v.SetInt(int64(f.money()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.str())
	case reflect.Int, reflect.Int64:
		v.SetInt(f.int())
	case reflect.Pointer:
		switch f.r.Intn(4) {
		case 0:
			v.SetZero()
		case 1: // set but empty
			v.Set(reflect.New(v.Type().Elem()))
		default:
			p := reflect.New(v.Type().Elem())
			f.fill(p.Elem(), path)
			v.Set(p)
		}
	case reflect.Slice:
		switch f.r.Intn(5) {
		case 0:
			v.SetZero()
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			s := reflect.MakeSlice(v.Type(), 1+f.r.Intn(3), 3)
			for i := range s.Len() {
				f.fill(s.Index(i), path+"[]")
			}
			v.Set(s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				f.t.Fatalf("%s.%s: unexported field", path, sf.Name)
			}
			f.fill(v.Field(i), path+"."+sf.Name)
		}
	default:
		f.t.Fatalf("%s: the filler has no values for %s; add them (and the field to payloadjson.go)", path, v.Type())
	}
}

// strPieces are what random strings are made of.
var strPieces = []string{
	"a", "Z", "0", " ", "john.doe@example.com", "Stockholm", "/", "'", "\x7f", "~",
	`"`, `\`, "\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "<", ">", "&", "<script>",
	"\u2028", "\u2029", "\u2027", "\u202a", "\xe2\x80", "\xe2\x80\xa8", "\xff", "\xfe\xfe", "\xc3", "\xed\xa0\x80", // a surrogate
	"é", "Åsa Öberg", "日本", "\ufffd", "😀", "\U0010ffff", "\\u003c",
}

func (f *payloadFiller) str() string {
	if f.r.Intn(4) == 0 {
		return ""
	}
	var b strings.Builder
	for range 1 + f.r.Intn(6) {
		b.WriteString(strPieces[f.r.Intn(len(strPieces))])
	}
	return b.String()
}

func (f *payloadFiller) int() int64 {
	switch f.r.Intn(6) {
	case 0:
		return 0
	case 1:
		return -f.r.Int63n(1000)
	case 2:
		return math.MaxInt64
	case 3:
		return math.MinInt64
	}
	return f.r.Int63n(1000)
}

func (f *payloadFiller) money() Money {
	switch f.r.Intn(12) {
	case 0:
		return 0
	case 1:
		return Money(-f.r.Int63n(1_000_000))
	case 2:
		return MaxMoney
	case 3:
		return -MaxMoney
	case 4:
		return math.MaxInt64
	case 5:
		if f.r.Intn(4) == 0 {
			return math.MinInt64 // json.Marshal fails on it
		}
		return math.MinInt64 + 1
	case 6:
		return Money(f.r.Intn(100)) // cents only
	case 7:
		return Money(f.r.Intn(100) * 100) // whole
	case 8:
		return Money(f.r.Intn(10) * 10) // one decimal
	}
	return Money(f.r.Int63n(1 << 40))
}

var payloadZones = func() []*time.Location {
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("", 0), time.FixedZone("CET", 3600),
		time.FixedZone("IST", 5*3600+30*60), time.FixedZone("", -8*3600), time.FixedZone("LMT", 9*60+21), // seconds in the offset
		time.FixedZone("", -(3*3600 + 30*60 + 15)), time.FixedZone("", 23*3600+59*60), time.FixedZone("", -23*3600),
		time.FixedZone("bad", 24*3600), time.FixedZone("bad", -25*3600), // json.Marshal fails on these
	}
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		zones = append(zones, l)
	}
	return zones
}()

func (f *payloadFiller) time() time.Time {
	if f.r.Intn(10) == 0 {
		return time.Time{}
	}
	if f.r.Intn(10) == 0 {
		return time.Now() // with a monotonic reading
	}
	var sec int64
	switch f.r.Intn(10) {
	case 0: // years around and outside 0–9999: json.Marshal fails outside
		sec = f.r.Int63n(20000*365*86400) - 10100*365*86400 - 62135596800
	default:
		sec = 1_500_000_000 + f.r.Int63n(500_000_000)
	}
	var nsec int64
	switch f.r.Intn(4) {
	case 1:
		nsec = f.r.Int63n(1e9)
	case 2:
		nsec = f.r.Int63n(1000) * 1e6
	case 3:
		nsec = f.r.Int63n(1e6) * 1e3
	}
	return time.Unix(sec, nsec).In(payloadZones[f.r.Intn(len(payloadZones))])
}

// rawSamples are raw values: compact and plain, to be compacted, to be escaped,
// and invalid.
var rawSamples = []string{
	`{}`, `[]`, `{"a":1}`, `{"promoCode":"DIGI12","seller":"tm-team"}`, `"x"`, `1`, `-0.5e+10`, `true`, `false`, `null`,
	`{"a":{"b":[1,2,{"c":null}]},"d":"e\"f\\g\/h\u00e9\uD83D\uDE00"}`, `["\b\f\n\r\t"]`, `{"a":"é日本😀"}`,
	` {"a" : 1} `, "{\n\t\"a\": [1, 2]\r\n}", `[ ]`, ` "x"`, `1 `, // white space
	`"<"`, `{"a":"x>y&z"}`, "\"\u2028\"", "[\"\u2029\"]", `{"<":1}`, // escaped by encoding/json
	`"\xff"`, "\"\xe2\x80\"", // invalid UTF-8 is kept
	`{`, `}`, `{"a":}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `-`, `.5`, `1e`, `+1`, `nul`, `truex`, `"\x01"`, `"\q"`, `"\u12"`, `"abc`,
	`{"a" 1}`, `{a:1}`, `[1 2]`, `{}{}`, `1 2`, ``, ` `, // invalid: json.Marshal fails
	strings.Repeat("[", 70) + strings.Repeat("]", 70), // deeper than the fast path goes
	strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64),
}

func (f *payloadFiller) raw() json.RawMessage {
	switch f.r.Intn(8) {
	case 0:
		return nil
	case 1:
		return json.RawMessage{}
	case 2, 3:
		return json.RawMessage(f.randomJSON(0, f.r.Intn(3) == 0))
	}
	return json.RawMessage(rawSamples[f.r.Intn(len(rawSamples))])
}

// randomJSON writes a random valid JSON value, with white space when spaced.
func (f *payloadFiller) randomJSON(depth int, spaced bool) string {
	ws := func() string {
		if spaced && f.r.Intn(3) == 0 {
			return []string{" ", "\n", "\t", "\r\n  "}[f.r.Intn(4)]
		}
		return ""
	}
	k := f.r.Intn(7)
	if depth > 3 {
		k = 2 + f.r.Intn(5)
	}
	switch k {
	case 0:
		var parts []string
		for range f.r.Intn(4) {
			key, _ := json.Marshal(f.str())
			parts = append(parts, ws()+string(key)+ws()+":"+ws()+f.randomJSON(depth+1, spaced)+ws())
		}
		return "{" + strings.Join(parts, ",") + ws() + "}"
	case 1:
		var parts []string
		for range f.r.Intn(4) {
			parts = append(parts, ws()+f.randomJSON(depth+1, spaced)+ws())
		}
		return "[" + strings.Join(parts, ",") + ws() + "]"
	case 2:
		// encoding/json's own escapes (no HTML escaping) and raw bytes as they are.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(f.r.Intn(2) == 0)
		_ = enc.Encode(f.str())
		return strings.TrimSuffix(b.String(), "\n")
	case 3:
		return []string{"0", "-1", "12.5", "1e10", "-0.0E-3", "123456789012345678901234567890"}[f.r.Intn(6)]
	default:
		return []string{"true", "false", "null"}[f.r.Intn(3)]
	}
}

// checkSame compares got (of an appender) with json.Marshal(v).
func checkSame(t *testing.T, what string, v any, got []byte, gotErr error) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("%s: error %v, json.Marshal's %v\nvalue: %#v", what, gotErr, wantErr, v)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s:\n got  %s\n want %s\nvalue: %#v", what, got, want, v)
	}
}

func TestPayloadJSON(t *testing.T) {
	f := &payloadFiller{t: t, r: rand.New(rand.NewSource(time.Now().UnixNano()))}
	n := 4000
	if testing.Short() {
		n = 500
	}
	errs := 0
	for range n {
		var c Customer
		f.fill(reflect.ValueOf(&c).Elem(), "Customer")
		got, err := MarshalCustomerJSON(&c)
		checkSame(t, "Customer", &c, got, err)
		if err != nil {
			errs++
		}

		var k Contract
		f.fill(reflect.ValueOf(&k).Elem(), "Contract")
		got, err = MarshalContractJSON(&k)
		checkSame(t, "Contract", &k, got, err)
		b := contractOrderMetadata(&k)
		meta := map[string]string{"contractId": k.ID, "origin": k.Origin} // ContractOrder's map, as it was
		for key, v := range map[string]string{"externalOrderId": k.ExternalOrderID, "promoCode": k.PromoCode, "startDate": k.StartDate} {
			if v != "" {
				meta[key] = v
			}
		}
		checkSame(t, "contract order metadata", meta, b, nil)

		var o Order
		f.fill(reflect.ValueOf(&o).Elem(), "Order")
		got, err = MarshalOrderJSON(&o)
		checkSame(t, "Order", &o, got, err)
		got, err = MarshalOrderItemsJSON(o.Items)
		checkSame(t, "[]OrderItem", o.Items, got, err)
		got, err = MarshalAddressJSON(o.BillingAddress)
		checkSame(t, "Address", o.BillingAddress, got, err)
	}
	if errs == 0 || errs == n {
		t.Errorf("%d of %d customers failed to marshal: the random values miss a case", errs, n)
	}
	for _, v := range []any{(*Customer)(nil), (*Contract)(nil), (*Order)(nil), (*Address)(nil)} {
		var got []byte
		var err error
		switch v := v.(type) {
		case *Customer:
			got, err = MarshalCustomerJSON(v)
		case *Contract:
			got, err = MarshalContractJSON(v)
		case *Order:
			got, err = MarshalOrderJSON(v)
		case *Address:
			got, err = MarshalAddressJSON(v)
		}
		checkSame(t, "nil", v, got, err)
	}
}

// TestPayloadJSONFast checks that a vendor order's payloads take the fast path
// (no fallback to encoding/json), so that the speed cannot quietly go away.
func TestPayloadJSONFast(t *testing.T) {
	now := time.Now()
	c := &Contract{ID: NewUUID(), VendorID: "acme", ExternalOrderID: "B-1", PromoCode: "DIGI12", ProductName: "Digital 12m",
		Status: ContractConfirmed, Origin: OriginVendorOrder, Quantity: 1, PaymentMethod: "INVOICE", UserID: NewUUID(), PayerID: NewUUID(),
		ExtraData: json.RawMessage(`{"a":[1,"b"]}`), VendorData: json.RawMessage(`{"promoCode":"DIGI12","seller":"tm-team"}`),
		CreatedAt: now, ConfirmedAt: &now}
	e := payloadEncoder{ok: true}
	e.contract(c)
	cu := &Customer{ID: "x", VendorID: "acme", Email: "a@b.se", Address: &Address{City: "Stockholm"}, ExtraData: json.RawMessage(`{"x":1}`), CreatedAt: now}
	e.customer(cu)
	o := ContractOrder(c, 9900, "SEK")
	e.order(&o)
	if !e.ok {
		t.Fatal("a plain vendor order's payload fell back to encoding/json")
	}
	for _, raw := range []string{`{"a":[1,"b"]}`, `{"promoCode":"DIGI12","seller":"tm-team"}`, `"\u003c"`, `[true,false,null,-1.5e3]`} {
		if !plainCompactJSON([]byte(raw)) {
			t.Errorf("%s is not taken as it is", raw)
		}
	}
}

// FuzzPayloadJSON compares the string and raw value encodings with encoding/json:
//
//	go test -run '^$' -fuzz FuzzPayloadJSON -fuzztime 1m .
func FuzzPayloadJSON(f *testing.F) {
	for _, s := range strPieces {
		f.Add(s, []byte(`{"a":1}`))
	}
	for _, r := range rawSamples {
		f.Add("x<y", []byte(r))
	}
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("string %q: got %s, want %s", s, got, want)
		}
		m, err := json.Marshal(json.RawMessage(raw))
		if plainCompactJSON(raw) && (err != nil || !bytes.Equal(m, raw)) {
			t.Fatalf("raw %q taken as it is; json.Marshal: %s, %v", raw, m, err)
		}
		if err == nil && bytes.Equal(m, raw) && !plainCompactJSON(raw) && bytes.Count(raw, []byte("["))+
			bytes.Count(raw, []byte("{")) < maxPlainDepth {
			t.Fatalf("raw %q is written as it is but not taken as it is", raw)
		}
		c := &Customer{ID: s, VendorID: s, Email: s, Address: &Address{Street: s}, ExtraData: raw}
		got, err := MarshalCustomerJSON(c)
		checkSame(t, "Customer", c, got, err)
		it := []OrderItem{{Name: s, Extra: raw}}
		got, err = MarshalOrderItemsJSON(it)
		checkSame(t, "[]OrderItem", it, got, err)
	})
}

// BenchmarkPayloadJSON compares encoding/json with the appenders on the payloads
// of a vendor order (BenchmarkWriterVendorOrders's):
//
//	go test -run '^$' -bench PayloadJSON -benchmem .
func BenchmarkPayloadJSON(b *testing.B) {
	now := time.Now()
	addr := &Address{FirstName: "John", LastName: "Doe", Street: "Example Street 123", Zip: "12345", City: "Stockholm", Country: "SE"}
	cu := &Customer{ID: NewUUID(), VendorID: "acme", Email: "c1@example.com", FullName: "John Doe", FirstName: "John", LastName: "Doe",
		Phone: "+46701234567", Address: addr, CreatedAt: now, UpdatedAt: now}
	c := &Contract{ID: NewUUID(), VendorID: "acme", ExternalOrderID: "B-1", PromoCode: "DIGI12", ProductName: "Digital 12m",
		Status: ContractConfirmed, Origin: OriginVendorOrder, Quantity: 1, PaymentMethod: "INVOICE", PaymentProvider: "BILLOGRAM",
		StartDate: "2025-01-08", UserID: cu.ID, PayerID: cu.ID, UserEmail: cu.Email,
		VendorData: json.RawMessage(`{"promoCode":"DIGI12","seller":"tm-team"}`), CreatedAt: now, ConfirmedAt: &now}
	o := ContractOrder(c, 9900, "SEK")
	o.ID, o.CreatedAt, o.UpdatedAt = NewUUID(), now, now
	for _, t := range []struct {
		name       string
		json, fast func() ([]byte, error)
	}{
		{"Customer", func() ([]byte, error) { return json.Marshal(cu) }, func() ([]byte, error) { return MarshalCustomerJSON(cu) }},
		{"Contract", func() ([]byte, error) { return json.Marshal(c) }, func() ([]byte, error) { return MarshalContractJSON(c) }},
		{"Order", func() ([]byte, error) { return json.Marshal(&o) }, func() ([]byte, error) { return MarshalOrderJSON(&o) }},
		{"Address", func() ([]byte, error) { return json.Marshal(addr) }, func() ([]byte, error) { return MarshalAddressJSON(addr) }},
		{"Items", func() ([]byte, error) { return json.Marshal(o.Items) }, func() ([]byte, error) { return MarshalOrderItemsJSON(o.Items) }},
		{"OrderMetadata", func() ([]byte, error) {
			return json.Marshal(map[string]string{"contractId": c.ID, "origin": c.Origin, "externalOrderId": c.ExternalOrderID,
				"promoCode": c.PromoCode, "startDate": c.StartDate})
		}, func() ([]byte, error) { return contractOrderMetadata(c), nil }},
	} {
		for _, way := range []struct {
			name string
			f    func() ([]byte, error)
		}{{"json", t.json}, {"append", t.fast}} {
			b.Run(t.name+"/"+way.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := way.f(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
