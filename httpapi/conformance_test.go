package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/connector/yespo"
	"orderhub/docs"
	fakeyespo "orderhub/fake/yespo"
	"orderhub/httpapi"
	"orderhub/hub"
	"orderhub/netguard"
)

// withYespoAccount serves the hub again (same database) with the Yespo connector
// configured, and connects acme's Yespo account (a fake, never called here): acme
// then has an endpoint of kind yespo. No delivery engine runs.
func withYespoAccount(t *testing.T, h *testHub) {
	t.Helper()
	f := fakeyespo.New("yespo-api-key")
	if _, err := f.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	sealer, err := yespo.NewSealer("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := docs.OpenAPIJSON()
	srv, err := httpapi.NewServer(context.Background(), httpapi.Config{Store: hub.Wrap(h.DB.Store(), h.DB), Now: h.Clock.Now, Registry: prometheus.NewRegistry(), OpenAPIJSON: spec, Yespo: yespo.NewConnector(h.DB.Connectors(), sealer, nil), Guard: netguard.New(netguard.Options{AllowPrivate: true})})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	h.URL = ts.URL
	h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", h.Admin, map[string]string{"baseUrl": f.URL() + "/api/v1", "apiKey": "yespo-api-key"}).expect(200, "")
}

// TestEveryAdminResponseShapeMatchesTheSpec fills a hub with a record of every kind
// the admin API shows — endpoints of every kind (webhook, zapier, salesmanago,
// yespo), orders, contracts and customers from several surfaces, events,
// deliveries, ignored events, purchases, catalog, Zapier users — and reads every
// GET route of the admin API, lists and single records, checking each answer
// against docs/openapi.yaml. A new admin GET route without a way to fill its path
// parameters fails the test, so the walk keeps covering the whole admin API.
func TestEveryAdminResponseShapeMatchesTheSpec(t *testing.T) {
	ph := newPurchaseHub(t)
	h := ph.testHub
	withYespoAccount(t, h)
	admin := func(method, path string, body any, status int) *response {
		t.Helper()
		return h.jsonReq(method, path, h.Admin, body).expect(status, "")
	}

	// Endpoints of every kind.
	admin("POST", "/admin/v1/vendors/acme/endpoints", map[string]any{"id": "ep_hook", "url": "https://hooks.example/orderhub", "description": "Shop"}, 201)
	admin("POST", "/admin/v1/vendors/acme/endpoints", map[string]any{"id": "ep_zap", "url": "https://hooks.zapier.com/hooks/standard/1/abc", "kind": "zapier"}, 201)
	admin("POST", "/admin/v1/vendors/acme/salesmanago/accounts", map[string]any{"id": "sm_acme", "groupKey": "acme-main", "baseUrl": "https://app3.salesmanago.com",
		"clientId": "acme-client", "apiSecret": "acme-api-secret", "owner": "owner@acme.example"}, 201)
	admin("POST", "/admin/v1/vendors/acme/zapier-users", map[string]string{"email": "zap@acme.example", "name": "Zap", "password": "s3cret-pass"}, 201)

	// Orders, contracts, customers, events (and so deliveries) from several surfaces.
	h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", h.token(""), specOrder("ORD-1", nil)).expect(200, "")
	evTok := h.token(orderhub.ScopeEvents)
	h.jsonReq("POST", "/api/v1/contact", evTok, `{"externalCustomerId":"C-1","firstName":"Ann","channels":[{"type":"email","value":"ann@example.com"}]}`).expect(200, "")
	h.jsonReq("POST", "/api/v1/event", evTok, yevent(orderhub.YespoOrderCreated, yCreated("Y-1", "C-1")...)).expect(200, "")
	h.jsonReq("POST", "/api/v1/event", evTok, yevent(orderhub.YespoOrderCreated, "externalOrderId", `"Y-2"`)).expect(200, "") // ignored
	h.do("POST", hookPath, "application/json", []byte(seedPurchase), map[string]string{"Authorization": "Bearer " + ph.SeedSecret}).expect(201, "")

	// Ids for the path parameters, from the lists themselves.
	ids := map[string]string{"clientId": h.ClientID, "accountId": "sm_acme", "code": "PROMOCODE"}
	first := func(path, param string) {
		t.Helper()
		var l struct{ Data []map[string]any }
		admin("GET", path, nil, 200).JSON(&l)
		if len(l.Data) == 0 {
			t.Fatalf("GET %s is empty: the walk would not see an item's shape", path)
		}
		for _, k := range []string{"id", param} {
			if id, ok := l.Data[0][k].(string); ok && id != "" {
				ids[param] = id
				return
			}
		}
		t.Fatalf("GET %s: no id in %v", path, l.Data[0])
	}
	first("/admin/v1/customers", "customerId")
	first("/admin/v1/orders", "orderId")
	first("/admin/v1/contracts", "contractId")
	first("/admin/v1/events", "eventId")
	first("/admin/v1/vendors/acme/deliveries", "deliveryId")
	first("/admin/v1/vendors/acme/endpoints", "endpointId")
	first("/admin/v1/audit", "entryId")

	// Every kind is listed (and each one validated against Endpoint).
	var eps struct{ Data []struct{ ID, Kind string } }
	admin("GET", "/admin/v1/vendors/acme/endpoints", nil, 200).JSON(&eps)
	var kinds []string
	for _, e := range eps.Data {
		kinds = append(kinds, e.Kind)
		admin("GET", "/admin/v1/vendors/acme/endpoints/"+e.ID, nil, 200)
		admin("GET", "/admin/v1/vendors/acme/endpoints?kind="+e.Kind, nil, 200)
	}
	sort.Strings(kinds)
	if !slices.Equal(slices.Compact(kinds), []string{"salesmanago", "webhook", "yespo", "zapier"}) {
		t.Errorf("endpoint kinds listed: %v, want all four", kinds)
	}

	param := regexp.MustCompile(`\{([A-Za-z]+)\}`)
	walked := 0
	for _, p := range registeredRoutes(t) {
		method, path, _ := strings.Cut(p, " ")
		if method != "GET" || !strings.HasPrefix(path, "/admin/") {
			continue
		}
		for _, vendor := range []string{"acme", "vendor-id-1234"} {
			var missing []string
			url := param.ReplaceAllStringFunc(path, func(m string) string {
				name := m[1 : len(m)-1]
				if name == "vendorId" {
					return vendor
				}
				v, ok := ids[name]
				if !ok {
					missing = append(missing, name)
				}
				return v
			})
			if len(missing) > 0 {
				t.Errorf("%s: no id for %v; teach this test to make one", p, missing)
				break
			}
			res := h.jsonReq("GET", url, h.Admin, nil)
			switch {
			case res.Status == 200:
				walked++
			case res.Status == 404 && vendor != "acme":
				// vendor-id-1234 has no Yespo account, SALESmanago account sm_acme…
			default:
				t.Errorf("GET %s → %d: %s", url, res.Status, res.Body)
			}
			if !strings.Contains(path, "{vendorId}") {
				break
			}
		}
	}
	if walked < 25 {
		t.Errorf("walked %d admin GET answers; the route scan found too few", walked)
	}

	// The connector kinds are made with their accounts, not with the endpoint API.
	h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"url": "https://x.example", "kind": "yespo"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PATCH", "/admin/v1/vendors/acme/endpoints/ep_hook", h.Admin, map[string]any{"kind": "salesmanago"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PATCH", "/admin/v1/vendors/acme/endpoints/sm_acme", h.Admin, map[string]any{"kind": "webhook"}).expect(400, orderhub.EInvalidRequest)
	var ep struct{ Kind string }
	admin("PATCH", "/admin/v1/vendors/acme/endpoints/ep_hook", map[string]any{"kind": "zapier"}, 200).JSON(&ep)
	if ep.Kind != "zapier" {
		t.Errorf("kind %q after PATCH", ep.Kind)
	}
}

