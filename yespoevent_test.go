package orderhub

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"orderhub/internal/seedexample"
)

// seedExample is seed 004's own orderCreated example, verbatim.
const seedExample = seedexample.OrderCreated

// ev builds an event body from name/value pairs (values are JSON).
func ev(typ string, kv ...string) string {
	var ps []string
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, `{"name":`+strconvQuote(kv[i])+`,"value":`+kv[i+1]+`}`)
	}
	return `{"eventTypeKey":"` + typ + `","keyValue":"k1","params":[` + strings.Join(ps, ",") + `]}`
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

const item1 = `{"externalItemId":"A1","name":"Thing","quantity":2,"cost":"10.50","url":"https://shop.example/a1","imageUrl":"https://shop.example/a1.png"}`

func validCreated(extra ...string) []string {
	kv := []string{"externalOrderId", `"o-1"`, "externalCustomerId", `"c-1"`, "totalCost", `"21.00"`, "status", `"INITIALIZED"`, "date", `"2020-05-14T10:11:00"`, "items", `[` + item1 + `]`}
	return append(kv, extra...)
}

func without(kv []string, name string) []string {
	var out []string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] != name {
			out = append(out, kv[i], kv[i+1])
		}
	}
	return out
}

func with(kv []string, name, value string) []string {
	return append(without(kv, name), name, value)
}

func mustParse(t *testing.T, body string) *OrderEvent {
	t.Helper()
	e, err := ParseOrderEvent([]byte(body))
	if err != nil {
		t.Fatalf("ParseOrderEvent(%s): %v", body, err)
	}
	return e
}

func TestParseOrderEventValid(t *testing.T) {
	e := mustParse(t, ev(YespoOrderCreated, validCreated("currency", `"uah"`, "source", `"web"`, "Email", `"Ann@Example.COM"`)...))
	if e.Ignored != nil || e.CreateIgnored != nil {
		t.Fatalf("ignored: %v %v", e.Ignored, e.CreateIgnored)
	}
	o := e.Order
	if o.ExternalOrderID != "o-1" || o.Total != 2100 || o.Status != OrderInitialized || o.Date != "2020-05-14T10:11:00" || o.Currency != "UAH" {
		t.Fatalf("order %+v", o)
	}
	if len(o.Items) != 1 || o.Items[0].Quantity != 2 || o.Items[0].Cost != 1050 || o.Items[0].ImageURL != "https://shop.example/a1.png" {
		t.Fatalf("items %+v", o.Items)
	}
	var meta map[string]string
	if err := json.Unmarshal(o.Metadata, &meta); err != nil || meta["source"] != "web" || meta["Email"] != "Ann@Example.COM" {
		t.Fatalf("metadata %s", o.Metadata)
	}
	want := []ContactKey{{ContactKeyExternal, "externalCustomerId", "c-1"}, {ContactKeyEmail, "Email", "ann@example.com"}}
	if len(e.Contacts) != 2 || e.Contacts[0] != want[0] || e.Contacts[1] != want[1] {
		t.Fatalf("contacts %+v", e.Contacts)
	}
}

func TestParseOrderEventItemsAsString(t *testing.T) {
	s, _ := json.Marshal("[" + item1 + "]")
	e := mustParse(t, ev(YespoOrderCreated, with(validCreated(), "items", string(s))...))
	if e.Ignored != nil || len(e.Order.Items) != 1 || e.Order.Items[0].ExternalItemID != "A1" {
		t.Fatalf("%+v %v", e.Order.Items, e.Ignored)
	}
	// Nested values beyond the second level stay serialized.
	nested := `[{"externalItemId":1,"name":"N","quantity":"1","cost":21,"url":"http://x.example/1","imageUrl":"http://x.example/1.png","sizes":[1,2],"brand":"B"}]`
	e = mustParse(t, ev(YespoOrderCreated, with(validCreated(), "items", nested)...))
	if e.Ignored != nil {
		t.Fatal(e.Ignored)
	}
	var extra map[string]any
	_ = json.Unmarshal(e.Order.Items[0].Extra, &extra)
	if extra["sizes"] != "[1,2]" || extra["brand"] != "B" || e.Order.Items[0].ExternalItemID != "1" {
		t.Fatalf("extra %s", e.Order.Items[0].Extra)
	}
}

