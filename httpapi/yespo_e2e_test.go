package httpapi_test

import (
	"context"
	"net/http/httptest"
	"orderhub/hub"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/connector/yespo"
	"orderhub/delivery"
	"orderhub/docs"
	fakeyespo "orderhub/fake/yespo"
	"orderhub/httpapi"
	"orderhub/netguard"
)

// withYespo serves the hub again (same database) with the Yespo connector
// configured, and starts the delivery engine with the Yespo Sender on a fast retry
// schedule. It returns the fake Yespo the vendor's account will point at.
func withYespo(t *testing.T, h *testHub) (*fakeyespo.Server, *yespo.Connector) {
	t.Helper()
	f := fakeyespo.New("yespo-api-key")
	if _, err := f.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	sealer, err := yespo.NewSealer("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil {
		t.Fatal(err)
	}
	conn := yespo.NewConnector(h.DB.Connectors(), sealer, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	spec, _ := docs.OpenAPIJSON()
	srv, err := httpapi.NewServer(context.Background(), httpapi.Config{Store: hub.Wrap(h.DB.Store(), h.DB), Now: h.Clock.Now, Registry: prometheus.NewRegistry(), OpenAPIJSON: spec, Yespo: conn, Guard: netguard.New(netguard.Options{AllowPrivate: true})})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	h.URL = ts.URL
	snd := yespo.NewSender(struct {
		orderhub.ConnectorRecords
		orderhub.OrderRecords
		orderhub.TenantStore
	}{h.DB.Connectors(), h.DB.Orders(), h.DB.Tenants()}, sealer, netguard.New(netguard.Options{AllowPrivate: true}).Client())
	snd.Timeout = 300 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	eng := delivery.New(struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{h.DB.Deliveries(), h.DB.Ops()}, delivery.Config{
		Schedule: []time.Duration{0, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond},
		Jitter:   -1, Poll: 20 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond, Timeout: time.Second,
		Senders: map[string]delivery.Sender{orderhub.EndpointYespo: snd},
	})
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	// The hub's clock stands still (testClock); retries fall due as it moves.
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		for ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
			h.Clock.Add(10 * time.Millisecond)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		<-ticked
		ts.Close()
		f.Close()
	})
	return f, conn
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// An order created through the Vendor Order API arrives at Yespo as contact +
// orderCreated, followed by orderCancelled after a cancellation — in that order,
// though Yespo fails the first attempts.
func TestYespoForwardsVendorOrderLifecycle(t *testing.T) {
	h := newTestHub(t)
	// Without the connector configured, the account API says so.
	h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", h.Admin, `{"baseUrl":"https://yespo.io","apiKey":"k"}`).expect(503, orderhub.EUnavailable)
	f, _ := withYespo(t, h)

	// The operator connects the vendor's Yespo account and tests it.
	res := h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", h.Admin, map[string]string{"baseUrl": f.URL() + "/api/v1", "apiKey": "yespo-api-key"}).expect(200, "")
	var acct httpapi.YespoAccountView
	res.JSON(&acct)
	if !acct.APIKeySet || !acct.APIKeyEncrypted || acct.BaseURL != f.URL() || strings.Contains(string(res.Body), "yespo-api-key") {
		t.Fatalf("%s", res.Body)
	}
	if b := h.jsonReq("GET", "/admin/v1/vendors/acme/yespo", h.Admin, nil).expect(200, "").Body; strings.Contains(string(b), "yespo-api-key") {
		t.Fatal("the key was returned")
	}
	var test struct {
		OK          bool           `json:"ok"`
		AccountInfo map[string]any `json:"accountInfo"`
		Message     string         `json:"message"`
	}
	h.jsonReq("POST", "/admin/v1/vendors/acme/yespo/test", h.Admin, nil).expect(200, "").JSON(&test)
	if !test.OK || test.AccountInfo["organisationName"] == nil {
		t.Fatalf("%+v", test)
	}
	h.jsonReq("GET", "/admin/v1/vendors/other/yespo", h.Admin, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", h.Admin, `{"baseUrl":"ftp://x"}`).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", h.Admin, `{"apiKey":"k"}`).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", "", `{"baseUrl":"https://yespo.io"}`).expect(401, orderhub.EUnauthorized)

	// Yespo fails the first attempts: 500, 500, 429 with Retry-After, a timeout.
	f.Fail(fakeyespo.Fault{Times: 2, Status: 500})
	f.Fail(fakeyespo.Fault{Status: 429, RetryAfter: "1"})
	f.Fail(fakeyespo.Fault{Status: 504, Delay: 2 * time.Second})

	var r orderResult
	h.jsonReq("POST", orderPath+"?confirm=true", h.token(orderhub.ScopeVendorOrders), body(map[string]any{"externalOrderId": "VO-77",
		"userData": map[string]any{"email": "Anna@Example.com", "fullName": "Anna Andersson", "phone": "+46701234567"}})).expect(200, "").JSON(&r)
	// The cancellation, through the Zapier API's cancel action.
	if err := h.DB.Catalog().CreateZapierUser(context.Background(), &orderhub.ZapierUser{VendorID: h.VendorID, Email: "ops@acme.example"}, "zapier-pass-1"); err != nil {
		t.Fatal(err)
	}
	var login loginAnswer
	h.jsonReq("POST", "/api/login", "", map[string]string{"email": "ops@acme.example", "password": "zapier-pass-1", "integration": "zapier"}).expect(200, "").JSON(&login)
	h.jsonReq("POST", "/api/zapier/subscriptions/"+r.ContractID+"/cancel", login.Data.Token, nil).expect(200, "")
	waitUntil(t, "orderCancelled at Yespo", func() bool {
		return strings.HasSuffix(f.Summary(), "orderCancelled:VO-77")
	})
	if s := f.Summary(); s != "orderCreated:VO-77 orderUpdated:VO-77 orderUpdated:VO-77 orderCancelled:VO-77" {
		t.Fatalf("Yespo got %s", s)
	}
	if ig := f.Ignored(); len(ig) != 0 {
		t.Fatalf("Yespo ignored %+v", ig)
	}
	var ok []string
	failed := 0
	for _, rq := range f.Requests("") {
		if rq.Status != 200 {
			failed++
		} else if rq.Path != "/api/v1/account/info" {
			ok = append(ok, rq.Path)
		}
	}
	if failed != 4 || ok[0] != "/api/v1/contact" || ok[1] != "/api/v1/event" {
		t.Fatalf("failed %d, sequence %v", failed, ok)
	}
	// contract-created of a contract created and confirmed at once carries CONFIRMED.
	ev := f.Events()[0]
	cs := f.Contacts()
	if len(cs) != 1 || cs[0].Email != "anna@example.com" || cs[0].Phone != "+46701234567" || ev.ContactID != cs[0].ID ||
		ev.Param("totalCost") != "99.00" || ev.Param("currency") != "SEK" || ev.Param("status") != "IN_PROGRESS" || ev.KeyValue != "anna@example.com" {
		t.Fatalf("contacts %+v, first event %+v", cs, ev)
	}

	// A Zapier order is forwarded too (its items have no url/imageUrl, which Yespo
	// requires, so the order goes without them).
	h.jsonReq("POST", "/api/zapier/store-customer-order", login.Data.Token, seedOrderLead).expect(200, "")
	waitUntil(t, "the Zapier order at Yespo", func() bool { _, ok := f.Order("123"); return ok })
	if o, _ := f.Order("123"); o.Total != 12000 || len(o.Items) != 0 || o.Date != "2024-08-14T00:00:00" || o.Status != orderhub.OrderInitialized {
		t.Fatalf("%+v", o)
	}

	// Order events received by orderhub are forwarded too.
	tok := h.token(orderhub.ScopeEvents)
	h.jsonReq("POST", "/api/v1/contact", tok, `{"externalCustomerId":"AV13760","channels":[{"type":"sms","value":"380501234567"}]}`).expect(200, "")
	h.jsonReq("POST", "/api/v1/event", tok, strings.Replace(yespoSeedExample, `"258.0"`, `"990.0"`, 1)).expect(200, "")
	h.jsonReq("POST", "/api/v1/event", tok, yevent(orderhub.YespoOrderDelivered, "externalOrderId", `"12345679"`)).expect(200, "")
	waitUntil(t, "the seed's order delivered at Yespo", func() bool {
		o, ok := f.Order("12345679")
		return ok && o.Status == orderhub.OrderDelivered
	})
	if o, _ := f.Order("12345679"); o.Total != 99000 || len(o.Items) != 1 || o.Currency != "UAH" {
		t.Fatalf("%+v", o)
	}

	// A wrong key: the connection test says so (without the key).
	h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", h.Admin, map[string]string{"baseUrl": f.URL(), "apiKey": "wrong-key"}).expect(200, "")
	h.jsonReq("POST", "/admin/v1/vendors/acme/yespo/test", h.Admin, nil).expect(200, "").JSON(&test)
	if test.OK || !strings.Contains(test.Message, "401") || strings.Contains(test.Message, "wrong-key") {
		t.Fatalf("%+v", test)
	}
	h.jsonReq("DELETE", "/admin/v1/vendors/acme/yespo", h.Admin, nil).expect(204, "")
	h.jsonReq("GET", "/admin/v1/vendors/acme/yespo", h.Admin, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("POST", "/admin/v1/vendors/acme/yespo/test", h.Admin, nil).expect(404, orderhub.ENotFound)
}
