package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"orderhub"
)

// ErrClosed is returned for writes after Close.
var ErrClosed = errors.New("sqlstore: database closed")

// errRetry asks the writer to run a request's function once more in a fresh
// savepoint: returned when a concurrent writer (another process) won a race that the
// function's own check could not see.
var errRetry = errors.New("sqlstore: retry")

type writeReq struct {
	fn   func(*Tx) error
	hint *writeHint // what fn will look up (optimistic batches on PostgreSQL), or nil
	// audited: fn records a change in the audit log (wrapChange), once: it must not
	// run again after a rolled-back attempt that recorded it (sqlite_batch.go).
	audited bool
	done    chan error
	// Background requests (fan-out expander steps): when it was queued, and how
	// long its transaction held the writer (set before done is answered).
	queued, started time.Time
	took, commit    time.Duration
}

// writer owns the one write connection. Requests queue on reqs; the loop takes all
// that are waiting (up to max) into one transaction.
//
// Background requests (bg: the fan-out expander's steps, work nobody waits on)
// queue apart and run only while no foreground request waits, each in a
// transaction of its own: a foreground request (an order, a claim) never shares a
// group commit with a background step and never queues behind one that has not
// started; it waits at most for the one step running when it arrived. A background
// request that has waited bgMaxWait runs next anyway, so that a writer busy with
// foreground work every moment still makes progress on it.
type writer struct {
	db    *DB
	d     dialect
	conn  *sql.Conn
	reqs  chan *writeReq
	bg    chan *writeReq
	max   int
	stmts map[string]*sql.Stmt
	quit  chan struct{}
	done  chan struct{}
	// pgBegin is the statement beginning the running batch's transaction on
	// PostgreSQL, with the writer locks it needs; pgRest is set while the rest of
	// a split batch runs (postgres.go).
	pgBegin string
	pgRest  bool
}

// bgMaxWait bounds how long a background request waits for a writer that always
// has foreground work.
const bgMaxWait = time.Second