// TestTextRulesOnEverySurface: free text holds tab, CR and LF (what an HTML
// textarea submits) on every surface, stored as sent; no surface takes other
// control characters; identifiers and names are one line.
func TestTextRulesOnEverySurface(t *testing.T) {
	const crlf = "Line one\r\nLine two\twith a tab"
	ctl := "a" + string(rune(1))
	fieldIs := func(t *testing.T, res *response, want string) {
		t.Helper()
		var e struct{ Field string }
		res.JSON(&e)
		if e.Field != want {
			t.Errorf("field %q, want %q: %s", e.Field, want, res.Body)
		}
	}
	t.Run("purchases (seed 000), vendor orders (001), order events (004), admin", func(t *testing.T) {
		h := newPurchaseHub(t)
		send := func(mod map[string]any) *response {
			var p map[string]any
			if err := json.Unmarshal([]byte(seedPurchase), &p); err != nil {
				t.Fatal(err)
			}
			for k, v := range mod {
				p[k] = v
			}
			b, _ := json.Marshal(p)
			return h.do("POST", hookPath, "application/json", b, map[string]string{"Authorization": "Bearer " + h.SeedSecret})
		}
		var pa purchaseAnswer
		send(map[string]any{"publisherPurchaseId": "crlf", "notes": crlf, "deliveryAddressStreet": "c/o Ann\r\nSveavägen 59"}).expect(201, "").JSON(&pa)
		if b := string(h.jsonReq("GET", "/admin/v1/contracts/"+pa.ContractID, h.Admin, nil).expect(200, "").Body); !strings.Contains(b, `Line one\r\nLine two\twith a tab`) {
			t.Errorf("the notes were not kept as sent: %s", b)
		}
		for field, v := range map[string]string{"notes": ctl, "firstName": "Ann\nBee", "publisherPurchaseId": "x\ty"} {
			fieldIs(t, send(map[string]any{"publisherPurchaseId": "bad", field: v}).expect(400, orderhub.EInvalidRequest), field)
		}

		tok := h.token("")
		order := func(id string, edit func(o, u map[string]any)) *response {
			return h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE", tok, specOrder(id, edit))
		}
		order("VO-crlf", func(o, u map[string]any) { u["address"].(map[string]any)["street"] = "c/o Ann\r\nStorgatan 1" }).expect(200, "")
		fieldIs(t, order("VO-"+ctl, nil).expect(400, orderhub.EInvalidRequest), "externalOrderId")
		fieldIs(t, order("VO-2", func(o, u map[string]any) { u["fullName"] = "Anna\nAndersson" }).expect(400, orderhub.EInvalidRequest), "userData.fullName")
		fieldIs(t, order("VO-3", func(o, u map[string]any) { u["address"].(map[string]any)["city"] = ctl }).expect(400, orderhub.EInvalidAddress), "userData.address.city")

		evTok := h.token(orderhub.ScopeEvents)
		h.jsonReq("POST", "/api/v1/contact", evTok, `{"externalCustomerId":"C-1","channels":[{"type":"email","value":"ann@example.com"}],"address":{"address":"c/o Ann\r\nMain St 1"}}`).expect(200, "")
		fieldIs(t, h.jsonReq("POST", "/api/v1/contact", evTok, `{"externalCustomerId":"C-2","firstName":"A\u0001"}`).expect(400, orderhub.EInvalidRequest), "firstName")
		item := `{"externalItemId":"A1","name":"Thing","quantity":1,"cost":"21","url":"https://shop.example/a1","imageUrl":"https://shop.example/a1.png","description":` + jq(crlf) + `}`
		var a eventAnswer
		h.jsonReq("POST", "/api/v1/event", evTok, yevent(orderhub.YespoOrderCreated, append(dropParam(yCreated("Y-1", "C-1"), "items"), "items", "["+item+"]")...)).expect(200, "").JSON(&a)
		if a.Status != "accepted" {
			t.Errorf("CRLF in an item description: %+v", a)
		}
		h.jsonReq("POST", "/api/v1/event?strict=true", evTok, yevent(orderhub.YespoOrderCreated, yCreated("Y-\u0001", "C-1")...)).expect(400, orderhub.EOrderEventParamInvalid)

		h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"id": "ep_1", "url": "https://hooks.example/x", "description": crlf}).expect(201, "")
		fieldIs(t, h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"url": "https://hooks.example/x", "description": ctl}).expect(400, orderhub.EInvalidRequest), "description")
		h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints/ep_1/disable", h.Admin, map[string]any{"reason": "Moved.\r\nSee ticket 12."}).expect(200, "")
	})
	t.Run("Zapier (seed 003)", func(t *testing.T) {
		h := newZapierHub(t)
		lead := func(edit func(l map[string]any)) *response {
			var l map[string]any
			if err := json.Unmarshal([]byte(seedOrderLead), &l); err != nil {
				t.Fatal(err)
			}
			edit(l)
			return h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, l)
		}
		lead(func(l map[string]any) { l["shipping_address"].(map[string]any)["line2"] = "Suite 5\r\nBuilding B" }).expect(200, "")
		fieldIs(t, lead(func(l map[string]any) { l["contact"].(map[string]any)["first_name"] = ctl }).expect(422, orderhub.EUnprocessable), "contact.first_name")
	})
	t.Run("SALESmanago (seed 002)", func(t *testing.T) {
		b := newSMBed(t, nil)
		b.accept("POST", "/salesmanago/contacts", map[string]any{"group_key": "acme-main", "data": map[string]any{"email": "anna@example.com"}})
		id := b.accept("POST", "/salesmanago/events", map[string]any{"group_key": "acme-main", "data": map[string]any{"email": "anna@example.com", "contactExtEventType": "PURCHASE", "description": crlf}})
		if st := b.settled(t, id); st.Status != "delivered" {
			t.Errorf("CRLF description: %+v", st)
		}
		fieldIs(t, b.jsonReq("POST", "/salesmanago/events", b.Tok, map[string]any{"group_key": "acme-main", "data": map[string]any{"email": "anna@example.com", "contactExtEventType": "PURCHASE", "description": ctl}}).expect(400, orderhub.EInvalidRequest), "data.description")
	})
}

