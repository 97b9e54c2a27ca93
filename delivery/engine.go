// Package delivery sends orderhub's outbox to its subscribers: it claims due
// deliveries from the store in batches, signs them (Standard Webhooks), POSTs them
// with a bounded worker pool and a per-endpoint concurrency cap, and records every
// attempt in batched completions.
//
// Guarantees (with the store's queue rules, see sqlstore/delivery.go):
//   - at least once: a claim is a lease; when a process dies its leases expire and
//     the deliveries are claimed again after a restart;
//   - in order per (endpoint, ordering key): only the head of a key's queue is ever
//     claimed, so the next event of a key is sent after the previous one finished
//     (delivered, or dead: a dead delivery no longer blocks, as in Svix);
//   - no head-of-line blocking: a failing key waits for its retry alone, and an
//     endpoint at its concurrency cap is skipped by claims, so others proceed.
//
// A commit that wrote events wakes the dispatcher at once (DB.OnCommit); a slow poll
// catches other processes' writes, and a timer set to the next due retry fires
// retries on time.
package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/sqlstore"
)

// Store is what the engine needs from the database (implemented by *sqlstore.DB).
type Store interface {
	OnCommit(func())
	ClaimDeliveries(ctx context.Context, r sqlstore.ClaimRequest) ([]*sqlstore.ClaimedDelivery, error)
	CompleteDeliveries(ctx context.Context, rs []*sqlstore.AttemptResult, opt sqlstore.CompleteOptions) (sqlstore.CompleteReport, error)
	NextDeliveryDue(ctx context.Context) (time.Time, bool, error)
	DeliveryQueueStats(ctx context.Context) (sqlstore.DeliveryStats, error)
}

// DefaultSchedule is Svix's: the first attempt at once, then retries after 5 s, 5 min,
// 30 min, 2 h, 5 h, 10 h and 10 h; after the eighth failed attempt a delivery is dead.
var DefaultSchedule = []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Config tunes an Engine. Zero fields take the defaults.
type Config struct {
	// Workers bounds the attempts in flight in this process (default 64).
	Workers int
	// PerEndpoint bounds the attempts in flight to one endpoint (default 16).
	PerEndpoint int
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
	// Lease is how long a claim holds before the delivery is due again (default
	// 3 × Timeout: an attempt may wait behind its endpoint's cap for one Timeout, then
	// take one more).
	Lease time.Duration
	// AllowPrivateTargets lets endpoints reach loopback, private and link-local
	// addresses (tests, the demo, trusted networks).
	AllowPrivateTargets bool
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
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 64
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
	if c.Lease < c.Timeout+time.Second {
		c.Lease = 3 * c.Timeout
	}
	if c.UserAgent == "" {
		c.UserAgent = "orderhub-webhooks/1"
	}
	if c.Owner == "" {
		host, _ := os.Hostname()
		c.Owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), strings.TrimPrefix(orderhub.NewID("w"), "w_")[:8])
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

	streak map[string]int // consecutive failures per endpoint; owned by the completer
}

