package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"orderhub"
	"orderhub/delivery"
	"orderhub/httpapi"
	"orderhub/sqlstore"
)

func init() { sqlstore.BcryptCost = bcrypt.MinCost } // fast hashes in tests

// The seed's two action examples (seed 003, "Create lead with customer note" and
// "Create lead with order note").
const seedCustomerLead = `{
  "event": "customer",
  "source": "zapier",
  "contact": {"email": "customer@thiio.com", "last_name": "Doe", "first_name": "John"},
  "phone": {"country": "US", "number": "+17723611127"}
}`

const seedOrderLead = `{
  "event": "order",
  "source": "zapier",
  "contact": {"first_name": "John", "last_name": "Doe", "email": "john.doe@thiio.com"},
  "phone": {"country": "US", "number": "+15124713434"},
  "billing_address": {"first_name": "John", "last_name": "Doe", "line1": "11801 Stonehollow Drive", "line2": "line two", "city": "Austin", "state": "TX", "zip_code": "78758", "country": "US"},
  "shipping_address": {"first_name": "John", "last_name": "Doe", "line1": "11801 Stonehollow Drive", "line2": "line two", "city": "Austin", "state": "TX", "zip_code": "78758", "country": "US"},
  "order": {
    "id": 123, "type": "success", "user_id": 10, "date": "2024-08-14", "shipping": 10, "taxes": 10, "total": 120,
    "items": [
      {"name": "Product one", "title": "Product one Red", "quantity": 1, "price": 50},
      {"name": "Product two", "title": "Product two White", "quantity": 1, "price": 50}
    ]
  }
}`

// zapierHub is a test hub with a Zapier user per vendor, logged in.
type zapierHub struct {
	*testHub
	Token, Integration, UserID string
	Other                      struct{ Token, Integration string }
}

var zapierSpec = true

// storeSeedLead stores seed 003's order lead and returns the customer and the order
// it made.
func (h *zapierHub) storeSeedLead() (customerID, orderUUID string) {
	var lead struct {
		Data struct {
			CustomerID string `json:"customer_id"`
			OrderUUID  string `json:"order_uuid"`
		} `json:"data"`
	}
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, seedOrderLead).expect(200, "").JSON(&lead)
	return lead.Data.CustomerID, lead.Data.OrderUUID
}

func newZapierHub(t *testing.T) *zapierHub {
	t.Helper()
	h := &zapierHub{testHub: newTestHub(t)}
	h.ValidateSpec = zapierSpec
	ctx := context.Background()
	u := &orderhub.ZapierUser{VendorID: h.VendorID, Email: "admin@acme.example", Name: "Acme Admin"}
	if err := h.DB.Catalog().CreateZapierUser(ctx, u, "123456789"); err != nil {
		t.Fatal(err)
	}
	h.UserID = u.ID
	if err := h.DB.Catalog().CreateZapierUser(ctx, &orderhub.ZapierUser{VendorID: h.testHub.Other.VendorID, Email: "admin@other.example"}, "987654321"); err != nil {
		t.Fatal(err)
	}
	h.Token, h.Integration = h.login("admin@acme.example", "123456789")
	h.Other.Token, h.Other.Integration = h.login("admin@other.example", "987654321")
	return h
}

type loginAnswer struct {
	Data struct {
		User struct {
			ID     string `json:"id"`
			Email  string `json:"email"`
			Name   string `json:"name"`
			Vendor struct{ ID, Name string }
		} `json:"user"`
		Token           string `json:"token"`
		Expires         int64  `json:"expires"`
		SetupFinished   bool   `json:"setup_finished"`
		IntegrationUUID string `json:"integration_uuid"`
	} `json:"data"`
}

func (h *zapierHub) login(email, password string) (token, integration string) {
	h.t.Helper()
	var a loginAnswer
	h.jsonReq("POST", "/api/login", "", map[string]string{"email": email, "password": password, "integration": "zapier"}).expect(200, "").JSON(&a)
	return a.Data.Token, a.Data.IntegrationUUID
}

// subscribe creates a channel and returns its id.
func (h *zapierHub) subscribe(token, integration, event, url string) string {
	h.t.Helper()
	var a struct {
		Data struct{ ID string } `json:"data"`
	}
	h.jsonReq("POST", "/api/integrations/"+integration+"/channels", token, map[string]string{
		"url": url, "method": "zapier", "alias": "Zapier - " + event, "event": event,
	}).expect(200, "").JSON(&a)
	return a.Data.ID
}

func (h *zapierHub) list(token, name string) []map[string]any {
	h.t.Helper()
	var items []map[string]any
	h.jsonReq("GET", "/api/zapier/"+name, token, nil).expect(200, "").JSON(&items)
	return items
}

