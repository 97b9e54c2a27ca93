package delivery_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"orderhub"
	"orderhub/delivery"
	"orderhub/sqlstore"
)

// received is one request a test receiver got.
type received struct {
	Header  http.Header
	Body    []byte
	Payload delivery.Payload
	Key     string // data.k: the ordering key the test put in the event
	N       int    // data.n: the event's number within its key
	Status  int    // what the receiver answered
}

// receiver is a real HTTP server recording what it gets; respond decides the answer.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	got     []received
	respond func(r received, n int) int // n: how many requests came before
	active  atomic.Int32
	maxConc atomic.Int32
	delay   time.Duration
}

func newReceiver(t *testing.T, respond func(r received, n int) int) *receiver {
	t.Helper()
	rc := &receiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		a := rc.active.Add(1)
		defer rc.active.Add(-1)
		for {
			m := rc.maxConc.Load()
			if a <= m || rc.maxConc.CompareAndSwap(m, a) {
				break
			}
		}
		body, _ := io.ReadAll(req.Body)
		r := received{Header: req.Header.Clone(), Body: body}
		_ = json.Unmarshal(body, &r.Payload)
		var data struct {
			K string `json:"k"`
			N int    `json:"n"`
		}
		_ = json.Unmarshal(r.Payload.Data, &data)
		r.Key, r.N = data.K, data.N
		rc.mu.Lock()
		n := len(rc.got)
		rc.got = append(rc.got, r)
		respond := rc.respond
		rc.mu.Unlock()
		if rc.delay > 0 {
			time.Sleep(rc.delay)
		}
		status := http.StatusOK
		if respond != nil {
			status = respond(r, n)
		}
		rc.mu.Lock()
		rc.got[n].Status = status
		rc.mu.Unlock()
		if status == http.StatusFound {
			w.Header().Set("Location", "/elsewhere")
		}
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "answer %d to %s", status, r.Payload.ID)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

type bundle struct {
	db  *sqlstore.DB
	eng *delivery.Engine
	reg *prometheus.Registry
}

// fast is a compressed schedule: four attempts within a fraction of a second.
var fast = []time.Duration{0, 20 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond}

func setup(t *testing.T, cfg delivery.Config) *bundle {
	t.Helper()
	return setupOn(t, "sqlite:"+filepath.Join(t.TempDir(), "d.db"), cfg)
}

// setupOn is setup on the database dsn names.
func setupOn(t *testing.T, dsn string, cfg delivery.Config) *bundle {
	t.Helper()
	return setupWith(t, dsn, cfg, sqlstore.Options{})
}

// setupStore is setup with store options.
func setupStore(t *testing.T, cfg delivery.Config, opt sqlstore.Options) *bundle {
	t.Helper()
	return setupWith(t, "sqlite:"+filepath.Join(t.TempDir(), "d.db"), cfg, opt)
}