func TestParseOrderEventRequired(t *testing.T) {
	for _, name := range []string{"externalOrderId", "totalCost", "status", "date"} {
		e := mustParse(t, ev(YespoOrderCreated, without(validCreated(), name)...))
		if e.Ignored == nil || e.Ignored.Code != EOrderEventParamRequired || e.Ignored.Field != name {
			t.Errorf("without %s: %+v", name, e.Ignored)
		}
		// An empty value counts as missing.
		e = mustParse(t, ev(YespoOrderCreated, with(validCreated(), name, `""`)...))
		if e.Ignored == nil || e.Ignored.Code != EOrderEventParamRequired {
			t.Errorf("empty %s: %+v", name, e.Ignored)
		}
	}
	// A contact id: any one of externalCustomerId, email, phone.
	noContact := without(validCreated(), "externalCustomerId")
	e := mustParse(t, ev(YespoOrderCreated, noContact...))
	if e.Ignored == nil || e.Ignored.Code != EOrderEventParamRequired || !strings.Contains(e.Ignored.Message, "contact") {
		t.Fatalf("no contact: %+v", e.Ignored)
	}
	for _, c := range [][]string{{"email", `"a@b.example"`}, {"phone", `"+46 70-123 45 67"`}} {
		e := mustParse(t, ev(YespoOrderCreated, append(noContact, c...)...))
		if e.Ignored != nil {
			t.Errorf("%s: %v", c[0], e.Ignored)
		}
	}
	// orderUpdated without them is fine until it has to create the order.
	e = mustParse(t, ev(YespoOrderUpdated, "externalOrderId", `"o-1"`, "status", `"IN_PROGRESS"`))
	if e.Ignored != nil || e.CreateIgnored == nil || e.CreateIgnored.Code != EOrderEventParamRequired {
		t.Fatalf("update: %v / %v", e.Ignored, e.CreateIgnored)
	}
	// orderDelivered and orderCancelled need only the order id.
	for _, typ := range []string{YespoOrderDelivered, YespoOrderCancelled} {
		if e := mustParse(t, ev(typ, "externalOrderId", `"o-1"`)); e.Ignored != nil || e.CreateIgnored != nil {
			t.Errorf("%s: %v", typ, e.Ignored)
		}
		if e := mustParse(t, ev(typ, "status", `"DELIVERED"`)); e.Ignored == nil || e.Ignored.Field != "externalOrderId" {
			t.Errorf("%s without id: %v", typ, e.Ignored)
		}
	}
}

func TestParseOrderEventStatusesAndDates(t *testing.T) {
	for _, s := range OrderStatuses {
		if e := mustParse(t, ev(YespoOrderCreated, with(validCreated(), "status", `"`+s+`"`)...)); e.Ignored != nil || e.Order.Status != s {
			t.Errorf("status %s: %v", s, e.Ignored)
		}
	}
	for _, s := range []string{"initialized", "SHIPPED", "PAID"} {
		if e := mustParse(t, ev(YespoOrderCreated, with(validCreated(), "status", `"`+s+`"`)...)); e.Ignored == nil || e.Ignored.Code != EOrderEventParamInvalid {
			t.Errorf("status %s accepted", s)
		}
	}
	for _, d := range []string{"2020-05-14", "2020-05-14 10:11:00", "2020-05-14T10:11:00Z", "2020-05-14T10:11", "14.05.2020 10:11:00", "2020-13-01T00:00:00"} {
		if e := mustParse(t, ev(YespoOrderCreated, with(validCreated(), "date", `"`+d+`"`)...)); e.Ignored == nil || e.Ignored.Field != "date" {
			t.Errorf("date %q accepted", d)
		}
	}
}

