package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"orderhub"
)

// Bounded fan-out.
//
// An event becomes one delivery per subscribed endpoint. Writing those in the
// request's own transaction makes the request's cost — and, since every write goes
// through the one writer, everyone's latency — grow with the number of endpoints a
// vendor has: 3,000 Zapier channels turned each event into 3,000 rows written while
// every other vendor's requests waited (issue 14). So:
//
//   - A request fans an event out inline only while its vendor is level (every
//     earlier event of the vendor has its deliveries) and has at most InlineFanout
//     live endpoints (default 16): at most that many rows per event, read and
//     written, whatever the vendor has. This is the common case and costs nothing
//     new: the deliveries commit with the event, as before.
//   - Otherwise the request writes the event alone (the outbox row) and leaves the
//     vendor behind: vendors.fanout_seq stays below vendors.event_seq. Every later
//     event of that vendor waits too, so a vendor's events are always expanded in
//     seq order and each (endpoint, ordering key) queue gets its deliveries in seq
//     order — the head rule (insertDelivery) stays what it was.
//   - The fan-out expander (one goroutine per process, woken right after a commit
//     that left an event waiting, and every second for other processes' events)
//     expands the backlog in write requests of at most FanoutBatch rows (events and
//     endpoints read, deliveries written) for one vendor at a time, the vendors with
//     a backlog taking turns. Each step goes through the writer like any request and
//     shares a group commit with whatever else is waiting, so a huge fan-out holds
//     the writer for one small step at a time and everyone else's requests go in
//     between. Its progress (vendors.fanout_seq, and fanout_after: the endpoint id
//     reached inside the next event) is written in the same transaction as the
//     deliveries: a crash loses nothing and repeats nothing, and with several
//     processes on PostgreSQL the writer lock makes the steps take turns, each
//     starting where the last committed one stopped. (Deliveries are also unique per
//     (endpoint, seq), and the expander's inserts skip an existing one.)
//   - An endpoint receives the events appended after it was created or last enabled
//     (endpoints.from_seq, the vendor's event seq at that moment), the same as when
//     every event was fanned out at once. An endpoint that is disabled or deleted by
//     the time the expander reaches an event gets no delivery for it (before, it got
//     one that went dead or was canceled at once); ReplaySince still finds the event.
//   - Events written with their one delivery (a forwarded SALESmanago request, a
//     test event) are never expanded.

// fanoutPoll is how often the expander looks for work it was not woken for (events
// another process appended, work left by a crash).
const fanoutPoll = time.Second

// liveEndpointsSQL lists a vendor's live endpoints for inline fan-out, at most $2.
const liveEndpointsSQL = `SELECT id, event_types FROM endpoints WHERE vendor_id = $1 AND enabled = 1 AND deleted_at IS NULL ORDER BY id LIMIT $2`

// fanPos is a vendor's fan-out progress: every event with a seq up to seq has its
// deliveries, and event seq+1 has them for the endpoints with ids up to after.
type fanPos struct {
	seq   int64
	after string
}

func (tx fanout) setFanBase(vendorID string, f fanPos) {
	if tx.fanBase == nil {
		tx.fanBase = map[string]fanPos{}
	}
	tx.fanBase[vendorID] = f
}

// fanAt is the vendor's progress as this transaction sees it (the vendor's row must
// have been read: currentSeq).
func (tx fanout) fanAt(vendorID string) fanPos {
	if f, ok := tx.fan[vendorID]; ok {
		return f
	}
	return tx.fanBase[vendorID]
}

func (tx fanout) setFan(vendorID string, f fanPos) {
	if tx.fan == nil {
		tx.fan = map[string]fanPos{}
	}
	tx.fan[vendorID] = f
}

// level reports whether every event of the vendor before seq has its deliveries.
func (tx fanout) level(vendorID string, seq int64) bool {
	f := tx.fanAt(vendorID)
	return f.after == "" && f.seq == seq-1
}

