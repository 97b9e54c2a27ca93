//go:build unix

package delivery_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/delivery"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// Benchmarks against a loopback receiver (results in docs/benchmarks.md):
//
//	go test -run '^$' -bench Throughput -benchtime 20000x ./delivery/
//	go test -run '^$' -bench Latency -benchtime 10000x ./delivery/ [-args -rate 1000]

// latencyRate is BenchmarkLatency's order rate (go test … -args -rate 500).
var latencyRate = flag.Int("rate", 1000, "BenchmarkLatency: orders per second")

// inlineFanout is the store's InlineFanout (go test … -args -inline-fanout -1: every
// event through the fan-out expander, as for a vendor with many endpoints).
var inlineFanout = flag.Int("inline-fanout", 0, "sqlstore.Options.InlineFanout (0: the default; -1: always the expander)")

// cpuTime is the CPU (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchDB(b *testing.B) *sqlstore.DB {
	b.Helper()
	db, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "bench.db"), sqlstore.Options{InlineFanout: *inlineFanout})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Tenants().CreateVendor(context.Background(), &orderhub.Vendor{ID: "acme"}); err != nil {
		b.Fatal(err)
	}
	return db
}

func startEngine(b *testing.B, db *sqlstore.DB, cfg delivery.Config) {
	b.Helper()
	cfg.AllowPrivateTargets = true
	cfg.Registry = prometheus.NewRegistry()
	eng := delivery.New(struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{db.Deliveries(), db.Ops()}, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		<-done
	})
}

// BenchmarkThroughput: b.N events already in the outbox, fanned out to 4 endpoints;
// reports deliveries per second until all are delivered.
func BenchmarkThroughput(b *testing.B) {
	db := benchDB(b)
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	const endpoints = 4
	for i := range endpoints {
		if err := db.Deliveries().CreateEndpoint(context.Background(), &orderhub.Endpoint{VendorID: "acme", URL: fmt.Sprintf("%s/ep%d", srv.URL, i)}); err != nil {
			b.Fatal(err)
		}
	}
	// Fill the outbox concurrently (group commit), 1,000 ordering keys.
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				_, err := db.Deliveries().AppendEvent(context.Background(), "acme", "contract-created", fmt.Sprintf("cus_%d", i%1000),
					json.RawMessage(fmt.Sprintf(`{"contractId":"c%d","status":"CONFIRMED","price":"99.00"}`, i)))
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := int64(b.N * endpoints)

	var commits, busy atomic.Int64
	db.Ops().SetBatchObserver(func(_ int, dur time.Duration, _ error) {
		commits.Add(1)
		busy.Add(int64(dur))
	})
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	startEngine(b, db, delivery.Config{Workers: 128, PerEndpoint: 32})
	for got.Load() < want {
		time.Sleep(time.Millisecond)
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(want)/el.Seconds(), "deliveries/s")
	// CPU per delivery (engine, SQLite and the in-process receiver together): on a
	// shared machine the steadier measure; 2 idle cores bound the rate at 2 s ÷ it.
	b.ReportMetric(float64(cpu.Microseconds())/float64(want), "cpu-µs/delivery")
	b.ReportMetric(float64(want)/float64(max(1, commits.Load())), "deliveries/commit")
	b.ReportMetric(time.Duration(busy.Load()).Seconds()/el.Seconds(), "writer-busy")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkLatency: Vendor Order API orders (seed 001: customer-created,
// contract-created, contract-confirmed; three deliveries each) placed at -rate per
// second (default 1,000), open loop; reports the latency from the order's commit to
// the receipt of its contract-created webhook. b.N orders.
func BenchmarkLatency(b *testing.B) {
	db := benchDB(b)
	promo := &orderhub.PromoCode{VendorID: "acme", Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "sek", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}
	if err := db.Tenants().CreatePromoCode(context.Background(), promo); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	received := map[string]time.Time{} // by ordering key (the customer)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		var p struct {
			Type string `json:"type"`
			Data struct {
				ExternalOrderID string `json:"externalOrderId"`
			} `json:"data"`
		}
		_ = json.NewDecoder(r.Body).Decode(&p)
		if p.Type == orderhub.EventContractCreated {
			mu.Lock()
			received[p.Data.ExternalOrderID] = now
			mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	if err := db.Deliveries().CreateEndpoint(context.Background(), &orderhub.Endpoint{VendorID: "acme", URL: srv.URL}); err != nil {
		b.Fatal(err)
	}
	startEngine(b, db, delivery.Config{})

	rate := *latencyRate
	committed := make([]time.Time, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := range b.N {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"externalOrderId":"O-%d","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"u%d@example.com","fullName":"U %d"}}`, i, i, i)
			o, err := orderhub.ParseVendorOrder("acme", "DIGI12", true, []byte(body), time.Now())
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := hub.NewOrders(db).PlaceVendorOrder(context.Background(), o, promo); err != nil {
				b.Error(err)
				return
			}
			committed[i] = time.Now()
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(received)
		mu.Unlock()
		if n == b.N || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/order")
	mu.Lock()
	defer mu.Unlock()
	if len(received) != b.N {
		b.Fatalf("received %d of %d", len(received), b.N)
	}
	lat := make([]time.Duration, 0, b.N)
	for i, c := range committed {
		lat = append(lat, max(0, received[fmt.Sprintf("O-%d", i)].Sub(c)))
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(0, "ns/op")
}
