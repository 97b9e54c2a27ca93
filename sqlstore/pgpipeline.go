package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pipelining for the writer on PostgreSQL.
//
// On PostgreSQL every statement is a round trip between the writer and the server,
// and a vendor order is about a dozen statements, so the writer would spend most of
// its time waiting. Instead, on PostgreSQL the writer queues statements whose answer
// is not needed at once — tx.exec (its sql.Result is read lazily), savepoint commands,
// COMMIT — and sends them in one pipeline (a pgx batch, one round trip) together with
// the next statement whose answer is needed (tx.queryRow's Scan, tx.query), or at the
// end of the request. A vendor order then takes about four round trips instead of a
// dozen. SQLite, in process, runs every statement at once as before.
//
// Errors. A queued statement's error surfaces in the call that sends it (the next
// read, RowsAffected, the end of the request). The request then fails with the
// database's error (tx.pg.err) even when the function returned an error of its own
// derived from it (a RowsAffected that failed looks like "not found"), and is rolled
// back to its savepoint. Every request's queue is sent before its savepoint is
// released, so an error always belongs to the request whose statement caused it.

// pgTx is a write transaction's PostgreSQL state: the statements queued for the
// next round trip, the first error of a queued statement in the current request,
// whether the last request's savepoint is still to be released, and an optimistic
// batch's caches and bulk rows (pgbulk.go). It lives in its Tx (tx.pg).
type pgTx struct {
	tx     *Tx
	q      []pgStmt
	err    error
	spOpen bool
	// Optimistic batches (pgbulk.go): what the batch read up front, the inserts
	// collected so far, whether the running request is optimistic, and a count of
	// the statements and rows queued (did a request write anything?).
	cache      *pgCache
	bulk       *pgBulk
	optimistic bool
	writes     int
}

// pgStmt is a queued statement and, once sent, its outcome.
type pgStmt struct {
	q    string
	args []any
	res  *pgResult
}

type pgResult struct {
	sent bool
	tag  pgconn.CommandTag
	err  error
}

// queue queues a statement for the next round trip.
func (p *pgTx) queue(q string, args ...any) *pgResult {
	p.writeOut()
	p.writes++
	r := &pgResult{}
	p.q = append(p.q, pgStmt{q: q, args: args, res: r})
	return r
}

// exec is tx.exec on PostgreSQL: the statement is queued; its result is read when
// asked for.
func (p *pgTx) exec(q string, args []any) (pgLazyResult, error) {
	return pgLazyResult{p: p, res: p.queue(q, args...)}, nil
}

// query is tx.query on PostgreSQL: what is queued goes first.
func (p *pgTx) query(q string, args []any) (*sql.Rows, error) {
	if err := p.flush(); err != nil {
		return nil, err
	}
	if !isSelect(q) {
		p.writes++ // UPDATE … RETURNING and the like
	}
	s, err := p.tx.w.stmt(q)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(p.tx.ctx, args...)
	if err != nil && p.optimistic && p.err == nil {
		// Without a savepoint a failed statement aborts the whole transaction.
		p.err = err
	}
	return rows, err
}

// isSelect reports whether q only reads (a SELECT, FOR UPDATE included).
func isSelect(q string) bool { return strings.HasPrefix(strings.TrimSpace(q), "SELECT") }

// endpointTarget is an enabled endpoint as fan-out sees it.
type endpointTarget struct{ id, types string }

