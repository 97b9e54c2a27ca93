package delivery_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub"
	"orderhub/delivery"
)

// A hanging attempt (one running longer than SlowAfter) stops new attempts to its
// endpoint; a long job of fast attempts (a head and the deliveries claimed behind
// it) is not a hanging attempt. Here one key's job of 12 attempts of 300 ms each
// runs about 3.6 s, each attempt well under SlowAfter (2 s): another key's event
// appended late in the job must be sent during it, not after it.
func TestLongJobOfFastAttemptsIsNotHanging(t *testing.T) {
	var mu sync.Mutex
	var order []string
	gate := make(chan struct{})
	rc := newReceiver(t, func(r received, _ int) int {
		mu.Lock()
		order = append(order, fmt.Sprintf("%s%d", r.Key, r.N))
		mu.Unlock()
		switch r.Key {
		case "w1":
			<-gate
		case "a":
			time.Sleep(300 * time.Millisecond)
		}
		return 200
	})
	b := setup(t, delivery.Config{AllowPrivateTargets: true, PerEndpoint: 4, Timeout: 6 * time.Second, SlowAfter: 2 * time.Second})
	ep := b.endpoint(t, "acme", rc.srv.URL)
	// w1 in flight and w2 queued hold the new endpoint's claims back (one slot, two
	// ahead) while key a's events are appended: they make one job.
	b.event(t, "acme", "t", "w1", 0)
	waitFor(t, "w1 in flight", func() bool { return len(rc.requests()) == 1 })
	b.event(t, "acme", "t", "w2", 0)
	time.Sleep(200 * time.Millisecond) // w2 claimed
	const n = 12
	for i := range n {
		b.event(t, "acme", "t", "a", i)
	}
	close(gate)
	// Past SlowAfter from the job's start, no attempt slower than 300 ms: another
	// key's event.
	waitFor(t, "the job past SlowAfter", func() bool { return len(rc.requests()) >= 2+8 })
	b.event(t, "acme", "t", "b", 0)
	waitFor(t, "everything delivered", func() bool {
		return len(b.deliveries(t, orderhub.DeliveryFilter{EndpointID: ep.ID, Status: orderhub.DeliveryDelivered})) == n+3
	})
	mu.Lock()
	defer mu.Unlock()
	if last := order[len(order)-1]; last == "b0" {
		t.Fatalf("requests %v: b0 waited for the whole job of key a although no attempt hung", order)
	}
}

// A Lease the Config accepts must leave time to send: with Lease just over Timeout
// (11 s for a 10 s timeout) a job's time to send (its lease less one Timeout and
// some slack) was nil, so every claimed delivery was released unsent, claimed again
// and released again, for ever.
func TestShortLeaseStillDelivers(t *testing.T) {
	rc := newReceiver(t, nil)
	b := setup(t, delivery.Config{AllowPrivateTargets: true, Timeout: 10 * time.Second, Lease: 11 * time.Second})
	ep := b.endpoint(t, "acme", rc.srv.URL)
	ev := b.event(t, "acme", "t", "k", 0)
	deadline := time.Now().Add(20 * time.Second)
	for b.status(t, ep.ID, ev.ID) != orderhub.DeliveryDelivered {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered in 20 s with a 11 s lease (%d requests)", len(rc.requests()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Timeout bounds one attempt (Config.Timeout), a Sender's too: the jobs' time to
// send (their lease less one Timeout) relies on it. A connector that makes several
// calls, each with a timeout of its own, could otherwise run past the lease while
// another instance claims the key again and sends it alongside.
func TestSenderAttemptBoundedByTimeout(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	b := setup(t, delivery.Config{Timeout: 500 * time.Millisecond, Senders: map[string]delivery.Sender{
		testKind: delivery.SenderFunc(func(ctx context.Context, _ *orderhub.ClaimedDelivery) delivery.SendResult {
			if calls.Add(1) > 1 {
				return delivery.SendResult{StatusCode: 200}
			}
			select {
			case <-ctx.Done():
				return delivery.SendResult{Err: ctx.Err()}
			case <-time.After(20 * time.Second):
				return delivery.SendResult{StatusCode: 200, Response: "answered after 20 s"}
			}
		}),
	}})
	ep := &orderhub.Endpoint{VendorID: "acme", URL: "https://connector.invalid/", Kind: testKind}
	if err := b.db.Deliveries().CreateEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	ev := b.event(t, "acme", "t", "k", 1)
	waitFor(t, "delivered", func() bool { return b.status(t, ep.ID, ev.ID) == orderhub.DeliveryDelivered })
	as := b.attempts(t, ep.ID, ev.ID)
	if len(as) != 2 || as[0].Error == "" || as[0].LatencyMS > 10_000 {
		t.Fatalf("attempts %+v: the first must end at the 500 ms timeout, failed, and be retried", as)
	}
}
