package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"orderhub"
	"orderhub/internal/seedexample"
)

// yespoSeedExample is seed 004's orderCreated example, verbatim.
const yespoSeedExample = seedexample.OrderCreated

type eventAnswer struct {
	Status          string `json:"status"`
	Outcome         string `json:"outcome"`
	EventTypeKey    string `json:"eventTypeKey"`
	ExternalOrderID string `json:"externalOrderId"`
	OrderID         string `json:"orderId"`
	OrderStatus     string `json:"orderStatus"`
	Reason          string `json:"reason"`
	Message         string `json:"message"`
	Field           string `json:"field"`
	IgnoredEventID  string `json:"ignoredEventId"`
}

// yevent builds a Generate event body from name/value pairs (values in JSON).
func yevent(typ string, kv ...string) string {
	var ps []string
	for i := 0; i+1 < len(kv); i += 2 {
		n, _ := json.Marshal(kv[i])
		ps = append(ps, `{"name":`+string(n)+`,"value":`+kv[i+1]+`}`)
	}
	return `{"eventTypeKey":"` + typ + `","keyValue":"key-1","params":[` + strings.Join(ps, ",") + `]}`
}

func jq(s string) string { b, _ := json.Marshal(s); return string(b) }

const yItem = `{"externalItemId":"A1","name":"Thing","quantity":2,"cost":"10.50","url":"https://shop.example/a1","imageUrl":"https://shop.example/a1.png"}`

// yCreated is a complete orderCreated for order id and contact externalCustomerId cust.
func yCreated(id, cust string, extra ...string) []string {
	kv := []string{"externalOrderId", jq(id), "externalCustomerId", jq(cust), "totalCost", `"21.00"`, "status", `"INITIALIZED"`,
		"date", `"2020-05-14T10:11:00"`, "currency", `"UAH"`, "items", `[` + yItem + `]`}
	return append(kv, extra...)
}

func dropParam(kv []string, name string) []string {
	var out []string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] != name {
			out = append(out, kv[i], kv[i+1])
		}
	}
	return out
}

type yespoHub struct {
	*testHub
	tok string
}

func newYespoHub(t *testing.T) *yespoHub {
	h := newTestHub(t)
	return &yespoHub{testHub: h, tok: h.token(orderhub.ScopeEvents)}
}

func (h *yespoHub) event(body string, strict bool) *response {
	h.t.Helper()
	p := "/api/v1/event"
	if strict {
		p += "?strict=true"
	}
	return h.jsonReq("POST", p, h.tok, body)
}

func (h *yespoHub) accept(body, outcome string) eventAnswer {
	h.t.Helper()
	var a eventAnswer
	h.event(body, false).expect(200, "").JSON(&a)
	if a.Status != "accepted" || a.Outcome != outcome {
		h.t.Fatalf("event %s: %+v, want accepted/%s", body, a, outcome)
	}
	return a
}

// ignored sends body twice: plain (200, ignored with reason) and strict (status).
func (h *yespoHub) ignored(body, reason, field string, strictStatus int) eventAnswer {
	h.t.Helper()
	var a eventAnswer
	h.event(body, false).expect(200, "").JSON(&a)
	if a.Status != "ignored" || a.Reason != reason || (field != "" && a.Field != field) || a.Message == "" || a.IgnoredEventID == "" {
		h.t.Fatalf("event %s: %+v, want ignored/%s/%s", body, a, reason, field)
	}
	h.event(body, true).expect(strictStatus, reason)
	return a
}

func (h *yespoHub) contact(body string) (id string, created bool) {
	h.t.Helper()
	var a struct {
		ID      string `json:"id"`
		Created bool   `json:"created"`
	}
	h.jsonReq("POST", "/api/v1/contact", h.tok, body).expect(200, "").JSON(&a)
	return a.ID, a.Created
}

func (h *yespoHub) order(id string) *orderhub.Order {
	h.t.Helper()
	o, err := h.DB.Orders().GetOrderByExternalID(context.Background(), h.VendorID, id)
	if err != nil {
		h.t.Fatalf("order %s: %v", id, err)
	}
	return o
}