func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestZapierLogin(t *testing.T) {
	h := newZapierHub(t)
	var a loginAnswer
	res := h.jsonReq("POST", "/api/login", "", map[string]string{"email": "Admin@Acme.example", "password": "123456789", "integration": "zapier"}).expect(200, "")
	res.JSON(&a)
	d := a.Data
	if d.User.ID != h.UserID || d.User.Email != "admin@acme.example" || d.User.Vendor.ID != "acme" || !d.SetupFinished ||
		d.IntegrationUUID != h.Integration || !strings.HasPrefix(d.Token, "ohz_") {
		t.Fatalf("login answer %s", res.Body)
	}
	if exp := time.Unix(d.Expires, 0); exp.Before(h.Clock.Now().Add(29*24*time.Hour)) || exp.After(h.Clock.Now().Add(31*24*time.Hour)) {
		t.Fatalf("expires %v", exp)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("login answer may be cached")
	}
	var check loginAnswer
	h.jsonReq("GET", "/api/check", d.Token, nil).expect(200, "").JSON(&check)
	if check.Data.User.ID != h.UserID || check.Data.IntegrationUUID != h.Integration || check.Data.Token != "" || check.Data.Expires != d.Expires {
		t.Fatalf("check %+v", check)
	}
	h.jsonReq("GET", "/api/check", "", nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", "/api/check", "ohz_bogus", nil).expect(401, orderhub.EUnauthorized)
	// An OAuth access token is not a Zapier session.
	h.jsonReq("GET", "/api/check", h.token(""), nil).expect(401, orderhub.EUnauthorized)

	// Wrong password: 401 with a clear body.
	res = h.jsonReq("POST", "/api/login", "", map[string]string{"email": "admin@acme.example", "password": "nope nope", "integration": "zapier"}).expect(401, orderhub.EUnauthorized)
	if !contains(string(res.Body), "e-mail or password is wrong") {
		t.Fatalf("401 body %s", res.Body)
	}
	for _, c := range []struct {
		body, field string
	}{
		{`{"password":"123456789","integration":"zapier"}`, "email"},
		{`{"email":"admin@acme.example","integration":"zapier"}`, "password"},
		{`{"email":"admin@acme.example","password":"123456789"}`, "integration"},
		{`{"email":"admin@acme.example","password":"123456789","integration":"make"}`, "integration"},
	} {
		res := h.jsonReq("POST", "/api/login", "", c.body).expect(422, orderhub.EUnprocessable)
		var e httpapi.ErrorBody
		res.JSON(&e)
		if e.Field != c.field {
			t.Fatalf("%s: field %q, want %q", c.body, e.Field, c.field)
		}
	}
	h.jsonReq("POST", "/api/login", "", `{"email":`).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/api/login", "", `{"email":1,"password":"x","integration":"zapier"}`).expect(400, orderhub.EInvalidRequest)

	// Repeated failures are throttled per e-mail (the right password too, then).
	for i := 0; i < 4; i++ {
		h.jsonReq("POST", "/api/login", "", map[string]string{"email": "admin@acme.example", "password": "wrong" + strconv.Itoa(i), "integration": "zapier"}).expect(401, "")
	}
	res = h.jsonReq("POST", "/api/login", "", map[string]string{"email": "admin@acme.example", "password": "123456789", "integration": "zapier"}).expect(429, orderhub.ETooManyRequests)
	if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); ra < 1 || ra > 61 {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	// Another user is not affected; after the window the user may log in again.
	h.login("admin@other.example", "987654321")
	h.Clock.Add(61 * time.Second)
	h.login("admin@acme.example", "123456789")
	// Sessions of a deleted user end at once.
	h.jsonReq("DELETE", "/admin/v1/vendors/acme/zapier-users/"+h.UserID, h.Admin, nil).expect(204, "")
	h.jsonReq("GET", "/api/check", d.Token, nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("POST", "/api/login", "", map[string]string{"email": "admin@acme.example", "password": "123456789", "integration": "zapier"}).expect(401, orderhub.EUnauthorized)
}

func TestZapierChannels(t *testing.T) {
	h := newZapierHub(t)
	path := "/api/integrations/" + h.Integration + "/channels"
	body := map[string]string{
		"url":    "https://hooks.zapier.com/hooks/standard/19665925/e47c7eefa5ed47d59379c29158b96c67/",
		"method": "zapier", "alias": "Zapier - Transaction declined", "event": "transaction-declined",
	}
	res := h.jsonReq("POST", path, h.Token, body).expect(200, "")
	var a struct {
		Data struct {
			ID       string            `json:"id"`
			Metadata map[string]string `json:"metadata"`
		} `json:"data"`
		Message string `json:"message"`
	}
	res.JSON(&a)
	if a.Message != "Integration Channel created" || len(a.Data.ID) != 36 ||
		!reflect.DeepEqual(a.Data.Metadata, map[string]string{"alias": body["alias"], "method": "zapier", "url": body["url"], "event": "transaction-declined"}) {
		t.Fatalf("subscribe answer %s", res.Body)
	}
	var chans httpapi.DataList[orderhub.ZapierChannel]
	h.jsonReq("GET", "/admin/v1/vendors/acme/zapier-channels", h.Admin, nil).expect(200, "").JSON(&chans)
	if len(chans.Data) != 1 || chans.Data[0].ID != a.Data.ID || chans.Data[0].EventTypes[0] != orderhub.EventTransactionDeclined {
		t.Fatalf("channels %+v", chans)
	}

	for _, c := range []struct {
		field, value string
		status       int
	}{
		{"event", "order-exploded", 400}, {"method", "webhook", 400}, {"url", "not a url", 400}, {"url", "ftp://x.example/", 400},
		{"event", "", 422}, {"method", "", 422}, {"alias", "", 422}, {"url", "", 422}, {"alias", strings.Repeat("a", 256), 422},
	} {
		b := map[string]string{}
		for k, v := range body {
			b[k] = v
		}
		b[c.field] = c.value
		res := h.jsonReq("POST", path, h.Token, b).expect(c.status, "")
		var e httpapi.ErrorBody
		res.JSON(&e)
		if e.Field != c.field {
			t.Fatalf("%s=%q: %s", c.field, c.value, res.Body)
		}
	}
	res = h.jsonReq("POST", path, h.Token, map[string]string{"url": body["url"], "method": "zapier", "alias": "x", "event": "nope"}).expect(400, orderhub.EInvalidRequest)
	if !contains(string(res.Body), "order-created") {
		t.Fatalf("the unknown-event error lists no events: %s", res.Body)
	}
	// Another vendor's integration uuid, and no token.
	h.jsonReq("POST", "/api/integrations/"+h.Other.Integration+"/channels", h.Token, body).expect(404, orderhub.ENotFound)
	h.jsonReq("POST", path, h.Other.Token, body).expect(404, orderhub.ENotFound)
	h.jsonReq("POST", path, "", body).expect(401, orderhub.EUnauthorized)

	// Unsubscribe: another vendor cannot; the owner can, twice.
	h.jsonReq("DELETE", "/api/channels/"+a.Data.ID, h.Other.Token, nil).expect(404, orderhub.ENotFound)
	res = h.jsonReq("DELETE", "/api/channels/"+a.Data.ID, h.Token, nil).expect(200, "")
	jsonEqual(t, res.Body, `{"message":"Integration Channel deleted","data":null}`)
	h.jsonReq("DELETE", "/api/channels/"+a.Data.ID, h.Token, nil).expect(200, "")
	h.jsonReq("DELETE", "/api/channels/no-such-channel", h.Token, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("GET", "/admin/v1/vendors/acme/zapier-channels", h.Admin, nil).expect(200, "").JSON(&chans)
	if len(chans.Data) != 0 {
		t.Fatalf("channels after unsubscribe %+v", chans)
	}
}

// hookReceiver is a Zapier hook: it records what it receives and answers status.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	status int
	got    chan struct{}
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{status: 200, got: make(chan struct{}, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		st := r.status
		r.mu.Unlock()
		w.WriteHeader(st)
		r.got <- struct{}{}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) wait(t *testing.T, n int) [][]byte {
	t.Helper()
	for {
		r.mu.Lock()
		have := len(r.bodies)
		out := append([][]byte(nil), r.bodies...)
		r.mu.Unlock()
		if have >= n {
			return out
		}
		select {
		case <-r.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("the hook received %d bodies, want %d", have, n)
		}
	}
}

// startDelivery runs the delivery engine with the zapier item bodies.
func startDelivery(t *testing.T, h *testHub) {
	t.Helper()
	runDeliveryEngine(t, h, delivery.Config{
		Schedule: []time.Duration{0, time.Hour},
		Bodies: map[string]func(*orderhub.ClaimedDelivery) ([]byte, error){orderhub.EndpointZapier: httpapi.ZapierBody(struct {
			orderhub.OrderRecords
			orderhub.CatalogStore
			orderhub.TenantStore
		}{h.DB.Orders(), h.DB.Catalog(), h.DB.Tenants()})},
	})
}

// Every trigger's hook body is exactly the item its perform list shows, and a 410
// from Zapier removes the channel.
func TestZapierHooksDeliverListItems(t *testing.T) {
	h := newZapierHub(t)
	startDelivery(t, h.testHub)
	recv := newHookReceiver(t)
	channels := map[string]string{}
	for _, ev := range []string{"customer-created", "order-created", "order-updated", "shipping-created", "shipping-updated",
		"subscription-created", "subscription-canceled", "transaction-approved", "transaction-declined", "survey-created"} {
		channels[ev] = h.subscribe(h.Token, h.Integration, ev, recv.URL+"/hooks/"+ev)
	}
	// The other vendor subscribes too, and must receive nothing of acme's.
	otherRecv := newHookReceiver(t)
	h.subscribe(h.Other.Token, h.Other.Integration, "order-created", otherRecv.URL)

	customerID, orderUUID := h.storeSeedLead()
	recv.wait(t, 2) // customer-created, order-created
	// An order update (the same lead with another total).
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, strings.Replace(seedOrderLead, `"total": 120`, `"total": 125`, 1)).expect(200, "")
	recv.wait(t, 3)
	var sh orderhub.Shipping
	h.jsonReq("POST", "/admin/v1/vendors/acme/orders/"+orderUUID+"/shippings", h.Admin, map[string]string{"carrier": "ups"}).expect(201, "").JSON(&sh)
	recv.wait(t, 4)
	h.jsonReq("PUT", "/api/zapier/update-shipping-tracking-info/"+sh.ID, h.Token, map[string]string{"carrier": "dhl", "tracking_number": "123"}).expect(200, "")
	recv.wait(t, 5)
	h.jsonReq("POST", "/admin/v1/vendors/acme/transactions", h.Admin, map[string]any{"customerId": customerID, "orderId": orderUUID, "status": "approved", "amount": 120, "currency": "usd"}).expect(201, "")
	h.jsonReq("POST", "/admin/v1/vendors/acme/transactions", h.Admin, map[string]any{"customerId": customerID, "status": "declined", "amount": "9.90", "currency": "USD", "provider": "stripe", "message": "card declined"}).expect(201, "")
	h.jsonReq("POST", "/admin/v1/vendors/acme/surveys", h.Admin, map[string]any{"title": "Survey recusandae", "take": "once", "captureName": true, "leadCapture": "at_end",
		"metadata": map[string]any{"end": map[string]int{"x_position": 890, "y_position": 100}}}).expect(201, "")
	contract := placeVendorOrder(t, h.testHub, "ZAP-1")
	recv.wait(t, 11)
	h.jsonReq("POST", "/api/zapier/subscriptions/"+contract+"/cancel", h.Token, nil).expect(200, "")

	// customer-created ×2 (lead, vendor order), order-created ×2 (lead, vendor
	// order: a telesales order is an order), shipping-created, shipping-updated,
	// transaction-approved, transaction-declined, survey-created,
	// subscription-created, subscription-canceled, order-updated ×2 (the lead's
	// total, the vendor order's cancellation).
	bodies := recv.wait(t, 13)
	if len(bodies) != 13 {
		t.Fatalf("the hook received %d bodies, want 13: %s", len(bodies), bodies)
	}

	// Each delivered body equals the item of its perform list with the same id
	// (lists show the records as they are now; compare with the latest of each).
	lists := map[string]map[string]string{}
	for _, name := range []string{"customers", "orders", "shippings", "subscriptions", "surveys", "transactions"} {
		lists[name] = map[string]string{}
		for _, it := range h.list(h.Token, name) {
			b, _ := json.Marshal(it)
			lists[name][it["id"].(string)] = string(b)
		}
	}
	latest := map[string][]byte{}
	for _, b := range bodies {
		var it map[string]any
		if err := json.Unmarshal(b, &it); err != nil {
			t.Fatalf("hook body %s: %v", b, err)
		}
		latest[it["id"].(string)] = b
	}
	matched := 0
	for id, b := range latest {
		found := false
		for name, l := range lists {
			if want, ok := l[id]; ok {
				found = true
				// The customer's lifetime value grew after customer-created was
				// sent: the same shape, other values.
				if name == "customers" {
					var g, w map[string]any
					_ = json.Unmarshal(b, &g)
					_ = json.Unmarshal([]byte(want), &w)
					if len(g) != len(w) || g["email"] != w["email"] {
						t.Fatalf("customer body %s, list item %s", b, want)
					}
					for k := range w {
						if _, ok := g[k]; !ok {
							t.Fatalf("customer body %s lacks %q", b, k)
						}
					}
					continue
				}
				jsonEqual(t, b, want)
				matched++
			}
		}
		if !found {
			t.Fatalf("hook body %s matches no list item", b)
		}
	}
	if matched < 6 {
		t.Fatalf("only %d hook bodies compared", matched)
	}
	if got := otherRecv.wait(t, 0); len(got) != 0 {
		t.Fatalf("another vendor's hook received %s", got)
	}

	// 410 Gone from Zapier removes the channel.
	recv.mu.Lock()
	recv.status = http.StatusGone
	recv.mu.Unlock()
	h.jsonReq("POST", "/admin/v1/vendors/acme/surveys", h.Admin, map[string]any{"title": "Second"}).expect(201, "")
	recv.wait(t, 12)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := h.DB.Catalog().GetZapierChannel(context.Background(), "acme", channels["survey-created"]); orderhub.ErrorCode(err) == orderhub.ENotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the channel survived a 410 Gone")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Zapier may still unsubscribe it: that succeeds.
	h.jsonReq("DELETE", "/api/channels/"+channels["survey-created"], h.Token, nil).expect(200, "")
}

// placeVendorOrder places a confirmed seed 001 order and returns its contract id.
func placeVendorOrder(t *testing.T, h *testHub, ext string) string {
	t.Helper()
	var a struct {
		ContractID string `json:"contractId"`
	}
	body := `{"externalOrderId":"` + ext + `","quantity":1,"paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","startDate":"2025-01-08",
		"userData":{"email":"sub-` + strings.ToLower(ext) + `@example.com","fullName":"Sub Scriber","phone":"+46701234567"}}`
	v := h.ValidateSpec
	h.ValidateSpec = false
	defer func() { h.ValidateSpec = v }()
	h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", h.token(orderhub.ScopeVendorOrders), body).expect(200, "").JSON(&a)
	if a.ContractID == "" {
		t.Fatal("no contract id")
	}
	return a.ContractID
}

func TestZapierStoreCustomerOrder(t *testing.T) {
	h := newZapierHub(t)
	res := h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, seedCustomerLead).expect(200, "")
	var c map[string]any
	res.JSON(&c)
	id, _ := c["customer_id"].(string)
	delete(c, "customer_id")
	b, _ := json.Marshal(c)
	jsonEqual(t, b, seedCustomerLead)
	cust, err := h.DB.Orders().GetCustomer(context.Background(), "acme", id)
	if err != nil || cust.Email != "customer@thiio.com" || cust.FirstName != "John" || cust.Phone != "+17723611127" {
		t.Fatalf("customer %+v %v", cust, err)
	}

	res = h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, seedOrderLead).expect(200, "")
	var o map[string]any
	res.JSON(&o)
	data := o["data"].(map[string]any)
	orderUUID := data["order_uuid"].(string)
	delete(data, "order_uuid")
	delete(data, "customer_id")
	b, _ = json.Marshal(o)
	jsonEqual(t, b, `{"success":true,"msg":"received successfully","err":"","data":`+seedOrderLead+`}`)
	ord, err := h.DB.Orders().GetOrderByExternalID(context.Background(), "acme", "123")
	if err != nil || ord.ID != orderUUID || ord.Total != 12000 || ord.Subtotal != 10000 || len(ord.Items) != 2 || ord.Items[0].Title != "Product one Red" ||
		ord.BillingAddress.Street != "11801 Stonehollow Drive" || ord.ShippingAddress.Street2 != "line two" || ord.Source != "zapier" {
		t.Fatalf("order %+v %v", ord, err)
	}
	// A replay changes nothing and emits nothing.
	before := eventCount(t, h.testHub)
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, seedOrderLead).expect(200, "")
	if eventCount(t, h.testHub) != before {
		t.Fatal("a replayed order emitted events")
	}
	// The order lists with the seed's fields.
	items := h.list(h.Token, "orders")
	if len(items) != 1 || items[0]["id"] != orderUUID || items[0]["type"] != "success" || items[0]["total"] != 120.0 || items[0]["external_id"] != "123" {
		t.Fatalf("orders list %+v", items)
	}
	// Numbers may come as strings (Zapier sends text), ids as text.
	lead := strings.NewReplacer(`"id": 123`, `"id": "A-77"`, `"total": 120`, `"total": "120.50"`, `"quantity": 1,`, `"quantity": "2",`).Replace(seedOrderLead)
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, lead).expect(200, "")
	if o, err := h.DB.Orders().GetOrderByExternalID(context.Background(), "acme", "A-77"); err != nil || o.Total != 12050 || o.Items[0].Quantity != 2 {
		t.Fatalf("text order %+v %v", o, err)
	}

	// Every Required of the seed's tables.
	var seed map[string]any
	_ = json.Unmarshal([]byte(seedOrderLead), &seed)
	for _, field := range []string{
		"contact", "contact.email", "contact.first_name", "contact.last_name", "phone", "phone.country", "phone.number",
		"billing_address", "billing_address.first_name", "billing_address.last_name", "billing_address.line1", "billing_address.line2",
		"billing_address.city", "billing_address.state", "billing_address.zip_code", "billing_address.country",
		"order", "order.id", "order.type", "order.user_id", "order.date", "order.shipping", "order.taxes", "order.total", "order.items",
		"order.items.0.name", "order.items.0.title", "order.items.0.quantity", "order.items.0.price",
	} {
		body := without(t, seed, field)
		res := h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, body).expect(422, orderhub.EUnprocessable)
		var e httpapi.ErrorBody
		res.JSON(&e)
		if e.Field != field || !contains(e.Message, field) {
			t.Fatalf("without %s: %s", field, res.Body)
		}
	}
	// The shipping address is optional; the customer lead needs no address or order.
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, without(t, seed, "shipping_address")).expect(200, "")
	for _, c := range []struct{ from, to, field string }{
		{`"email": "john.doe@thiio.com"`, `"email": "john.doe"`, "contact.email"},
		{`"country": "US", "number"`, `"country": "USA", "number"`, "phone.country"},
		{`"number": "+15124713434"`, `"number": "call me"`, "phone.number"},
		{`"date": "2024-08-14"`, `"date": "yesterday"`, "order.date"},
		{`"total": 120`, `"total": -1`, "order.total"},
		{`"taxes": 10`, `"taxes": "ten"`, "order.taxes"},
		{`"quantity": 1,`, `"quantity": 0,`, "order.items.0.quantity"},
		{`"price": 50}`, `"price": 50.001}`, "order.items.0.price"},
		{`"event": "order"`, `"event": "refund"`, "event"},
		{`"country": "US"}`, `"country": "XX"}`, "billing_address.country"},
	} {
		res := h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, strings.Replace(seedOrderLead, c.from, c.to, 1)).expect(422, orderhub.EUnprocessable)
		var e httpapi.ErrorBody
		res.JSON(&e)
		if e.Field != c.field {
			t.Fatalf("%s: %s", c.to, res.Body)
		}
	}
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, `{"contact":`).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, `{"contact":{"email":["a"]}}`).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/api/zapier/store-customer-order", "", seedCustomerLead).expect(401, orderhub.EUnauthorized)

	// The other vendor's lead lands in the other vendor only.
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Other.Token, seedOrderLead).expect(200, "")
	if o, _ := h.DB.Orders().GetOrderByExternalID(context.Background(), "acme", "123"); o.ID != orderUUID {
		t.Fatal("another vendor's lead changed acme's order")
	}
	if l := h.list(h.Other.Token, "orders"); len(l) != 1 || l[0]["id"] == orderUUID {
		t.Fatalf("other vendor's orders %+v", l)
	}
}

