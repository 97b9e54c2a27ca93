package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
	"orderhub/sqlstore/pgtest"
)

// BenchmarkPlaceVendorOrder measures confirmed vendor orders per second through the
// store (group commit, one writer) with many concurrent callers, each order a new
// customer: customer + contract + three events. PostgreSQL runs durable here
// (fsync=on, synchronous_commit=on), unlike the test clusters. It also reports the
// CPU time per order of this process and of the PostgreSQL server.
//
//	go test -run '^$' -bench PlaceVendorOrder -benchtime 20000x ./sqlstore/
func BenchmarkPlaceVendorOrder(b *testing.B) {
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			var dsn string
			serverCPU := func() time.Duration { return 0 }
			switch engine {
			case "sqlite":
				dsn = "sqlite:" + filepath.Join(b.TempDir(), "b.db")
			case "postgres":
				c := pgtest.NewCluster(b, "fsync=on", "synchronous_commit=on", "full_page_writes=on", "shared_buffers=256MB")
				dsn = c.CreateDB(b)
				serverCPU = c.CPU
			}
			db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var batches, batched, busy atomic.Int64
			db.Ops().SetBatchObserver(func(n int, d time.Duration, _ error) { batches.Add(1); batched.Add(int64(n)); busy.Add(int64(d)) })
			ctx := context.Background()
			if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme"}); err != nil {
				b.Fatal(err)
			}
			promo := &orderhub.PromoCode{VendorID: "acme", Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "sek", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}
			if err := db.Tenants().CreatePromoCode(ctx, promo); err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			b.SetParallelism(64) // 64 × GOMAXPROCS concurrent requests
			self0, server0 := pgtest.ProcessCPU(os.Getpid()), serverCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					body := fmt.Sprintf(`{"externalOrderId":"B-%d","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"u%d@example.com","fullName":"A B"}}`, i, i)
					o, err := orderhub.ParseVendorOrder("acme", "DIGI12", true, []byte(body), time.Now())
					if err != nil {
						b.Error(err)
						return
					}
					if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, o, promo); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
			// CPU per order (this process; the PostgreSQL server): on a machine
			// shared with other work a steadier measure than orders/s.
			b.ReportMetric(float64((pgtest.ProcessCPU(os.Getpid())-self0).Microseconds())/float64(b.N), "go_cpu_us/order")
			b.ReportMetric(float64((serverCPU()-server0).Microseconds())/float64(b.N), "pg_cpu_us/order")
			if fb := db.Ops().OptimisticFallbacks(); fb > 0 {
				b.ReportMetric(float64(fb), "fallbacks")
			}
			if nb := batches.Load(); nb > 0 {
				b.ReportMetric(float64(batched.Load())/float64(nb), "orders/batch")
				// The writer's time per order (its transactions, COMMIT included): what
				// bounds the orders per second on SQLite.
				b.ReportMetric(float64(busy.Load())/1e3/float64(batched.Load()), "writer_us/order")
			}
		})
	}
}
