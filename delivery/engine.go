// Package delivery sends orderhub's outbox to its subscribers: it claims due
// deliveries from the store in batches, signs them (Standard Webhooks), POSTs them
// with a bounded worker pool shared fairly between vendors and a per-endpoint
// concurrency that follows the endpoint's health, and records every attempt in
// batched completions. docs/delivery.md explains the scheduling model.
//
// Guarantees (with the store's queue rules, see sqlstore/delivery.go):
//   - at least once: a claim is a lease; when a process dies its leases expire and
//     the deliveries are claimed again after a restart;
//   - in order per (endpoint, ordering key): only the head of a key's queue is ever
//     claimed, so the next event of a key is sent after the previous one finished
//     (delivered, or dead: a dead delivery no longer blocks, as in Svix);
//   - no head-of-line blocking: a failing key waits for its retry alone, and an
//     endpoint at its concurrency cap is skipped by claims, so others proceed;
//   - fairness: vendors with due work share the workers equally (sqlstore
//     ClaimRequest), and a slow, hanging or failing endpoint gets fewer slots down to
//     none while its circuit is open (health.go), so one vendor's bad receivers
//     cannot hold the workers another vendor's deliveries need.
//
// A commit that made deliveries wakes the dispatcher at once (DB.OnCommit; events
// that no endpoint takes do not); a slow poll catches other processes' writes, and a
// timer set to the next due retry fires retries on time.
package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/netguard"
)

// Store is what the engine needs from the database: orderhub.DeliveryQueue
// (implemented by *sqlstore.DB, and in memory by package deliverytest).
type Store = orderhub.DeliveryQueue

// DefaultSchedule is Svix's: the first attempt at once, then retries after 5 s, 5 min,
// 30 min, 2 h, 5 h, 10 h and 10 h; after the eighth failed attempt a delivery is dead.
var DefaultSchedule = []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Config tunes an Engine. Zero fields take the defaults.
type Config struct {
	// Workers is the pool of attempts in flight in this process (default 256) that
	// the vendors with due work share equally. A vendor below its share may borrow
	// beyond it while others hold more than theirs, up to 2 × Workers in all.
	// Claimed jobs count until they finish, and claims come once per write cycle
	// (two group commits when the writer is busy), so the pool also bounds how many
	// jobs one claim can take: with 64, one fast endpoint receiving every event
	// could not keep pace with orders at the writer's maximum (docs/delivery.md).
	Workers int
	// PerEndpoint bounds the attempts in flight to one endpoint (default 16); a
	// healthy endpoint works up to it from 1 (see health.go).
	PerEndpoint int
	// SlowAfter: an attempt running longer is slow; its endpoint gets fewer slots
	// (default Timeout/3, at most 5 s).
	SlowAfter time.Duration
	// BreakAfter failed attempts in a row open an endpoint's circuit (default 5;
	// negative: never).
	BreakAfter int
	// BreakFor is how long a circuit first stays open, doubling each time the probe
	// fails (default the schedule's first retry wait, or 5 s).
	BreakFor time.Duration
	// Timeout bounds one attempt, connection included (default 15 s).
	Timeout time.Duration
	// Schedule[i] is the wait before attempt i+1; its length is the number of
	// attempts before a delivery is dead (default DefaultSchedule).
	Schedule []time.Duration
	// Jitter adds up to this fraction of each wait (default 0.2; negative: none).
	Jitter float64
	// MaxRetryAfter caps a receiver's Retry-After (default 1 h).
	MaxRetryAfter time.Duration
	// DisableAfter disables an endpoint failing without a success for this long
	// (default 5 days; negative: never).
	DisableAfter time.Duration
	// Poll is the fallback poll interval, for writes by other processes (default 1 s).
	Poll time.Duration
	// Alerter receives the operational alerts (an endpoint starts failing, is
	// disabled, recovers; sqlstore/alerts.go); nil: none are made. AlertFailingAfter
	// (default 5 min) is how long an endpoint fails without a success (or until a
	// dead letter) before it alerts; AlertInterval (default 1 h) the least time
	// between two failing alerts of one endpoint.
	Alerter                          Alerter
	AlertFailingAfter, AlertInterval time.Duration
	// Lease is how long a claim holds before the delivery is due again (default
	// 3 × Timeout: an attempt may wait behind its endpoint's cap for one Timeout, then
	// take one more; less than 2 × Timeout + 1 s gets the default).
	Lease time.Duration
	// AllowPrivateTargets lets endpoints reach loopback, private and link-local
	// addresses (tests, the demo, trusted networks); used when Guard is nil.
	AllowPrivateTargets bool
	// Guard is the outbound transport's guard (package netguard; default one from
	// AllowPrivateTargets).
	Guard *netguard.Guard
	// UserAgent of every request (default "orderhub-webhooks/1").
	UserAgent string
	// Owner names this process in leases (default host/pid/random).
	Owner string
	// Clock gives the time of attempts and signatures (default time.Now).
	Clock  func() time.Time
	Logger *slog.Logger
	// Registry receives the metrics (a private one when nil).
	Registry prometheus.Registerer
	// Transport replaces the HTTP transport (tests); the SSRF guard is then the
	// transport's business.
	Transport http.RoundTripper
	// Senders deliver the endpoints of other kinds than webhook and zapier
	// (connectors speaking a third party's protocol), keyed by endpoint kind.
	Senders map[string]Sender
	// Bodies build the request body for an HTTP endpoint kind (e.g. zapier hooks get
	// their trigger's item shape); kinds without one get Body's Standard Webhooks
	// payload.
	Bodies map[string]func(*orderhub.ClaimedDelivery) ([]byte, error)
}

