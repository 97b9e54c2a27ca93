package sqlstore

import (
	"errors"
	"strings"
	"time"

	"orderhub"
)

// Group commits without a savepoint per request (SQLite).
//
// A request of a group commit runs in a savepoint of its own, so that its failure
// undoes its changes and nobody else's. On SQLite that is not free: besides the
// SAVEPOINT and RELEASE statements, every page a request is first to change within
// its savepoint is copied into the savepoint's journal — some twenty pages (each
// table and index a vendor order touches), a fifth of the writer's time per order.
//
// A hinted request (a vendor order: hub.PlaceVendorOrder names what it looks up, for
// PostgreSQL's optimistic batches) is one whose function may run again (PostgreSQL
// runs a batch again on the careful path when its optimistic run fails). So a batch
// with hinted requests runs them first without savepoints; then the others, each in
// its savepoint as before. A hinted request that fails before running any
// statement but a SELECT — a replay answered from what it read, a conflict — has
// changed nothing: it is answered with its error and the batch goes on. One that
// fails after a statement that may have written (or with an error that is not the
// domain's: the transaction may be gone), or asks to be retried, cannot be undone
// alone: the whole transaction is rolled back and the batch runs again on the careful
// path, a savepoint each. Nothing is answered or committed before that, so every
// request still commits all of its changes or none, with its own outcome.

// runUnsavedBatch runs a batch with hinted requests as above. It returns false when
// the transaction was rolled back and the batch has to run on the careful path.
func (w *writer) runUnsavedBatch(batch []*writeReq, start time.Time) bool {
	tx := w.newTx()
	if err := w.beginOrReconnect(); err != nil {
		w.fail(batch, errBegin(err), start)
		return true
	}
	errs := make([]error, len(batch))
	for i, r := range batch {
		if !unsaved(r) {
			continue
		}
		var clean bool
		if errs[i], clean = runUnsaved(tx, r.fn); !clean {
			w.db.log.Debug("batch without savepoints: a request failed after writing; running it with savepoints", "err", errs[i], "batch", len(batch))
			w.rollback()
			w.db.unsavedReruns.Add(1)
			if !w.healthy() {
				_ = w.reconnect()
			}
			return false
		}
	}
	// The others, each in its savepoint: they never make the batch run again.
	for i, r := range batch {
		if !unsaved(r) {
			errs[i] = w.runOne(tx, r.fn, false)
		}
	}
	w.finish(tx, batch, errs, start)
	return true
}

// unsaved reports whether a request runs without a savepoint in such a batch.
func unsaved(r *writeReq) bool { return r.hint != nil && !r.audited }

// runUnsaved runs fn without a savepoint. clean is false when its failure may have
// left changes (or a broken transaction) behind.
func runUnsaved(tx *Tx, fn func(*Tx) error) (err error, clean bool) {
	events, seqs := tx.events, outbox{tx}.saveSeqs()
	tx.mayHaveWritten = false
	err = safeCall(fn, tx)
	if err == nil {
		err = tx.flushEvents()
	}
	if err == nil {
		return nil, true
	}
	tx.dropEvents()
	var domain *orderhub.Error
	if tx.mayHaveWritten || errors.Is(err, errRetry) || !errors.As(err, &domain) {
		return err, false
	}
	tx.events = events
	outbox{tx}.restoreSeqs(seqs)
	tx.endpointsChanged() // the cache may have seen the request's reads
	return err, true
}

// noteStatement notes a statement that may write (anything but a SELECT).
func (tx *Tx) noteStatement(q string) {
	if tx.mayHaveWritten {
		return
	}
	q = strings.TrimLeft(q, " \t\r\n")
	if len(q) < 6 || !strings.EqualFold(q[:6], "SELECT") {
		tx.mayHaveWritten = true
	}
}
