package sqlstore_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// Three instances claim with Follow (jobs: a head and the run behind it) and
// complete concurrently while events keep coming, with heads and followers failing
// (retried at once) and followers released: a key is never in two jobs at once, each
// key's deliveries are delivered in seq order, each exactly once, and the queue ends
// empty. On PostgreSQL the instances' claims and completions race for the same rows.
func TestInstancesShareJobsInOrder(t *testing.T) {
	forEachEngineShared(t, 3, func(t *testing.T, dbs []*sqlstore.DB) {
		ctx := context.Background()
		db := dbs[0]
		mkVendor(t, db, "acme")
		ep := mkEndpoint(t, db, "acme")
		const keys, perKey = 5, 16
		const first = 3 // rounds appended before the instances start: runs to follow
		if err := appendRounds(dbs, 0, first, keys); err != nil {
			t.Fatal(err)
		}
		appended := appendRoundsMeanwhile(t, dbs, first, perKey, keys)
		var mu sync.Mutex
		busy := map[string]string{}   // key → instance holding a job of it
		lastSeq := map[string]int64{} // key → seq of the last delivered
		delivered := map[string]int{} // delivery id → times delivered
		followers := 0                // claimed behind a head
		rnds := make([]*rand.Rand, len(dbs))
		for i := range rnds {
			rnds[i] = rand.New(rand.NewPCG(uint64(i), 7))
		}
		claimUntilDrained(t, dbs, appended, orderhub.ClaimRequest{Limit: 3, Lease: time.Minute, Follow: 4}, func(i int, owner string, inst *sqlstore.DB, cs []*orderhub.ClaimedDelivery) bool {
			rnd := rnds[i]
			var results []*orderhub.AttemptResult
			mu.Lock()
			for _, h := range cs {
				if other, ok := busy[h.OrderingKey]; ok {
					t.Errorf("%s claimed a job of %s while %s holds one", owner, h.OrderingKey, other)
				}
				busy[h.OrderingKey] = owner
				job := append([]*orderhub.ClaimedDelivery{h}, h.Next...)
				followers += len(h.Next)
				for j := 1; j < len(job); j++ {
					if job[j].Seq <= job[j-1].Seq {
						t.Errorf("%s: followers of %s out of order: %d after %d", owner, h.OrderingKey, job[j].Seq, job[j-1].Seq)
					}
				}
				// The first not delivered: a failure (retried at once) or,
				// every fourth, a release (as when the lease runs short).
				stop := len(job)
				if rnd.IntN(3) == 0 {
					stop = rnd.IntN(len(job))
				}
				for j, c := range job {
					r := &orderhub.AttemptResult{Claim: c, StartedAt: time.Now(), StatusCode: 204, Outcome: orderhub.OutcomeDelivered}
					switch {
					case j > stop || (j == stop && j > 0 && rnd.IntN(4) == 0):
						r = &orderhub.AttemptResult{Claim: c, Outcome: orderhub.OutcomeReleased}
					case j == stop:
						r.StatusCode, r.Error, r.Outcome = 500, "HTTP 500", orderhub.OutcomeRetry
					default:
						if c.Seq <= lastSeq[c.OrderingKey] {
							t.Errorf("%s: key %s seq %d delivered after seq %d", owner, c.OrderingKey, c.Seq, lastSeq[c.OrderingKey])
						}
						lastSeq[c.OrderingKey] = c.Seq
						delivered[c.ID]++
					}
					results = append(results, r)
				}
				delete(busy, h.OrderingKey) // before completing: then the next job may come
			}
			mu.Unlock()
			rep, err := inst.Deliveries().CompleteDeliveries(ctx, results, orderhub.CompleteOptions{})
			if err != nil {
				t.Error(err)
				return false
			}
			if rep.Stale != 0 {
				t.Errorf("%s: %d stale completions", owner, rep.Stale)
			}
			return true
		})
		if followers == 0 {
			t.Fatal("no delivery was claimed behind a head: the test did not test jobs")
		}
		t.Logf("%d deliveries claimed behind heads", followers)
		checkDeliveredOnce(t, db, ep, delivered, keys*perKey)
	})
}