// fanOut runs in the transaction of every appended event: while the vendor is level
// and has few endpoints, one delivery per enabled endpoint whose filter matches;
// otherwise nothing — the expander will do it.
func fanOut(tx *Tx, ev *orderhub.Event) error {
	k := tx.w.db.inlineFanout
	if k >= 0 && (fanout{tx}).level(ev.VendorID, ev.Seq) {
		eps, err := fanout{tx}.liveEndpoints(ev.VendorID)
		if err != nil {
			return err
		}
		if len(eps) <= k {
			made := 0
			for _, ep := range eps {
				if !typeMatches(ep.types, ev.Type) {
					continue
				}
				if err := (queue{tx}).insertDelivery(ep.id, ev.VendorID, ev.ID, ev.Type, ev.OrderingKey, ev.Seq); err != nil {
					return err
				}
				made++
			}
			fanout{tx}.setFan(ev.VendorID, fanPos{seq: ev.Seq})
			if made == 0 {
				tx.quiet++
			}
			return nil
		}
	}
	tx.deferred = true
	return nil
}

// directed records an event appended with its one delivery written by the caller
// (a forwarded SALESmanago request, a test event): there is nothing to expand.
func (tx fanout) directed(vendorID string, seq int64) {
	if tx.level(vendorID, seq) {
		tx.setFan(vendorID, fanPos{seq: seq})
		return
	}
	tx.deferred = true // the expander steps over it
}

// skipsFanout reports whether events of a type are never expanded (directed).
func skipsFanout(typ string) bool { return directedEvent(typ) || typ == orderhub.EventEndpointTest }

// ---- the expander ----

// ExpandFanout runs one step of the fan-out expander: one write request that
// expands at most FanoutBatch rows of one vendor's backlog, the vendors with a
// backlog taking turns. It reports whether it found work. The expander goroutine
// runs such steps (sized by their cost, fanStepTarget, and within each vendor's
// share of the writer, fanVendorRest); so may tests (Options.NoFanoutExpander).
func (sub Deliveries) ExpandFanout(ctx context.Context) (bool, error) {
	db := sub.db
	st, err := db.expandStep(ctx, db.fanBatch, false)
	return st.worked, err
}

// fanStep is the outcome of one expander step.
type fanStep struct {
	worked     bool          // a vendor's backlog was expanded
	took, work time.Duration // how long the step held the writer; its statements alone (without the COMMIT)
	// rest: no step ran because every vendor with a backlog has used its share;
	// the first may go on after rest.
	rest time.Duration
}

// expandStep runs one expander step of at most budget rows as a background write
// request (writer.go: it never delays a waiting foreground request and runs in a
// transaction of its own). With shares, a vendor that has just had a step rests
// (fanVendorRest) while others may go.
func (db *DB) expandStep(ctx context.Context, budget int, shares bool) (fanStep, error) {
	db.fanMu.Lock()
	defer db.fanMu.Unlock()
	var rest map[string]time.Time
	if shares {
		now := time.Now()
		for v, until := range db.fanRest {
			if !until.After(now) {
				delete(db.fanRest, v)
			}
		}
		rest = db.fanRest
	}
	var vendor string
	var inserted int
	var wait time.Duration
	took, commit, err := db.w.background(ctx, func(tx *Tx) error {
		vendor, inserted, wait = "", 0, 0
		v, w, err := fanout{tx}.nextBacklog(db.fanLast, rest)
		if err != nil || v == "" {
			wait = w
			return err
		}
		vendor = v
		if inserted, err = (fanout{tx}).expand(v, budget); err != nil {
			return err
		}
		// Run the queued statements now (PostgreSQL pipelines them), so that the
		// COMMIT's time is the commit's alone and the step's work can be measured
		// apart from it.
		return tx.w.d.flush(tx)
	})
	db.fanWriter.Add(int64(took))
	if err != nil {
		return fanStep{took: took, work: took}, err
	}
	st := fanStep{worked: vendor != "", took: took, work: took - commit, rest: wait}
	if vendor != "" {
		db.fanLast = vendor
		if shares {
			if db.fanRest == nil {
				db.fanRest = map[string]time.Time{}
			}
			db.fanRest[vendor] = time.Now().Add(fanVendorRest * st.work)
		}
	}
	db.fanExpanded.Add(int64(inserted))
	return st, nil
}