func newWriter(db *DB, conn *sql.Conn, max int) *writer {
	return &writer{
		db: db, d: db.d, conn: conn, max: max,
		reqs:  make(chan *writeReq, 4*max),
		bg:    make(chan *writeReq, 16),
		stmts: map[string]*sql.Stmt{},
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
}

// do runs fn in a transaction shared with other concurrent requests and returns
// after that transaction committed (nil) or fn's changes were rolled back (fn's
// error, or the commit's).
func (w *writer) do(ctx context.Context, fn func(*Tx) error) error {
	return w.doHinted(ctx, fn, nil)
}

// doHinted is do for a request that names what it will look up (see pgbulk.go).
func (w *writer) doHinted(ctx context.Context, fn func(*Tx) error, hint *writeHint) error {
	_, err := w.submit(ctx, fn, hint, false)
	return err
}

// background runs fn as a background request (see writer) and returns how long its
// transaction held the writer, and how much of that was its COMMIT.
func (w *writer) background(ctx context.Context, fn func(*Tx) error) (took, commit time.Duration, err error) {
	r, err := w.submit(ctx, fn, nil, true)
	if r != nil {
		took, commit = r.took, r.commit
	}
	return took, commit, err
}

// submit queues a request and waits for its outcome; it returns the request once it
// ran.
func (w *writer) submit(ctx context.Context, fn func(*Tx) error, hint *writeHint, bg bool) (*writeReq, error) {
	c := orderhub.ChangeFrom(ctx)
	if c != nil {
		// A change to audit (WithChange), not yet recorded: fn records it in its
		// savepoint (audit.go).
		fn = wrapChange(c, fn)
	}
	r := &writeReq{fn: fn, hint: hint, audited: c != nil, done: make(chan error, 1)}
	q := w.reqs
	if bg {
		q, r.queued = w.bg, time.Now()
	}
	select {
	case q <- r:
	case <-w.quit:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued the request runs; wait for its outcome even if ctx ends, so that the
	// caller never reports failure for a change that committed. A request queued just
	// after the writer drained its queue and stopped never runs: the writer answers
	// every request it ran before it is done, so then it is ErrClosed.
	select {
	case err := <-r.done:
		return r, err
	case <-w.done:
		select {
		case err := <-r.done:
			return r, err
		default:
			return nil, ErrClosed
		}
	}
}

func (w *writer) stop() {
	select {
	case <-w.quit:
	default:
		close(w.quit)
	}
	<-w.done
}

func (w *writer) loop() {
	defer close(w.done)
	defer func() {
		for _, s := range w.stmts {
			s.Close()
		}
		w.conn.Close()
	}()
	batch := make([]*writeReq, 0, w.max)
	var held *writeReq // a background request taken, waiting for the foreground to pause
	for {
		var first *writeReq
		if held == nil {
			// Take a waiting background request now, so that its age counts even
			// while the foreground queue never empties (a backlog deeper than one
			// batch): otherwise it would wait for a pause that may never come.
			select {
			case held = <-w.bg:
			default:
			}
		}
		if held == nil || time.Since(held.queued) < bgMaxWait {
			select {
			case first = <-w.reqs:
			default:
			}
		}
		if first == nil && held == nil {
			select {
			case first = <-w.reqs:
			case held = <-w.bg:
			case <-w.quit:
				// Drain what is queued, then stop.
				for {
					select {
					case r := <-w.reqs:
						w.run(append(batch[:0], r))
					case r := <-w.bg:
						w.runBackground(r)
					default:
						return
					}
				}
			}
			if held != nil {
				// Both may have been ready: the foreground goes first.
				select {
				case first = <-w.reqs:
				default:
				}
			}
		}
		if first != nil {
			w.run(w.fill(append(batch[:0], first)))
			continue
		}
		r := held
		held = nil
		w.runBackground(r)
	}
}

// runBackground runs a background request in a transaction of its own.
func (w *writer) runBackground(r *writeReq) {
	r.started = time.Now()
	w.run([]*writeReq{r})
}

// answer tells r's caller its outcome (and a background request how long it held
// the writer).
func (r *writeReq) answer(err error) {
	if !r.started.IsZero() {
		r.took = time.Since(r.started)
	}
	r.done <- err
}

func (w *writer) run(batch []*writeReq) {
	start := time.Now()
	batch, began, done := w.d.start(w, batch, start)
	if done {
		return
	}
	errs := make([]error, len(batch))
	tx := w.newTx()
	if !began {
		if err := w.beginOrReconnect(); err != nil {
			w.fail(batch, errBegin(err), start)
			return
		}
	}
	single := len(batch) == 1
	for i, r := range batch {
		errs[i] = w.runOne(tx, r.fn, single)
		if single && errs[i] != nil {
			w.rollback()
			if !w.healthy() {
				_ = w.reconnect()
			}
			w.observe(1, start, nil)
			r.answer(errs[i])
			return
		}
	}
	w.finish(tx, batch, errs, start)
}

// finish ends a batch whose requests ran: writes the counted sequences back,
// commits, and answers each request with its outcome (errs) — or all of them with
// the failure to commit.
func (w *writer) finish(tx *Tx, batch []*writeReq, errs []error, start time.Time) {
	err := tx.flushEvents() // (none pending: each request writes its own)
	if err == nil {
		err = outbox{tx}.flushSeqs()
	}
	if err != nil {
		w.rollback()
		w.fail(batch, fmt.Errorf("event sequence: %w", err), start)
		if !w.healthy() {
			_ = w.reconnect()
		}
		return
	}
	commitStart := time.Now()
	if err := w.commit(tx); err != nil {
		w.rollback()
		w.fail(batch, fmt.Errorf("commit: %w", err), start)
		if !w.healthy() {
			_ = w.reconnect()
		}
		return
	}
	if !batch[0].started.IsZero() {
		batch[0].commit = time.Since(commitStart)
	}
	w.db.wakeCheckpointer()
	if tx.wakesDelivery() {
		w.db.committed()
	}
	if tx.deferred {
		w.db.wakeFanout()
	}
	// Observed before it is answered: a caller that has its answer finds its batch
	// in the observer's figures (metrics, tests).
	w.observe(len(batch), start, nil)
	for i, r := range batch {
		r.answer(errs[i])
	}
}

// newTx starts the state of a write transaction; its time is kept to the
// microsecond, as it is stored.
func (w *writer) newTx() *Tx {
	tx := &Tx{w: w, ctx: context.Background(), now: w.db.Now().UTC().Truncate(time.Microsecond)}
	tx.pg.tx = tx
	return tx
}

// fill adds the requests that are waiting to batch, up to the batch limit.
func (w *writer) fill(batch []*writeReq) []*writeReq {
	for len(batch) < w.max {
		select {
		case r := <-w.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func hinted(batch []*writeReq) bool {
	for _, r := range batch {
		if r.hint != nil {
			return true
		}
	}
	return false
}

// beginOrReconnect begins a write transaction. A connection lost while idle (a
// database restart or failover) shows up here; nothing has been done yet, so it
// reconnects and begins once more.
func (w *writer) beginOrReconnect() error {
	err := w.begin()
	if err == nil {
		return nil
	}
	if w.healthy() || w.reconnect() != nil {
		return err
	}
	return w.begin()
}

// runOne runs fn inside a savepoint (unless it is alone in its transaction), once
// more if it asks to be retried.
func (w *writer) runOne(tx *Tx, fn func(*Tx) error, single bool) error {
	return w.d.runOne(w, tx, fn, single)
}

func errorsIsRetry(err error) bool { return errors.Is(err, errRetry) }

// retryConflict is the answer to a request that asked to be retried twice.
func retryConflict(err error) error {
	if errors.Is(err, errRetry) {
		return orderhub.Errorf(orderhub.EConflict, "A concurrent request changed the same record; retry the request.")
	}
	return err
}

func errBegin(err error) error { return fmt.Errorf("begin: %w", err) }

// safeCall turns a panic in a write function into an error, so that one bad request
// cannot take the writer (and every other request) down.
func safeCall(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
	}()
	return fn(tx)
}

func (w *writer) begin() error { return w.d.begin(w) }

// healthy reports whether the writer's connection is still usable.
func (w *writer) healthy() bool {
	ok := true
	err := w.conn.Raw(func(dc any) error {
		ok = w.d.alive(dc)
		return nil
	})
	return ok && err == nil
}

// reconnect replaces a dead writer connection (and forgets the statements prepared
// on it). On failure the dead connection stays, and the next batch tries again.
func (w *writer) reconnect() error {
	for _, s := range w.stmts {
		s.Close()
	}
	clear(w.stmts)
	w.conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := w.db.wdb.Conn(ctx)
	if err != nil {
		w.db.log.Error("writer cannot reconnect to the database", "err", err)
		return err
	}
	w.db.log.Warn("writer reconnected to the database")
	w.conn = c
	return nil
}

func (w *writer) commit(tx *Tx) error { return w.d.commit(w, tx) }

func (w *writer) rollback() {
	_, _ = w.conn.ExecContext(context.Background(), "ROLLBACK")
}

func (w *writer) fail(batch []*writeReq, err error, start time.Time) {
	w.db.log.Error("write transaction failed", "err", err, "batch", len(batch))
	e := &orderhub.Error{Code: orderhub.EUnavailable, Message: "The database could not commit the change; nothing was written. Retry the request."}
	w.observe(len(batch), start, err)
	for _, r := range batch {
		r.answer(errors.Join(e, err))
	}
}

func (w *writer) observe(n int, start time.Time, err error) {
	w.db.noteBatch(err)
	if f := w.db.observer.Load(); f != nil {
		(*f)(n, time.Since(start), err)
	}
}

// execPrepared runs a statement without arguments (BEGIN, SAVEPOINT, COMMIT …)
// prepared once on the writer's connection: SQLite would otherwise parse it every
// time, several times per request.
func (w *writer) execPrepared(q string) error {
	s, err := w.stmt(q)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(context.Background())
	return err
}

func (w *writer) stmt(q string) (*sql.Stmt, error) {
	if s, ok := w.stmts[q]; ok {
		return s, nil
	}
	pq := q
	if w.d.kind() == SQLite {
		pq = sqlitePositional(q)
	}
	s, err := w.conn.PrepareContext(context.Background(), pq)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", q, err)
	}
	w.stmts[q] = s
	return s, nil
}

// Tx is a write transaction (really a savepoint within a shared transaction). It
// carries one fixed time for everything it writes.
type Tx struct {
	w      *writer
	ctx    context.Context
	now    time.Time
	events int
	// quiet counts the events among them that made no delivery and left none for
	// the expander (no endpoint of their vendor takes them): a commit whose events
	// are all quiet has nothing new for the delivery engine, and does not wake it
	// (its wake-up reads the reader pool for due work, beside the writer).
	quiet int
	// wake: the transaction made deliveries due without appending events (a
	// replay); its commit wakes the delivery engine all the same.
	wake bool
	// seqs holds each vendor's event sequence as this transaction advanced it;
	// seqBase the value read from the database. flushSeqs writes them back once
	// per vendor before COMMIT (instead of an UPDATE per event).
	seqs, seqBase map[string]int64
	// Fan-out (fanout.go): each vendor's progress as read and as advanced, and
	// whether an event was left for the expander.
	fan, fanBase map[string]fanPos
	deferred     bool
	// targets caches each vendor's fan-out targets (liveEndpoints) for the rest
	// of the transaction; every write that changes them calls endpointsChanged.
	targets map[string][]endpointTarget
	// mayHaveWritten: a statement other than a SELECT ran since it was last
	// cleared (SQLite: a request run without a savepoint, sqlite_batch.go).
	mayHaveWritten bool
	// evArgs holds the rows of events appended but not yet inserted, seven
	// arguments a row (SQLite, sqlite_events.go); beside: the running statement
	// leaves them pending (execBeside).
	evArgs []any
	beside bool
	// pg is the PostgreSQL state of the transaction (pgpipeline.go, pgbulk.go);
	// unused on SQLite.
	pg pgTx
}

// Now is the transaction's time.
func (tx *Tx) Now() time.Time { return tx.now }

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) { return tx.w.d.exec(tx, q, args) }

func (tx *Tx) query(q string, args ...any) (*sql.Rows, error) { return tx.w.d.query(tx, q, args) }

// row is a *sql.Row, a pipelined PostgreSQL row, or the error of preparing its
// statement.
type row struct {
	r   *sql.Row
	pg  *pgRow
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if r.pg != nil {
		return r.pg.Scan(dest...)
	}
	return r.r.Scan(dest...)
}

func (tx *Tx) queryRow(q string, args ...any) row { return tx.w.d.queryRow(tx, q, args) }

// wakesDelivery reports whether the transaction's commit has news for the delivery
// engine: an event that was not quiet, or deliveries made due again (wake).
func (tx *Tx) wakesDelivery() bool { return tx.events > tx.quiet || tx.wake }

// Write runs fn as one write request (see writer.do).
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error { return db.w.do(ctx, fn) }