// TestAmountsAreExactOnEverySurface: amounts are read as exact decimals,
// normalised, checked with the limits of the protocol they are delivered with,
// stored and forwarded exactly — never through float64.
func TestAmountsAreExactOnEverySurface(t *testing.T) {
	t.Run("SALESmanago (seed 002) in and out", func(t *testing.T) {
		b := newSMBed(t, &orderhub.SalesmanagoMapping{Events: map[string]orderhub.SalesmanagoEventMapping{"order-created": {Type: "PURCHASE"}}})
		b.accept("POST", "/salesmanago/contacts", map[string]any{"group_key": "acme-main", "data": map[string]any{"email": "anna@example.com"}})
		event := func(value string) string {
			return `{"group_key":"acme-main","data":{"email":"anna@example.com","contactExtEventType":"PURCHASE","value":` + value + `}}`
		}
		for _, c := range []struct{ sent, delivered string }{
			{"1234567890123456789.12", "1234567890123456789.12"}, // the seed's range: 19 digits + 2 decimals
			{"9999999999999999999.99", "9999999999999999999.99"}, // its top (float64 makes it 1e19: 20 digits)
			{"1e3", "1000"}, {"2.5E1", "25"}, {"12.50", "12.5"}, // normalised to what SALESmanago takes
		} {
			id := b.accept("POST", "/salesmanago/events", event(c.sent))
			if st := b.settled(t, id); st.Status != "delivered" {
				t.Errorf("value %s: %+v", c.sent, st)
				continue
			}
			found := false
			for _, ev := range b.Fake.Events(smFakeAccount.ClientID) {
				found = found || ev.Fields["value"] == json.Number(c.delivered)
			}
			if !found {
				t.Errorf("value %s did not reach SALESmanago as %s", c.sent, c.delivered)
			}
		}
		for _, v := range []string{"12345678901234567890", "1e-3", "0.001", "1e19"} {
			fieldIs := b.jsonReq("POST", "/salesmanago/events", b.Tok, event(v)).expect(400, orderhub.EInvalidRequest)
			var e struct{ Field string }
			fieldIs.JSON(&e)
			if e.Field != "data.value" {
				t.Errorf("value %s: field %q", v, e.Field)
			}
		}
		// The fake's request log (the demo's view) shows amounts exactly as sent.
		res, err := http.Get(b.FakeURL + "/_fake/requests")
		if err != nil {
			t.Fatal(err)
		}
		log, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(log), `"value":1234567890123456789.12`) {
			t.Errorf("the fake's request log does not show the amount exactly: %.3000s", log)
		}
		// An order's total goes out as stored: 999 999 999 999 999.99 is not a float64.
		ctx := context.Background()
		big := orderhub.Money(99999999999999999)
		if _, _, err := hub.NewOrders(b.DB).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "BIG-1", Source: "test", Total: big,
			Customer: orderhub.Customer{Email: "big@example.com"}, Items: []orderhub.OrderItem{{Name: "Yacht", Quantity: 1, Cost: big}}}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the order's PURCHASE event", func() bool {
			for _, ev := range b.Fake.Events(smFakeAccount.ClientID) {
				if ev.Email == "big@example.com" {
					if ev.Fields["value"] != json.Number("999999999999999.99") {
						t.Fatalf("order total sent as %v", ev.Fields["value"])
					}
					return true
				}
			}
			return false
		})
	})
	t.Run("order events (seed 004), catalog (seed 000), admin", func(t *testing.T) {
		h := newPurchaseHub(t)
		evTok := h.token(orderhub.ScopeEvents)
		h.jsonReq("POST", "/api/v1/contact", evTok, `{"externalCustomerId":"C-1","channels":[{"type":"email","value":"ann@example.com"}]}`).expect(200, "")
		item := func(cost string) string {
			return `[{"externalItemId":"A1","name":"Thing","quantity":"1e0","cost":` + cost + `,"url":"https://shop.example/a1","imageUrl":"https://shop.example/a1.png"}]`
		}
		for _, c := range []struct{ id, total, shipping, cost, want string }{
			{"Y-big", `"999999999999999.99"`, `"999899999999999.99"`, `"1e11"`, `"total":999999999999999.99`},
			{"Y-exp", `2.1e1`, `0`, `"21"`, `"total":21,`},
			{"Y-cents", `"0.3"`, `0`, `0.30`, `"total":0.3,`},
		} {
			kv := append(dropParam(dropParam(yCreated(c.id, "C-1"), "items"), "totalCost"), "totalCost", c.total, "shipping", c.shipping, "items", item(c.cost))
			var a eventAnswer
			h.jsonReq("POST", "/api/v1/event", evTok, yevent(orderhub.YespoOrderCreated, kv...)).expect(200, "").JSON(&a)
			if a.Status != "accepted" {
				t.Errorf("%s: %+v", c.id, a)
				continue
			}
			if b := string(h.jsonReq("GET", "/admin/v1/orders/"+a.OrderID, h.Admin, nil).expect(200, "").Body); !strings.Contains(b, c.want) {
				t.Errorf("%s: want %s in %s", c.id, c.want, b)
			}
		}
		// Vendor orders (seed 001): the quantity is read exactly too.
		vo := func(id, quantity string) *response {
			b, _ := json.Marshal(specOrder(id, nil))
			return h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE", h.token(""), strings.Replace(string(b), `"quantity":1`, `"quantity":`+quantity, 1))
		}
		var vr struct{ ContractID string }
		vo("Q-exp", "2e0").expect(200, "").JSON(&vr)
		if c, err := h.DB.Orders().GetContract(context.Background(), "acme", vr.ContractID); err != nil || c.Quantity != 2 {
			t.Errorf("quantity 2e0: %+v %v", c, err)
		}
		vo("Q-frac", "1.0000000000000001").expect(400, orderhub.EInvalidQuantity) // float64 makes it 1
		vo("Q-str", `"2"`).expect(400, orderhub.EInvalidRequest)
		var po struct{ Price string }
		h.jsonReq("POST", "/admin/v1/vendors/acme/purchase-options", h.Admin, map[string]any{"id": "exp", "productId": "daily", "name": "Exp", "price": "1e2", "currency": "SEK"}).expect(201, "").JSON(&po)
		if po.Price != "100.00" {
			t.Errorf("price 1e2 stored as %q", po.Price)
		}
		h.jsonReq("POST", "/admin/v1/vendors/acme/purchase-options", h.Admin, map[string]any{"id": "bad", "productId": "daily", "name": "Bad", "price": "1e-3", "currency": "SEK"}).expect(400, orderhub.EInvalidRequest)
	})
	t.Run("Zapier (seed 003)", func(t *testing.T) {
		h := newZapierHub(t)
		lead := strings.Replace(strings.Replace(seedOrderLead, `"total": 120`, `"total": "999999999999999.99"`, 1), `"price": 50}`, `"price": 5e1}`, 1)
		res := h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, lead).expect(200, "")
		if !strings.Contains(string(res.Body), `"total":999999999999999.99`) || !strings.Contains(string(res.Body), `"price":50`) {
			t.Errorf("lead echo: %s", res.Body)
		}
	})
}

