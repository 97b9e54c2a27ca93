package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/delivery"
)

// The event catalog (issue 19 part 3): docs/openapi.yaml's webhooks section has one
// entry per event type, and every body the delivery engine really sends validates
// against its entry's schema.

// emittedEventTypes are the event types orderhub's code appends to the outbox for
// webhook endpoints. A new type must be added here and to the catalog.
var emittedEventTypes = []string{
	orderhub.EventCustomerCreated, orderhub.EventCustomerUpdated,
	orderhub.EventContractCreated, orderhub.EventContractConfirmed, orderhub.EventContractCanceled,
	orderhub.EventOrderCreated, orderhub.EventOrderUpdated,
	orderhub.EventShippingCreated, orderhub.EventShippingUpdated,
	orderhub.EventTransactionApproved, orderhub.EventTransactionDeclined,
	orderhub.EventSurveyCreated,
	orderhub.EventEndpointDisabled, orderhub.EventEndpointTest,
}

// operationalAlertTypes are the operational webhooks (serve --alert-webhook-url).
var operationalAlertTypes = []string{orderhub.AlertFailing, orderhub.AlertDisabled, orderhub.AlertRecovered}

// webhookSchema returns the request body schema of the catalog's entry for typ.
func webhookSchema(t *testing.T, typ string) *openapi3.Schema {
	t.Helper()
	item := spec(t).doc.Webhooks[typ]
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		t.Fatalf("docs/openapi.yaml has no webhook %q", typ)
	}
	media := item.Post.RequestBody.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil {
		t.Fatalf("webhook %q has no application/json schema", typ)
	}
	return media.Schema.Value
}

// checkEventBody validates a delivered body against the catalog: the schema of its
// type, and every field of its data declared there (the data schemas are the admin
// API's, which allow more; the catalog must not miss a field a receiver gets).
func checkEventBody(t *testing.T, body []byte) (typ string) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	var head struct {
		Type string                     `json:"type"`
		Data map[string]json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(body, &head)
	s := webhookSchema(t, head.Type)
	if err := s.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		t.Fatalf("the %s body does not match its schema: %v\n%s", head.Type, err, body)
	}
	var data *openapi3.Schema
	for _, part := range s.AllOf {
		if p := part.Value.Properties["data"]; p != nil {
			data = p.Value
		}
	}
	if data == nil {
		t.Fatalf("the %s schema has no data schema", head.Type)
	}
	for k := range head.Data {
		if data.Properties[k] == nil {
			t.Errorf("the %s body's data has %q, which its schema does not declare", head.Type, k)
		}
	}
	return head.Type
}

// catalogReceiver records what a webhook endpoint receives, verifying signatures.
type catalogReceiver struct {
	*httptest.Server
	t      *testing.T
	now    func() time.Time
	mu     sync.Mutex
	secret string
	bodies [][]byte
	fail   func(body []byte) bool // answer 500 when true
	got    chan struct{}
}

func newCatalogReceiver(t *testing.T, now func() time.Time) *catalogReceiver {
	r := &catalogReceiver{t: t, now: now, got: make(chan struct{}, 1000)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		secret, fail := r.secret, r.fail
		r.mu.Unlock()
		if err := delivery.Verify([]string{secret}, req.Header, b, r.now(), delivery.DefaultTolerance); err != nil {
			t.Errorf("a delivery does not verify: %v", err)
		}
		if fail != nil && fail(b) {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		r.got <- struct{}{}
	}))
	t.Cleanup(r.Close)
	return r
}

// wait returns the bodies received (answered 2xx) once there are at least n.
func (r *catalogReceiver) wait(n int) [][]byte {
	r.t.Helper()
	for {
		r.mu.Lock()
		out := append([][]byte(nil), r.bodies...)
		r.mu.Unlock()
		if len(out) >= n {
			return out
		}
		select {
		case <-r.got:
		case <-time.After(10 * time.Second):
			r.t.Fatalf("the receiver has %d bodies, want %d", len(out), n)
		}
	}
}

// createWebhook registers a webhook endpoint through the admin API and returns its secret.
func createWebhook(t *testing.T, h *testHub, id, url string, types []string) string {
	t.Helper()
	var ep struct {
		Secret string `json:"secret"`
	}
	h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"id": id, "url": url, "eventTypes": types}).expect(201, "").JSON(&ep)
	if ep.Secret == "" {
		t.Fatal("no secret")
	}
	return ep.Secret
}

// runEngine runs a delivery engine on the hub's database and clock.
func runEngine(t *testing.T, h *testHub, schedule []time.Duration) {
	t.Helper()
	runDeliveryEngine(t, h, delivery.Config{Poll: 20 * time.Millisecond, Schedule: schedule})
}

