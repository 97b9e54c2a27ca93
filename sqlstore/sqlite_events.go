package sqlstore

import (
	"database/sql"
	"fmt"
	"strings"
)

// Event rows written together (SQLite).
//
// A vendor order appends four events, each an INSERT of its own: with its
// statement set-up, its foreign-key check and its update of sqlite_sequence
// (events.pos is AUTOINCREMENT) — the largest share of the writer's time per
// order. On SQLite, appendEvent keeps the rows of a request's events and writes them
// with one multi-row INSERT (up to maxEventRows a statement): when the request
// ends, or before any other statement the request runs — except the few that are
// known not to read or refer to events (Tx.execBeside: the customer, contract and
// order INSERTs). So a delivery, a read of the events or anything else still sees
// every event appended before it, and the rows go in in the order they were
// appended (pos follows seq as before). A request that fails has its pending rows
// dropped with the rest of its changes.

// maxEventRows bounds the rows of one events INSERT.
const maxEventRows = 8

// eventRowArgs is the number of arguments of one event row (its columns).
var eventRowArgs = strings.Count(eventInsertColumns, ",") + 1

// eventsInsertSQL[n] inserts n event rows.
var eventsInsertSQL = func() (qs [maxEventRows + 1]string) {
	for n := 1; n <= maxEventRows; n++ {
		var b strings.Builder
		b.WriteString(`INSERT INTO events (` + eventInsertColumns + `) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range eventRowArgs {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", eventRowArgs*i+j+1)
			}
			b.WriteByte(')')
		}
		qs[n] = b.String()
	}
	return qs
}()

// pendEvent keeps an event row for flushEvents.
func (tx *Tx) pendEvent(args ...any) error {
	tx.evArgs = append(tx.evArgs, args...)
	if len(tx.evArgs) >= eventRowArgs*maxEventRows {
		return tx.flushEvents()
	}
	return nil
}

// flushEvents writes the pending event rows.
func (tx *Tx) flushEvents() error {
	if len(tx.evArgs) == 0 {
		return nil
	}
	args := tx.evArgs
	tx.evArgs = tx.evArgs[:0]
	tx.mayHaveWritten = true
	s, err := tx.w.stmt(eventsInsertSQL[len(args)/eventRowArgs])
	if err != nil {
		return err
	}
	_, err = s.ExecContext(tx.ctx, args...)
	clear(args) // drop the references (payloads) the buffer would keep
	return err
}

// dropEvents forgets the pending event rows of a failed request.
func (tx *Tx) dropEvents() {
	clear(tx.evArgs)
	tx.evArgs = tx.evArgs[:0]
}

// execBeside runs a statement that neither reads events nor refers to them: the
// pending event rows stay pending (on PostgreSQL it is exec).
func (tx *Tx) execBeside(q string, args ...any) (sql.Result, error) {
	tx.beside = true
	defer func() { tx.beside = false }()
	return tx.exec(q, args...)
}