// fanVendorRest: after a step for a vendor, the expander leaves that vendor alone
// for this many times as long as the step's statements took, so that one vendor's
// fan-out statements take at most 1/(1+fanVendorRest) of the writer's time — a
// quarter — while other vendors' backlogs may use the rest of the expander's half
// (the expander pauses as long as each step's statements took: at most half of the
// writer for all of them together). Commits are not counted: a step's COMMIT costs
// the same whatever its size, and counting it would slow small steps (a small
// --fanout-batch, a loaded disk) to a crawl for nothing.
const fanVendorRest = 3

// fanStepTarget is how long an expander step's statements should hold the writer
// (its COMMIT aside, which costs the same whatever the step's size): a foreground
// request that arrives while a step runs waits for it. The expander sizes its steps
// by their measured cost (between fanMinBatch and FanoutBatch rows) to stay near it.
const fanStepTarget = 5 * time.Millisecond

// fanMinBatch is the smallest step the expander sizes down to.
const fanMinBatch = 16

// nextFanBudget sizes the next step from the last one, whose budget rows took work.
func nextFanBudget(budget int, work time.Duration, maxBatch int) int {
	switch {
	case work > fanStepTarget:
		budget = int(float64(budget) * float64(fanStepTarget) / float64(work))
	case work < fanStepTarget/2:
		budget *= 2
	}
	return max(min(budget, maxBatch), min(fanMinBatch, maxBatch))
}

// FanoutExpanded counts the deliveries this process's expander wrote (metrics).
func (sub Deliveries) FanoutExpanded() int64 {
	db := sub.db
	return db.fanExpanded.Load()
}

// FanoutWriterTime is how long this process's expander steps held the writer
// (metrics).
func (sub Deliveries) FanoutWriterTime() time.Duration {
	db := sub.db
	return time.Duration(db.fanWriter.Load())
}

// nextBacklog returns the first vendor with a backlog after the one served last
// (wrapping around) that is not resting, or "" and how long until the first
// resting one may go on (0: no vendor has a backlog).
func (tx fanout) nextBacklog(after string, rest map[string]time.Time) (string, time.Duration, error) {
	if len(rest) == 0 {
		for {
			var id string
			err := tx.queryRow(`SELECT id FROM vendors WHERE fanout_seq < event_seq AND id > $1 ORDER BY id LIMIT 1`, after).Scan(&id)
			switch {
			case err == nil:
				return id, 0, nil
			case !errors.Is(err, sql.ErrNoRows):
				return "", 0, err
			case after == "":
				return "", 0, nil
			}
			after = ""
		}
	}
	// Some vendors rest: list every vendor with a backlog (vendors, not events:
	// few rows) and take the first in turn that does not.
	rows, err := tx.query(`SELECT id FROM vendors WHERE fanout_seq < event_seq ORDER BY id`)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	var first, next string
	var wait time.Duration
	now := time.Now()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", 0, err
		}
		if until, ok := rest[id]; ok && until.After(now) {
			if d := until.Sub(now); wait == 0 || d < wait {
				wait = d
			}
			continue
		}
		if first == "" {
			first = id
		}
		if next == "" && id > after {
			next = id
		}
	}
	if err := rows.Err(); err != nil {
		return "", 0, err
	}
	switch {
	case next != "":
		return next, 0, nil
	case first != "":
		return first, 0, nil
	}
	return "", wait, nil
}

type fanEndpoint struct {
	id, types string
	from      int64
}