// TestATelesalesOrderIsAnOrder: a Vendor Order API order reaches an endpoint
// subscribed to order-created, is listed with the orders and counted by the
// console's order counters.
func TestATelesalesOrderIsAnOrder(t *testing.T) {
	h := newTestHub(t)
	h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"id": "ep_orders", "url": "https://hooks.example/orders",
		"eventTypes": []string{orderhub.EventOrderCreated, orderhub.EventOrderUpdated}}).expect(201, "")
	var r struct{ ContractID string }
	h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", h.token(""), specOrder("TEL-1", func(o, u map[string]any) { o["quantity"] = 2 })).
		expect(200, "").JSON(&r)

	var orders struct {
		Data []orderhub.Order `json:"data"`
	}
	h.jsonReq("GET", "/admin/v1/orders?vendor=acme", h.Admin, nil).expect(200, "").JSON(&orders)
	if len(orders.Data) != 1 {
		t.Fatalf("orders %+v", orders.Data)
	}
	o := orders.Data[0]
	if o.ContractID != r.ContractID || o.Source != orderhub.OriginVendorOrder || o.Status != orderhub.OrderInProgress || o.Total != 19800 || o.Currency != "SEK" ||
		!strings.Contains(string(o.Metadata), `"externalOrderId":"TEL-1"`) {
		t.Fatalf("the telesales order: %+v %s", o, o.Metadata)
	}
	var deliveries struct{ Data []struct{ EventType string } }
	h.jsonReq("GET", "/admin/v1/vendors/acme/deliveries?endpointId=ep_orders", h.Admin, nil).expect(200, "").JSON(&deliveries)
	if len(deliveries.Data) != 1 || deliveries.Data[0].EventType != orderhub.EventOrderCreated {
		t.Fatalf("deliveries to the order endpoint: %+v", deliveries.Data)
	}
	var dash struct{ OrdersPerMinute []int64 }
	h.jsonReq("GET", "/admin/v1/dashboard?minutes=5", h.Admin, nil).expect(200, "").JSON(&dash)
	var n int64
	for _, c := range dash.OrdersPerMinute {
		n += c
	}
	if n != 1 {
		t.Errorf("the console's order counters count %d orders, want 1: %v", n, dash.OrdersPerMinute)
	}
}