// without returns the JSON of v with a dotted path removed ("order.items.0.name").
func without(t *testing.T, v map[string]any, path string) string {
	t.Helper()
	b, _ := json.Marshal(v)
	var c any
	_ = json.Unmarshal(b, &c)
	parts := strings.Split(path, ".")
	cur := c
	for i, p := range parts {
		last := i == len(parts)-1
		switch n := cur.(type) {
		case map[string]any:
			if last {
				delete(n, p)
			} else {
				cur = n[p]
			}
		case []any:
			k, _ := strconv.Atoi(p)
			cur = n[k]
		}
	}
	out, _ := json.Marshal(c)
	return string(out)
}

func eventCount(t *testing.T, h *testHub) int {
	t.Helper()
	evs, err := h.DB.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: h.VendorID})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

func TestZapierShippingTracking(t *testing.T) {
	h := newZapierHub(t)
	_, orderUUID := h.storeSeedLead()
	var sh orderhub.Shipping
	h.jsonReq("POST", "/admin/v1/vendors/acme/orders/"+orderUUID+"/shippings", h.Admin, map[string]string{}).expect(201, "").JSON(&sh)
	res := h.jsonReq("PUT", "/api/zapier/update-shipping-tracking-info/"+sh.ID, h.Token, map[string]string{"carrier": "dhl", "tracking_number": "123"}).expect(200, "")
	var it map[string]any
	res.JSON(&it)
	ord, _ := it["order"].(map[string]any)
	if it["id"] != sh.ID || it["carrier"] != "dhl" || it["tracking_number"] != "123" || it["tracking_url"] != nil || it["external_id"] != nil ||
		it["order_id"] != orderUUID || ord == nil || ord["id"] != orderUUID || ord["number"] != 1.0 || ord["source"] != "zapier" ||
		ord["subtotal"] != 100.0 || ord["shipping"] != 10.0 || ord["total"] != 120.0 || ord["is_shippable"] != true || ord["recurrent"] != false {
		t.Fatalf("tracking answer %s", res.Body)
	}
	// The seed's keys are all there.
	for _, k := range []string{"id", "carrier", "tracking_number", "tracking_url", "external_id", "created_at", "order_id", "order"} {
		if _, ok := it[k]; !ok {
			t.Fatalf("no %q in %s", k, res.Body)
		}
	}
	for _, k := range []string{"id", "number", "type", "source", "env", "receipt_sent_at", "is_shippable", "subtotal_pre_tax", "shipping_pre_tax", "subtotal",
		"discount", "shipping", "taxes", "total", "metadata", "recurrent", "payment_method", "coupon", "created_at", "shipping_overwritten", "lucas_call_sid"} {
		if _, ok := ord[k]; !ok {
			t.Fatalf("no order %q in %s", k, res.Body)
		}
	}
	if _, err := time.Parse("2006-01-02 15:04:05", it["created_at"].(string)); err != nil {
		t.Fatalf("created_at %v", it["created_at"])
	}
	// The list item is the same.
	l := h.list(h.Token, "shippings")
	if b, _ := json.Marshal(l[0]); len(l) != 1 {
		t.Fatalf("shippings %s", b)
	} else {
		jsonEqual(t, res.Body, string(b))
	}
	for _, c := range []struct {
		body  map[string]string
		field string
	}{
		{map[string]string{"tracking_number": "1"}, "carrier"},
		{map[string]string{"carrier": "dhl"}, "tracking_number"},
		{map[string]string{"carrier": "dhl", "tracking_number": "1", "tracking_url": "javascript:alert(1)"}, "tracking_url"},
	} {
		res := h.jsonReq("PUT", "/api/zapier/update-shipping-tracking-info/"+sh.ID, h.Token, c.body).expect(422, orderhub.EUnprocessable)
		var e httpapi.ErrorBody
		res.JSON(&e)
		if e.Field != c.field {
			t.Fatalf("%v: %s", c.body, res.Body)
		}
	}
	h.jsonReq("PUT", "/api/zapier/update-shipping-tracking-info/nope", h.Token, map[string]string{"carrier": "dhl", "tracking_number": "1"}).expect(404, orderhub.ENotFound)
	// Another vendor can neither update nor see it.
	h.jsonReq("PUT", "/api/zapier/update-shipping-tracking-info/"+sh.ID, h.Other.Token, map[string]string{"carrier": "x", "tracking_number": "1"}).expect(404, orderhub.ENotFound)
	if l := h.list(h.Other.Token, "shippings"); len(l) != 0 {
		t.Fatalf("another vendor lists the shipping: %+v", l)
	}
	// Admin: another vendor's order cannot get a shipping.
	h.jsonReq("POST", "/admin/v1/vendors/other/orders/"+orderUUID+"/shippings", h.Admin, map[string]string{}).expect(404, orderhub.ENotFound)
	h.jsonReq("POST", "/admin/v1/vendors/acme/orders/"+orderUUID+"/shippings", "", map[string]string{}).expect(401, orderhub.EUnauthorized)
}

