package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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
		})
	}
}