func TestParseOrderEventItems(t *testing.T) {
	var full map[string]any
	_ = json.Unmarshal([]byte(item1), &full)
	for _, k := range yespoItemRequired {
		m := map[string]any{}
		for kk, v := range full {
			if kk != k {
				m[kk] = v
			}
		}
		b, _ := json.Marshal([]any{m})
		e := mustParse(t, ev(YespoOrderCreated, with(validCreated(), "items", string(b))...))
		if e.Ignored == nil || e.Ignored.Code != EOrderEventParamRequired || e.Ignored.Field != "items[0]."+k {
			t.Errorf("item without %s: %+v", k, e.Ignored)
		}
	}
	for name, items := range map[string]string{
		"quantity 0":       `[{"externalItemId":"A","name":"n","quantity":0,"cost":1,"url":"http://a.example","imageUrl":"http://a.example/i"}]`,
		"quantity 1.5":     `[{"externalItemId":"A","name":"n","quantity":1.5,"cost":1,"url":"http://a.example","imageUrl":"http://a.example/i"}]`,
		"negative cost":    `[{"externalItemId":"A","name":"n","quantity":1,"cost":-1,"url":"http://a.example","imageUrl":"http://a.example/i"}]`,
		"three decimals":   `[{"externalItemId":"A","name":"n","quantity":1,"cost":"1.005","url":"http://a.example","imageUrl":"http://a.example/i"}]`,
		"relative url":     `[{"externalItemId":"A","name":"n","quantity":1,"cost":1,"url":"/item","imageUrl":"http://a.example/i"}]`,
		"not an array":     `{"externalItemId":"A"}`,
		"string not array": `"hello"`,
		"number":           `12`,
		"item not object":  `[1]`,
	} {
		e := mustParse(t, ev(YespoOrderCreated, with(validCreated(), "items", items)...))
		if e.Ignored == nil || (e.Ignored.Code != EOrderEventParamInvalid && e.Ignored.Code != EOrderEventParamRequired) {
			t.Errorf("%s: %+v", name, e.Ignored)
		}
	}
}

func TestCheckOrderTotal(t *testing.T) {
	items := []OrderItem{{Quantity: 3, Cost: 333}, {Quantity: 1, Cost: 1}}
	if e := CheckOrderTotal(items, 1000, 0, 0, 0); e != nil {
		t.Fatal(e)
	}
	if e := CheckOrderTotal(items, 1001, 0, 0, 0); e == nil || e.Code != EOrderTotalMismatch {
		t.Fatal("a cent off was accepted")
	}
	if e := CheckOrderTotal(items, 1000+500+100-50, 500, 100, 50); e != nil {
		t.Fatal(e)
	}
	if e := CheckOrderTotal(nil, 12345, 0, 0, 0); e != nil {
		t.Fatal("an order without items is not checked")
	}
	// Through the parser, shipping/taxes/discount params count.
	e := mustParse(t, ev(YespoOrderCreated, with(validCreated("shipping", `"5"`, "discount", `1`), "totalCost", `25`)...))
	if e.Ignored != nil {
		t.Fatal(e.Ignored)
	}
}

// The seed's own example breaks its own rule: one item costing 990 and totalCost
// 258.0. orderhub ignores it (and records why); see httpapi's tests for the answer.
func TestParseOrderEventSeedExample(t *testing.T) {
	e := mustParse(t, seedExample)
	if e.Ignored == nil || e.Ignored.Code != EOrderTotalMismatch || e.Ignored.Field != "totalCost" {
		t.Fatalf("seed example: %+v", e.Ignored)
	}
	if !strings.Contains(e.Ignored.Message, "258.00") || !strings.Contains(e.Ignored.Message, "990.00") {
		t.Fatalf("message %q", e.Ignored.Message)
	}
	fixed := strings.Replace(seedExample, `"258.0"`, `"990.0"`, 1)
	e = mustParse(t, fixed)
	if e.Ignored != nil {
		t.Fatal(e.Ignored)
	}
	if e.KeyValue != "380501234567" || e.Order.Currency != "UAH" || e.Order.Total != 99000 || e.Order.Items[0].Category != "devices" || e.Order.Items[0].Description != "High quality" {
		t.Fatalf("%+v", e)
	}
	if len(e.Contacts) != 2 || e.Contacts[0].Kind != ContactKeyExternal || e.Contacts[1] != (ContactKey{ContactKeyPhone, "phone", "380501234567"}) {
		t.Fatalf("contacts %+v", e.Contacts)
	}
}