// liveEndpoints returns a vendor's enabled endpoints for fan-out in the request's
// transaction, at most one more than inline fan-out takes (fanout.go). The answer
// is kept for the rest of the transaction (every order appends several events, each
// fanned out): every write that may change a vendor's fan-out targets calls
// endpointsChanged, a request rolled back forgets it, and nobody else writes while
// the transaction holds the writer (SQLite's write lock, PostgreSQL's writer lock).
func (tx fanout) liveEndpoints(vendorID string) ([]endpointTarget, error) {
	if eps, ok := tx.targets[vendorID]; ok {
		return eps, nil
	}
	rows, err := tx.query(liveEndpointsSQL, vendorID, tx.w.db.inlineFanout+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	eps := []endpointTarget{}
	for rows.Next() {
		var e endpointTarget
		if err := rows.Scan(&e.id, &e.types); err != nil {
			return nil, err
		}
		eps = append(eps, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if tx.targets == nil {
		tx.targets = map[string][]endpointTarget{}
	}
	tx.targets[vendorID] = eps
	return eps, nil
}

// endpointsChanged forgets the cached fan-out targets (liveEndpoints). Every write
// to endpoints that may change which endpoints are live or what they subscribe to
// — an insert, enabling, disabling, deleting, a change of event types — calls it
// (TestEndpointWritesInvalidateFanoutCache checks the statements).
func (tx *Tx) endpointsChanged() { tx.targets = nil }

// pgLazyResult is the sql.Result of a queued statement.
type pgLazyResult struct {
	p   *pgTx
	res *pgResult
}

func (r pgLazyResult) LastInsertId() (int64, error) {
	return 0, errors.New("sqlstore: LastInsertId is not supported on PostgreSQL")
}

func (r pgLazyResult) RowsAffected() (int64, error) {
	if !r.res.sent {
		if err := r.p.send(nil, nil); err != nil && !r.res.sent {
			return 0, err
		}
	}
	if r.res.err != nil {
		return 0, r.res.err
	}
	return r.res.tag.RowsAffected(), nil
}

// send sends the queued statements and then, when last is not nil, the query last
// whose single row scan reads, all in one round trip. An error of a queued statement
// is returned and kept in p.err; last's own error (sql.ErrNoRows included) is only
// returned.
func (p *pgTx) send(last *pgStmt, scan func(pgx.Row) error) error {
	p.writeOut()
	if len(p.q) == 0 && last == nil {
		return nil
	}
	queued := p.q
	p.q = p.q[:0] // reused only after this call is done with queued
	var queuedErr, lastErr error
	tx := p.tx
	err := tx.w.conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqlstore: the writer's connection is a %T, not pgx", dc)
		}
		b := &pgx.Batch{}
		for _, s := range queued {
			b.Queue(s.q, s.args...)
		}
		if last != nil {
			b.Queue(last.q, last.args...)
		}
		br := sc.Conn().SendBatch(tx.ctx, b)
		for _, s := range queued {
			tag, err := br.Exec()
			s.res.sent, s.res.tag, s.res.err = true, tag, err
			if err != nil && queuedErr == nil {
				queuedErr = fmt.Errorf("%w (in %.60q)", err, s.q)
			}
		}
		if last != nil {
			if queuedErr != nil {
				lastErr = queuedErr
			} else {
				lastErr = scan(br.QueryRow())
			}
		}
		cerr := br.Close()
		if queuedErr == nil && lastErr == nil && cerr != nil {
			queuedErr = cerr
		}
		return nil
	})
	if err != nil {
		queuedErr = err
	}
	for _, s := range queued {
		if !s.res.sent {
			s.res.sent, s.res.err = true, queuedErr
		}
	}
	if queuedErr != nil {
		if p.err == nil {
			p.err = queuedErr
		}
		return queuedErr
	}
	if errors.Is(lastErr, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return lastErr
}

// pgRow is tx.queryRow on PostgreSQL: Scan sends the queue and the query together.
type pgRow struct {
	p    *pgTx
	q    string
	args []any
}

func (r *pgRow) Scan(dest ...any) error {
	p := r.p
	if !isSelect(r.q) {
		p.writes++ // INSERT/UPDATE … RETURNING
	}
	err := p.send(&pgStmt{q: r.q, args: r.args}, func(row pgx.Row) error { return row.Scan(dest...) })
	if err != nil && err != sql.ErrNoRows && p.optimistic && p.err == nil {
		// Without a savepoint a failed statement aborts the whole transaction.
		p.err = err
	}
	return err
}

// flush sends what is queued (the end of a request).
func (p *pgTx) flush() error { return p.send(nil, nil) }

// runOnePG is runOne on PostgreSQL: the savepoint commands are queued with the
// request's first statement; a successful request's savepoint is released with the
// next request's SAVEPOINT (or by COMMIT); a failed one is rolled back with one round
// trip.
func (w *writer) runOnePG(tx *Tx, fn func(*Tx) error, single bool) (err error) {
	p := &tx.pg
	for attempt := 0; attempt < 2; attempt++ {
		if !single {
			if p.spOpen {
				p.queue("RELEASE SAVEPOINT req")
			}
			p.queue("SAVEPOINT req")
			p.spOpen = false
		}
		events, seqs := tx.events, outbox{tx}.saveSeqs()
		p.err = nil
		err = safeCall(fn, tx)
		if ferr := p.flush(); err == nil {
			err = ferr
		}
		if p.err != nil {
			err = p.err // the database's error explains the function's
			p.err = nil
		}
		if err == nil {
			p.spOpen = !single
			return nil
		}
		tx.events = events
		outbox{tx}.restoreSeqs(seqs)
		tx.endpointsChanged() // the cache may have seen the request's own changes
		if single {
			if errors.Is(err, errRetry) && attempt == 0 {
				// Without a savepoint the whole transaction has to start again.
				w.rollback()
				outbox{tx}.resetSeqs()
				if berr := w.begin(); berr != nil {
					return berr
				}
				continue
			}
			return err
		}
		if _, rerr := w.conn.ExecContext(tx.ctx, "ROLLBACK TO SAVEPOINT req; RELEASE SAVEPOINT req"); rerr != nil {
			return rerr
		}
		if !errors.Is(err, errRetry) {
			return err
		}
	}
	return retryConflict(err)
}

// commit sends what is still queued (the vendor sequences) with COMMIT.
func (p *pgTx) commit() error {
	res := p.queue("COMMIT")
	err := p.flush()
	p.err = nil
	if err == nil && res.tag.String() == "ROLLBACK" {
		// COMMIT of a transaction a failed statement aborted rolls it back.
		err = errors.New("sqlstore: the transaction was aborted; COMMIT rolled it back")
	}
	return err
}
