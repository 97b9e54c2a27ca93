package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
)

// BenchmarkWriterVendorOrders measures the writer's own time per confirmed vendor
// order (a new customer each: customer + contract + order + four events), on
// SQLite: batches of 128 requests run by the benchmark's goroutine the way the
// writer runs a group commit (a savepoint each, one COMMIT), without the queue,
// the callers or HTTP. ns/op is writer time per order. On a machine shared with
// other work this is steadier than a concurrent run; put the database on a tmpfs
// (TMPDIR=/dev/shm/…) to leave the disk's fsync out and compare CPU work alone:
//
//	TMPDIR=/dev/shm go test -run '^$' -bench WriterVendorOrders -benchmem -count 6 ./sqlstore/
func BenchmarkWriterVendorOrders(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "b.db"), Options{NoFanoutExpander: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme"}); err != nil {
		b.Fatal(err)
	}
	promo := &orderhub.PromoCode{VendorID: "acme", Code: "DIGI12", ProductName: "Digital 12m", Price: "99", Currency: "sek", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}
	if err := db.Tenants().CreatePromoCode(ctx, promo); err != nil {
		b.Fatal(err)
	}
	const batchSize = 128
	n := 0
	batch := make([]*writeReq, 0, batchSize)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu time.Duration
	var took []time.Duration // each batch's time
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		batch = batch[:0]
		for range min(batchSize, b.N-done) {
			n++
			body := fmt.Sprintf(`{"externalOrderId":"B-%d","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","startDate":"2025-01-08",`+
				`"userData":{"email":"c%d@example.com","fullName":"John Doe","phone":"+46701234567","address":{"firstName":"John","lastName":"Doe","street":"Example Street 123","zip":"12345","city":"Stockholm","country":"SE"}},`+
				`"vendorData":{"promoCode":"DIGI12","seller":"tm-team"}}`, n, n)
			o, err := orderhub.ParseVendorOrder("acme", "DIGI12", true, []byte(body), time.Now())
			if err != nil {
				b.Fatal(err)
			}
			// Hinted as hub.Orders.PlaceVendorOrder hints it (sqlstore.DB.WriteTx).
			hint := &writeHint{vendorID: o.VendorID, externalOrderIDs: []string{o.ExternalOrderID}, emails: []string{o.User.Email}}
			batch = append(batch, &writeReq{hint: hint, done: make(chan error, 1), fn: func(tx *Tx) error {
				_, err := hub.PlaceVendorOrder((*orderTx)(tx), o, promo)
				return err
			}})
		}
		b.StartTimer()
		c0, t0 := threadCPU(), time.Now()
		db.w.run(batch)
		took = append(took, time.Since(t0))
		cpu += threadCPU() - c0
		for _, r := range batch {
			if err := <-r.done; err != nil {
				b.Fatal(err)
			}
		}
		done += len(batch)
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu_us/order")
	// The slowest batches (a checkpoint in a COMMIT shows here).
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "batch_p99_ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "batch_max_ms")
}

// threadCPU is the CPU time of the calling thread (Linux).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