func TestParseOrderEventContactParams(t *testing.T) {
	for _, d := range YespoContactParams {
		for _, name := range []string{d.Name, strings.ToLower(d.Name), strings.ToUpper(d.Name)} {
			if name == "email" || name == "phone" {
				continue // the order's own parameters, tested above
			}
			val := "Key-1"
			switch d.Kind {
			case ContactKeyEmail:
				val = "Some.One@Example.com"
			case ContactKeyPhone:
				val = "+380501234567"
			}
			e := mustParse(t, ev(YespoOrderUpdated, "externalOrderId", `"o"`, name, strconvQuote(val)))
			if e.Ignored != nil || len(e.Contacts) != 1 {
				t.Fatalf("%s: %v %+v", name, e.Ignored, e.Contacts)
			}
			want := val
			if d.Kind == ContactKeyEmail {
				want = "some.one@example.com" // e-mail is case-insensitive
			}
			if c := e.Contacts[0]; c.Kind != d.Kind || c.Value != want || c.Param != name {
				t.Fatalf("%s: %+v", name, c)
			}
		}
	}
	// Other values keep their case.
	e := mustParse(t, ev(YespoOrderUpdated, "externalOrderId", `"o"`, "ContactKey", `"AbC"`))
	if e.Contacts[0].Value != "AbC" {
		t.Fatal(e.Contacts)
	}
	// A bad e-mail in a contact parameter is a broken rule.
	e = mustParse(t, ev(YespoOrderUpdated, "externalOrderId", `"o"`, "UserEmail", `"nope"`))
	if e.Ignored == nil || e.Ignored.Field != "UserEmail" {
		t.Fatal(e.Ignored)
	}
}

func TestParseOrderEventMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"empty":              ``,
		"not json":           `{`,
		"array":              `[]`,
		"no type":            `{"keyValue":"k","params":[]}`,
		"no key":             `{"eventTypeKey":"orderCreated","params":[]}`,
		"forbidden in key":   `{"eventTypeKey":"orderCreated","keyValue":"a,b","params":[]}`,
		"forbidden in type":  `{"eventTypeKey":"order<Created>","keyValue":"k","params":[]}`,
		"long type":          `{"eventTypeKey":"` + strings.Repeat("x", 101) + `","keyValue":"k","params":[]}`,
		"long key":           `{"eventTypeKey":"orderCreated","keyValue":"` + strings.Repeat("x", 301) + `","params":[]}`,
		"param not object":   `{"eventTypeKey":"orderCreated","keyValue":"k","params":[1]}`,
		"param without name": `{"eventTypeKey":"orderCreated","keyValue":"k","params":[{"value":1}]}`,
		"duplicate param":    `{"eventTypeKey":"orderCreated","keyValue":"k","params":[{"name":"status","value":"A"},{"name":"status","value":"B"}]}`,
		"params object":      `{"eventTypeKey":"orderCreated","keyValue":"k","params":{}}`,
		"key object":         `{"eventTypeKey":"orderCreated","keyValue":{},"params":[]}`,
	} {
		_, err := ParseOrderEvent([]byte(body))
		var e *Error
		if !errors.As(err, &e) || e.Code != EInvalidRequest {
			t.Errorf("%s: %v", name, err)
		}
	}
	big := ev(YespoOrderCreated, "externalOrderId", `"o"`, "blob", strconvQuote(strings.Repeat("x", YespoMaxBody)))
	if _, err := ParseOrderEvent([]byte(big)); ErrorCode(err) != EPayloadTooLarge {
		t.Fatalf("20 KB: %v", err)
	}
}

