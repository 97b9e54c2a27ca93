package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"orderhub"
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
// database's error (tx.pgErr) even when the function returned an error of its own
// derived from it (a RowsAffected that failed looks like "not found"), and is rolled
// back to its savepoint. Every request's queue is sent before its savepoint is
// released, so an error always belongs to the request whose statement caused it.

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

// pgQueue queues a statement for the next round trip.
func (tx *Tx) pgQueue(q string, args ...any) *pgResult {
	tx.pgWriteOut()
	tx.writes++
	r := &pgResult{}
	tx.pgq = append(tx.pgq, pgStmt{q: q, args: args, res: r})
	return r
}

// pgExec is tx.exec on PostgreSQL: the statement is queued; its result is read when
// asked for.
func (tx *Tx) pgExec(q string, args []any) (pgLazyResult, error) {
	tx.pgNote(q)
	return pgLazyResult{tx: tx, res: tx.pgQueue(q, args...)}, nil
}

// pgNote forgets the cached endpoints when a statement may change endpoints.
func (tx *Tx) pgNote(q string) {
	if tx.pgEndpoints != nil && strings.Contains(q, "endpoints") && !isSelect(q) {
		tx.pgEndpoints = nil
	}
}

// isSelect reports whether q only reads (a SELECT, FOR UPDATE included).
func isSelect(q string) bool { return strings.HasPrefix(strings.TrimSpace(q), "SELECT") }

// endpointTarget is an enabled endpoint as fan-out sees it.
type endpointTarget struct{ id, types string }

// liveEndpoints returns a vendor's enabled endpoints for fan-out in the request's
// transaction, at most one more than inline fan-out takes (fanout.go). On PostgreSQL the
// answer is kept for the rest of the transaction (every order appends several events,
// each fanned out): a statement that may change endpoints, or a request rolled back,
// forgets it, and other processes cannot change endpoints while this transaction
// holds the writer lock.
func (tx *Tx) liveEndpoints(vendorID string) ([]endpointTarget, error) {
	pg := tx.w.db.dialect == Postgres
	if pg {
		if eps, ok := tx.pgEndpoints[vendorID]; ok {
			return eps, nil
		}
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
	if pg {
		if tx.pgEndpoints == nil {
			tx.pgEndpoints = map[string][]endpointTarget{}
		}
		tx.pgEndpoints[vendorID] = eps
	}
	return eps, nil
}

// pgLazyResult is the sql.Result of a queued statement.
type pgLazyResult struct {
	tx  *Tx
	res *pgResult
}

func (r pgLazyResult) LastInsertId() (int64, error) {
	return 0, errors.New("sqlstore: LastInsertId is not supported on PostgreSQL")
}

func (r pgLazyResult) RowsAffected() (int64, error) {
	if !r.res.sent {
		if err := r.tx.pgSend(nil, nil); err != nil && !r.res.sent {
			return 0, err
		}
	}
	if r.res.err != nil {
		return 0, r.res.err
	}
	return r.res.tag.RowsAffected(), nil
}

// pgSend sends the queued statements and then, when last is not nil, the query last
// whose single row scan reads, all in one round trip. An error of a queued statement
// is returned and kept in tx.pgErr; last's own error (sql.ErrNoRows included) is only
// returned.
func (tx *Tx) pgSend(last *pgStmt, scan func(pgx.Row) error) error {
	tx.pgWriteOut()
	if len(tx.pgq) == 0 && last == nil {
		return nil
	}
	queued := tx.pgq
	tx.pgq = tx.pgq[:0] // reused only after this call is done with queued
	var queuedErr, lastErr error
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
		if tx.pgErr == nil {
			tx.pgErr = queuedErr
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
	tx   *Tx
	q    string
	args []any
}

func (r *pgRow) Scan(dest ...any) error {
	r.tx.pgNote(r.q)
	if !isSelect(r.q) {
		r.tx.writes++ // INSERT/UPDATE … RETURNING
	}
	err := r.tx.pgSend(&pgStmt{q: r.q, args: r.args}, func(row pgx.Row) error { return row.Scan(dest...) })
	if err != nil && err != sql.ErrNoRows && r.tx.optimistic && r.tx.pgErr == nil {
		// Without a savepoint a failed statement aborts the whole transaction.
		r.tx.pgErr = err
	}
	return err
}

// pgFlush sends what is queued (the end of a request).
func (tx *Tx) pgFlush() error { return tx.pgSend(nil, nil) }

// runOnePG is runOne on PostgreSQL: the savepoint commands are queued with the
// request's first statement; a successful request's savepoint is released with the
// next request's SAVEPOINT (or by COMMIT); a failed one is rolled back with one round
// trip.
func (w *writer) runOnePG(tx *Tx, fn func(*Tx) error, single bool) (err error) {
	for attempt := 0; attempt < 2; attempt++ {
		if !single {
			if tx.spOpen {
				tx.pgQueue("RELEASE SAVEPOINT req")
			}
			tx.pgQueue("SAVEPOINT req")
			tx.spOpen = false
		}
		events, seqs := tx.events, tx.saveSeqs()
		tx.pgErr = nil
		err = safeCall(fn, tx)
		if ferr := tx.pgFlush(); err == nil {
			err = ferr
		}
		if tx.pgErr != nil {
			err = tx.pgErr // the database's error explains the function's
			tx.pgErr = nil
		}
		if err == nil {
			tx.spOpen = !single
			return nil
		}
		tx.events = events
		tx.restoreSeqs(seqs)
		tx.pgEndpoints = nil // it may have seen the request's own changes
		if single {
			if errors.Is(err, errRetry) && attempt == 0 {
				// Without a savepoint the whole transaction has to start again.
				w.rollback()
				tx.resetSeqs()
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
	if errors.Is(err, errRetry) {
		err = orderhub.Errorf(orderhub.EConflict, "A concurrent request changed the same record; retry the request.")
	}
	return err
}

// pgCommit sends what is still queued (the vendor sequences) with COMMIT.
func (tx *Tx) pgCommit() error {
	res := tx.pgQueue("COMMIT")
	err := tx.pgFlush()
	tx.pgErr = nil
	if err == nil && res.tag.String() == "ROLLBACK" {
		// COMMIT of a transaction a failed statement aborted rolls it back.
		err = errors.New("sqlstore: the transaction was aborted; COMMIT rolled it back")
	}
	return err
}