// Sender delivers one claimed delivery in a protocol of its own.
type Sender interface {
	Send(ctx context.Context, c *orderhub.ClaimedDelivery) SendResult
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, c *orderhub.ClaimedDelivery) SendResult

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, c *orderhub.ClaimedDelivery) SendResult {
	return f(ctx, c)
}

// SendResult is the outcome of one Sender attempt. A nil Err with a 2xx StatusCode
// (or StatusCode 0 and no Err: "nothing to send for this event") is a success; a
// Permanent failure (bad credentials, a rejected payload) goes dead at once instead
// of being retried; anything else is retried on the schedule.
type SendResult struct {
	StatusCode int
	Response   string // the first KiB, for operators
	RetryAfter time.Duration
	Err        error
	Permanent  bool
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 256
	}
	if c.PerEndpoint <= 0 {
		c.PerEndpoint = 16
	}
	c.PerEndpoint = min(c.PerEndpoint, c.Workers)
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	if len(c.Schedule) == 0 {
		c.Schedule = DefaultSchedule
	}
	if c.Jitter == 0 {
		c.Jitter = 0.2
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = time.Hour
	}
	if c.DisableAfter == 0 {
		c.DisableAfter = 5 * 24 * time.Hour
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.AlertFailingAfter <= 0 {
		c.AlertFailingAfter = 5 * time.Minute
	}
	if c.AlertInterval <= 0 {
		c.AlertInterval = time.Hour
	}
	if c.Lease < 2*c.Timeout+time.Second {
		// A job's deliveries start until one Timeout (and some slack) before the
		// lease ends (dispatcher.claimed): a shorter lease leaves no time to send.
		c.Lease = 3 * c.Timeout
	}
	if c.SlowAfter <= 0 {
		c.SlowAfter = min(c.Timeout/3, 5*time.Second)
	}
	if c.BreakAfter == 0 {
		c.BreakAfter = 5
	}
	if c.BreakFor <= 0 {
		c.BreakFor = 5 * time.Second
		if len(c.Schedule) > 1 && c.Schedule[1] > 0 {
			c.BreakFor = c.Schedule[1]
		}
	}
	if c.UserAgent == "" {
		c.UserAgent = "orderhub-webhooks/1"
	}
	if c.Owner == "" {
		host, _ := os.Hostname()
		c.Owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), orderhub.RandomHex(4))
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
}

// Engine delivers the outbox. Create it with New and start it with Run.
type Engine struct {
	st     Store
	cfg    Config
	log    *slog.Logger
	client *http.Client
	m      *metrics
	wake   chan struct{}

	streak map[string]int // consecutive failures per endpoint; owned by the dispatcher
}