func TestZapierCancelSubscription(t *testing.T) {
	h := newZapierHub(t)
	id := placeVendorOrder(t, h.testHub, "ORDER-1")
	subs := h.list(h.Token, "subscriptions")
	if len(subs) != 1 || subs[0]["id"] != id || subs[0]["status"] != "active" || subs[0]["next_payment_date"] == nil || subs[0]["accessible_until"] != nil {
		t.Fatalf("subscriptions %+v", subs)
	}
	h.jsonReq("POST", "/api/zapier/subscriptions/"+id+"/cancel", h.Other.Token, nil).expect(404, orderhub.ENotFound)
	res := h.jsonReq("POST", "/api/zapier/subscriptions/"+id+"/cancel", h.Token, nil).expect(200, "")
	var it map[string]any
	res.JSON(&it)
	plan, _ := it["plan"].(map[string]any)
	if it["id"] != id || it["status"] != "canceled" || it["amount"] != 99.0 || plan == nil || plan["period"] != "month" || plan["id"] != "PROMOCODE" ||
		it["next_payment_date"] != nil || it["coupon"] != "PROMOCODE" {
		t.Fatalf("cancel answer %s", res.Body)
	}
	for _, k := range []string{"id", "env", "coupon", "plan", "product_variation_plan", "current_plan_intervals", "product", "product_variation", "status",
		"amount", "on_grace_period", "period_started_at", "accessible_until", "next_payment_date", "created_at", "updated_at", "metadata"} {
		if _, ok := it[k]; !ok {
			t.Fatalf("no %q in %s", k, res.Body)
		}
	}
	// accessible_until: the end of the billing period in which it was canceled, or
	// of the binding period (12 months from the 2025-01-08 start) when later.
	now := h.Clock.Now()
	start := time.Date(2025, 1, 8, 0, 0, 0, 0, time.UTC)
	n := 0
	for !start.AddDate(0, n+1, 0).After(now) {
		n++
	}
	end := start.AddDate(0, n+1, 0)
	if b := start.AddDate(0, 12, 0); b.After(end) {
		end = b
	}
	want := end.Add(-time.Second).Format("2006-01-02 15:04:05")
	if it["accessible_until"] != want || it["period_started_at"] != start.AddDate(0, n, 0).Format("2006-01-02 15:04:05") || it["current_plan_intervals"] != float64(n+1) {
		t.Fatalf("accessible_until %v period_started_at %v intervals %v, want %s", it["accessible_until"], it["period_started_at"], it["current_plan_intervals"], want)
	}
	// Canceling again answers the same; unknown → 404.
	res2 := h.jsonReq("POST", "/api/zapier/subscriptions/"+id+"/cancel", h.Token, nil).expect(200, "")
	jsonEqual(t, res2.Body, string(res.Body))
	h.jsonReq("POST", "/api/zapier/subscriptions/nope/cancel", h.Token, nil).expect(404, orderhub.ENotFound)
	if l := h.list(h.Other.Token, "subscriptions"); len(l) != 0 {
		t.Fatalf("another vendor lists the subscription: %+v", l)
	}
}