// expand expands the vendor's backlog in seq order, reading and writing at most
// budget rows, and records how far it got.
func (tx fanout) expand(vendorID string, budget int) (inserted int, err error) {
	cur, err := tx.currentSeq(vendorID)
	if err != nil {
		return 0, err
	}
	f := tx.fanAt(vendorID)
	// On PostgreSQL the step's deliveries go in one INSERT … SELECT FROM unnest(…)
	// (one statement instead of one per row); SQLite, in process, inserts row by row.
	ins := tx.w.d.deliveryInserter(tx.Tx, vendorID)
	add := func(endpointID string, ev *orderhub.Event) error {
		inserted++
		return ins.add(endpointID, ev)
	}
	used := 0
	walk := func() error {
		for used < budget && f.seq < cur {
			evs, err := tx.backlog(vendorID, f.seq, min(budget-used, 64))
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				// Cannot happen: the events up to the vendor's seq exist. Do not spin.
				tx.w.db.log.Error("fan-out: events missing; skipping to the vendor's seq", "vendor", vendorID, "from", f.seq, "to", cur)
				f = fanPos{seq: cur}
				return nil
			}
			for _, ev := range evs {
				if used >= budget {
					return nil
				}
				used++
				if skipsFanout(ev.Type) {
					f = fanPos{seq: ev.Seq}
					continue
				}
				for {
					n := max(budget-used, 1)
					eps, err := tx.endpointChunk(vendorID, f.after, n)
					if err != nil {
						return err
					}
					used += len(eps)
					for _, ep := range eps {
						if ep.from >= ev.Seq || !typeMatches(ep.types, ev.Type) {
							continue
						}
						if err := add(ep.id, ev); err != nil {
							return err
						}
					}
					if len(eps) < n {
						f = fanPos{seq: ev.Seq}
						break
					}
					f = fanPos{seq: ev.Seq - 1, after: eps[len(eps)-1].id}
					if used >= budget {
						return nil
					}
				}
			}
		}
		return nil
	}
	err = walk()
	if err == nil {
		err = ins.done()
	}
	tx.setFan(vendorID, f)
	if inserted > 0 {
		tx.events++ // wakes the delivery engine after the commit
	}
	return inserted, err
}

// rowInserter inserts a step's deliveries one statement per row (SQLite).
type rowInserter struct {
	tx       *Tx
	vendorID string
}

func (r rowInserter) add(endpointID string, ev *orderhub.Event) error {
	tx := r.tx
	_, err := tx.exec(expandDeliverySQL, sortableID("dlv", tx.now), r.vendorID, endpointID, ev.ID, ev.Type, ev.OrderingKey, ev.Seq, micros(tx.now))
	return err
}

func (rowInserter) done() error { return nil }

// expandBulk collects a step's deliveries on PostgreSQL, column by column, and
// inserts them with one statement.
type expandBulk struct {
	tx                            *Tx
	vendorID                      string
	id, endpoint, event, typ, key []string
	seq                           []int64
	first                         []int32
	heads                         map[string]bool // queues that got a delivery in this step
}

func (b *expandBulk) done() error {
	if len(b.id) == 0 {
		return nil
	}
	return queue{b.tx}.plannedNow(func() error { // the head look-up as bulkDeliveriesSQL's
		_, err := b.tx.exec(expandBulkSQL, b.id, b.vendorID, micros(b.tx.now), b.endpoint, b.event, b.typ, b.key, b.seq, b.first)
		return err
	})
}

func (b *expandBulk) add(endpointID string, ev *orderhub.Event) error {
	id := sortableID("dlv", b.tx.now)
	first := int32(1)
	if ev.OrderingKey != "" {
		q := endpointID + "\x00" + ev.OrderingKey
		if b.heads[q] {
			first = 0
		}
		b.heads[q] = true
	}
	b.id = append(b.id, id)
	b.endpoint = append(b.endpoint, endpointID)
	b.event = append(b.event, ev.ID)
	b.typ = append(b.typ, ev.Type)
	b.key = append(b.key, ev.OrderingKey)
	b.seq = append(b.seq, ev.Seq)
	b.first = append(b.first, first)
	return nil
}

// expandBulkSQL is expandDeliverySQL for a whole step on PostgreSQL. A delivery that
// is not the first of its queue in the step is not a head; the first one is the head
// when the queue has no active delivery before this statement (as bulkDeliveriesSQL).
const expandBulkSQL = `INSERT INTO deliveries (` + deliveryInsertColumns + `)
	SELECT d.id, $2, d.endpoint_id, d.event_id, d.event_type, d.key, d.seq, 'pending',
		CASE WHEN d.key = '' THEN 1 WHEN d.first = 0 THEN 0
			WHEN (SELECT 1 FROM deliveries x WHERE x.endpoint_id = d.endpoint_id AND x.ordering_key = d.key AND x.status IN ('pending', 'failed') LIMIT 1) IS NULL THEN 1
			ELSE 0 END,
		$3, $3, $3
	FROM unnest($1::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::int[])
		WITH ORDINALITY AS d(id, endpoint_id, event_id, event_type, key, seq, first, ord)
	ORDER BY d.ord
	ON CONFLICT (endpoint_id, seq) DO NOTHING`

