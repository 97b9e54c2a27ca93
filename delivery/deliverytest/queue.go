// Package deliverytest is an in-memory delivery queue (orderhub.DeliveryQueue) for
// tests of the delivery engine and the connectors' senders without a database. It
// keeps the queue's rules — only the head of an (endpoint, ordering key) queue is
// claimable, a claim is a lease, followers behind a head are leased with it, a
// completion by a claimer that lost its lease changes nothing — so that tests of the
// engine assert real behaviour; the SQL queue (sqlstore) has its own tests of the
// same rules, and of fairness between vendors, which this fake does not model (it
// claims the earliest due heads first).
package deliverytest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"orderhub"
)

// Delivery is a delivery as the queue keeps it.
type Delivery struct {
	orderhub.ClaimedDelivery
	Status      string // pending, failed, delivered, dead, canceled
	NextAttempt time.Time
	Attempts    []orderhub.AttemptResult // recorded attempts (released ones are none)
}

// Queue is an in-memory orderhub.DeliveryQueue. The zero value is not usable; make
// one with New.
type Queue struct {
	mu       sync.Mutex
	now      func() time.Time
	seq      int64
	ds       []*Delivery // in seq order
	onCommit []func()
	claims   int
	// Fail, when set, makes CompleteAndClaim fail (before changing anything) while
	// it returns an error.
	Fail func() error
}

var _ orderhub.DeliveryQueue = (*Queue)(nil)

// New returns an empty queue on the wall clock.
func New() *Queue { return &Queue{now: time.Now} }

// Add appends a pending delivery of an event (due now) and wakes the engine, as a
// committed event does. d's ID and Seq are set when empty.
func (q *Queue) Add(d orderhub.ClaimedDelivery) *Delivery {
	q.mu.Lock()
	q.seq++
	if d.Seq == 0 {
		d.Seq = q.seq
	}
	if d.ID == "" {
		d.ID = fmt.Sprintf("dlv_%06d", d.Seq)
	}
	if d.EventID == "" {
		d.EventID = fmt.Sprintf("evt_%06d", d.Seq)
	}
	if d.EventData == nil {
		d.EventData = json.RawMessage(`{}`)
	}
	if d.EventTime.IsZero() {
		d.EventTime = q.now()
	}
	d.Attempts, d.Owner, d.LockedUntil, d.Next = 0, "", time.Time{}, nil
	x := &Delivery{ClaimedDelivery: d, Status: "pending", NextAttempt: q.now()}
	q.ds = append(q.ds, x)
	fs := slices.Clone(q.onCommit)
	q.mu.Unlock()
	for _, f := range fs {
		f()
	}
	return x
}

// Get returns a copy of a delivery (its attempts included), or nil.
func (q *Queue) Get(id string) *Delivery {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, d := range q.ds {
		if d.ID == id {
			c := *d
			c.Attempts = slices.Clone(d.Attempts)
			return &c
		}
	}
	return nil
}

// All returns copies of every delivery in seq order.
func (q *Queue) All() []Delivery {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Delivery, len(q.ds))
	for i, d := range q.ds {
		out[i] = *d
		out[i].Attempts = slices.Clone(d.Attempts)
	}
	return out
}

// Claims counts the claims made so far.
func (q *Queue) Claims() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.claims
}

// OnCommit registers f to be called after every Add.
func (q *Queue) OnCommit(f func()) {
	q.mu.Lock()
	q.onCommit = append(q.onCommit, f)
	q.mu.Unlock()
}

func active(d *Delivery) bool { return d.Status == "pending" || d.Status == "failed" }

// head reports whether d is the head of its queue: no active delivery of its
// (endpoint, ordering key) with a lower seq.
func (q *Queue) head(d *Delivery) bool {
	if d.OrderingKey == "" {
		return true
	}
	for _, x := range q.ds {
		if x == d {
			return true
		}
		if active(x) && x.EndpointID == d.EndpointID && x.OrderingKey == d.OrderingKey && x.Seq < d.Seq {
			return false
		}
	}
	return true
}

func (q *Queue) claimable(d *Delivery, now time.Time) bool {
	return active(d) && !d.NextAttempt.After(now) && !d.LockedUntil.After(now) && q.head(d)
}