func TestOrderEventSeedExample(t *testing.T) {
	h := newYespoHub(t)
	// The seed's contact, imported first as Yespo requires.
	h.contact(`{"externalCustomerId":"AV13760","firstName":"Ivan","channels":[{"type":"sms","value":"380501234567"}]}`)
	// The seed's own example breaks its "must match totalCost" rule (258.0 vs 990):
	// orderhub ignores it as Yespo would, but says why, keeps it, and answers 422
	// when asked to be strict.
	a := h.ignored(yespoSeedExample, orderhub.EOrderTotalMismatch, "totalCost", 422)
	if !strings.Contains(a.Message, "258.00") || !strings.Contains(a.Message, "990.00") || a.ExternalOrderID != "12345679" {
		t.Fatalf("%+v", a)
	}
	if _, err := h.DB.Orders().GetOrderByExternalID(context.Background(), h.VendorID, "12345679"); orderhub.ErrorCode(err) != orderhub.ENotFound {
		t.Fatal("the mismatching example created an order")
	}
	// With the total corrected, it creates the order; sent again it changes nothing.
	fixed := strings.Replace(yespoSeedExample, `"258.0"`, `"990.0"`, 1)
	a = h.accept(fixed, "created")
	h.accept(fixed, "unchanged")
	o := h.order("12345679")
	if o.ID != a.OrderID || o.Total != 99000 || o.Currency != "UAH" || o.Date != "2020-05-14T10:11:00" || o.Status != "INITIALIZED" ||
		len(o.Items) != 1 || o.Items[0].Name != "Super Device" || o.Items[0].Cost != 99000 || o.Source != orderhub.OrderSourceEvent {
		t.Fatalf("%+v", o)
	}
	c, err := h.DB.Orders().GetCustomer(context.Background(), h.VendorID, o.CustomerID)
	if err != nil || c.PublisherUserID != "AV13760" || c.Phone != "380501234567" {
		t.Fatalf("%+v %v", c, err)
	}
	// The ignored example is listed once, though it was sent twice.
	var list struct{ Data []orderhub.IgnoredEvent }
	h.jsonReq("GET", "/admin/v1/vendors/acme/ignored-events", h.Admin, nil).expect(200, "").JSON(&list)
	if len(list.Data) != 1 || list.Data[0].Count != 2 || list.Data[0].Reason != orderhub.EOrderTotalMismatch || !strings.Contains(string(list.Data[0].Body), "Super Device") {
		t.Fatalf("%+v", list.Data)
	}
}