func setupWith(t *testing.T, dsn string, cfg delivery.Config, opt sqlstore.Options) *bundle {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"acme", "globex"} {
		if err := db.Tenants().CreateVendor(context.Background(), &orderhub.Vendor{ID: v}); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.Schedule == nil {
		cfg.Schedule = fast
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Poll == 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	if cfg.Workers == 0 {
		cfg.Workers = 16
	}
	cfg.Jitter = -1
	reg := prometheus.NewRegistry()
	cfg.Registry = reg
	eng := delivery.New(struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{db.Deliveries(), db.Ops()}, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return &bundle{db: db, eng: eng, reg: reg}
}

func (b *bundle) endpoint(t *testing.T, vendor, url string, types ...string) *orderhub.Endpoint {
	t.Helper()
	e := &orderhub.Endpoint{VendorID: vendor, URL: url, EventTypes: types}
	if err := b.db.Deliveries().CreateEndpoint(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (b *bundle) event(t *testing.T, vendor, typ, key string, n int) *orderhub.Event {
	t.Helper()
	ev, err := b.db.Deliveries().AppendEvent(context.Background(), vendor, typ, key, json.RawMessage(fmt.Sprintf(`{"k":%q,"n":%d}`, key, n)))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (b *bundle) deliveries(t *testing.T, f orderhub.DeliveryFilter) []*orderhub.Delivery {
	t.Helper()
	ds, err := b.db.Deliveries().ListDeliveries(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func (b *bundle) status(t *testing.T, ep, eventID string) string {
	t.Helper()
	ds := b.deliveries(t, orderhub.DeliveryFilter{EndpointID: ep, EventID: eventID})
	if len(ds) != 1 {
		t.Fatalf("%d deliveries of %s to %s", len(ds), eventID, ep)
	}
	return ds[0].Status
}

func (b *bundle) attempts(t *testing.T, ep, eventID string) []*orderhub.Attempt {
	t.Helper()
	ds := b.deliveries(t, orderhub.DeliveryFilter{EndpointID: ep, EventID: eventID})
	if len(ds) != 1 {
		t.Fatalf("%d deliveries of %s to %s", len(ds), eventID, ep)
	}
	as, err := b.db.Deliveries().ListAttempts(context.Background(), "", ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func metricValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, lp := range m.GetLabel() {
				match = match || lp.GetValue() == label
			}
			if !match {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				sum += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}

func TestDeliverySignedAndRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true})
	rc := newReceiver(t, nil)
	ep := b.endpoint(t, "acme", rc.srv.URL+"/hook")
	other := newReceiver(t, nil)
	b.endpoint(t, "globex", other.srv.URL+"/hook")
	ev := b.event(t, "acme", "contract-created", "cus_1", 1)

	waitFor(t, "delivered", func() bool { return b.status(t, ep.ID, ev.ID) == orderhub.DeliveryDelivered })
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	r := got[0]
	wh, err := standardwebhooks.NewWebhook(ep.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.Body, r.Header); err != nil {
		t.Fatalf("the official verifier rejects the delivery: %v", err)
	}
	if r.Header.Get("webhook-id") != ev.ID || r.Header.Get("User-Agent") != "orderhub-webhooks/1" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers: %v", r.Header)
	}
	if r.Payload.ID != ev.ID || r.Payload.Type != "contract-created" || r.Key != "cus_1" || r.N != 1 {
		t.Fatalf("payload: %s", r.Body)
	}
	if ts, err := time.Parse(time.RFC3339Nano, r.Payload.Timestamp); err != nil || !ts.Equal(ev.CreatedAt.Truncate(time.Microsecond)) {
		t.Fatalf("timestamp %q (%v), want %v", r.Payload.Timestamp, err, ev.CreatedAt)
	}
	if len(other.requests()) != 0 {
		t.Fatalf("another vendor's endpoint received acme's event")
	}
	as := b.attempts(t, ep.ID, ev.ID)
	if len(as) != 1 || as[0].StatusCode != 200 || as[0].Error != "" || !strings.HasPrefix(as[0].ResponseBody, "answer 200") || as[0].Attempt != 1 {
		t.Fatalf("attempt: %+v", as)
	}
	waitFor(t, "metrics", func() bool {
		return metricValue(t, b.reg, "orderhub_delivery_attempts_total", "delivered") == 1 &&
			metricValue(t, b.reg, "orderhub_delivery_attempt_duration_seconds", "2xx") == 1
	})
}

func TestRetryThenSuccess(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true, MaxRetryAfter: 50 * time.Millisecond})
	rc := newReceiver(t, func(_ received, n int) int {
		switch n {
		case 0:
			return http.StatusInternalServerError
		case 1:
			return http.StatusTooManyRequests
		}
		return http.StatusNoContent
	})
	ep := b.endpoint(t, "acme", rc.srv.URL)
	ev := b.event(t, "acme", "t", "k", 1)
	waitFor(t, "delivered", func() bool { return b.status(t, ep.ID, ev.ID) == orderhub.DeliveryDelivered })
	got := rc.requests()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	wh, _ := standardwebhooks.NewWebhook(ep.Secret)
	for _, r := range got {
		if r.Header.Get("webhook-id") != ev.ID {
			t.Fatalf("webhook-id changed across retries: %q", r.Header.Get("webhook-id"))
		}
		if err := wh.Verify(r.Body, r.Header); err != nil {
			t.Fatalf("retry not verifiable: %v", err)
		}
	}
	as := b.attempts(t, ep.ID, ev.ID)
	if len(as) != 3 || as[0].StatusCode != 500 || as[0].Error != "HTTP 500" || as[1].StatusCode != 429 || as[2].StatusCode != 204 {
		t.Fatalf("attempts: %+v", as)
	}
	for i, a := range as {
		if a.Attempt != i+1 {
			t.Fatalf("attempt numbers: %+v", as)
		}
	}
	d := b.deliveries(t, orderhub.DeliveryFilter{EventID: ev.ID})[0]
	if d.Attempts != 3 || d.DeliveredAt == nil || d.LastStatus != 204 {
		t.Fatalf("delivery: %+v", d)
	}
}

func TestGoneRemovesEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true})
	rc := newReceiver(t, func(received, int) int { return http.StatusGone })
	ep := b.endpoint(t, "acme", rc.srv.URL)
	first := b.event(t, "acme", "t", "k", 1)
	waitFor(t, "endpoint deleted", func() bool {
		e, err := b.db.Deliveries().GetEndpoint(context.Background(), "acme", ep.ID)
		return err == nil && e.DeletedAt != nil
	})
	if s := b.status(t, ep.ID, first.ID); s != orderhub.DeliveryCanceled {
		t.Fatalf("gone delivery is %s", s)
	}
	b.event(t, "acme", "t", "k", 2)
	if ds := b.deliveries(t, orderhub.DeliveryFilter{EndpointID: ep.ID}); len(ds) != 1 {
		t.Fatalf("a deleted endpoint got new deliveries: %d", len(ds))
	}
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("%d requests after 410, want 1", n)
	}
	waitFor(t, "gone metric", func() bool { return metricValue(t, b.reg, "orderhub_delivery_endpoints_stopped_total", "gone") == 1 })
}

func TestTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true, Timeout: 300 * time.Millisecond})
	block := make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() { close(block); srv.Close() })
	ep := b.endpoint(t, "acme", srv.URL)
	ev := b.event(t, "acme", "t", "k", 1)
	waitFor(t, "delivered", func() bool { return b.status(t, ep.ID, ev.ID) == orderhub.DeliveryDelivered })
	// The first attempt timed out; on a starved machine a later one may too, but
	// the last one succeeded.
	as := b.attempts(t, ep.ID, ev.ID)
	if len(as) < 2 || as[len(as)-1].StatusCode != 200 {
		t.Fatalf("attempts: %+v", as)
	}
	for _, a := range as[:len(as)-1] {
		if a.StatusCode != 0 || !strings.Contains(a.Error, "no response within 300ms") {
			t.Fatalf("attempt before the success: %+v", a)
		}
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true, Schedule: []time.Duration{0}})
	rc := newReceiver(t, func(received, int) int { return http.StatusFound })
	ep := b.endpoint(t, "acme", rc.srv.URL)
	ev := b.event(t, "acme", "t", "k", 1)
	waitFor(t, "dead", func() bool { return b.status(t, ep.ID, ev.ID) == orderhub.DeliveryDead })
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("%d requests: the redirect was followed", n)
	}
	if as := b.attempts(t, ep.ID, ev.ID); len(as) != 1 || as[0].StatusCode != 302 {
		t.Fatalf("attempts: %+v", as)
	}
}

