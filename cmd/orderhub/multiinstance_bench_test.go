package main

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/sqlstore/pgtest"
)

// BenchmarkPostgresInstances measures confirmed vendor orders (seed 001) per second
// through 1 and 3 `orderhub serve` processes on one durable PostgreSQL (fsync=on,
// synchronous_commit=on), each order a new customer (customer + contract + 3 outbox
// events). Clients spread the orders round-robin over the instances over keep-alive
// HTTP connections. The load generator runs on the same machine. Besides orders/s it
// reports the CPU time an order costs in orderhub, in PostgreSQL and in the load
// generator (meaningful on a machine shared with other work). Results:
// docs/benchmarks.md.
//
//	go test -run '^$' -bench PostgresInstances -benchtime 20000x ./cmd/orderhub/
func BenchmarkPostgresInstances(b *testing.B) {
	for _, n := range []int{1, 3} {
		for _, conc := range []int{64, 256} {
			b.Run(fmt.Sprintf("instances=%d/conc=%d", n, conc), func(b *testing.B) {
				cluster := pgtest.NewCluster(b, "fsync=on", "synchronous_commit=on", "full_page_writes=on", "shared_buffers=256MB", "max_wal_size=4GB")
				dsn := cluster.CreateDB(b)
				insts := startInstances(b, dsn, n)
				clientID, secret := fixture(b, dsn)
				tok := token(b, insts[0].url, clientID, secret)
				tr := &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
				// Warm up every instance's connections and caches.
				for i, in := range insts {
					if _, err := placeOrder(client, in.url, tok, fmt.Sprintf("WARM-%d", i), fmt.Sprintf("warm%d@example.com", i)); err != nil {
						b.Fatal(err)
					}
				}
				var next, failures atomic.Int64
				lat := make([][]time.Duration, conc)
				hubCPU := func() (d time.Duration) {
					for _, in := range insts {
						d += pgtest.ProcessCPU(in.cmd.Process.Pid)
					}
					return d
				}
				hub0, pg0, self0 := hubCPU(), cluster.CPU(), selfCPU()
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
							base := insts[int(i)%n].url
							t0 := time.Now()
							r, err := placeOrder(client, base, tok, fmt.Sprintf("B-%d", i), fmt.Sprintf("u%d@example.com", i))
							lat[w] = append(lat[w], time.Since(t0))
							if err != nil || r.status != 200 {
								if failures.Add(1) <= 3 {
									b.Logf("order %d: %v %+v", i, err, r)
								}
							}
						}
					}()
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				hubUS := float64((hubCPU() - hub0).Microseconds()) / float64(b.N)
				pgUS := float64((cluster.CPU() - pg0).Microseconds()) / float64(b.N)
				clientUS := float64((selfCPU() - self0).Microseconds()) / float64(b.N)
				if f := failures.Load(); f > 0 {
					b.Fatalf("%d of %d orders failed\n%s", f, b.N, logs(insts))
				}
				all := slices.Concat(lat...)
				slices.Sort(all)
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
				b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50_ms")
				b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99_ms")
				// CPU per order: the orderhub processes, PostgreSQL (server and
				// backends), this load generator. On a machine shared with other work
				// these say more than orders/s: 2 idle cores could serve at most
				// 2 s / (hub + pg CPU per order) orders a second.
				b.ReportMetric(hubUS, "hub_cpu_us/order")
				b.ReportMetric(pgUS, "pg_cpu_us/order")
				b.ReportMetric(clientUS, "client_cpu_us/order")
				if hubUS+pgUS > 0 {
					b.ReportMetric(2e6/(hubUS+pgUS), "2core_bound_orders/s")
				}
			})
		}
	}
}