func TestOrderEventRequiredParams(t *testing.T) {
	h := newYespoHub(t)
	h.contact(`{"externalCustomerId":"C1","channels":[{"type":"email","value":"c1@example.com"}]}`)
	for _, name := range []string{"externalOrderId", "totalCost", "status", "date"} {
		h.ignored(yevent(orderhub.YespoOrderCreated, dropParam(yCreated("R-1", "C1"), name)...), orderhub.EOrderEventParamRequired, name, 400)
	}
	// Without any contact identifier the error says so, naming no one parameter.
	if a := h.ignored(yevent(orderhub.YespoOrderCreated, dropParam(yCreated("R-1", "C1"), "externalCustomerId")...), orderhub.EOrderEventParamRequired, "", 400); !strings.Contains(a.Message, "contact identifier") {
		t.Errorf("no contact: %q", a.Message)
	}
	// email or phone stand in for externalCustomerId.
	h.accept(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("R-2", "C1"), "externalCustomerId"), "email", `"C1@Example.com"`)...), "created")
	// So do Yespo's default identifiers as Yespo writes them (Email, Phone: names in
	// any case, the e-mail value in any case).
	h.accept(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("R-2b", "C1"), "externalCustomerId"), "Email", `"C1@EXAMPLE.com"`)...), "created")
	h.contact(`{"externalCustomerId":"C2","channels":[{"type":"sms","value":"+380501234567"}]}`)
	h.accept(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("R-2c", "C1"), "externalCustomerId"), "Phone", `"+380501234567"`)...), "created")
	// An identifier that matches no contact is named in the error.
	if a := h.ignored(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("R-2d", "C1"), "externalCustomerId"), "EMAIL", `"nobody@example.com"`)...), orderhub.EContactNotFound, "", 422); !strings.Contains(a.Message, "EMAIL=nobody@example.com") {
		t.Errorf("unknown contact: %q", a.Message)
	}
	// Each item field is required.
	for _, f := range []string{"externalItemId", "name", "quantity", "cost", "url", "imageUrl"} {
		var item map[string]any
		_ = json.Unmarshal([]byte(yItem), &item)
		delete(item, f)
		b, _ := json.Marshal([]any{item})
		kv := append(dropParam(yCreated("R-3", "C1"), "items"), "items", string(b))
		h.ignored(yevent(orderhub.YespoOrderCreated, kv...), orderhub.EOrderEventParamRequired, "items[0]."+f, 400)
	}
	// Items as a JSON string, as the seed asks for.
	s, _ := json.Marshal("[" + yItem + "]")
	h.accept(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("R-4", "C1"), "items"), "items", string(s))...), "created")
	if o := h.order("R-4"); len(o.Items) != 1 || o.Items[0].Quantity != 2 {
		t.Fatalf("%+v", o.Items)
	}
	// Bad values.
	h.ignored(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("R-5", "C1"), "date"), "date", `"2020-05-14 10:11"`)...), orderhub.EOrderEventParamInvalid, "date", 400)
	h.ignored(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("R-5", "C1"), "status"), "status", `"PAID"`)...), orderhub.EOrderEventParamInvalid, "status", 400)
	h.ignored(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("R-5", "C1"), "totalCost"), "totalCost", `"21.001"`)...), orderhub.EOrderEventParamInvalid, "totalCost", 400)
	h.ignored(yevent("pageViewed", "url", `"x"`), orderhub.EUnsupportedEventType, "", 422)
}

func TestOrderEventStatusesAndLifecycle(t *testing.T) {
	h := newYespoHub(t)
	h.contact(`{"externalCustomerId":"C1","channels":[{"type":"email","value":"c1@example.com"}]}`)
	for i, st := range orderhub.OrderStatuses {
		id := fmt.Sprintf("S-%d", i)
		a := h.accept(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated(id, "C1"), "status"), "status", jq(st))...), "created")
		if a.OrderStatus != st || h.order(id).Status != st {
			t.Fatalf("%s: %+v", st, a)
		}
	}
	// orderUpdated creates a missing order (orderCreated's rules apply then) …
	h.ignored(yevent(orderhub.YespoOrderUpdated, "externalOrderId", `"U-1"`, "status", `"IN_PROGRESS"`), orderhub.EOrderEventParamRequired, "", 400)
	h.accept(yevent(orderhub.YespoOrderUpdated, yCreated("U-1", "C1")...), "created")
	// … and updates an existing one, keeping what it does not send.
	a := h.accept(yevent(orderhub.YespoOrderUpdated, "externalOrderId", `"U-1"`, "status", `"IN_PROGRESS"`, "trackingCode", `"TR-9"`), "updated")
	o := h.order("U-1")
	if a.OrderStatus != "IN_PROGRESS" || o.Total != 2100 || len(o.Items) != 1 || !strings.Contains(string(o.Metadata), "TR-9") {
		t.Fatalf("%+v", o)
	}
	// An update whose items no longer add up is ignored.
	h.ignored(yevent(orderhub.YespoOrderUpdated, "externalOrderId", `"U-1"`, "totalCost", `30`), orderhub.EOrderTotalMismatch, "totalCost", 422)
	// orderDelivered / orderCancelled: ignored for an unknown order, else set the status.
	for _, typ := range []string{orderhub.YespoOrderDelivered, orderhub.YespoOrderCancelled} {
		h.ignored(yevent(typ, "externalOrderId", `"nope"`), orderhub.EOrderNotFound, "externalOrderId", 404)
	}
	a = h.accept(yevent(orderhub.YespoOrderDelivered, "externalOrderId", `"U-1"`), "updated")
	if a.OrderStatus != orderhub.OrderDelivered || h.order("U-1").Status != orderhub.OrderDelivered {
		t.Fatalf("%+v", a)
	}
	h.accept(yevent(orderhub.YespoOrderDelivered, "externalOrderId", `"U-1"`), "unchanged")
	h.accept(yevent(orderhub.YespoOrderCancelled, "externalOrderId", `"U-1"`), "updated")
	if h.order("U-1").Status != orderhub.OrderCancelled {
		t.Fatal("not cancelled")
	}
	// The other vendor neither sees nor changes acme's order.
	otherTok := h.tokenFor(h.Other.ClientID, h.Other.Secret, orderhub.ScopeEvents)
	var oa eventAnswer
	h.jsonReq("POST", "/api/v1/event", otherTok, yevent(orderhub.YespoOrderDelivered, "externalOrderId", `"U-1"`)).expect(200, "").JSON(&oa)
	if oa.Status != "ignored" || oa.Reason != orderhub.EOrderNotFound || h.order("U-1").Status != orderhub.OrderCancelled {
		t.Fatalf("%+v", oa)
	}
	var list struct{ Data []orderhub.IgnoredEvent }
	h.jsonReq("GET", "/admin/v1/vendors/other/ignored-events", h.Admin, nil).expect(200, "").JSON(&list)
	if len(list.Data) != 1 {
		t.Fatalf("other's ignored: %+v", list.Data)
	}
}