// TestOrderingUnderFailures: a failing key on one endpoint holds back only that key;
// other keys of the endpoint and other endpoints keep flowing, and every key arrives
// in order.
func TestOrderingUnderFailures(t *testing.T) {
	t.Parallel()
	// Many quick retries: the failing key must not go dead during the test.
	schedule := make([]time.Duration, 10000)
	for i := 1; i < len(schedule); i++ {
		schedule[i] = 10 * time.Millisecond
	}
	b := setup(t, delivery.Config{AllowPrivateTargets: true, PerEndpoint: 4, Schedule: schedule})
	var healed atomic.Bool
	a := newReceiver(t, func(r received, _ int) int {
		if r.Key == "bad" && !healed.Load() {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	var bFlaky atomic.Int32
	bRecv := newReceiver(t, func(r received, _ int) int {
		if bFlaky.Add(1)%3 == 0 { // every third request fails, on every key
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	epA := b.endpoint(t, "acme", a.srv.URL)
	epB := b.endpoint(t, "acme", bRecv.srv.URL)
	const perKey = 8
	keys := []string{"bad", "k1", "k2", "k3"}
	for n := 1; n <= perKey; n++ {
		for _, k := range keys {
			b.event(t, "acme", "t", k, n)
		}
	}
	goodDone := func(rc *receiver, want int) bool {
		seen := map[string]map[int]bool{}
		for _, r := range rc.requests() {
			if r.Key != "bad" && r.Payload.ID != "" {
				if seen[r.Key] == nil {
					seen[r.Key] = map[int]bool{}
				}
				seen[r.Key][r.N] = true
			}
		}
		total := 0
		for _, m := range seen {
			total += len(m)
		}
		return total == want
	}
	waitFor(t, "good keys on A while bad fails", func() bool { return goodDone(a, 3*perKey) })
	// While "bad" is failing on A, only its head has been tried there.
	for _, r := range a.requests() {
		if r.Key == "bad" && r.N != 1 {
			t.Fatalf("bad event %d was sent before bad event 1 succeeded", r.N)
		}
	}
	waitFor(t, "all keys on B", func() bool {
		return len(b.deliveries(t, orderhub.DeliveryFilter{EndpointID: epB.ID, Status: orderhub.DeliveryDelivered})) == len(keys)*perKey
	})
	healed.Store(true)
	waitFor(t, "bad key on A", func() bool {
		return len(b.deliveries(t, orderhub.DeliveryFilter{EndpointID: epA.ID, Status: orderhub.DeliveryDelivered})) == len(keys)*perKey
	})
	for name, rc := range map[string]*receiver{"A": a, "B": bRecv} {
		// Per key, event n is never sent before event n-1 was accepted.
		accepted := map[string]int{}
		for _, r := range rc.requests() {
			if r.N > accepted[r.Key]+1 {
				t.Fatalf("endpoint %s key %s: event %d sent before event %d was accepted", name, r.Key, r.N, accepted[r.Key]+1)
			}
			if r.N == accepted[r.Key]+1 && r.Status < 300 {
				accepted[r.Key] = r.N
			}
		}
		for _, k := range keys {
			if accepted[k] != perKey {
				t.Fatalf("endpoint %s key %s: accepted up to %d", name, k, accepted[k])
			}
		}
	}
	if m := a.maxConc.Load(); m > 4 {
		t.Fatalf("endpoint A saw %d concurrent requests, cap 4", m)
	}
}

func TestReplayDead(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true, Schedule: []time.Duration{0, 10 * time.Millisecond}})
	var up atomic.Bool
	rc := newReceiver(t, func(received, int) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusBadGateway
	})
	ep := b.endpoint(t, "acme", rc.srv.URL)
	e1 := b.event(t, "acme", "t", "k", 1)
	e2 := b.event(t, "acme", "t", "k", 2)
	waitFor(t, "both dead", func() bool {
		return b.status(t, ep.ID, e1.ID) == orderhub.DeliveryDead && b.status(t, ep.ID, e2.ID) == orderhub.DeliveryDead
	})
	if n := len(rc.requests()); n != 4 {
		t.Fatalf("%d requests, want 2 attempts × 2 events", n)
	}
	up.Store(true)
	n, err := b.db.Deliveries().ReplayDead(context.Background(), "acme", ep.ID)
	if err != nil || n != 2 {
		t.Fatalf("replay: %d %v", n, err)
	}
	waitFor(t, "replayed", func() bool {
		return b.status(t, ep.ID, e1.ID) == orderhub.DeliveryDelivered && b.status(t, ep.ID, e2.ID) == orderhub.DeliveryDelivered
	})
	got := rc.requests()[4:]
	if len(got) != 2 || got[0].Payload.ID != e1.ID || got[1].Payload.ID != e2.ID || got[0].Header.Get("webhook-id") != e1.ID {
		t.Fatalf("replayed requests out of order or re-identified: %+v", got)
	}
	// Replaying one delivered delivery sends it once more.
	d := b.deliveries(t, orderhub.DeliveryFilter{EventID: e1.ID})[0]
	if _, err := b.db.Deliveries().ReplayDelivery(context.Background(), "acme", d.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "single replay", func() bool { return len(rc.requests()) == 7 })
	if r := rc.requests()[6]; r.Payload.ID != e1.ID {
		t.Fatalf("replayed %s", r.Payload.ID)
	}
}

func TestSecretRotationBothSign(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true})
	rc := newReceiver(t, nil)
	ep := b.endpoint(t, "acme", rc.srv.URL)
	rot, err := b.db.Deliveries().RotateEndpointSecret(context.Background(), "acme", ep.ID, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ev := b.event(t, "acme", "t", "k", 1)
	waitFor(t, "delivered", func() bool { return b.status(t, ep.ID, ev.ID) == orderhub.DeliveryDelivered })
	r := rc.requests()[0]
	if sigs := strings.Fields(r.Header.Get("webhook-signature")); len(sigs) != 2 {
		t.Fatalf("signatures during overlap: %q", sigs)
	}
	for _, s := range []string{ep.Secret, rot.Secret} {
		wh, _ := standardwebhooks.NewWebhook(s)
		if err := wh.Verify(r.Body, r.Header); err != nil {
			t.Fatalf("secret does not verify during the overlap: %v", err)
		}
	}
	// Without an overlap the old secret stops at once.
	rot2, err := b.db.Deliveries().RotateEndpointSecret(context.Background(), "acme", ep.ID, "", -1)
	if err != nil {
		t.Fatal(err)
	}
	ev2 := b.event(t, "acme", "t", "k", 2)
	waitFor(t, "delivered", func() bool { return b.status(t, ep.ID, ev2.ID) == orderhub.DeliveryDelivered })
	r = rc.requests()[1]
	old, _ := standardwebhooks.NewWebhook(rot.Secret)
	if err := old.Verify(r.Body, r.Header); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Fatalf("rotated-out secret still verifies: %v", err)
	}
	cur, _ := standardwebhooks.NewWebhook(rot2.Secret)
	if err := cur.Verify(r.Body, r.Header); err != nil {
		t.Fatalf("new secret: %v", err)
	}
}

func TestSSRFGuardRefusesLoopback(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{}) // the default schedule: dead after one attempt all the same (issue 14)
	rc := newReceiver(t, nil)
	ep := b.endpoint(t, "acme", rc.srv.URL) // http://127.0.0.1:port
	ev := b.event(t, "acme", "t", "k", 1)
	waitFor(t, "dead", func() bool { return b.status(t, ep.ID, ev.ID) == orderhub.DeliveryDead })
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("the guard let %d requests through", n)
	}
	as := b.attempts(t, ep.ID, ev.ID)
	if len(as) != 1 || !strings.Contains(as[0].Error, "refused to connect to 127.0.0.1: a loopback address") {
		t.Fatalf("attempt: %+v", as)
	}
	if strings.Contains(as[0].Error, rc.srv.URL) {
		t.Fatalf("the error shows the endpoint URL: %q", as[0].Error)
	}
}

