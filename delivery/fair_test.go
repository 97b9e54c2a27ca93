package delivery_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub"
	"orderhub/delivery"
	"orderhub/sqlstore/pgtest"
)

// hangingReceiver never answers: every request waits until the test ends (the
// attempts' timeout is longer than the test). It counts requests per path.
type hangingReceiver struct {
	srv     *httptest.Server
	release chan struct{}
	mu      sync.Mutex
	active  map[string]int // path → requests waiting now
	maxPer  map[string]int // path → most requests waiting at once
	total   atomic.Int32   // requests waiting now, all paths
	maxAll  atomic.Int32
}

func newHangingReceiver(t *testing.T) *hangingReceiver {
	t.Helper()
	h := &hangingReceiver{release: make(chan struct{}), active: map[string]int{}, maxPer: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.active[r.URL.Path]++
		h.maxPer[r.URL.Path] = max(h.maxPer[r.URL.Path], h.active[r.URL.Path])
		h.mu.Unlock()
		n := h.total.Add(1)
		for m := h.maxAll.Load(); n > m && !h.maxAll.CompareAndSwap(m, n); m = h.maxAll.Load() {
		}
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
		h.total.Add(-1)
		h.mu.Lock()
		h.active[r.URL.Path]--
		h.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(func() {
		close(h.release) // the engine's shutdown waits for its attempts
		h.srv.Close()
	})
	return h
}

func (h *hangingReceiver) mostPerPath() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := 0
	for _, n := range h.maxPer {
		m = max(m, n)
	}
	return m
}

// TestNoisyNeighbourDoesNotStarveVictim: vendor acme (the attacker) has 40 endpoints
// whose receivers never answer and keeps appending events; its hanging attempts fill
// the worker pool before the victim (globex) has anything to send. The victim's
// deliveries must still all arrive while every attacker attempt is still hanging
// (the attempts' timeout is far longer than the test), each key in order, and each
// delivery recorded as delivered. With earliest-due-first claims and only a
// per-endpoint cap, the victim waited for the hanging attempts to time out.
func TestNoisyNeighbourDoesNotStarveVictim(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		testNoisyNeighbour(t, "")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testNoisyNeighbour(t, pgtest.NewCluster(t).CreateDB(t))
	})
}

