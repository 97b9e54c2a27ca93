package delivery_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"orderhub"
	"orderhub/delivery"
	"orderhub/sqlstore"
)

// A vendor with more endpoints than a request's transaction fans out to: its
// events reach every endpoint through the fan-out expander (in steps of a few rows),
// each key in order and every event accepted, while the receivers fail every third
// request.
func TestExpandedFanoutDeliversInOrder(t *testing.T) {
	t.Parallel()
	schedule := make([]time.Duration, 1000)
	for i := 1; i < len(schedule); i++ {
		schedule[i] = 10 * time.Millisecond
	}
	b := setupStore(t, delivery.Config{AllowPrivateTargets: true, PerEndpoint: 4, Schedule: schedule},
		sqlstore.Options{InlineFanout: 2, FanoutBatch: 7})
	const endpoints, perKey = 5, 6
	var rcs []*receiver
	var eps []*orderhub.Endpoint
	for i := 0; i < endpoints; i++ {
		var calls atomic.Int32
		rc := newReceiver(t, func(received, int) int {
			if calls.Add(1)%3 == 0 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		rcs = append(rcs, rc)
		eps = append(eps, b.endpoint(t, "acme", rc.srv.URL))
	}
	keys := []string{"k1", "k2", "k3"}
	for n := 1; n <= perKey; n++ {
		for _, k := range keys {
			b.event(t, "acme", "t", k, n)
		}
	}
	for _, e := range eps {
		waitFor(t, "every event on "+e.ID, func() bool {
			return len(b.deliveries(t, orderhub.DeliveryFilter{EndpointID: e.ID, Status: orderhub.DeliveryDelivered})) == len(keys)*perKey
		})
	}
	for i, rc := range rcs {
		// Per key, event n is never sent before event n-1 was accepted.
		accepted := map[string]int{}
		for _, r := range rc.requests() {
			if r.N > accepted[r.Key]+1 {
				t.Fatalf("endpoint %d key %s: event %d sent before event %d was accepted", i, r.Key, r.N, accepted[r.Key]+1)
			}
			if r.N == accepted[r.Key]+1 && r.Status < 300 {
				accepted[r.Key] = r.N
			}
		}
		for _, k := range keys {
			if accepted[k] != perKey {
				t.Fatalf("endpoint %d key %s: accepted up to %d", i, k, accepted[k])
			}
		}
	}
}