func TestZapierLists(t *testing.T) {
	h := newZapierHub(t)
	for _, name := range []string{"customers", "orders", "shippings", "subscriptions", "surveys", "transactions", "transaction-histories"} {
		if l := h.list(h.Token, name); len(l) != 0 {
			t.Fatalf("%s: %+v", name, l)
		}
	}
	h.jsonReq("GET", "/api/zapier/widgets", h.Token, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("GET", "/api/zapier/orders?limit=0", h.Token, nil).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("GET", "/api/zapier/orders?limit=101", h.Token, nil).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("GET", "/api/zapier/orders", "", nil).expect(401, orderhub.EUnauthorized)

	// Three customers, newest first, with the seed's customer fields.
	for i, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		lead := strings.Replace(seedCustomerLead, "customer@thiio.com", email, 1)
		h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, lead).expect(200, "")
		h.Clock.Add(time.Duration(i+1) * time.Second)
	}
	l := h.list(h.Token, "customers")
	if len(l) != 3 || l[0]["email"] != "c@example.com" || l[2]["email"] != "a@example.com" {
		t.Fatalf("customers %+v", l)
	}
	for _, k := range []string{"first_name", "last_name", "email", "id", "url", "type", "date", "customer_since", "lifetime_value", "activations_count"} {
		if _, ok := l[0][k]; !ok {
			t.Fatalf("no %q in %+v", k, l[0])
		}
	}
	if l[0]["type"] != "customer" || l[0]["lifetime_value"] != 0.0 || l[0]["activations_count"] != 0.0 {
		t.Fatalf("customer %+v", l[0])
	}
	var one []map[string]any
	h.jsonReq("GET", "/api/zapier/customers?limit=1", h.Token, nil).expect(200, "").JSON(&one)
	if len(one) != 1 || one[0]["id"] != l[0]["id"] {
		t.Fatalf("limit 1: %+v", one)
	}
	// A survey as the seed shows it.
	meta := map[string]any{"end": map[string]int{"x_position": 890, "y_position": 100}, "start": map[string]int{"x_position": 100, "y_position": 100}}
	var sv orderhub.Survey
	h.jsonReq("POST", "/admin/v1/vendors/acme/surveys", h.Admin, map[string]any{"title": "Survey recusandae sint tempora voluptatibus modi", "description": "Laudantium repudiandae est ea corporis.",
		"take": "once", "captureName": true, "capturePhone": true, "captureAtEnd": true, "status": true, "leadCapture": "at_end", "metadata": meta}).expect(201, "").JSON(&sv)
	s := h.list(h.Token, "surveys")
	delete(s[0], "created_at")
	if s[0]["id"] != sv.ID {
		t.Fatalf("survey %+v", s)
	}
	delete(s[0], "id")
	b, _ := json.Marshal(s[0])
	jsonEqual(t, b, `{"title":"Survey recusandae sint tempora voluptatibus modi","description":"Laudantium repudiandae est ea corporis.","take":"once","capture_name":true,
		"capture_phone":true,"capture_at_end":true,"status":true,"start_question_id":null,"lead_capture":"at_end","metadata":{"end":{"x_position":890,"y_position":100},"start":{"x_position":100,"y_position":100}}}`)
	h.jsonReq("POST", "/admin/v1/vendors/acme/surveys", h.Admin, map[string]any{"title": ""}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/admin/v1/vendors/acme/surveys", h.Admin, map[string]any{"title": "x", "metadata": []int{1}}).expect(400, orderhub.EInvalidRequest)

	// Transactions and their histories; the customer's lifetime value.
	cust := l[0]["id"].(string)
	var tr orderhub.Transaction
	h.jsonReq("POST", "/admin/v1/vendors/acme/transactions", h.Admin, map[string]any{"customerId": cust, "status": "declined", "amount": 10, "currency": "SEK", "provider": "klarna", "externalId": "k-1"}).expect(201, "").JSON(&tr)
	h.Clock.Add(time.Second)
	h.jsonReq("POST", "/admin/v1/vendors/acme/transactions", h.Admin, map[string]any{"customerId": cust, "status": "approved", "amount": 10, "currency": "SEK", "provider": "klarna", "externalId": "k-1"}).expect(201, "")
	ts := h.list(h.Token, "transactions")
	if len(ts) != 1 || ts[0]["id"] != tr.ID || ts[0]["status"] != "approved" || ts[0]["amount"] != 10.0 || ts[0]["customer"].(map[string]any)["id"] != cust {
		t.Fatalf("transactions %+v", ts)
	}
	hs := h.list(h.Token, "transaction-histories")
	if len(hs) != 2 || hs[0]["status"] != "approved" || hs[1]["status"] != "declined" || hs[0]["transaction_id"] != tr.ID || hs[0]["transaction"].(map[string]any)["id"] != tr.ID {
		t.Fatalf("histories %+v", hs)
	}
	if c := h.list(h.Token, "customers"); c[0]["lifetime_value"] != 10.0 {
		t.Fatalf("lifetime value %v", c[0]["lifetime_value"])
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"status": "approved", "amount": 1, "currency": "SEK"}, "customerId"},
		{map[string]any{"customerId": cust, "status": "approved", "currency": "SEK"}, "amount"},
		{map[string]any{"customerId": cust, "status": "maybe", "amount": 1, "currency": "SEK"}, "status"},
		{map[string]any{"customerId": cust, "status": "approved", "amount": 1, "currency": "kronor"}, "currency"},
		{map[string]any{"customerId": cust, "status": "approved", "amount": -1, "currency": "SEK"}, "amount"},
	} {
		res := h.jsonReq("POST", "/admin/v1/vendors/acme/transactions", h.Admin, c.body).expect(400, "")
		var e httpapi.ErrorBody
		res.JSON(&e)
		if e.Field != c.field {
			t.Fatalf("%v: %s", c.body, res.Body)
		}
	}
	// Another vendor's customer is unknown here.
	h.jsonReq("POST", "/admin/v1/vendors/other/transactions", h.Admin, map[string]any{"customerId": cust, "status": "approved", "amount": 1, "currency": "SEK"}).expect(422, orderhub.EUnprocessable)

	// The other vendor sees none of it.
	for _, name := range []string{"customers", "orders", "shippings", "subscriptions", "surveys", "transactions", "transaction-histories"} {
		if l := h.list(h.Other.Token, name); len(l) != 0 {
			t.Fatalf("other vendor's %s: %+v", name, l)
		}
	}
}