func TestOrderEventContactLookup(t *testing.T) {
	h := newYespoHub(t)
	ctx := context.Background()
	// A contact created by another surface (a vendor order) exists too.
	h.jsonReq("POST", orderPath, h.token(orderhub.ScopeVendorOrders), body(map[string]any{"externalOrderId": "VO-1",
		"userData": map[string]any{"email": "Vendor.Buyer@Example.com", "fullName": "V B"}})).expect(200, "")
	h.accept(yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("L-vo", "x"), "externalCustomerId"), "email", `"VENDOR.BUYER@example.com"`)...), "created")
	vo, err := h.DB.Orders().FindCustomerByEmail(ctx, h.VendorID, "vendor.buyer@example.com")
	if err != nil || h.order("L-vo").CustomerID != vo.ID {
		t.Fatalf("vendor-order customer: %v", err)
	}

	for i, d := range orderhub.YespoContactParams {
		n := fmt.Sprintf("%d", i)
		email, phone, ext, push := "p"+n+"@example.com", "+4670000000"+n, "Ext-"+n, "push-token-"+n
		if i >= 10 {
			phone = "+467000000" + n
		}
		id, created := h.contact(fmt.Sprintf(`{"externalCustomerId":%q,"channels":[{"type":"email","value":%q},{"type":"sms","value":%q},{"type":"webpush","value":%q}]}`, ext, email, phone, push))
		if !created {
			t.Fatalf("%s: contact not created", d.Name)
		}
		value := map[string]string{
			orderhub.ContactKeyID: id, orderhub.ContactKeyEmail: strings.ToUpper(email), orderhub.ContactKeyPhone: phone,
			orderhub.ContactKeyPushToken: push, orderhub.ContactKeyExternal: ext,
		}[d.Kind]
		// The parameter name in another case; the order's own externalCustomerId
		// names nobody, so only the default parameter can find the contact.
		name := strings.ToLower(d.Name)
		if i%2 == 1 {
			name = strings.ToUpper(d.Name)
		}
		oid := "L-" + n
		h.accept(yevent(orderhub.YespoOrderCreated, append(yCreated(oid, "nobody"), name, jq(value))...), "created")
		if o := h.order(oid); o.CustomerID != id {
			t.Fatalf("%s: order of %s, want %s", d.Name, o.CustomerID, id)
		}
		// Values other than e-mail addresses match exactly (case included).
		if d.Kind == orderhub.ContactKeyExternal || d.Kind == orderhub.ContactKeyPushToken {
			h.ignored(yevent(orderhub.YespoOrderCreated, append(yCreated(oid+"-case", "nobody"), name, jq(strings.ToUpper(value)))...), orderhub.EContactNotFound, "", 422)
		}
	}
	// Nobody matches: ignored ("only for the existing contact").
	a := h.ignored(yevent(orderhub.YespoOrderCreated, yCreated("L-none", "ghost", "ContactEmail", `"ghost@example.com"`)...), orderhub.EContactNotFound, "", 422)
	if !strings.Contains(a.Message, "ghost@example.com") {
		t.Fatal(a.Message)
	}
	// The other vendor's contacts are not found.
	otherTok := h.tokenFor(h.Other.ClientID, h.Other.Secret, orderhub.ScopeEvents)
	var oa eventAnswer
	h.jsonReq("POST", "/api/v1/event", otherTok, yevent(orderhub.YespoOrderCreated, yCreated("L-x", "Ext-0")...)).expect(200, "").JSON(&oa)
	if oa.Reason != orderhub.EContactNotFound {
		t.Fatalf("%+v", oa)
	}
}