func testNoisyNeighbour(t *testing.T, dsn string) {
	const workers, perEndpoint = 16, 4
	cfg := delivery.Config{AllowPrivateTargets: true, Workers: workers, PerEndpoint: perEndpoint, Timeout: 5 * time.Minute}
	var b *bundle
	if dsn == "" {
		b = setup(t, cfg)
	} else {
		b = setupOn(t, dsn, cfg)
	}
	hang := newHangingReceiver(t) // registered after setup: released before the engine stops
	victim := newReceiver(t, nil)

	const attackEndpoints = 40
	for i := range attackEndpoints {
		b.endpoint(t, "acme", fmt.Sprintf("%s/h%d", hang.srv.URL, i))
	}
	victimEP := b.endpoint(t, "globex", victim.srv.URL)

	start := time.Now()
	// The attack: 40 events up front (distinct keys, so every
	// delivery is a head), then a steady flood until the victim is done.
	for i := range attackEndpoints {
		b.event(t, "acme", "t", fmt.Sprintf("a%d", i), 1)
	}
	t.Logf("attack appended after %v, %d hanging", time.Since(start), hang.total.Load())
	waitFor(t, "the attacker's hanging attempts to fill the pool", func() bool { return hang.total.Load() >= workers })
	t.Logf("pool full after %v", time.Since(start))
	ctx, stopFlood := context.WithCancel(context.Background())
	var flood sync.WaitGroup
	flood.Add(1)
	t.Cleanup(func() { stopFlood(); flood.Wait() }) // before the database closes
	go func() {
		defer flood.Done()
		for i := 0; ctx.Err() == nil; i++ {
			if _, err := b.db.Deliveries().AppendEvent(context.Background(), "acme", "t", fmt.Sprintf("f%d", i), []byte(`{}`)); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()

	// The victim: 5 keys × 8 events, appended one after another.
	const keys, perKey = 5, 8
	for n := 1; n <= perKey; n++ {
		for k := range keys {
			b.event(t, "globex", "t", fmt.Sprintf("k%d", k), n)
		}
	}
	t0 := time.Now()
	deadline := t0.Add(30 * time.Second)
	for len(b.deliveries(t, orderhub.DeliveryFilter{EndpointID: victimEP.ID, Status: orderhub.DeliveryDelivered, Limit: 1000})) < keys*perKey {
		if time.Now().After(deadline) {
			t.Fatalf("victim starved: %d of %d deliveries arrived while %d attacker attempts hang",
				len(victim.requests()), keys*perKey, hang.total.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopFlood()
	t.Logf("the victim's %d deliveries arrived in %v, with %d attacker attempts hanging", keys*perKey, time.Since(t0), hang.total.Load())

	// Every attacker attempt is still hanging: the victim did not wait for one.
	if n := hang.total.Load(); n < workers {
		t.Fatalf("only %d attacker attempts hang; the test needs them all hanging", n)
	}
	// The attacker's hanging attempts stay within the pool plus what others borrow,
	// and a hanging endpoint never gets more than one slot.
	if m := hang.maxAll.Load(); m > 2*workers {
		t.Fatalf("%d attacker attempts in flight at once; the pool is %d", m, workers)
	}
	if m := hang.mostPerPath(); m > 1 {
		t.Fatalf("a hanging endpoint had %d attempts in flight at once", m)
	}
	// At least once, in order per key.
	last := map[string]int{}
	got := map[string]map[int]bool{}
	for _, r := range victim.requests() {
		if r.N < last[r.Key] {
			t.Fatalf("key %s: event %d after %d", r.Key, r.N, last[r.Key])
		}
		last[r.Key] = r.N
		if got[r.Key] == nil {
			got[r.Key] = map[int]bool{}
		}
		got[r.Key][r.N] = true
	}
	for k := range keys {
		if n := len(got[fmt.Sprintf("k%d", k)]); n != perKey {
			t.Fatalf("key k%d: %d of %d events arrived", k, n, perKey)
		}
	}
}

// TestCircuitBreakerFailsFastAndProbes: an endpoint failing every attempt gets its
// circuit opened after BreakAfter failures in a row: while it is open its deliveries
// fail at once without a request (recorded, retried no sooner than the next probe),
// then one probe goes out; once the receiver recovers everything is delivered, each
// key in order.
func TestCircuitBreakerFailsFastAndProbes(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	failing.Store(true)
	rc := newReceiver(t, func(received, int) int {
		if failing.Load() {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	schedule := []time.Duration{0}
	for range 11 {
		schedule = append(schedule, 5*time.Millisecond)
	}
	b := setup(t, delivery.Config{AllowPrivateTargets: true, PerEndpoint: 4, Schedule: schedule,
		BreakAfter: 3, BreakFor: 2 * time.Second})
	ep := b.endpoint(t, "acme", rc.srv.URL)
	const keys = 6
	for k := range keys {
		b.event(t, "acme", "t", fmt.Sprintf("k%d", k), 1)
		b.event(t, "acme", "t", fmt.Sprintf("k%d", k), 2)
	}
	waitFor(t, "the circuit to open and a delivery to fail without a request", func() bool {
		if metricValue(t, b.reg, "orderhub_delivery_circuit_opens_total", "") < 1 {
			return false
		}
		for _, d := range b.deliveries(t, orderhub.DeliveryFilter{EndpointID: ep.ID, Status: orderhub.DeliveryFailed}) {
			if strings.Contains(d.LastError, "circuit is open") && d.NextAttemptAt != nil && time.Until(*d.NextAttemptAt) > 100*time.Millisecond {
				return true // retried when the probe may go, not after the schedule's 5 ms
			}
		}
		return false
	})
	before := len(rc.requests())
	// While open nothing is sent.
	time.Sleep(300 * time.Millisecond)
	if n := len(rc.requests()); n > before+perEndpointSlack {
		t.Fatalf("%d requests while the circuit was open", n-before)
	}
	if n := len(rc.requests()); n > 3+perEndpointSlack {
		t.Fatalf("%d requests before the probe; the circuit opens after 3 failures", n)
	}
	failing.Store(false)
	waitFor(t, "everything delivered after the probe succeeded", func() bool {
		return len(b.deliveries(t, orderhub.DeliveryFilter{EndpointID: ep.ID, Status: orderhub.DeliveryDelivered})) == 2*keys
	})
	last := map[string]int{}
	for _, r := range rc.requests() {
		if r.Status == http.StatusOK {
			if r.N <= last[r.Key] {
				t.Fatalf("key %s: event %d delivered after %d", r.Key, r.N, last[r.Key])
			}
			last[r.Key] = r.N
		}
	}
}

// perEndpointSlack: attempts that had started before the circuit opened may still
// be answered after it (one slot after a failure).
const perEndpointSlack = 1

// TestProbeTakesOneDelivery: when an open circuit turns half-open, the claim takes
// one delivery for it — the probe — not as many as the per-endpoint cap (the others
// would fail at once without a request, each one an attempt recorded and a retry
// pushed past the next probe). Here the receiver recovers while the circuit is open:
// the probe succeeds and everything is delivered right after it, with no delivery
// short-circuited once the circuit is half-open.
func TestProbeTakesOneDelivery(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	failing.Store(true)
	rc := newReceiver(t, func(received, int) int {
		if failing.Load() {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	schedule := []time.Duration{0}
	for range 11 {
		schedule = append(schedule, 5*time.Millisecond)
	}
	const breakFor = 3 * time.Second
	b := setup(t, delivery.Config{AllowPrivateTargets: true, PerEndpoint: 8, Schedule: schedule, Jitter: -1,
		BreakAfter: 3, BreakFor: breakFor})
	ep := b.endpoint(t, "acme", rc.srv.URL)
	const keys = 8
	for k := range keys {
		b.event(t, "acme", "t", fmt.Sprintf("k%d", k), 1)
	}
	waitFor(t, "the circuit to open", func() bool {
		return metricValue(t, b.reg, "orderhub_delivery_circuit_opens_total", "") >= 1
	})
	// The heads claimed while it is open fail at once and wait for the probe.
	waitFor(t, "every delivery to wait for the probe", func() bool {
		ds := b.deliveries(t, orderhub.DeliveryFilter{EndpointID: ep.ID})
		for _, d := range ds {
			if d.Status != orderhub.DeliveryFailed || d.NextAttemptAt == nil || time.Until(*d.NextAttemptAt) < 100*time.Millisecond {
				return false
			}
		}
		return len(ds) == keys
	})
	failing.Store(false)
	shortBefore := metricValue(t, b.reg, "orderhub_delivery_short_circuited_total", "")
	requestsBefore := len(rc.requests())
	waitFor(t, "everything delivered after the probe", func() bool {
		return len(b.deliveries(t, orderhub.DeliveryFilter{EndpointID: ep.ID, Status: orderhub.DeliveryDelivered})) == keys
	})
	if n := metricValue(t, b.reg, "orderhub_delivery_short_circuited_total", "") - shortBefore; n > 0 {
		t.Fatalf("%v deliveries failed without a request once the circuit was half-open: the claim took more than the probe", n)
	}
	if n := len(rc.requests()) - requestsBefore; n != keys {
		t.Fatalf("%d requests after the receiver recovered, want %d (one per key)", n, keys)
	}
}