func TestParseOrderEventOtherTypeIgnored(t *testing.T) {
	e := mustParse(t, ev("pageView", "url", `"x"`))
	if e.Ignored == nil || e.Ignored.Code != EUnsupportedEventType {
		t.Fatal(e.Ignored)
	}
}

func TestOrderEventFingerprint(t *testing.T) {
	a := mustParse(t, `{"eventTypeKey":"orderCancelled","keyValue":"k","params":[{"name":"externalOrderId","value":"1"},{"name":"x","value":{"a": 1}}]}`)
	b := mustParse(t, `{"eventTypeKey":"orderCancelled","keyValue":"k","params":[{"name":"x","value":{"a":1}},{"name":"externalOrderId","value":"1"}]}`)
	c := mustParse(t, `{"eventTypeKey":"orderDelivered","keyValue":"k","params":[{"name":"externalOrderId","value":"1"}]}`)
	if a.Fingerprint != b.Fingerprint || a.Fingerprint == c.Fingerprint {
		t.Fatal("fingerprints")
	}
}

func TestParseYespoContact(t *testing.T) {
	c, err := ParseYespoContact([]byte(`{"externalCustomerId":"AV13760","firstName":"Ann","lastName":"Lee",
		"channels":[{"type":"email","value":"Ann@Example.com"},{"type":"sms","value":"+380 50 123 45 67"},{"type":"mobilepush","value":"tok-1"},{"type":"viber","value":"v"}],
		"address":{"town":"Kyiv","postcode":"01001"},"fields":[{"id":1,"value":"x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	cu := c.Customer
	if cu.PublisherUserID != "AV13760" || cu.Email != "ann@example.com" || cu.Phone != "+380501234567" || cu.FullName != "Ann Lee" || cu.Address.City != "Kyiv" {
		t.Fatalf("%+v", cu)
	}
	if len(c.PushTokens) != 1 || !strings.Contains(string(cu.ExtraData), "viber") {
		t.Fatalf("%+v %s", c.PushTokens, cu.ExtraData)
	}
	for _, body := range []string{`{}`, `{"firstName":"x"}`, `{"channels":[{"type":"email","value":"bad"}]}`, `{"channels":[{"type":"sms","value":"abc"}]}`, `{"channels":[{"value":"a@b.example"}]}`} {
		if _, err := ParseYespoContact([]byte(body)); err == nil {
			t.Errorf("%s accepted", body)
		}
	}
}

func FuzzParseOrderEvent(f *testing.F) {
	f.Add([]byte(seedExample))
	f.Add([]byte(ev(YespoOrderUpdated, validCreated()...)))
	f.Add([]byte(ev(YespoOrderCancelled, "externalOrderId", `"1"`, "SMS", `"123456"`)))
	f.Add([]byte(`{"eventTypeKey":"orderCreated","keyValue":"k","params":[{"name":"items","value":"[{\"quantity\":1e300}]"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseOrderEvent(body)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("not an *Error: %v", err)
			}
			return
		}
		if e.Fingerprint == "" || e.Type == "" {
			t.Fatal("incomplete event")
		}
		if e.Ignored == nil && e.Type == YespoOrderCreated {
			if e.ExternalOrderID == "" || !ValidOrderStatus(e.Order.Status) || e.Order.Date == "" || len(e.Contacts) == 0 {
				t.Fatalf("accepted an incomplete orderCreated: %+v", e)
			}
			if e.HasItems && CheckOrderTotal(e.Order.Items, e.Order.Total, e.Order.Shipping, e.Order.Taxes, e.Order.Discount) != nil {
				t.Fatal("accepted a mismatching total")
			}
		}
	})
}

func BenchmarkParseOrderEvent(b *testing.B) {
	body := []byte(strings.Replace(seedExample, `"258.0"`, `"990.0"`, 1))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseOrderEvent(body); err != nil {
			b.Fatal(err)
		}
	}
}