func TestOrderEventDuplicates(t *testing.T) {
	h := newYespoHub(t)
	ctx := context.Background()
	h.contact(`{"externalCustomerId":"C1","channels":[{"type":"email","value":"c1@example.com"}]}`)
	// The same contact twice: one customer.
	if _, created := h.contact(`{"externalCustomerId":"C1","channels":[{"type":"email","value":"c1@example.com"}]}`); created {
		t.Fatal("contact created twice")
	}
	before, _ := h.DB.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: h.VendorID})
	body := yevent(orderhub.YespoOrderCreated, yCreated("D-1", "C1")...)
	h.accept(body, "created")
	for i := 0; i < 3; i++ {
		h.accept(body, "unchanged")
		h.accept(yevent(orderhub.YespoOrderUpdated, yCreated("D-1", "C1")...), "unchanged")
	}
	h.accept(yevent(orderhub.YespoOrderCancelled, "externalOrderId", `"D-1"`), "updated")
	h.accept(yevent(orderhub.YespoOrderCancelled, "externalOrderId", `"D-1"`), "unchanged")
	after, _ := h.DB.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: h.VendorID})
	var types []string
	for _, e := range after[len(before):] {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "order-created,order-updated" {
		t.Fatalf("events %v", types)
	}
	orders, _ := h.DB.Orders().ListOrders(ctx, orderhub.ListFilter{VendorID: h.VendorID})
	if len(orders) != 1 {
		t.Fatalf("%d orders", len(orders))
	}
	// An ignored event sent again is one record, counted.
	ign := yevent(orderhub.YespoOrderDelivered, "externalOrderId", `"D-404"`)
	first := h.ignored(ign, orderhub.EOrderNotFound, "", 404)
	second := h.ignored(ign, orderhub.EOrderNotFound, "", 404)
	if first.IgnoredEventID != second.IgnoredEventID {
		t.Fatal("a repeated ignored event got a second record")
	}
	var list struct{ Data []orderhub.IgnoredEvent }
	h.jsonReq("GET", "/admin/v1/vendors/acme/ignored-events?reason=OrderNotFoundError&limit=10", h.Admin, nil).expect(200, "").JSON(&list)
	if len(list.Data) != 1 || list.Data[0].Count != 4 { // plain + strict, twice
		t.Fatalf("%+v", list.Data)
	}
	// The metric counts every ignored event.
	res, err := http.Get(h.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(m), `orderhub_order_events_ignored_total{reason="OrderNotFoundError"} 4`) ||
		!strings.Contains(string(m), `orderhub_order_events_total{outcome="created",type="orderCreated"} 1`) {
		t.Fatalf("metrics:\n%s", m)
	}
}

