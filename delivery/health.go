package delivery

import (
	"time"

	"orderhub"
)

// Endpoint health: how many attempts an endpoint may have in flight in this process.
// The dispatcher owns it (one goroutine); see docs/delivery.md.
//
//   - Slow start: an endpoint starts with 1 slot; every fast success doubles its
//     slots up to PerEndpoint.
//   - A success slower than SlowAfter halves its slots; a failed attempt (no answer,
//     timeout, non-2xx) drops them to 1.
//   - While one of its attempts has been running longer than SlowAfter (a hanging
//     receiver), no further attempt starts and claims skip it.
//   - Circuit breaker: after BreakAfter failed attempts in a row the circuit opens
//     for BreakFor: its deliveries fail at once without a request (an attempt like
//     any failed one, retried on the schedule, but not before the next probe), so it
//     holds no worker. Then it is half-open: one attempt (the probe) goes out, and
//     others claimed meanwhile fail at once; a success closes the circuit, a failure
//     opens it again for twice as long (up to maxBreakDoublings doublings).
type health struct {
	limit     int           // slots while closed (1…PerEndpoint)
	failures  int           // failed attempts in a row
	opens     int           // times opened since the last success
	openUntil time.Time     // open until then; half-open afterwards (zero: closed)
	seen      time.Time     // last use, to forget idle endpoints
	latency   time.Duration // moving average of its successes' latency
}

// wideLatency: an endpoint at its full slots, without failures and answering
// successes within this on average is wide: claims may take for it as many
// deliveries as the pool allows rather than PerEndpoint, and it may hold the whole
// pool queued (ahead). At 100 ms a full pool waits a few seconds at most, well
// within a lease; a delivery that waited too long is released, not sent (job.sendBy).
const wideLatency = 100 * time.Millisecond

// maxBreakDoublings bounds the growth of an open circuit's duration (BreakFor × 2^n).
const maxBreakDoublings = 6

// healthTable is the dispatcher's per-endpoint health.
type healthTable struct {
	cfg   *Config
	eps   map[string]*health
	swept time.Time
}

func newHealthTable(cfg *Config) *healthTable {
	return &healthTable{cfg: cfg, eps: map[string]*health{}}
}

func (t *healthTable) get(ep string, now time.Time) *health {
	h := t.eps[ep]
	if h == nil {
		h = &health{limit: 1}
		t.eps[ep] = h
	}
	h.seen = now
	return h
}

// blocked reports whether a delivery claimed for ep must not be sent, with out of
// its deliveries queued or sending here: the circuit is open, or half-open with the
// probe out. wait is how long until a probe may go.
func (t *healthTable) blocked(ep string, now time.Time, out int) (wait time.Duration, ok bool) {
	h := t.eps[ep]
	switch {
	case h == nil || h.openUntil.IsZero():
		return 0, false
	case now.Before(h.openUntil):
		return h.openUntil.Sub(now), true
	case out > 0:
		return t.cfg.BreakFor, true
	}
	return 0, false
}

// slots is how many attempts ep may have in flight at now; oldest is when its
// longest-running attempt started (zero: none runs).
func (t *healthTable) slots(ep string, now, oldest time.Time) int {
	h := t.eps[ep]
	if h == nil {
		return 1
	}
	switch {
	case !h.openUntil.IsZero() && now.Before(h.openUntil):
		return 0 // open
	case !h.openUntil.IsZero():
		return 1 // half-open: one probe
	case !oldest.IsZero() && now.Sub(oldest) > t.cfg.SlowAfter:
		return 1 // an attempt hangs: nothing more until it ends
	}
	return h.limit
}

// ahead is how many deliveries of ep this process may hold (sending and queued)
// before claims skip it: twice its slots while it is healthy, so that the next
// deliveries are at hand when attempts finish (the claims come one write cycle
// apart); only its slots while it is failing, hanging or probing.
func (t *healthTable) ahead(ep string, now, oldest time.Time) int {
	n := t.slots(ep, now, oldest)
	if t.wide(ep, now, oldest) {
		return max(2*n, t.cfg.Workers)
	}
	if h := t.eps[ep]; h != nil && h.failures == 0 && h.openUntil.IsZero() && (oldest.IsZero() || now.Sub(oldest) <= t.cfg.SlowAfter) {
		return 2 * n
	}
	return n
}

// single reports whether a claim should take at most one delivery for ep: it is
// failing (one slot since its last failure) or its circuit is half-open (one probe).
// An open circuit's deliveries are claimed to fail at once (shortCircuit), as many
// as the per-endpoint cap takes; only the probe's moment is limited to one.
func (t *healthTable) single(ep string, now time.Time) bool {
	h := t.eps[ep]
	switch {
	case h == nil:
		return false
	case !h.openUntil.IsZero():
		return !now.Before(h.openUntil)
	}
	return h.failures > 0
}

// wide reports whether ep is a healthy, fast endpoint at its full slots (see
// wideLatency) with no attempt hanging.
func (t *healthTable) wide(ep string, now, oldest time.Time) bool {
	h := t.eps[ep]
	return h != nil && h.failures == 0 && h.openUntil.IsZero() && h.limit >= t.cfg.PerEndpoint && h.latency > 0 && h.latency <= wideLatency &&
		(oldest.IsZero() || now.Sub(oldest) <= wideLatency*10)
}

// record updates ep's health with a finished attempt. It returns the time until
// which the circuit opened (zero: it did not open now).
func (t *healthTable) record(r *orderhub.AttemptResult, now time.Time) time.Time {
	ep := r.Claim.EndpointID
	if r.Outcome == orderhub.OutcomeGone {
		delete(t.eps, ep)
		return time.Time{}
	}
	h := t.get(ep, now)
	if r.Outcome == orderhub.OutcomeDelivered {
		h.failures, h.opens, h.openUntil = 0, 0, time.Time{}
		if h.latency == 0 {
			h.latency = r.Latency
		} else {
			h.latency += (r.Latency - h.latency) / 8
		}
		if r.Latency > t.cfg.SlowAfter {
			h.limit = max(1, h.limit/2)
		} else {
			h.limit = min(t.cfg.PerEndpoint, 2*h.limit)
		}
		return time.Time{}
	}
	h.limit = 1
	h.failures++
	h.latency = 0
	halfOpen := !h.openUntil.IsZero() && !now.Before(h.openUntil)
	if t.cfg.BreakAfter <= 0 || (!halfOpen && h.failures < t.cfg.BreakAfter) {
		return time.Time{}
	}
	if !h.openUntil.IsZero() && now.Before(h.openUntil) {
		return time.Time{} // open already (an attempt started before it opened)
	}
	h.openUntil = now.Add(t.cfg.BreakFor << min(h.opens, maxBreakDoublings))
	h.opens++
	return h.openUntil
}

// sweep forgets endpoints unused for an hour that are closed and at 1 slot anyway:
// the table stays as large as the set of endpoints recently delivered to.
func (t *healthTable) sweep(now time.Time) {
	if now.Sub(t.swept) < time.Minute {
		return
	}
	t.swept = now
	for ep, h := range t.eps {
		if now.Sub(h.seen) > time.Hour && (h.openUntil.IsZero() || now.After(h.openUntil)) {
			delete(t.eps, ep)
		}
	}
}