// New returns an engine over st. It registers its wake-up on st's commits.
func New(st Store, cfg Config) *Engine {
	cfg.defaults()
	e := &Engine{st: st, cfg: cfg, log: cfg.Logger, m: newMetrics(cfg.Registry), wake: make(chan struct{}, 1), streak: map[string]int{}}
	tr := cfg.Transport
	if tr == nil {
		g := cfg.Guard
		if g == nil {
			g = netguard.New(netguard.Options{AllowPrivate: cfg.AllowPrivateTargets, DialTimeout: cfg.Timeout})
		}
		tr = g.Transport(func(t *http.Transport) {
			t.MaxIdleConns = cfg.Workers * 2
			t.MaxIdleConnsPerHost = cfg.Workers // several endpoints may share a host
			t.TLSHandshakeTimeout = cfg.Timeout
		})
	}
	e.client = &http.Client{
		Transport: tr,
		// Redirects are not followed: a 3xx is a failed attempt (and following one
		// could lead past the SSRF guard's intent).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	st.OnCommit(e.Wake)
	return e
}

// Wake tells the engine that deliveries may be due. It never blocks.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// dispatcher owns the process's share of the queue. One goroutine runs it; workers
// report to it, and it alternates one write transaction at a time with the store:
// record the attempts finished since the last one, then claim as many deliveries as
// there are free slots (orderhub.CompleteAndClaim). While a write runs, finished
// attempts accumulate for the next one, so batches grow with the load.
type dispatcher struct {
	e          *Engine
	queued     map[string][]job // per endpoint, waiting for a slot
	inflight   map[string]int   // per endpoint, sending
	running    map[string][]run // per endpoint, the attempts sending
	outs       map[string]int   // per endpoint, queued + sending
	vendorOuts map[string]int   // per vendor, queued + sending
	total      int              // claimed and not finished in this process
	health     *healthTable
	rr         string                         // the vendor served first by the last claim
	results    chan []*orderhub.AttemptResult // from the workers: a job's attempts (and releases)
	pending    []*orderhub.AttemptResult      // finished (or failed at once), not yet recorded
	written    chan written
	writing    bool
	stopping   bool
	wg         sync.WaitGroup
	ctx        context.Context // of the attempts: not cancelled by shutdown
	stop       <-chan struct{} // closed when shutdown begins (Run's ctx)
}

// maxFollow is how many deliveries of a head's queue a claim takes behind it
// (orderhub.ClaimRequest.Follow): one worker sends them in order, so the events of
// one order (customer, contract, order, confirmation: one ordering key) take one
// claim and one completion rather than four of each.
const maxFollow = 15

// maxWide bounds the wide endpoints a claim names (health.go); the busiest come
// first.
const maxWide = 256

// job is a claimed head and the deliveries claimed behind it (c.Next): one worker
// sends them one after the other, and they count as one in the slots and the pool
// (one attempt is in flight at a time). A delivery behind the head is sent only
// before sendBy, so that its attempt ends within its lease.
type job struct {
	c      *orderhub.ClaimedDelivery
	sendBy time.Time
}

// run is a job being sent; start is when its current attempt started (unix ns, set
// by the job's worker before each attempt): a long job of fast attempts is not a
// hanging attempt.
type run struct {
	id    string
	start *atomic.Int64
}

type written struct {
	at, end time.Time // when the write began and returned (the leases began between)
	results []*orderhub.AttemptResult
	limit   int // claim limit asked for
	borrow  int // and borrowing allowed
	rep     orderhub.CompleteReport
	claimed []*orderhub.ClaimedDelivery
	err     error
}

// Run delivers until ctx is cancelled. It then stops claiming, lets the attempts in
// flight finish (each within Timeout) and records them; claimed deliveries not yet
// started keep their lease and are sent again after it expires, except those behind
// a job's attempt in flight, which are released (claimable again at once).
func (e *Engine) Run(ctx context.Context) error {
	d := &dispatcher{
		e: e, queued: map[string][]job{}, inflight: map[string]int{}, running: map[string][]run{},
		outs: map[string]int{}, vendorOuts: map[string]int{}, health: newHealthTable(&e.cfg),
		results: make(chan []*orderhub.AttemptResult, 2*e.cfg.Workers), written: make(chan written, 1),
		ctx: context.WithoutCancel(ctx), stop: ctx.Done(),
	}
	statsCtx, stopStats := context.WithCancel(context.Background())
	statsDone := make(chan struct{})
	go func() {
		defer close(statsDone)
		e.statsLoop(statsCtx)
	}()
	d.loop(ctx)
	d.wg.Wait()
	stopStats()
	<-statsDone
	e.m.inFlight.Set(0)
	return nil
}

// maxWriteFailures is how many times in a row a write may fail before the attempts
// it records are dropped.
const maxWriteFailures = 5

func (d *dispatcher) loop(ctx context.Context) {
	e := d.e
	minBatch := max(1, e.cfg.Workers/2)
	timer := time.NewTimer(0)
	defer timer.Stop()
	done := ctx.Done()
	need := true     // a claim may find something
	backoff := false // the last write failed: wait for the timer
	failures := 0    // consecutive failed writes
	for {
		if !d.writing && !backoff {
			limit, borrow := 0, 0
			if !d.stopping && need {
				if free := e.cfg.Workers - d.total; free > 0 && (free >= minBatch || d.total < minBatch || len(d.pending) > 0) {
					limit = free
				}
				// Vendors below their share may borrow while the pool is full.
				borrow = max(0, 2*e.cfg.Workers-d.total-limit)
			}
			if limit > 0 || borrow > 0 || len(d.pending) > 0 {
				if limit > 0 || borrow > 0 {
					need = false
				}
				d.write(limit, borrow)
			}
		}
		if d.stopping && !d.writing && d.total == 0 && len(d.pending) == 0 {
			return
		}
		select {
		case <-done:
			d.stopping, done = true, nil
		case <-e.wake:
			need = true
		case <-timer.C:
			need, backoff = true, false
			timer.Reset(e.cfg.Poll)
		case rs := <-d.results:
			d.pending = append(d.pending, rs...)
			d.finished(rs)
			need = true
		case w := <-d.written:
			d.writing = false
			if w.err != nil {
				failures++
				if failures >= maxWriteFailures && len(w.results) > 0 {
					// Give up on recording these attempts rather than stall every
					// endpoint behind them: their leases expire and the deliveries
					// are sent again (at least once).
					e.log.Error("delivery store write keeps failing; dropping attempt records", "err", w.err, "attempts", len(w.results), "failures", failures)
					failures = 0
				} else {
					if !d.stopping || len(w.results) > 0 {
						e.log.Error("delivery store write failed; retrying", "err", w.err, "attempts", len(w.results))
					}
					d.pending = append(w.results, d.pending...)
				}
				if d.stopping && len(d.pending) == 0 {
					continue
				}
				backoff = true
				resetTimer(timer, 200*time.Millisecond)
				continue
			}
			failures = 0
			e.report(w.results, w.rep)
			d.claimed(w.claimed, w.at, w.end)
			if len(w.results) > 0 && w.limit == 0 {
				need = true // promoted heads wait for the next claim
			}
			if w.limit > 0 || w.borrow > 0 {
				if full := w.limit > 0 && len(w.claimed) >= w.limit; full {
					need = true
				} else {
					select {
					case <-e.wake:
						// Commits came while the write ran: claim again at once.
						// The next due time (a read of its own, on PostgreSQL a
						// round trip and a scan, before the next write) matters
						// only once nothing wakes the dispatcher; under load it
						// is skipped, and the timer keeps its last setting (at
						// most one poll).
						need = true
					default:
						resetTimer(timer, d.untilNextDue(ctx))
					}
				}
			}
		}
	}
}

// write starts the next write transaction: the pending results, and a claim of up to
// limit deliveries plus borrow for vendors below their share (none when both are 0).
func (d *dispatcher) write(limit, borrow int) {
	e := d.e
	results := d.pending
	d.pending = nil
	d.writing = true
	var req *orderhub.ClaimRequest
	if limit > 0 || borrow > 0 {
		req = &orderhub.ClaimRequest{Owner: e.cfg.Owner, Limit: limit, Borrow: borrow, PerEndpoint: e.cfg.PerEndpoint, Lease: e.cfg.Lease,
			Workers: e.cfg.Workers, InFlight: make(map[string]int, len(d.vendorOuts)), After: d.rr, Follow: maxFollow}
		for v, n := range d.vendorOuts {
			req.InFlight[v] = n
		}
		now := time.Now()
		for ep, n := range d.outs {
			if n >= d.health.ahead(ep, now, d.oldest(ep)) {
				req.Exclude = append(req.Exclude, ep)
			} else if d.health.wide(ep, now, d.oldest(ep)) && len(req.Wide) < maxWide {
				req.Wide = append(req.Wide, ep)
			}
		}
		for ep := range d.health.eps {
			if _, busy := d.outs[ep]; busy {
				continue // excluded above when its one slot is taken
			}
			if d.health.single(ep, now) {
				// One attempt allowed: a second delivery would only fail at once.
				req.Single = append(req.Single, ep)
			} else if len(req.Wide) < maxWide && d.health.wide(ep, now, time.Time{}) {
				req.Wide = append(req.Wide, ep)
			}
		}
		d.health.sweep(now)
	}
	opt := orderhub.CompleteOptions{DisableAfter: max(e.cfg.DisableAfter, 0)}
	if e.cfg.Alerter != nil {
		opt.AlertFailingAfter, opt.AlertInterval = e.cfg.AlertFailingAfter, e.cfg.AlertInterval
	}
	at := time.Now()
	go func() {
		// Not cancelled by shutdown: finished attempts must be recorded.
		rep, claimed, err := e.st.CompleteAndClaim(context.Background(), results, opt, req)
		d.written <- written{at: at, end: time.Now(), results: results, limit: limit, borrow: borrow, rep: rep, claimed: claimed, err: err}
	}()
}

// oldest is when the longest-running attempt to ep started (zero: none runs).
func (d *dispatcher) oldest(ep string) time.Time {
	var t time.Time
	for _, r := range d.running[ep] {
		if s := time.Unix(0, r.start.Load()); t.IsZero() || s.Before(t) {
			t = s
		}
	}
	return t
}

func resetTimer(t *time.Timer, d time.Duration) {
	t.Stop()
	select {
	case <-t.C:
	default:
	}
	t.Reset(d)
}

// untilNextDue is how long until the earliest head is due, at most one poll.
func (d *dispatcher) untilNextDue(ctx context.Context) time.Duration {
	e := d.e
	next, ok, err := e.st.NextDeliveryDue(ctx)
	if err != nil || !ok {
		return e.cfg.Poll
	}
	wait := time.Until(next)
	switch {
	case wait <= 0:
		// Due now but not claimed: its endpoint is at its cap (a finishing attempt
		// triggers the next claim), or it became due just after the claim.
		return 50 * time.Millisecond
	case wait > e.cfg.Poll:
		return e.cfg.Poll
	}
	return wait + time.Millisecond
}

// claimed queues newly claimed deliveries (claimed in a write that began at and
// returned at end) and starts what may start.
func (d *dispatcher) claimed(cs []*orderhub.ClaimedDelivery, at, end time.Time) {
	if d.stopping {
		// A claim that finished after shutdown began: nothing is started (the
		// leases expire and the deliveries are claimed again), and nothing is
		// counted, or Run would wait for them forever.
		return
	}
	if len(cs) > 0 {
		d.rr = cs[0].VendorID // the next claim starts with the vendor after it
	}
	now := time.Now()
	// A job's deliveries may start until one Timeout (and some clock slack) before
	// their lease ends. The lease began with the write's transaction (LockedUntil
	// less Lease, by the store's clock), which was between at and end: a write that
	// waited long for the writer does not shorten the time to send.
	slack := d.e.cfg.Lease - d.e.cfg.Timeout - min(time.Second, d.e.cfg.Timeout/10)
	for _, c := range cs {
		began := c.LockedUntil.Add(-d.e.cfg.Lease)
		if began.Before(at) || began.After(end) {
			began = at
		}
		sendBy := began.Add(slack)
		ep := c.EndpointID
		if wait, ok := d.health.blocked(ep, now, d.outs[ep]); ok {
			// Its circuit is open, or half-open with the probe out: not sent.
			d.pending = append(d.pending, d.e.shortCircuit(c, wait))
			d.pending = append(d.pending, released(c.Next)...)
			continue
		}
		d.queued[c.EndpointID] = append(d.queued[c.EndpointID], job{c: c, sendBy: sendBy})
		d.outs[c.EndpointID]++
		d.vendorOuts[c.VendorID]++
		d.total++
	}
	d.e.m.inFlight.Set(float64(d.total))
	for ep := range d.queued {
		d.start(ep)
	}
}

// circuitOpenError is the error recorded for an attempt not made because its
// endpoint's circuit was open.
const circuitOpenError = "not sent: the endpoint's circuit is open after failing attempts in a row"

// shortCircuit fails a delivery at once, without a request, because its endpoint's
// circuit is open: an attempt like any failed one (it follows the retry schedule),
// retried no sooner than wait (when the next probe may go).
func (e *Engine) shortCircuit(c *orderhub.ClaimedDelivery, wait time.Duration) *orderhub.AttemptResult {
	e.m.shortCircuits.Inc()
	r := &orderhub.AttemptResult{Claim: c, StartedAt: e.cfg.Clock(), Error: circuitOpenError}
	if n := c.Attempts + 1; n >= len(e.cfg.Schedule) {
		r.Outcome = orderhub.OutcomeDead
	} else {
		r.Outcome = orderhub.OutcomeRetry
		r.RetryIn = max(e.retryDelay(n, 0), wait)
	}
	return r
}

// released hands back deliveries claimed behind a head and not sent.
func released(cs []*orderhub.ClaimedDelivery) []*orderhub.AttemptResult {
	out := make([]*orderhub.AttemptResult, len(cs))
	for i, c := range cs {
		out[i] = &orderhub.AttemptResult{Claim: c, Outcome: orderhub.OutcomeReleased}
	}
	return out
}

// attemptJob sends a job's head, then each delivery behind it while the one before
// was delivered and there is time left in the lease; the rest is released. The
// results are in seq order, which the completion relies on.
func (e *Engine) attemptJob(ctx context.Context, stop <-chan struct{}, j job, start *atomic.Int64) []*orderhub.AttemptResult {
	if time.Now().After(j.sendBy) {
		// It waited in the queue too long: its lease might end during the attempt.
		return released(append([]*orderhub.ClaimedDelivery{j.c}, j.c.Next...))
	}
	out := make([]*orderhub.AttemptResult, 0, 1+len(j.c.Next))
	out = append(out, e.attempt(ctx, j.c))
	for i, c := range j.c.Next {
		if out[len(out)-1].Outcome != orderhub.OutcomeDelivered || time.Now().After(j.sendBy) || shuttingDown(stop) {
			return append(out, released(j.c.Next[i:])...)
		}
		start.Store(time.Now().UnixNano())
		out = append(out, e.attempt(ctx, c))
	}
	return out
}

// shuttingDown reports whether shutdown began (stop is Run's ctx.Done()): a job then
// starts no further delivery, like the dispatcher starts no queued job.
func shuttingDown(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// start sends the endpoint's queued deliveries while it has free slots.
func (d *dispatcher) start(ep string) {
	q := d.queued[ep]
	now := time.Now()
	for len(q) > 0 && d.inflight[ep] < d.health.slots(ep, now, d.oldest(ep)) {
		j := q[0]
		q[0] = job{}
		q = q[1:]
		d.inflight[ep]++
		start := new(atomic.Int64)
		start.Store(now.UnixNano())
		d.running[ep] = append(d.running[ep], run{id: j.c.ID, start: start})
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.results <- d.e.attemptJob(d.ctx, d.stop, j, start)
		}()
	}
	if len(q) == 0 {
		delete(d.queued, ep)
	} else {
		d.queued[ep] = q
	}
}

// finished accounts for a finished job (its head's result first), updates its
// endpoint's health and starts what may start.
func (d *dispatcher) finished(results []*orderhub.AttemptResult) {
	c := results[0].Claim
	ep := c.EndpointID
	d.inflight[ep]--
	if d.inflight[ep] == 0 {
		delete(d.inflight, ep)
	}
	rs := d.running[ep]
	for i := range rs {
		if rs[i].id == c.ID {
			rs = append(rs[:i], rs[i+1:]...)
			break
		}
	}
	if len(rs) == 0 {
		delete(d.running, ep)
	} else {
		d.running[ep] = rs
	}
	d.untrack(c, 1)
	now := time.Now()
	for _, r := range results {
		if r.Outcome == orderhub.OutcomeReleased {
			break
		}
		if until := d.health.record(r, now); !until.IsZero() {
			d.opened(ep, until, now)
		}
	}
	d.e.m.inFlight.Set(float64(d.total))
	if !d.stopping {
		d.start(ep)
	} else if q := d.queued[ep]; len(q) > 0 && d.inflight[ep] == 0 {
		// Shutting down: queued deliveries are not started; their leases expire.
		for _, j := range q {
			d.untrack(j.c, 1)
		}
		delete(d.queued, ep)
	}
}

// untrack takes n deliveries like c out of the in-flight counts.
func (d *dispatcher) untrack(c *orderhub.ClaimedDelivery, n int) {
	if d.outs[c.EndpointID] -= n; d.outs[c.EndpointID] <= 0 {
		delete(d.outs, c.EndpointID)
	}
	if d.vendorOuts[c.VendorID] -= n; d.vendorOuts[c.VendorID] <= 0 {
		delete(d.vendorOuts, c.VendorID)
	}
	d.total -= n
}

// opened handles an endpoint whose circuit just opened: the deliveries queued here
// for it fail at once.
func (d *dispatcher) opened(ep string, until, now time.Time) {
	d.e.m.circuitOpens.Inc()
	d.e.log.Warn("endpoint circuit open: deliveries fail at once until the probe", "endpoint", ep, "until", until)
	for _, j := range d.queued[ep] {
		d.pending = append(d.pending, d.e.shortCircuit(j.c, until.Sub(now)))
		d.pending = append(d.pending, released(j.c.Next)...)
		d.untrack(j.c, 1)
	}
	delete(d.queued, ep)
}

// report updates metrics and logs from a recorded batch of attempts.
func (e *Engine) report(batch []*orderhub.AttemptResult, rep orderhub.CompleteReport) {
	e.m.lostLeases.Add(float64(rep.Stale))
	for _, r := range batch {
		c := r.Claim
		if r.Outcome == orderhub.OutcomeReleased {
			continue // not an attempt
		}
		e.m.outcomes.WithLabelValues(r.Outcome.String()).Inc()
		switch r.Outcome {
		case orderhub.OutcomeDelivered:
			if e.streak[c.EndpointID] != 0 {
				delete(e.streak, c.EndpointID)
			}
		case orderhub.OutcomeRetry, orderhub.OutcomeDead:
			if r.Error == circuitOpenError {
				continue // counted in orderhub_delivery_short_circuited_total
			}
			e.streak[c.EndpointID]++
			e.log.Info("delivery attempt failed", "delivery", c.ID, "endpoint", c.EndpointID, "event", c.EventID,
				"attempt", c.Attempts+1, "status", r.StatusCode, "error", r.Error, "outcome", r.Outcome.String(), "retry_in", r.RetryIn)
		}
	}
	for _, id := range rep.Deleted {
		delete(e.streak, id)
		e.m.endpointsOff.WithLabelValues("gone").Inc()
		e.log.Warn("endpoint deleted: the receiver answered 410 Gone", "endpoint", id)
	}
	for _, id := range rep.Disabled {
		delete(e.streak, id)
		e.m.endpointsOff.WithLabelValues("disabled").Inc()
		e.log.Warn("endpoint disabled after failing too long", "endpoint", id, "after", e.cfg.DisableAfter)
	}
	for _, a := range rep.Alerts {
		e.log.Warn("operational alert", "alert", a.Kind, "vendor", a.VendorID, "endpoint", a.EndpointID, "reason", a.Reason)
		e.cfg.Alerter.Alert(a)
	}
	// One series whatever the number of endpoints (no per-endpoint labels: vendors
	// create endpoints, so their ids would make the cardinality unbounded).
	e.m.failing.Set(float64(len(e.streak)))
}

// statsLoop refreshes the queue gauges.
func (e *Engine) statsLoop(ctx context.Context) {
	t := time.NewTicker(max(e.cfg.Poll, 5*time.Second))
	defer t.Stop()
	for {
		if s, err := e.st.DeliveryQueueStats(ctx); err == nil {
			e.m.queueDepth.Set(float64(s.Active))
			age := 0.0
			if s.OldestPending != nil {
				age = max(0, e.cfg.Clock().Sub(*s.OldestPending).Seconds())
			}
			e.m.oldestAge.Set(age)
		} else if ctx.Err() == nil {
			e.log.Error("reading delivery queue stats failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Alerter takes the operational alerts of recorded attempts. Alert must not block
// for long: it runs on the dispatcher (package alert queues and sends them).
type Alerter interface {
	Alert(orderhub.Alert)
}