// New returns an engine over st. It registers its wake-up on st's commits.
func New(st Store, cfg Config) *Engine {
	cfg.defaults()
	e := &Engine{st: st, cfg: cfg, log: cfg.Logger, m: newMetrics(cfg.Registry), wake: make(chan struct{}, 1), streak: map[string]int{}}
	tr := cfg.Transport
	if tr == nil {
		d := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
		if !cfg.AllowPrivateTargets {
			d.Control = dialControl
		}
		tr = &http.Transport{
			Proxy:                 nil, // a proxy would connect on our behalf, past the guard
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          cfg.Workers * 2,
			MaxIdleConnsPerHost:   cfg.PerEndpoint,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   cfg.Timeout,
			ExpectContinueTimeout: time.Second,
		}
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

type dispatcher struct {
	e        *Engine
	queued   map[string][]*sqlstore.ClaimedDelivery // per endpoint, waiting for its cap
	inflight map[string]int                         // per endpoint, sending
	outs     map[string]int                         // per endpoint, queued + sending
	total    int                                    // claimed and not finished in this process
	done     chan string                            // a worker finished (its endpoint id)
	results  chan *sqlstore.AttemptResult
	wg       sync.WaitGroup
	ctx      context.Context // of the attempts: not cancelled by shutdown
	stopping context.Context // Run's: once done, queued deliveries are not started
}

// Run delivers until ctx is cancelled. It then stops claiming, lets the attempts in
// flight finish (each within Timeout) and records them; claimed deliveries not yet
// started keep their lease and are sent again after it expires.
func (e *Engine) Run(ctx context.Context) error {
	d := &dispatcher{
		e: e, queued: map[string][]*sqlstore.ClaimedDelivery{}, inflight: map[string]int{}, outs: map[string]int{},
		done: make(chan string, e.cfg.Workers), results: make(chan *sqlstore.AttemptResult, e.cfg.Workers),
		ctx: context.WithoutCancel(ctx), stopping: ctx,
	}
	completerDone := make(chan struct{})
	go func() {
		defer close(completerDone)
		e.complete(d.results)
	}()
	statsCtx, stopStats := context.WithCancel(context.Background())
	statsDone := make(chan struct{})
	go func() {
		defer close(statsDone)
		e.statsLoop(statsCtx)
	}()

	d.loop(ctx)

	d.wg.Wait()
	close(d.results)
	<-completerDone
	stopStats()
	<-statsDone
	e.m.inFlight.Set(0)
	return nil
}

func (d *dispatcher) loop(ctx context.Context) {
	e := d.e
	minBatch := max(1, e.cfg.Workers/8)
	timer := time.NewTimer(0)
	defer timer.Stop()
	need := true  // a claim may find something
	full := false // the last claim was full: more is due
	for {
		free := e.cfg.Workers - d.total
		if need && free > 0 && (free >= minBatch || d.total < minBatch) {
			need = false
			n, err := d.claim(ctx, free)
			switch {
			case err != nil:
				if ctx.Err() != nil {
					return
				}
				e.log.Error("claiming deliveries failed", "err", err)
				resetTimer(timer, e.cfg.Poll)
			case n == free:
				full = true
			default:
				full = false
				resetTimer(timer, d.untilNextDue(ctx))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
			need = true
		case <-timer.C:
			need = true
			timer.Reset(e.cfg.Poll)
		case ep := <-d.done:
			if d.finished(ep) || full {
				need = true
			}
		}
	}
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

// claim leases up to limit deliveries, skipping endpoints at their cap, and starts
// what may start.
func (d *dispatcher) claim(ctx context.Context, limit int) (int, error) {
	e := d.e
	var exclude []string
	for ep, n := range d.outs {
		if n >= e.cfg.PerEndpoint {
			exclude = append(exclude, ep)
		}
	}
	cs, err := e.st.ClaimDeliveries(ctx, sqlstore.ClaimRequest{
		Owner: e.cfg.Owner, Limit: limit, PerEndpoint: e.cfg.PerEndpoint, Lease: e.cfg.Lease, Exclude: exclude,
	})
	if err != nil {
		return 0, err
	}
	for _, c := range cs {
		d.queued[c.EndpointID] = append(d.queued[c.EndpointID], c)
		d.outs[c.EndpointID]++
		d.total++
	}
	e.m.inFlight.Set(float64(d.total))
	for ep := range d.queued {
		d.start(ep)
	}
	return len(cs), nil
}

// start sends the endpoint's queued deliveries while it is under its cap.
func (d *dispatcher) start(ep string) {
	q := d.queued[ep]
	for len(q) > 0 && d.inflight[ep] < d.e.cfg.PerEndpoint {
		c := q[0]
		q[0] = nil
		q = q[1:]
		d.inflight[ep]++
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			r := d.e.attempt(d.ctx, c)
			d.results <- r
			d.done <- c.EndpointID
		}()
	}
	if len(q) == 0 {
		delete(d.queued, ep)
	} else {
		d.queued[ep] = q
	}
}

// finished accounts for a finished attempt and reports whether its endpoint just
// dropped below its cap (so claims may include it again).
func (d *dispatcher) finished(ep string) bool {
	d.inflight[ep]--
	if d.inflight[ep] == 0 {
		delete(d.inflight, ep)
	}
	wasCapped := d.outs[ep] >= d.e.cfg.PerEndpoint
	d.outs[ep]--
	if d.outs[ep] == 0 {
		delete(d.outs, ep)
	}
	d.total--
	d.e.m.inFlight.Set(float64(d.total))
	if d.stopping.Err() == nil {
		d.start(ep)
	}
	return wasCapped && d.outs[ep] < d.e.cfg.PerEndpoint
}

// complete records finished attempts in batches: whatever has arrived while the
// previous batch was being written goes into the next transaction.
func (e *Engine) complete(results <-chan *sqlstore.AttemptResult) {
	const maxBatch = 512
	batch := make([]*sqlstore.AttemptResult, 0, maxBatch)
	for r := range results {
		batch = append(batch[:0], r)
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-results:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		e.completeBatch(batch)
	}
}

func (e *Engine) completeBatch(batch []*sqlstore.AttemptResult) {
	opt := sqlstore.CompleteOptions{DisableAfter: max(e.cfg.DisableAfter, 0)}
	var rep sqlstore.CompleteReport
	var err error
	for try := 0; try < 3; try++ {
		// Completions must be written even while shutting down.
		rep, err = e.st.CompleteDeliveries(context.Background(), batch, opt)
		if err == nil {
			break
		}
		e.log.Error("recording delivery attempts failed", "err", err, "attempts", len(batch), "try", try+1)
		time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
	}
	if err != nil {
		// The leases will expire and the deliveries be sent again: at least once.
		return
	}
	e.m.lostLeases.Add(float64(rep.Stale))
	for _, r := range batch {
		c := r.Claim
		e.m.outcomes.WithLabelValues(r.Outcome.String()).Inc()
		switch r.Outcome {
		case sqlstore.OutcomeDelivered:
			if e.streak[c.EndpointID] != 0 {
				delete(e.streak, c.EndpointID)
				e.m.failureStreak.WithLabelValues(c.EndpointID).Set(0)
			}
		case sqlstore.OutcomeRetry, sqlstore.OutcomeDead:
			e.streak[c.EndpointID]++
			e.m.failureStreak.WithLabelValues(c.EndpointID).Set(float64(e.streak[c.EndpointID]))
			e.log.Info("delivery attempt failed", "delivery", c.ID, "endpoint", c.EndpointID, "event", c.EventID,
				"attempt", c.Attempts+1, "status", r.StatusCode, "error", r.Error, "outcome", r.Outcome.String(), "retry_in", r.RetryIn)
		}
	}
	for _, id := range rep.Deleted {
		delete(e.streak, id)
		e.m.failureStreak.DeleteLabelValues(id)
		e.m.endpointsOff.WithLabelValues("gone").Inc()
		e.log.Warn("endpoint deleted: the receiver answered 410 Gone", "endpoint", id)
	}
	for _, id := range rep.Disabled {
		delete(e.streak, id)
		e.m.failureStreak.DeleteLabelValues(id)
		e.m.endpointsOff.WithLabelValues("disabled").Inc()
		e.log.Warn("endpoint disabled after failing too long", "endpoint", id, "after", e.cfg.DisableAfter)
	}
	// Finished heads let the next deliveries of their keys become due.
	e.Wake()
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