func TestAdminZapierUsers(t *testing.T) {
	h := newZapierHub(t)
	var u orderhub.ZapierUser
	res := h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users", h.Admin, map[string]string{"email": "New@Acme.example", "name": "New", "password": "s3cret-pass"}).expect(201, "")
	res.JSON(&u)
	if u.Email != "new@acme.example" || u.VendorID != "acme" || contains(string(res.Body), "s3cret") || contains(string(res.Body), "password") {
		t.Fatalf("created %s", res.Body)
	}
	h.login("new@acme.example", "s3cret-pass")
	h.jsonReq("POST", "/admin/v1/vendors/other/zapier-users", h.Admin, map[string]string{"email": "new@acme.example", "password": "s3cret-pass"}).expect(409, orderhub.EConflict)
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users", h.Admin, map[string]string{"email": "x@acme.example", "password": "short"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users", h.Admin, map[string]string{"email": "x", "password": "long enough"}).expect(400, orderhub.EInvalidEmail)
	h.jsonReq("POST", "/admin/v1/vendors/nope/zapier-users", h.Admin, map[string]string{"email": "x@acme.example", "password": "long enough"}).expect(404, orderhub.ENotFound)
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users", "", map[string]string{"email": "x@acme.example", "password": "long enough"}).expect(401, orderhub.EUnauthorized)
	var l httpapi.DataList[orderhub.ZapierUser]
	res = h.jsonReq("GET", "/admin/v1/vendors/acme/zapier-users", h.Admin, nil).expect(200, "")
	res.JSON(&l)
	if len(l.Data) != 2 || contains(string(res.Body), "hash") {
		t.Fatalf("users %s", res.Body)
	}
	h.jsonReq("DELETE", "/admin/v1/vendors/other/zapier-users/"+u.ID, h.Admin, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("DELETE", "/admin/v1/vendors/acme/zapier-users/"+u.ID, h.Admin, nil).expect(204, "")
}