func TestOrderEventRequests(t *testing.T) {
	h := newYespoHub(t)
	valid := yevent(orderhub.YespoOrderCancelled, "externalOrderId", `"x"`)
	h.jsonReq("POST", "/api/v1/event", "", valid).expect(401, orderhub.EUnauthorized)
	h.jsonReq("POST", "/api/v1/event", h.token(orderhub.ScopeVendorOrders), valid).expect(403, orderhub.EForbidden)
	h.jsonReq("POST", "/api/v1/contact", h.token(orderhub.ScopeVendorOrders), `{"externalCustomerId":"x"}`).expect(403, orderhub.EForbidden)
	h.event(`{`, false).expect(400, orderhub.EInvalidRequest)
	h.event(`{"keyValue":"k","params":[]}`, false).expect(400, orderhub.EInvalidRequest)
	h.event(`{"eventTypeKey":"orderCreated","keyValue":"a|b","params":[]}`, false).expect(400, orderhub.EInvalidRequest)
	h.event(`{"eventTypeKey":"orderCreated","keyValue":"`+strings.Repeat("k", 301)+`","params":[]}`, false).expect(400, orderhub.EInvalidRequest)
	h.event(yevent(orderhub.YespoOrderCreated, "externalOrderId", `"x"`, "blob", jq(strings.Repeat("x", 20<<10))), false).expect(413, orderhub.EPayloadTooLarge)
	h.jsonReq("POST", "/api/v1/event?strict=maybe", h.tok, valid).expect(400, orderhub.EInvalidRequest)
	h.do("POST", "/api/v1/event", "text/csv", []byte(valid), map[string]string{"Authorization": "Bearer " + h.tok}).expect(415, orderhub.EUnsupportedMedia)
	// Yespo's clients send HTTP Basic: client id and secret work as user and API key.
	basic := func(user, pass, path, body string) *response {
		req := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
		return h.do("POST", path, "application/json", []byte(body), req)
	}
	var a eventAnswer
	basic(h.ClientID, h.Secret, "/api/v1/event", valid).expect(200, "").JSON(&a)
	if a.Status != "ignored" || a.Reason != orderhub.EOrderNotFound {
		t.Fatalf("%+v", a)
	}
	if b := basic(h.ClientID, h.Secret, "/api/v1/contact", `{"externalCustomerId":"basic-1"}`).expect(200, "").Body; !strings.Contains(string(b), `"created":true`) {
		t.Fatalf("%s", b)
	}
	if _, err := h.DB.Orders().FindCustomer(context.Background(), h.VendorID, orderhub.CustomerMatch{PublisherUserID: "basic-1"}); err != nil {
		t.Fatal("the Basic-auth contact is not the client's vendor's")
	}
	if res := basic(h.ClientID, "wrong", "/api/v1/event", valid).expect(401, orderhub.EUnauthorized); !strings.Contains(res.Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatal(res.Header)
	}
	basic("nobody", "x", "/api/v1/event", valid).expect(401, orderhub.EUnauthorized)
	noEvents := &orderhub.Client{VendorID: h.VendorID, Scopes: []string{orderhub.ScopeVendorOrders}}
	sec, err := h.DB.Tenants().CreateClient(context.Background(), noEvents)
	if err != nil {
		t.Fatal(err)
	}
	basic(noEvents.ID, sec, "/api/v1/event", valid).expect(403, orderhub.EForbidden)
	// Wrong secrets lock the client out for a while, as at the token endpoint.
	for i := 0; i < 30; i++ {
		if res := basic(noEvents.ID, "guess", "/api/v1/event", valid); res.Status == 429 {
			break
		} else if i == 29 {
			t.Fatal("no lockout after 30 wrong secrets")
		}
	}
	basic(noEvents.ID, sec, "/api/v1/event", valid).expect(429, orderhub.ETooManyRequests)
	// Contacts.
	h.jsonReq("POST", "/api/v1/contact", h.tok, `{"firstName":"No Id"}`).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/api/v1/contact", h.tok, `{"channels":[{"type":"email","value":"not-an-email"}]}`).expect(400, orderhub.EInvalidEmail)
	h.contact(`{"externalCustomerId":"A","channels":[{"type":"email","value":"a@example.com"}]}`)
	h.contact(`{"externalCustomerId":"B","channels":[{"type":"email","value":"b@example.com"}]}`)
	h.jsonReq("POST", "/api/v1/contact", h.tok, `{"externalCustomerId":"B","channels":[{"type":"email","value":"a@example.com"}]}`).expect(409, orderhub.EConflict)
	// Admin: ignored events need the admin token and an existing vendor.
	h.jsonReq("GET", "/admin/v1/vendors/acme/ignored-events", "", nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", "/admin/v1/vendors/nope/ignored-events", h.Admin, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("GET", "/admin/v1/vendors/acme/ignored-events?limit=0", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("GET", "/admin/v1/vendors/acme/ignored-events?vendor=x", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
}