// expandDeliverySQL is insertDelivery's statement for the expander; a delivery that
// exists already (ReplaySince may have queued it) is left alone.
const expandDeliverySQL = `INSERT INTO deliveries (` + deliveryInsertColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending',
		CASE WHEN $6 = '' OR NOT EXISTS (SELECT 1 FROM deliveries WHERE endpoint_id = $3 AND ordering_key = $6 AND status IN ('pending', 'failed')) THEN 1 ELSE 0 END,
		$8, $8, $8)
	ON CONFLICT (endpoint_id, seq) DO NOTHING`

// backlog returns up to n events of the vendor after seq, in seq order.
func (tx fanout) backlog(vendorID string, seq int64, n int) ([]*orderhub.Event, error) {
	rows, err := tx.query(`SELECT id, type, ordering_key, seq FROM events WHERE vendor_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, vendorID, seq, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*orderhub.Event
	for rows.Next() {
		ev := &orderhub.Event{VendorID: vendorID}
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.OrderingKey, &ev.Seq); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// endpointChunk returns up to n live endpoints of the vendor with ids after after.
func (tx fanout) endpointChunk(vendorID, after string, n int) ([]fanEndpoint, error) {
	rows, err := tx.query(`SELECT id, event_types, from_seq FROM endpoints WHERE vendor_id = $1 AND deleted_at IS NULL AND id > $2 AND enabled = 1
		ORDER BY id LIMIT $3`, vendorID, after, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fanEndpoint
	for rows.Next() {
		var e fanEndpoint
		if err := rows.Scan(&e.id, &e.types, &e.from); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// FanoutBacklog returns how many events wait for the expander (all vendors).
func (sub Deliveries) FanoutBacklog(ctx context.Context) (int64, error) {
	db := sub.db
	var n int64
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(SUM(event_seq - fanout_seq), 0) FROM vendors WHERE fanout_seq < event_seq`).Scan(&n)
	return n, err
}

// wakeFanout tells the expander that an event is waiting. It never blocks.
func (db *DB) wakeFanout() {
	select {
	case db.fanWake <- struct{}{}:
	default:
	}
}

// startFanout starts the expander goroutine.
func (db *DB) startFanout() {
	db.fanWake = make(chan struct{}, 1)
	db.fanQuit, db.fanDone = make(chan struct{}), make(chan struct{})
	go db.fanoutLoop()
}

// stopFanout stops the expander (before the writer: its step in flight finishes).
func (db *DB) stopFanout() {
	if db.fanQuit == nil {
		return
	}
	select {
	case <-db.fanQuit:
	default:
		close(db.fanQuit)
	}
	<-db.fanDone
}

func (db *DB) fanoutLoop() {
	defer close(db.fanDone)
	ctx := context.Background()
	t := time.NewTimer(0) // at start: work a crash (or another process) left
	defer t.Stop()
	budget := db.fanBatch
	for {
		select {
		case <-db.fanQuit:
			return
		case <-db.fanWake:
		case <-t.C:
			t.Reset(fanoutPoll)
		}
		for {
			select {
			case <-db.fanQuit:
				return
			default:
			}
			if n, err := db.Deliveries().FanoutBacklog(ctx); err != nil || n == 0 {
				break
			}
			st, err := db.expandStep(ctx, budget, true)
			if err != nil {
				db.log.Error("fan-out expander step failed; retrying at the next poll", "err", err)
				break
			}
			pause := st.work
			if !st.worked {
				if st.rest == 0 {
					break
				}
				pause = st.rest // every vendor behind has used its share for now
			} else {
				budget = nextFanBudget(budget, st.work, db.fanBatch)
			}
			// Pace: as long as the step's statements took before the next step, so
			// that the backlogs' statements take at most about half of the writer's
			// time even when no foreground request waits (and each vendor's at most
			// a quarter: fanVendorRest).
			select {
			case <-db.fanQuit:
				return
			case <-time.After(pause):
			}
		}
	}
}

// fanout is a write transaction seen by fan-out: the vendors' fan-out positions,
// their cached targets, and the expander's steps.
type fanout struct{ *Tx }
