package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"orderhub/hub"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/connector/salesmanago"
	"orderhub/connector/yespo"
	"orderhub/delivery"
	"orderhub/docs"
	"orderhub/httpapi"
	"orderhub/netguard"
)

// internalService is a local "internal" service (think: an admin API or a cloud
// metadata endpoint) that an outbound call must never reach while private targets
// are refused. It counts what reaches it.
func internalService(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"internal":"do not leak"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// refusingServer serves h's database again with the production default: private
// targets refused (the test hub allows them so that tests reach local receivers).
func refusingServer(t *testing.T, h *testHub, guard *netguard.Guard, conn *yespo.Connector) {
	t.Helper()
	spec, _ := docs.OpenAPIJSON()
	cfg := httpapi.Config{Store: hub.Wrap(h.DB.Store(), h.DB), Now: h.Clock.Now, Registry: prometheus.NewRegistry(), OpenAPIJSON: spec, Guard: guard}
	if conn != nil {
		cfg.Yespo = conn
	}
	srv, err := httpapi.NewServer(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	h.URL = ts.URL
}

// Issue 15: with private targets refused, no registration, test call or delivery of
// any kind (webhook, Zapier hook, SALESmanago, Yespo) reaches an internal service.
func TestOutboundGuardCoversEveryClient(t *testing.T) {
	zh := newZapierHub(t)
	h := zh.testHub
	h.ValidateSpec = true
	internal, hits := internalService(t)
	guard := netguard.New(netguard.Options{}) // private targets refused
	sealer, _ := yespo.NewSealer("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	conn := yespo.NewConnector(h.DB.Connectors(), sealer, guard.Client())
	refusingServer(t, h, guard, conn)
	port := internal.URL[strings.LastIndex(internal.URL, ":")+1:]

	refused := func(res *response, field string) {
		t.Helper()
		res.expect(422, orderhub.ETargetRefused)
		var b httpapi.ErrorBody
		res.JSON(&b)
		if b.Field != field || !strings.Contains(b.Message, "rule:") {
			t.Fatalf("refusal %+v does not name the field %q and the rule", b, field)
		}
	}
	// Registration: the internal service, cloud metadata, an IPv4-compatible IPv6
	// form of loopback, and a name resolving only to loopback.
	for _, u := range []string{internal.URL + "/internal", "http://169.254.169.254/latest/meta-data/", "http://[::7f00:1]:" + port + "/", "http://localhost:" + port + "/"} {
		refused(h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", h.Admin, map[string]string{"baseUrl": u, "apiKey": "k"}), "baseUrl")
		refused(h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"url": u}), "url")
		refused(h.jsonReq("POST", "/admin/v1/vendors/acme/salesmanago/accounts", h.Admin, map[string]any{"groupKey": "g1", "baseUrl": u,
			"clientId": "c", "apiSecret": "s", "owner": "o@acme.example"}), "baseUrl")
		refused(h.jsonReq("POST", "/api/integrations/"+zh.Integration+"/channels", zh.Token, map[string]string{
			"url": u, "method": "zapier", "alias": "a", "event": "customer-created"}), "url")
	}
	// Connector base URLs need TLS when private targets are refused.
	refused(h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", h.Admin, map[string]string{"baseUrl": "http://yespo.invalid", "apiKey": "k"}), "baseUrl")
	h.jsonReq("PUT", "/admin/v1/vendors/acme/yespo", h.Admin, map[string]string{"baseUrl": "https://yespo.invalid", "apiKey": "k"}).expect(200, "")
	// An endpoint updated to point inside is refused too.
	var ep orderhub.Endpoint
	h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"url": "https://hooks.invalid/x"}).expect(201, "").JSON(&ep)
	refused(h.jsonReq("PATCH", "/admin/v1/vendors/acme/endpoints/"+ep.ID, h.Admin, map[string]any{"url": internal.URL}), "url")

	// Targets stored before the upgrade (or straight into the database) are
	// refused when called: the connectors' test calls ...
	h.ValidateSpec = false
	if _, err := conn.SaveAccount(context.Background(), "acme", internal.URL+"/internal", "the-key"); err != nil {
		t.Fatal(err)
	}
	res := h.jsonReq("POST", "/admin/v1/vendors/acme/yespo/test", h.Admin, nil).expect(200, "")
	if !strings.Contains(string(res.Body), "refused to connect") || strings.Contains(string(res.Body), "do not leak") {
		t.Fatalf("Yespo test call: %s", res.Body)
	}
	rec, err := salesmanago.CreateAccount(context.Background(), h.DB.Connectors(), nil, "acme", &orderhub.SalesmanagoAccountInput{
		GroupKey: "g2", BaseURL: internal.URL, V3BaseURL: internal.URL, ClientID: "c", APISecret: "s", Owner: "o@acme.example", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	res = h.jsonReq("POST", "/admin/v1/vendors/acme/salesmanago/accounts/"+rec.ID+"/test", h.Admin, nil).expect(200, "")
	if !strings.Contains(string(res.Body), "refused to connect") || strings.Contains(string(res.Body), "do not leak") {
		t.Fatalf("SALESmanago test call: %s", res.Body)
	}

	// ... and their deliveries, and webhooks' and Zapier hooks': each is dead
	// after one attempt, with the refusal as the reason (issue 14, part 4).
	wh := &orderhub.Endpoint{VendorID: "acme", URL: internal.URL + "/hook"}
	if err := h.DB.Deliveries().CreateEndpoint(context.Background(), wh); err != nil {
		t.Fatal(err)
	}
	zch := &orderhub.ZapierChannel{VendorID: "acme", IntegrationUUID: zh.Integration, UserID: zh.UserID, Alias: "z", Event: "customer-created",
		URL: internal.URL + "/zap", EventTypes: []string{orderhub.EventCustomerCreated}}
	if err := h.DB.Catalog().CreateZapierChannel(context.Background(), zch); err != nil {
		t.Fatal(err)
	}
	eng := delivery.New(struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{h.DB.Deliveries(), h.DB.Ops()}, delivery.Config{Guard: guard, Poll: 20 * time.Millisecond, Timeout: time.Second, Senders: map[string]delivery.Sender{
		orderhub.EndpointYespo: yespo.NewSender(struct {
			orderhub.ConnectorRecords
			orderhub.OrderRecords
			orderhub.TenantStore
		}{h.DB.Connectors(), h.DB.Orders(), h.DB.Tenants()}, sealer, guard.Client()),
		orderhub.EndpointSalesmanago: salesmanago.NewSender(struct {
			orderhub.ConnectorRecords
			orderhub.OrderRecords
			orderhub.TenantStore
		}{h.DB.Connectors(), h.DB.Orders(), h.DB.Tenants()}, nil, guard.Client()),
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	res = h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", h.token(orderhub.ScopeVendorOrders), map[string]any{
		"externalOrderId": "VO-1", "userData": map[string]any{"email": "c1@example.com"}, "paymentProvider": "STRIPE", "paymentMethod": "CARD", "quantity": 1,
	})
	if res.Status != 201 && res.Status != 200 {
		t.Fatalf("vendor order: %d %s", res.Status, res.Body)
	}
	eps, err := h.DB.Deliveries().ListEndpoints(context.Background(), orderhub.EndpointFilter{VendorID: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, e := range eps {
		if !strings.Contains(e.URL, internal.URL) {
			continue
		}
		kinds[e.Kind] = true
		var ds []*orderhub.Delivery
		waitUntil(t, e.Kind+" deliveries dead", func() bool {
			all, err := h.DB.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{VendorID: "acme", EndpointID: e.ID})
			if err != nil {
				return false
			}
			// A connector sends a contract's order with the contract's events: its
			// order-* deliveries make no call (nothing to guard).
			ds = ds[:0]
			for _, d := range all {
				if e.Kind == orderhub.EndpointWebhook || e.Kind == orderhub.EndpointZapier || !strings.HasPrefix(d.EventType, "order-") {
					ds = append(ds, d)
				}
			}
			if len(ds) == 0 {
				return false
			}
			for _, d := range ds {
				if d.Status != orderhub.DeliveryDead {
					return false
				}
			}
			return true
		})
		for _, d := range ds {
			if d.Attempts != 1 || !strings.Contains(d.LastError, "refused to connect") {
				t.Fatalf("%s delivery: %d attempts, last error %q; want dead after 1 attempt with the refusal", e.Kind, d.Attempts, d.LastError)
			}
		}
	}
	if len(kinds) != 4 {
		t.Fatalf("checked the deliveries of %v, want all four kinds", kinds)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the internal service was called %d times", n)
	}
}