// runDeliveryEngine runs a delivery engine on the hub's database and clock, with
// private targets allowed and no jitter, until the test ends; cfg gives the rest.
func runDeliveryEngine(t *testing.T, h *testHub, cfg delivery.Config) {
	t.Helper()
	cfg.AllowPrivateTargets, cfg.Jitter, cfg.Registry, cfg.Clock = true, -1, prometheus.NewRegistry(), h.Clock.Now
	eng := delivery.New(struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{h.DB.Deliveries(), h.DB.Ops()}, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// TestEventCatalogCoversEveryType: every emitted type has a catalog entry whose
// example validates, and the catalog has no entry for a type nobody emits.
func TestEventCatalogCoversEveryType(t *testing.T) {
	doc := spec(t).doc
	for _, typ := range append(slices.Clone(emittedEventTypes), operationalAlertTypes...) {
		media := webhookSchema(t, typ)
		ex := doc.Webhooks[typ].Post.RequestBody.Value.Content.Get("application/json").Example
		b, err := json.Marshal(ex)
		if ex == nil || err != nil {
			t.Fatalf("webhook %q has no example", typ)
		}
		if got := checkEventBody(t, b); got != typ {
			t.Fatalf("the example of %q has type %q", typ, got)
		}
		_ = media
	}
	for name := range doc.Webhooks {
		if !slices.Contains(emittedEventTypes, name) && !slices.Contains(operationalAlertTypes, name) {
			t.Errorf("docs/openapi.yaml has a webhook %q that orderhub does not emit", name)
		}
	}
}

// TestEventBodiesMatchCatalog triggers every event type through the public APIs (the
// console's "send test event" through the store call it makes), lets the delivery
// engine send them to a real loopback receiver, and validates every body against
// the catalog.
func TestEventBodiesMatchCatalog(t *testing.T) {
	h := newZapierHub(t)
	runEngine(t, h.testHub, []time.Duration{0, time.Hour})
	all := newCatalogReceiver(t, h.Clock.Now)
	all.secret = createWebhook(t, h.testHub, "all", all.URL+"/hooks", []string{"*"})
	// An endpoint that always fails, to be disabled (endpoint-disabled).
	bad := newCatalogReceiver(t, h.Clock.Now)
	bad.fail = func([]byte) bool { return true }
	bad.secret = createWebhook(t, h.testHub, "bad", bad.URL+"/hooks", []string{orderhub.EventSurveyCreated})

	customerID, orderUUID := h.storeSeedLead()
	// The same lead with another total (order-updated) and another first name (customer-updated).
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token,
		strings.Replace(strings.Replace(seedOrderLead, `"total": 120`, `"total": 125`, 1), `"first_name": "John"`, `"first_name": "Johnny"`, 1)).expect(200, "")
	var sh orderhub.Shipping
	h.jsonReq("POST", "/admin/v1/vendors/acme/orders/"+orderUUID+"/shippings", h.Admin, map[string]string{"carrier": "ups"}).expect(201, "").JSON(&sh)
	h.jsonReq("PUT", "/api/zapier/update-shipping-tracking-info/"+sh.ID, h.Token, map[string]string{"carrier": "dhl", "tracking_number": "123"}).expect(200, "")
	h.jsonReq("POST", "/admin/v1/vendors/acme/transactions", h.Admin, map[string]any{"customerId": customerID, "orderId": orderUUID, "status": "approved", "amount": 120, "currency": "usd"}).expect(201, "")
	h.jsonReq("POST", "/admin/v1/vendors/acme/transactions", h.Admin, map[string]any{"customerId": customerID, "status": "declined", "amount": "9.90", "currency": "USD", "provider": "stripe", "message": "card declined"}).expect(201, "")
	contract := placeVendorOrder(t, h.testHub, "CAT-1")
	h.jsonReq("POST", "/api/zapier/subscriptions/"+contract+"/cancel", h.Token, nil).expect(200, "")
	if _, err := h.DB.Admin().SendTestEvent(context.Background(), "acme", "all"); err != nil {
		t.Fatal(err)
	}
	h.jsonReq("POST", "/admin/v1/vendors/acme/surveys", h.Admin, map[string]any{"title": "Survey", "take": "once", "captureName": true, "leadCapture": "at_end"}).expect(201, "")
	// The survey's delivery to "bad" fails; 6 days later its retry fails too and
	// "bad" is disabled (failing for more than 5 days): endpoint-disabled to "all".
	waitFor(t, func() bool {
		d, err := h.DB.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{VendorID: "acme", EndpointID: "bad"})
		return err == nil && len(d) == 1 && d[0].Attempts == 1
	})
	// Nothing may be in flight to "all" when the clock jumps: a request signed
	// before it would be 6 days old at the receiver.
	waitFor(t, func() bool {
		d, err := h.DB.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{VendorID: "acme", EndpointID: "all", Status: "active"})
		return err == nil && len(d) == 0
	})
	h.Clock.Add(6 * 24 * time.Hour)

	want := map[string]bool{}
	for _, typ := range emittedEventTypes {
		want[typ] = true
	}
	seen := map[string]int{}
	for len(seen) < len(want) {
		bodies := all.wait(sumCounts(seen) + 1)
		seen = map[string]int{}
		for _, b := range bodies {
			seen[checkEventBody(t, b)]++
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	for typ := range want {
		if seen[typ] == 0 {
			t.Errorf("no %s body was delivered", typ)
		}
	}
	for typ := range seen {
		if !want[typ] {
			t.Errorf("a %s body was delivered, which emittedEventTypes does not list", typ)
		}
	}
	t.Logf("validated bodies per type: %v", seen)
}

func sumCounts(m map[string]int) (n int) {
	for _, c := range m {
		n += c
	}
	return n
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReceiverOrdersBySeq: a delivery that went dead and is replayed arrives after
// the later events of its ordering key; a receiver that applies an event only when
// its seq is above the last one applied for the key keeps the newest state, and the
// seqs sort the events back into the order they happened.
func TestReceiverOrdersBySeq(t *testing.T) {
	h := newZapierHub(t)
	runEngine(t, h.testHub, []time.Duration{0}) // one attempt: a failure is dead at once
	r := newCatalogReceiver(t, h.Clock.Now)
	failed := false
	r.fail = func(b []byte) bool {
		// The first order-updated (total 125) fails once.
		if !failed && strings.Contains(string(b), `"type":"order-updated"`) && strings.Contains(string(b), `"total":125`) {
			failed = true
			return true
		}
		return false
	}
	r.secret = createWebhook(t, h.testHub, "crm", r.URL+"/hooks", []string{orderhub.EventOrderCreated, orderhub.EventOrderUpdated})

	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, seedOrderLead).expect(200, "")
	r.wait(1)
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, strings.Replace(seedOrderLead, `"total": 120`, `"total": 125`, 1)).expect(200, "")
	h.jsonReq("POST", "/api/zapier/store-customer-order", h.Token, strings.Replace(seedOrderLead, `"total": 120`, `"total": 130`, 1)).expect(200, "")
	r.wait(2) // order-created, then (the 125 update dead) the 130 update
	var dead []struct {
		ID string `json:"id"`
	}
	waitFor(t, func() bool {
		var list struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		h.jsonReq("GET", "/admin/v1/vendors/acme/deliveries?status=dead", h.Admin, nil).expect(200, "").JSON(&list)
		dead = list.Data
		return len(dead) == 1
	})
	h.jsonReq("POST", "/admin/v1/vendors/acme/deliveries/"+dead[0].ID+"/replay", h.Admin, nil).expect(200, "")
	bodies := r.wait(3)

	type event struct {
		ID          string `json:"id"`
		Type        string `json:"type"`
		OrderingKey string `json:"orderingKey"`
		Seq         int64  `json:"seq"`
		Data        struct {
			Total float64 `json:"total"`
		} `json:"data"`
	}
	var arrived []event
	for _, b := range bodies {
		checkEventBody(t, b)
		var e event
		_ = json.Unmarshal(b, &e)
		arrived = append(arrived, e)
	}
	if totals := []float64{arrived[0].Data.Total, arrived[1].Data.Total, arrived[2].Data.Total}; !slices.Equal(totals, []float64{120, 130, 125}) {
		t.Fatalf("arrival order of the totals %v, want the replayed 125 last", totals)
	}
	// A naive receiver (last arrival wins) ends at 125; one ordering by seq at 130.
	last := map[string]int64{}
	state := map[string]float64{}
	for _, e := range arrived {
		if e.Seq <= last[e.OrderingKey] {
			continue // older than what this key already applied
		}
		last[e.OrderingKey], state[e.OrderingKey] = e.Seq, e.Data.Total
	}
	if key := arrived[0].OrderingKey; key == "" || state[key] != 130 {
		t.Fatalf("the receiver ordering by seq holds %v, want 130 for %q", state, key)
	}
	// The seqs sort the events into the order of the outbox.
	sort.Slice(arrived, func(i, j int) bool { return arrived[i].Seq < arrived[j].Seq })
	evs, err := h.DB.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: "acme", OrderingKey: arrived[0].OrderingKey})
	if err != nil {
		t.Fatal(err)
	}
	var outbox []string
	for _, e := range evs {
		if e.Type == orderhub.EventOrderCreated || e.Type == orderhub.EventOrderUpdated {
			outbox = append(outbox, e.ID)
		}
	}
	var sorted []string
	for _, e := range arrived {
		sorted = append(sorted, e.ID)
	}
	if !slices.Equal(sorted, outbox) {
		t.Fatalf("sorted by seq %v, outbox order %v", sorted, outbox)
	}
}