func TestAutoDisableEmitsEvent(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true, DisableAfter: time.Millisecond,
		Schedule: []time.Duration{0, 5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond}})
	down := newReceiver(t, func(received, int) int { return http.StatusInternalServerError })
	watch := newReceiver(t, nil)
	ep := b.endpoint(t, "acme", down.srv.URL, "t")
	b.endpoint(t, "acme", watch.srv.URL, orderhub.EventEndpointDisabled)
	b.event(t, "acme", "t", "k", 1)
	waitFor(t, "endpoint-disabled delivered", func() bool { return len(watch.requests()) == 1 })
	r := watch.requests()[0]
	var data struct {
		EndpointID string `json:"endpointId"`
		Reason     string `json:"reason"`
	}
	if err := json.Unmarshal(r.Payload.Data, &data); err != nil || r.Payload.Type != orderhub.EventEndpointDisabled || data.EndpointID != ep.ID || data.Reason == "" {
		t.Fatalf("endpoint-disabled payload: %s", r.Body)
	}
	e, _ := b.db.Deliveries().GetEndpoint(context.Background(), "acme", ep.ID)
	if e.Enabled {
		t.Fatal("endpoint still enabled")
	}
	waitFor(t, "streak metric cleared", func() bool {
		return metricValue(t, b.reg, "orderhub_delivery_endpoints_stopped_total", "disabled") == 1
	})
}

func TestPerEndpointCap(t *testing.T) {
	t.Parallel()
	b := setup(t, delivery.Config{AllowPrivateTargets: true, Workers: 16, PerEndpoint: 3})
	slow := newReceiver(t, nil)
	slow.delay = 20 * time.Millisecond
	fastRecv := newReceiver(t, nil)
	epSlow := b.endpoint(t, "acme", slow.srv.URL)
	epFast := b.endpoint(t, "globex", fastRecv.srv.URL)
	for i := range 30 {
		b.event(t, "acme", "t", fmt.Sprintf("k%d", i), 1)
		b.event(t, "globex", "t", fmt.Sprintf("k%d", i), 1)
	}
	waitFor(t, "all delivered", func() bool {
		return len(b.deliveries(t, orderhub.DeliveryFilter{EndpointID: epSlow.ID, Status: orderhub.DeliveryDelivered})) == 30 &&
			len(b.deliveries(t, orderhub.DeliveryFilter{EndpointID: epFast.ID, Status: orderhub.DeliveryDelivered})) == 30
	})
	if m := slow.maxConc.Load(); m > 3 || m < 1 {
		t.Fatalf("max concurrency at the slow endpoint %d, cap 3", m)
	}
}
