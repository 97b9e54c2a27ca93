package delivery_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"orderhub"
	"orderhub/delivery"
	"orderhub/sqlstore"
)

// At shutdown the engine lets the attempts in flight finish and records them; what
// was claimed and not started is not sent (Run). That holds for the deliveries
// claimed behind a head (a job): once shutdown begins, the job's next delivery is
// not started but released, so a shutdown waits for one attempt, not for a job of
// up to 16, and the rest is claimable again at once (not after its lease).
func TestShutdownDoesNotStartAJobsFollowers(t *testing.T) {
	db, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "d.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	var got atomic.Int32
	arrived, gate := make(chan struct{}, 16), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		got.Add(1)
		arrived <- struct{}{}
		<-gate
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	defer close(gate)
	ep := &orderhub.Endpoint{VendorID: "acme", URL: srv.URL}
	if err := db.Deliveries().CreateEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	const n = 6
	for range n { // one key: one job, a head and five behind it
		if _, err := db.Deliveries().AppendEvent(ctx, "acme", "t", "a", nil); err != nil {
			t.Fatal(err)
		}
	}
	eng := delivery.New(struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{db.Deliveries(), db.Ops()}, delivery.Config{Workers: 4, Timeout: 10 * time.Second, Poll: 100 * time.Millisecond, AllowPrivateTargets: true})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("no request arrived")
	}
	cancel()
	time.Sleep(50 * time.Millisecond) // let the dispatcher see the shutdown
	gate <- struct{}{}                // the head's attempt finishes
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if g := got.Load(); g != 1 {
				t.Fatalf("the receiver got %d requests after shutdown began with one in flight; want 1", g)
			}
			ds, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: ep.ID})
			if err != nil {
				t.Fatal(err)
			}
			delivered, free := 0, 0
			for _, d := range ds {
				if d.Status == orderhub.DeliveryDelivered {
					delivered++
				} else if d.InFlightUntil == nil {
					free++
				}
			}
			if delivered != 1 || free != n-1 {
				t.Fatalf("after shutdown: %d delivered, %d pending and not leased; want 1 and %d", delivered, free, n-1)
			}
			return
		case <-arrived:
			gate <- struct{}{} // a follower was started after shutdown began
		case <-time.After(60 * time.Second):
			t.Fatal("Run did not return")
		}
	}
}
