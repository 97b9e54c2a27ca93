package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
	"orderhub/sqlstore/pgtest"
)

// BenchmarkFanoutNeighbour measures what one vendor's fan-out costs another (issue
// 14): acme appends 52 events, 10 a second (each in its own request, as webhooks
// from its shop would), to `subs` endpoints, while beta — one endpoint — places vendor
// orders from 8 concurrent clients. It reports beta's order latency (p50, p99),
// acme's event request latency, and how many acme deliveries were written.
// "inline" is the design before issue 14 (every event fanned out in its request's
// transaction: InlineFanout unbounded); "bounded" is the default (the fan-out
// expander). No delivery engine runs: this is the write side only.
//
//	go test -run '^$' -bench FanoutNeighbour -benchtime 2000x ./sqlstore/
//	ORDERHUB_BENCH_FANOUT_BATCH=64 go test … (another expander step size)
func BenchmarkFanoutNeighbour(b *testing.B) {
	for _, engine := range engines {
		for _, design := range []string{"inline", "bounded"} {
			for _, subs := range []int{1, 3000} {
				b.Run(fmt.Sprintf("%s/%s/subs=%d", engine, design, subs), func(b *testing.B) {
					benchNeighbour(b, engine, design, subs)
				})
			}
		}
	}
}

// acmeEvents is the attack: 52 events (× 3,000 channels = 156,000 deliveries).
const acmeEvents = 52

func benchNeighbour(b *testing.B, engine, design string, subs int) {
	ctx := context.Background()
	var dsn string
	switch engine {
	case "sqlite":
		dsn = "sqlite:" + filepath.Join(b.TempDir(), "b.db")
	case "postgres":
		c := pgtest.NewCluster(b, "fsync=on", "synchronous_commit=on", "full_page_writes=on", "shared_buffers=256MB")
		dsn = c.CreateDB(b)
	}
	opt := sqlstore.Options{}
	if n, err := strconv.Atoi(os.Getenv("ORDERHUB_BENCH_FANOUT_BATCH")); err == nil {
		opt.FanoutBatch = n // compare step sizes
	}
	if design == "inline" {
		opt.InlineFanout = 1 << 30
	}
	db, err := sqlstore.Open(ctx, dsn, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Tenants().SetQuotaDefaults(map[string]int{orderhub.QuotaEndpoints: 100000, orderhub.QuotaWebhookEndpoints: 100000}); err != nil {
		b.Fatal(err)
	}
	for _, v := range []string{"acme", "beta"} {
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: v}); err != nil {
			b.Fatal(err)
		}
	}
	promo := &orderhub.PromoCode{VendorID: "beta", Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "sek", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}
	if err := db.Tenants().CreatePromoCode(ctx, promo); err != nil {
		b.Fatal(err)
	}
	if err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: "beta", URL: "https://beta.example/hook"}); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(subs) {
				if err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: "acme", Kind: orderhub.EndpointZapier, URL: "https://hooks.zapier.example/h"}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()

	// acme: 10 events a second, each its own request.
	stop := make(chan struct{})
	var acmeMu sync.Mutex
	var acmeLat []time.Duration
	var acmeWG sync.WaitGroup
	acmeWG.Add(1)
	go func() {
		defer acmeWG.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; i < acmeEvents; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			acmeWG.Add(1)
			go func() {
				defer acmeWG.Done()
				start := time.Now()
				if _, err := db.Deliveries().AppendEvent(ctx, "acme", "customer-created", fmt.Sprintf("c%d", i%50), json.RawMessage(`{"n":1}`)); err != nil {
					b.Error(err)
					return
				}
				acmeMu.Lock()
				acmeLat = append(acmeLat, time.Since(start))
				acmeMu.Unlock()
			}()
		}
	}()

	// beta: b.N vendor orders from 8 clients.
	lat := make([]time.Duration, b.N)
	var n atomic.Int64
	b.ResetTimer()
	var bw sync.WaitGroup
	for c := 0; c < 8; c++ {
		bw.Add(1)
		go func() {
			defer bw.Done()
			for {
				i := n.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				body := fmt.Sprintf(`{"externalOrderId":"B-%d","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"u%d@example.com","fullName":"A B"}}`, i, i)
				o, err := orderhub.ParseVendorOrder("beta", "DIGI12", true, []byte(body), time.Now())
				if err != nil {
					b.Error(err)
					return
				}
				start := time.Now()
				if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, o, promo); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(start)
				time.Sleep(20 * time.Millisecond) // a steady client (8 of them: ≈ 400 orders/s), not a flood
			}
		}()
	}
	bw.Wait()
	b.StopTimer()
	close(stop)
	acmeWG.Wait()
	pct := func(ds []time.Duration, p float64) float64 {
		if len(ds) == 0 {
			return 0
		}
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(lat, 0.50), "beta_p50_ms")
	b.ReportMetric(pct(lat, 0.99), "beta_p99_ms")
	b.ReportMetric(pct(acmeLat, 0.50), "acme_p50_ms")
	b.ReportMetric(pct(acmeLat, 0.99), "acme_p99_ms")
	b.ReportMetric(float64(len(acmeLat)), "acme_events")
	backlog, _ := db.Deliveries().FanoutBacklog(ctx)
	b.ReportMetric(float64(backlog), "acme_backlog_events")
	b.ReportMetric(0, "ns/op")
}
