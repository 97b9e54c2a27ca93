package orderhub

import (
	"context"
	"time"
)

// DeliveryQueue is what the delivery engine (package delivery) needs from the
// store, and no more: record finished attempts and claim the next due deliveries
// in one step, know when the next one is due, the queue's size for metrics, and a
// wake-up after commits. package sqlstore implements it on SQLite and PostgreSQL
// (with its durability and ordering rules); delivery/deliverytest in memory, for
// tests without a database.
type DeliveryQueue interface {
	// OnCommit registers f to be called (without blocking) after every commit
	// that made deliveries or made some due again (not after one whose events no
	// endpoint takes; a slow poll catches the rest).
	OnCommit(f func())
	// CompleteAndClaim records results and, when claim is not nil, leases the next
	// due heads (and their followers) to the claimer, in one write.
	CompleteAndClaim(ctx context.Context, results []*AttemptResult, opt CompleteOptions, claim *ClaimRequest) (CompleteReport, []*ClaimedDelivery, error)
	// NextDeliveryDue reports when the earliest active head is due (ok false: none).
	NextDeliveryDue(ctx context.Context) (t time.Time, ok bool, err error)
	// DeliveryQueueStats describes the queue (metrics).
	DeliveryQueueStats(ctx context.Context) (DeliveryStats, error)
}
