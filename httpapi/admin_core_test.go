package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
)

type pageJSON[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor"`
}

func TestAdminCoreNeedsAnAdminToken(t *testing.T) {
	h := newTestHub(t)
	for _, p := range []string{"/admin/v1/vendors", "/admin/v1/orders", "/admin/v1/customers/cus_x", "/admin/v1/dashboard"} {
		h.jsonReq("GET", p, "", nil).expect(401, orderhub.EUnauthorized)
		h.jsonReq("GET", p, h.token(orderhub.ScopeVendorOrders), nil).expect(401, orderhub.EUnauthorized)
	}
}

func TestAdminVendorsClientsAndPromoCodes(t *testing.T) {
	h := newTestHub(t)
	h.Clock.Add(time.Second)
	res := h.jsonReq("POST", "/admin/v1/vendors", h.Admin, map[string]string{"id": "globex", "name": "Globex"}).expect(201, "")
	h.jsonReq("POST", "/admin/v1/vendors", h.Admin, map[string]string{"id": "bad id!", "name": "x"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/admin/v1/vendors", h.Admin, `{"id":`).expect(400, "")
	h.jsonReq("GET", "/admin/v1/vendors/globex", h.Admin, nil).expect(200, "")
	h.jsonReq("GET", "/admin/v1/vendors/nope", h.Admin, nil).expect(404, orderhub.ENotFound)

	// Three vendors, paged one at a time, newest first.
	var ids []string
	cursor := ""
	for {
		q := "/admin/v1/vendors?limit=1"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var pg pageJSON[orderhub.Vendor]
		h.jsonReq("GET", q, h.Admin, nil).expect(200, "").JSON(&pg)
		for _, v := range pg.Data {
			ids = append(ids, v.ID)
		}
		if pg.NextCursor == "" {
			break
		}
		cursor = pg.NextCursor
	}
	if fmt.Sprint(ids) != "[globex other acme]" { // acme and other share a creation time: ties go by id
		t.Fatalf("vendors paged: %v", ids)
	}

	// A client's secret is shown once, at creation, and works at the token endpoint.
	var created struct {
		ClientID     string   `json:"clientId"`
		VendorID     string   `json:"vendorId"`
		Scopes       []string `json:"scopes"`
		ClientSecret string   `json:"clientSecret"`
	}
	res = h.jsonReq("POST", "/admin/v1/clients", h.Admin, map[string]any{"vendorId": "globex", "name": "shop", "scopes": []string{orderhub.ScopeEvents}}).expect(201, "")
	res.JSON(&created)
	if created.ClientSecret == "" || created.VendorID != "globex" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("created client: %s", res.Body)
	}
	h.tokenFor(created.ClientID, created.ClientSecret, orderhub.ScopeEvents)
	for _, p := range []string{"/admin/v1/clients/" + created.ClientID, "/admin/v1/clients?vendor=globex"} {
		if b := h.jsonReq("GET", p, h.Admin, nil).expect(200, "").Body; contains(string(b), created.ClientSecret) || contains(string(b), "ecret") {
			t.Fatalf("%s shows a secret: %s", p, b)
		}
	}
	h.jsonReq("POST", "/admin/v1/clients", h.Admin, map[string]any{"vendorId": "globex"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/admin/v1/clients", h.Admin, map[string]any{"scopes": []string{"events"}}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/admin/v1/clients", h.Admin, map[string]any{"vendorId": "nope", "scopes": []string{"events"}}).expect(404, "")

	// Revoking it stops the token endpoint at once.
	var revoked orderhub.Client
	h.jsonReq("POST", "/admin/v1/clients/"+created.ClientID+"/revoke", h.Admin, nil).expect(200, "").JSON(&revoked)
	if revoked.RevokedAt == nil {
		t.Fatalf("revoked: %+v", revoked)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {created.ClientID}, "client_secret": {created.ClientSecret}}
	if r := h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", []byte(form.Encode()), nil); r.Status != 401 && r.Status != 400 {
		t.Fatalf("revoked client got a token: %d %s", r.Status, r.Body)
	}
	h.jsonReq("POST", "/admin/v1/clients/nope/revoke", h.Admin, nil).expect(404, orderhub.ENotFound)
	var active pageJSON[orderhub.Client]
	h.jsonReq("GET", "/admin/v1/clients?vendor=globex&status=active", h.Admin, nil).expect(200, "").JSON(&active)
	if len(active.Data) != 0 {
		t.Fatalf("active globex clients: %+v", active.Data)
	}

	// Promo codes.
	h.jsonReq("POST", "/admin/v1/promo-codes", h.Admin, map[string]any{"vendorId": "globex", "code": "WINTER", "productName": "Digital", "price": "49.50", "currency": "SEK", "billingPeriod": "month", "delivery": "digital"}).expect(201, "")
	h.jsonReq("POST", "/admin/v1/promo-codes", h.Admin, map[string]any{"vendorId": "globex", "code": "BAD", "productName": "Digital", "price": "-1", "currency": "SEK", "billingPeriod": "month", "delivery": "digital"}).expect(400, "")
	h.jsonReq("POST", "/admin/v1/promo-codes", h.Admin, map[string]any{"code": "X"}).expect(400, orderhub.EInvalidRequest)
	var promos pageJSON[orderhub.PromoCode]
	h.jsonReq("GET", "/admin/v1/promo-codes?vendor=globex", h.Admin, nil).expect(200, "").JSON(&promos)
	if len(promos.Data) != 1 || promos.Data[0].Code != "WINTER" || promos.Data[0].Price != "49.50" {
		t.Fatalf("promos: %+v", promos)
	}
}

func TestAdminOrdersCustomersContractsEvents(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	var orders []*orderhub.Order
	for i := range 7 {
		vendor := "acme"
		if i == 6 {
			vendor = "other"
		}
		o, _, err := hub.NewOrders(h.DB).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: vendor, ExternalOrderID: fmt.Sprintf("EXT-%d", i), Source: "test", Status: orderhub.OrderInitialized,
			Currency: "SEK", Customer: orderhub.Customer{Email: fmt.Sprintf("c%d@example.com", i%2)}, Total: 100})
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, o)
		h.Clock.Add(time.Second)
	}
	// Paging by the customer's e-mail within a vendor, with inserts between pages.
	seen := map[string]bool{}
	q := url.Values{"vendor": {"acme"}, "email": {"C0@example.com"}, "limit": {"2"}}
	for page := 0; ; page++ {
		var pg pageJSON[orderhub.Order]
		h.jsonReq("GET", "/admin/v1/orders?"+q.Encode(), h.Admin, nil).expect(200, "").JSON(&pg)
		for _, o := range pg.Data {
			if seen[o.ID] || o.VendorID != "acme" {
				t.Fatalf("page %d: %+v", page, o)
			}
			seen[o.ID] = true
		}
		if _, _, err := hub.NewOrders(h.DB).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: fmt.Sprintf("LATE-%d", page), Source: "test",
			Status: orderhub.OrderInitialized, Customer: orderhub.Customer{Email: "c0@example.com"}}); err != nil {
			t.Fatal(err)
		}
		h.Clock.Add(time.Second)
		if pg.NextCursor == "" {
			break
		}
		q.Set("cursor", pg.NextCursor)
	}
	if len(seen) != 3 { // EXT-0, EXT-2, EXT-4
		t.Fatalf("orders of c0 at acme: %v", seen)
	}

	var one pageJSON[orderhub.Order]
	h.jsonReq("GET", "/admin/v1/orders?externalOrderId=EXT-6", h.Admin, nil).expect(200, "").JSON(&one)
	if len(one.Data) != 1 || one.Data[0].VendorID != "other" {
		t.Fatalf("by externalOrderId: %+v", one)
	}
	h.jsonReq("GET", "/admin/v1/orders?externalOrderId=EXT-6&vendor=acme", h.Admin, nil).expect(200, "").JSON(&one)
	if len(one.Data) != 0 {
		t.Fatalf("another vendor's order leaked: %+v", one)
	}
	from := orders[2].CreatedAt.Format(time.RFC3339Nano)
	to := orders[4].CreatedAt.Format(time.RFC3339Nano)
	h.jsonReq("GET", "/admin/v1/orders?from="+url.QueryEscape(from)+"&to="+url.QueryEscape(to), h.Admin, nil).expect(200, "").JSON(&one)
	if len(one.Data) != 2 || one.Data[0].ID != orders[3].ID || one.Data[1].ID != orders[2].ID {
		t.Fatalf("time range: %+v", one.Data)
	}
	h.jsonReq("GET", "/admin/v1/orders?status=initialized&limit=500", h.Admin, nil).expect(200, "").JSON(&one)
	if len(one.Data) != 9 { // 7 + one order added after each of the 2 pages
		t.Fatalf("by status: %d", len(one.Data))
	}
	var got orderhub.Order
	h.jsonReq("GET", "/admin/v1/orders/"+orders[1].ID, h.Admin, nil).expect(200, "").JSON(&got)
	if got.ExternalOrderID != "EXT-1" {
		t.Fatalf("get order: %+v", got)
	}

	// Bad input: a clear 400 naming the parameter, never a 500.
	for _, bad := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=ten", "limit"}, {"cursor=nope", "cursor"}, {"from=yesterday", "from"},
		{"from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to"}, {"emial=x@example.com", "emial"}, {"vendor=a&vendor=b", "vendor"},
	} {
		res := h.jsonReq("GET", "/admin/v1/orders?"+bad.query, h.Admin, nil).expect(400, orderhub.EInvalidRequest)
		var e struct{ Field string }
		res.JSON(&e)
		if e.Field != bad.field {
			t.Fatalf("%s: field %q, want %q", bad.query, e.Field, bad.field)
		}
	}
	var vendors pageJSON[orderhub.Vendor]
	h.jsonReq("GET", "/admin/v1/vendors?limit=1", h.Admin, nil).expect(200, "").JSON(&vendors)
	// The refusal of a cursor of another listing speaks of the API's query parameter
	// and next_cursor field (its words are the HTTP layer's, not the store's).
	var refused struct{ Message, Field string }
	h.jsonReq("GET", "/admin/v1/orders?cursor="+url.QueryEscape(vendors.NextCursor), h.Admin, nil).expect(400, orderhub.EInvalidRequest).JSON(&refused)
	if want := "cursor is not a cursor of this orders listing; pass the next_cursor of a previous answer unchanged."; refused.Message != want || refused.Field != "cursor" {
		t.Fatalf("cursor of another listing: %+v, want %q", refused, want)
	}
	h.jsonReq("GET", "/admin/v1/orders/nope", h.Admin, nil).expect(404, orderhub.ENotFound)

	// Customers, their timeline, contracts and events.
	var cs pageJSON[orderhub.Customer]
	h.jsonReq("GET", "/admin/v1/customers?email=c1@example.com", h.Admin, nil).expect(200, "").JSON(&cs)
	if len(cs.Data) != 1 || cs.Data[0].VendorID != "acme" {
		t.Fatalf("customers by email: %+v", cs)
	}
	cust := cs.Data[0]
	h.jsonReq("GET", "/admin/v1/customers/"+cust.ID, h.Admin, nil).expect(200, "")
	var tl struct {
		Customer orderhub.Customer        `json:"customer"`
		Data     []orderhub.TimelineEntry `json:"data"`
	}
	h.jsonReq("GET", "/admin/v1/customers/"+cust.ID+"/timeline", h.Admin, nil).expect(200, "").JSON(&tl)
	kinds := map[string]int{}
	for _, e := range tl.Data {
		kinds[e.Kind]++
	}
	if tl.Customer.ID != cust.ID || kinds["order"] != 3 || kinds["event"] != 4 || kinds["customer"] != 1 {
		t.Fatalf("timeline %v: %+v", kinds, tl.Data)
	}
	h.jsonReq("GET", "/admin/v1/customers/"+cust.ID+"/timeline?limit=0", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("GET", "/admin/v1/customers/nope/timeline", h.Admin, nil).expect(404, orderhub.ENotFound)

	res := h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", h.token(orderhub.ScopeVendorOrders), map[string]any{
		"externalOrderId": "VO-1", "userData": map[string]any{"email": "c1@example.com"}, "paymentProvider": "STRIPE", "paymentMethod": "CARD", "quantity": 1,
	})
	if res.Status != 201 && res.Status != 200 {
		t.Fatalf("vendor order: %d %s", res.Status, res.Body)
	}
	var cons pageJSON[orderhub.Contract]
	h.jsonReq("GET", "/admin/v1/contracts?email=c1@example.com&status=confirmed", h.Admin, nil).expect(200, "").JSON(&cons)
	if len(cons.Data) != 1 || cons.Data[0].ExternalOrderID != "VO-1" {
		t.Fatalf("contracts: %s", res.Body)
	}
	h.jsonReq("GET", "/admin/v1/contracts/"+cons.Data[0].ID, h.Admin, nil).expect(200, "")
	h.jsonReq("GET", "/admin/v1/contracts/nope", h.Admin, nil).expect(404, orderhub.EContractNotFound)

	var evs pageJSON[orderhub.Event]
	h.jsonReq("GET", "/admin/v1/events?vendor=acme&type=contract-created", h.Admin, nil).expect(200, "").JSON(&evs)
	if len(evs.Data) != 1 {
		t.Fatalf("events: %+v", evs)
	}
	h.jsonReq("GET", "/admin/v1/events/"+evs.Data[0].ID, h.Admin, nil).expect(200, "")
	h.jsonReq("GET", "/admin/v1/events?orderingKey="+cust.ID+"&limit=2", h.Admin, nil).expect(200, "").JSON(&evs)
	if len(evs.Data) != 2 || evs.NextCursor == "" {
		t.Fatalf("events by key: %+v", evs)
	}

	var dash orderhub.Dashboard
	h.jsonReq("GET", "/admin/v1/dashboard?minutes=5", h.Admin, nil).expect(200, "").JSON(&dash)
	if len(dash.OrdersPerMinute) != 5 {
		t.Fatalf("dashboard: %+v", dash)
	}
	h.jsonReq("GET", "/admin/v1/dashboard?minutes=500", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
}