// A Zapier user created without a password gets a generated one, answered this once;
// reset-password gives a new one (generated, or chosen and not answered), the old
// one stops working and the user's sessions end; another vendor's user is 404; the
// audit entries name the user and mask the hash.
func TestAdminZapierGeneratedPasswordAndReset(t *testing.T) {
	h := newZapierHub(t)
	var u httpapi.ZapierUserCredentials
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users", h.Admin, map[string]string{"email": "gen@acme.example"}).expect(201, "").JSON(&u)
	if len(u.Password) < 20 || u.ZapierUser == nil || u.Email != "gen@acme.example" {
		t.Fatalf("created %+v", u)
	}
	tok, _ := h.login("gen@acme.example", u.Password)
	var list httpapi.DataList[orderhub.ZapierUser]
	if res := h.jsonReq("GET", "/admin/v1/vendors/acme/zapier-users", h.Admin, nil).expect(200, ""); contains(string(res.Body), u.Password) {
		t.Fatal("the list shows the password")
	} else {
		res.JSON(&list)
	}

	// Generated: no body.
	var r1 httpapi.ZapierUserCredentials
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users/"+u.ID+"/reset-password", h.Admin, nil).expect(200, "").JSON(&r1)
	if len(r1.Password) < 20 || r1.Password == u.Password || r1.ID != u.ID {
		t.Fatalf("reset %+v", r1)
	}
	h.jsonReq("GET", "/api/check", tok, nil).expect(401, orderhub.EUnauthorized) // the session ended
	h.jsonReq("POST", "/api/login", "", map[string]string{"email": "gen@acme.example", "password": u.Password, "integration": "zapier"}).expect(401, orderhub.EUnauthorized)
	h.login("gen@acme.example", r1.Password)

	// Chosen: not answered.
	res := h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users/"+u.ID+"/reset-password", h.Admin, map[string]string{"password": "chosen by ops"}).expect(200, "")
	if contains(string(res.Body), "chosen by ops") || contains(string(res.Body), "password") {
		t.Fatalf("reset with a chosen password answers %s", res.Body)
	}
	h.login("gen@acme.example", "chosen by ops")
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users/"+u.ID+"/reset-password", h.Admin, map[string]string{"password": "short"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users/"+u.ID+"/reset-password", h.Admin, map[string]string{"passwrd": "x"}).expect(200, "") // lenient like create: unknown fields ignored
	h.jsonReq("POST", "/admin/v1/vendors/other/zapier-users/"+u.ID+"/reset-password", h.Admin, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users/nope/reset-password", h.Admin, nil).expect(404, orderhub.ENotFound)

	pg, err := h.DB.Admin().ListAudit(context.Background(), orderhub.AuditFilter{ResourceID: u.ID}, orderhub.Page{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range pg.Data {
		actions[e.Action]++
		if e.ResourceType != "zapier-user" || contains(string(e.After), r1.Password) || contains(string(e.After), u.Password) || contains(string(e.After), "$2a$") {
			t.Fatalf("audit entry %+v: %s", e, e.After)
		}
	}
	if actions["zapier-user.create"] != 1 || actions["zapier-user.reset-password"] != 3 {
		t.Fatalf("audit actions %v", actions)
	}
}

// PATCH changes a Zapier user's e-mail (the login) and name; a taken e-mail is 409,
// a misspelt field 400, another vendor's user 404; the session stays.
func TestAdminZapierUserUpdate(t *testing.T) {
	h := newZapierHub(t)
	var u orderhub.ZapierUser
	h.jsonReq("PATCH", "/admin/v1/vendors/acme/zapier-users/"+h.UserID, h.Admin, map[string]string{"email": "Renamed@Acme.example", "name": "Renamed"}).expect(200, "").JSON(&u)
	if u.Email != "renamed@acme.example" || u.Name != "Renamed" || u.ID != h.UserID {
		t.Fatalf("updated %+v", u)
	}
	h.jsonReq("GET", "/api/check", h.Token, nil).expect(200, "")
	h.login("renamed@acme.example", "123456789")
	h.jsonReq("POST", "/api/login", "", map[string]string{"email": "admin@acme.example", "password": "123456789", "integration": "zapier"}).expect(401, orderhub.EUnauthorized)
	h.jsonReq("PATCH", "/admin/v1/vendors/acme/zapier-users/"+h.UserID, h.Admin, map[string]string{"name": "Only the name"}).expect(200, "").JSON(&u)
	if u.Email != "renamed@acme.example" || u.Name != "Only the name" {
		t.Fatalf("name only %+v", u)
	}
	h.jsonReq("PATCH", "/admin/v1/vendors/acme/zapier-users/"+h.UserID, h.Admin, map[string]string{"email": "admin@other.example"}).expect(409, orderhub.EConflict)
	h.jsonReq("PATCH", "/admin/v1/vendors/acme/zapier-users/"+h.UserID, h.Admin, map[string]string{"email": "nope"}).expect(400, orderhub.EInvalidEmail)
	h.jsonReq("PATCH", "/admin/v1/vendors/acme/zapier-users/"+h.UserID, h.Admin, map[string]string{"emial": "x@acme.example"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PATCH", "/admin/v1/vendors/other/zapier-users/"+h.UserID, h.Admin, map[string]string{"name": "x"}).expect(404, orderhub.ENotFound)
	// Disable: the session ends, the login is refused; enable: the password works again.
	var d orderhub.ZapierUser
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users/"+h.UserID+"/disable", h.Admin, nil).expect(200, "").JSON(&d)
	if d.DisabledAt == nil {
		t.Fatalf("disabled %+v", d)
	}
	h.jsonReq("GET", "/api/check", h.Token, nil).expect(401, orderhub.EUnauthorized)
	if res := h.jsonReq("POST", "/api/login", "", map[string]string{"email": "renamed@acme.example", "password": "123456789", "integration": "zapier"}).expect(401, orderhub.EUnauthorized); !contains(string(res.Body), "disabled") {
		t.Fatalf("login of a disabled user: %s", res.Body)
	}
	h.jsonReq("POST", "/admin/v1/vendors/other/zapier-users/"+h.UserID+"/enable", h.Admin, nil).expect(404, orderhub.ENotFound)
	var e orderhub.ZapierUser
	h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users/"+h.UserID+"/enable", h.Admin, nil).expect(200, "").JSON(&e)
	if e.DisabledAt != nil || e.ID != h.UserID {
		t.Fatalf("enabled %+v", e)
	}
	h.login("renamed@acme.example", "123456789")
	for _, a := range []string{"zapier-user.disable", "zapier-user.enable"} {
		if pg, err := h.DB.Admin().ListAudit(context.Background(), orderhub.AuditFilter{Action: a, ResourceID: h.UserID}, orderhub.Page{Limit: 10}); err != nil || len(pg.Data) != 1 {
			t.Fatalf("audit %s: %+v %v", a, pg, err)
		}
	}
	pg, err := h.DB.Admin().ListAudit(context.Background(), orderhub.AuditFilter{Action: "zapier-user.update", ResourceID: h.UserID}, orderhub.Page{Limit: 10})
	if err != nil || len(pg.Data) != 2 || !contains(string(pg.Data[1].Before), "admin@acme.example") || !contains(string(pg.Data[1].After), "renamed@acme.example") {
		t.Fatalf("audit %+v %v", pg, err)
	}
}
