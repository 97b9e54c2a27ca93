package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/httpapi"
	"orderhub/hub"
)

// BenchmarkVendorOrders measures confirmed vendor orders (seed 001) per second over
// loopback HTTP against SQLite with synchronous=FULL, each order a new customer
// (customer + contract + 3 outbox events), at several client concurrencies. It
// reports orders/s and p50/p99 latency. Results: docs/benchmarks.md.
func BenchmarkVendorOrders(b *testing.B) {
	for _, conc := range []int{1, 16, 64, 256} {
		b.Run(fmt.Sprintf("conc=%d", conc), func(b *testing.B) {
			h := newTestHub(b)
			tok := h.token("")
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
			url := h.URL + "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true"
			var next atomic.Int64
			lat := make([][]time.Duration, conc)
			var failures atomic.Int64
			b.ResetTimer()
			start := time.Now()
			cpu0 := processCPU()
			var wg sync.WaitGroup
			for w := range conc {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						body := fmt.Appendf(nil, `{"externalOrderId":"B-%d-%d","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","startDate":"2025-01-08",`+
							`"userData":{"email":"c%d-%d@example.com","fullName":"John Doe","phone":"+46701234567","address":{"firstName":"John","lastName":"Doe","street":"Example Street 123","zip":"12345","city":"Stockholm","country":"SE"}},`+
							`"vendorData":{"promoCode":"PROMOCODE","seller":"tm-team"}}`, conc, i, conc, i)
						req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Authorization", "Bearer "+tok)
						t0 := time.Now()
						res, err := client.Do(req)
						if err != nil {
							failures.Add(1)
							continue
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != 200 {
							failures.Add(1)
						}
						lat[w] = append(lat[w], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if f := failures.Load(); f > 0 {
				b.Fatalf("%d failed requests", f)
			}
			all := slices.Concat(lat...)
			slices.Sort(all)
			pct := func(p float64) float64 {
				if len(all) == 0 {
					return 0
				}
				return float64(all[int(float64(len(all)-1)*p)].Microseconds()) / 1000
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
			b.ReportMetric(pct(0.50), "p50_ms")
			b.ReportMetric(pct(0.99), "p99_ms")
			// Server and client share the process: its CPU per order, GC included.
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// stubOrders answers every vendor order at once without writing it, so that
// BenchmarkVendorOrderHandler measures the request path alone.
type stubOrders struct{ orderhub.OrderStore }

func (stubOrders) PlaceVendorOrder(context.Context, *orderhub.VendorOrder, *orderhub.PromoCode) (*orderhub.VendorOrderResult, error) {
	return &orderhub.VendorOrderResult{ContractID: "4f6f1c2e-2a4b-4c3d-9e8f-0a1b2c3d4e5f", ResponseKey: orderhub.ResponseCreatedConfirmed}, nil
}

// discardWriter is a ResponseWriter that keeps the status and drops the body.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(code int)        { d.status = code }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkVendorOrderHandler measures the request path of a vendor order (seed
// 001's body) through the server's handler chain — middleware, token check, body
// reading and parsing, promo code, answer — with a store whose PlaceVendorOrder
// writes nothing: the CPU and allocations of a vendor order outside the writer.
// "request" is the cost of building the benchmark's request alone, to subtract.
func BenchmarkVendorOrderHandler(b *testing.B) {
	h := newTestHub(b)
	tok := h.token("")
	st := hub.Wrap(h.DB.Store(), h.DB)
	st.Orders = stubOrders{st.Orders}
	srv, err := httpapi.NewServer(context.Background(), httpapi.Config{Store: st, Registry: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"externalOrderId":"B-1-1","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","startDate":"2025-01-08",` +
		`"userData":{"email":"c1-1@example.com","fullName":"John Doe","phone":"+46701234567","address":{"firstName":"John","lastName":"Doe","street":"Example Street 123","zip":"12345","city":"Stockholm","country":"SE"}},` +
		`"vendorData":{"promoCode":"PROMOCODE","seller":"tm-team"}}`)
	newReq := func() *http.Request {
		req := httptest.NewRequest("POST", "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		return req
	}
	b.Run("request", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = newReq()
			_ = &discardWriter{h: http.Header{}}
		}
	})
	b.Run("handler", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := processCPU()
		for b.Loop() {
			w := &discardWriter{h: http.Header{}}
			srv.ServeHTTP(w, newReq())
			if w.status != 200 {
				b.Fatalf("status %d", w.status)
			}
		}
		// The process's CPU time (garbage collection included) moves less than the
		// wall clock on a shared machine.
		b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	})
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