// CompleteAndClaim records results and then claims, like the SQL queue, in one step.
func (q *Queue) CompleteAndClaim(ctx context.Context, results []*orderhub.AttemptResult, opt orderhub.CompleteOptions, r *orderhub.ClaimRequest) (orderhub.CompleteReport, []*orderhub.ClaimedDelivery, error) {
	var rep orderhub.CompleteReport
	if q.Fail != nil {
		if err := q.Fail(); err != nil {
			return rep, nil, err
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	for _, res := range results {
		q.complete(res, now, &rep)
	}
	if r == nil {
		return rep, nil, nil
	}
	q.claims++
	limit := r.Limit + r.Borrow
	perEP := map[string]int{}
	var out []*orderhub.ClaimedDelivery
	for _, d := range q.ds {
		if len(out) >= limit {
			break
		}
		if !q.claimable(d, now) || slices.Contains(r.Exclude, d.EndpointID) {
			continue
		}
		cap := r.PerEndpoint
		switch {
		case slices.Contains(r.Single, d.EndpointID):
			cap = 1
		case slices.Contains(r.Wide, d.EndpointID):
			cap = limit
		}
		if cap > 0 && perEP[d.EndpointID] >= cap {
			continue
		}
		perEP[d.EndpointID]++
		c := q.lease(d, r, now)
		if r.Follow > 0 && d.OrderingKey != "" {
			c.Next = q.follow(d, r, now)
		}
		out = append(out, c)
	}
	return rep, out, nil
}

// lease leases d to r's claimer and returns what the claimer gets.
func (q *Queue) lease(d *Delivery, r *orderhub.ClaimRequest, now time.Time) *orderhub.ClaimedDelivery {
	d.Owner, d.LockedUntil = r.Owner, now.Add(r.Lease)
	c := d.ClaimedDelivery
	c.Attempts = len(d.Attempts)
	c.Next = nil
	return &c
}

// follow leases the run of due, unleased deliveries behind head in its queue.
func (q *Queue) follow(head *Delivery, r *orderhub.ClaimRequest, now time.Time) []*orderhub.ClaimedDelivery {
	var out []*orderhub.ClaimedDelivery
	for _, x := range q.ds {
		if len(out) >= r.Follow {
			break
		}
		if x == head || !active(x) || x.EndpointID != head.EndpointID || x.OrderingKey != head.OrderingKey {
			continue
		}
		if x.Seq < head.Seq || x.NextAttempt.After(now) || x.LockedUntil.After(now) {
			break // the run ends here
		}
		out = append(out, q.lease(x, r, now))
	}
	return out
}

func (q *Queue) complete(res *orderhub.AttemptResult, now time.Time, rep *orderhub.CompleteReport) {
	var d *Delivery
	for _, x := range q.ds {
		if x.ID == res.Claim.ID {
			d = x
			break
		}
	}
	if d == nil {
		return
	}
	held := active(d) && d.Owner == res.Claim.Owner && !d.LockedUntil.Before(now)
	if res.Outcome == orderhub.OutcomeReleased {
		if held {
			d.Owner, d.LockedUntil = "", time.Time{}
		}
		return
	}
	d.Attempts = append(d.Attempts, *res)
	if !held {
		rep.Stale++
		return
	}
	d.Owner, d.LockedUntil = "", time.Time{}
	switch res.Outcome {
	case orderhub.OutcomeDelivered:
		d.Status = "delivered"
	case orderhub.OutcomeRetry:
		d.Status, d.NextAttempt = "failed", now.Add(res.RetryIn)
	case orderhub.OutcomeDead:
		d.Status = "dead"
	case orderhub.OutcomeGone:
		rep.Deleted = append(rep.Deleted, d.EndpointID)
		for _, x := range q.ds {
			if x.EndpointID == d.EndpointID && active(x) {
				x.Status = "canceled"
			}
		}
		d.Status = "canceled"
	}
}

// NextDeliveryDue returns when the earliest active head is due (or its lease ends).
func (q *Queue) NextDeliveryDue(ctx context.Context) (time.Time, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next time.Time
	ok := false
	for _, d := range q.ds {
		if !active(d) || !q.head(d) {
			continue
		}
		t := d.NextAttempt
		if d.LockedUntil.After(t) {
			t = d.LockedUntil
		}
		if !ok || t.Before(next) {
			next, ok = t, true
		}
	}
	return next, ok, nil
}

// DeliveryQueueStats counts the active deliveries.
func (q *Queue) DeliveryQueueStats(ctx context.Context) (orderhub.DeliveryStats, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var s orderhub.DeliveryStats
	for _, d := range q.ds {
		if active(d) {
			s.Active++
			if s.OldestPending == nil {
				t := d.EventTime
				s.OldestPending = &t
			}
		}
	}
	return s, nil
}
