package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3/lock"
)

// PostgreSQL dialect (pgx v5 through database/sql).
//
// Several orderhub processes may share one PostgreSQL database. Each process still has
// exactly one writer goroutine with one connection doing group commit. Across
// processes the writers coordinate with transaction-scoped advisory locks, taken
// before anything else in the transaction (startPG):
//
//   - the global writer lock pgWriterLock (a bigint key), taken EXCLUSIVE by every
//     batch that is not known to be per vendor (claims and completions of
//     deliveries, fan-out expander steps, retention, admin and API writes other than
//     vendor orders), and SHARED by per-vendor batches;
//   - per-vendor batches — every request hinted with its vendor (vendor orders,
//     writeHint), which writes rows of that vendor only — then take the slot lock of
//     each vendor they write (pgSlotClass, a hash of the vendor id into pgSlots slots),
//     exclusive, in ascending slot order, in the same statement.
//
// So a global batch runs alone, as every batch did before, and per-vendor batches of
// different instances whose vendors hash to different slots commit in parallel. What
// that keeps (docs/postgres.md argues each point):
//   - no deadlocks between orderhub writers: every writer takes the global lock first
//     and its slots in ascending order, and waits for nothing else — a batch holding
//     slots writes only rows of those slots' vendors, which no other running batch
//     touches (a global batch runs alone);
//   - check-then-write code (the replay rules of an order, the head of a delivery
//     queue, customer look-ups by e-mail) needs no extra locking: every write of a
//     vendor's rows holds that vendor's slot or the global lock exclusively, and READ
//     COMMITTED takes a fresh snapshot per statement;
//   - per-vendor event sequence numbers are assigned in commit order (the vendor's
//     slot is held from the read of vendors.event_seq to COMMIT).
//
// Throughput comes from group commit and, across instances that write different
// vendors, from parallel transactions. Reads never take a lock.

const (
	// pgWriterLock is the global advisory lock key of the write path ("orhw" in
	// ASCII). It is the key earlier versions took exclusively for every batch, so
	// instances of the previous version still exclude every batch of these during a
	// roll (and the other way round).
	pgWriterLock = 0x6f726877
	// pgSlotClass is the first key of the slot locks (the two-int4 form of the
	// advisory locks, a key space apart from the bigint keys); the second is the
	// slot.
	pgSlotClass = pgWriterLock
	// pgSlots is the number of slots the vendors hash into: two vendors share a slot
	// (and take turns) with probability 1/pgSlots.
	pgSlots = 1024
	// pgMaxSlots bounds the locks of one batch: a batch of more vendors takes the
	// global lock exclusively instead (PostgreSQL's lock table is sized by
	// max_locks_per_transaction, 64 per connection by default).
	pgMaxSlots = 64
	// pgMigrateLock serialises "orderhub migrate" and the migrations run by Open in
	// several processes starting at once (a session lock, held while goose runs;
	// "orhm" in ASCII).
	pgMigrateLock = 0x6f72686d
)

// pgBeginGlobal opens a write transaction and waits for the global writer lock,
// exclusive, in one round trip (pgx sends a statement without arguments over the
// simple protocol, which allows several statements, run in order).
var pgBeginGlobal = fmt.Sprintf("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%d)", pgWriterLock)

// startPG begins a batch's transaction with the writer locks it needs and runs it
// when it can (dialect.start).
//
// The batch (with what is waiting, up to the batch limit) begins with its locks,
// in one round trip: the global lock exclusive, or for a batch of vendor orders
// the global lock shared and its vendors' slots in ascending order (pgBeginOf).
// Then it takes in what queued meanwhile — with several instances the wait for a
// lock is when a queue fills, and a bigger batch costs little more to commit.
// After the global lock everything joins. After slots, the vendor orders of those
// vendors join; those of other vendors join if their slots can be had without
// breaking the order (moreSlots: one more round trip); the rest (other vendors, or
// writes that are not per vendor) run right after the batch commits, as a batch
// of their own. A batch with hinted requests runs optimistically.
//
// Deadlock freedom rests on one rule: a writer waits only for a lock that comes
// after every lock it holds, in the order global < slot 0 < … < slot 1023
// (pg_try_advisory_xact_lock never waits).
func (w *writer) startPG(batch []*writeReq, at time.Time) ([]*writeReq, bool, bool) {
	fg := batch[0].started.IsZero() // a background request runs alone
	if fg {
		batch = w.fill(batch)
	}
	slots := pgSlotsOf(batch)
	w.pgBegin = pgBeginOf(slots)
	if err := w.beginOrReconnect(); err != nil {
		w.fail(batch, errBegin(err), at)
		return batch, false, true
	}
	switch {
	case !fg, w.pgRest: // the rest of a split batch takes in nothing more
		return w.runBegun(batch, at)
	case slots == nil:
		return w.runBegun(w.fill(batch), at)
	}
	own, rest := pgCovered(w.fill(batch), slots)
	if len(rest) > 0 {
		var err error
		if own, rest, err = w.moreSlots(slots, own, rest); err != nil {
			// The transaction is aborted (a lock_timeout, say): all of them run
			// again request by request, beginning with all their locks.
			w.db.log.Debug("writer lock slots: running the batch on the careful path", "err", err)
			w.rollback()
			if !w.healthy() {
				_ = w.reconnect()
			}
			all := append(own, rest...)
			w.pgBegin = pgBeginOf(pgSlotsOf(all))
			return all, false, false
		}
	}
	if len(rest) == 0 {
		// own may now hold vendor orders whose slots moreSlots took after BEGIN: if
		// the optimistic run rolls back, the careful run must begin with their slots
		// too, not only with the ones this transaction began with.
		w.pgBegin = pgBeginOf(pgSlotsOf(own))
		return w.runBegun(own, at)
	}
	if !w.runPGOptimistic(own, at) {
		// Rolled back: all of them run again request by request, in a transaction
		// that takes all their locks when it begins.
		all := append(own, rest...)
		w.pgBegin = pgBeginOf(pgSlotsOf(all))
		return all, false, false
	}
	// The rest: a batch of its own, run (and timed in the metrics) as any batch,
	// with what queued meanwhile.
	w.pgRest = true
	w.run(rest)
	w.pgRest = false
	return own, false, true
}

// runBegun runs a batch whose transaction has begun: optimistically when it has
// hinted requests (falling back to the careful path, which begins again with
// w.pgBegin), else on the careful path in this transaction.
func (w *writer) runBegun(batch []*writeReq, at time.Time) ([]*writeReq, bool, bool) {
	if !hinted(batch) {
		return batch, true, false
	}
	if w.runPGOptimistic(batch, at) {
		return batch, false, true
	}
	return batch, false, false // rolled back: run it again request by request
}

// moreSlots takes, in one round trip, the slots of the vendor orders in rest that
// queued after the batch began with slots held: those above every held slot
// waiting for them (the order stays ascending), those below only if free
// (pg_try_advisory_xact_lock, which does not wait). It returns own with the vendor
// orders whose slots it now holds, and the rest.
func (w *writer) moreSlots(held []int, own, rest []*writeReq) ([]*writeReq, []*writeReq, error) {
	top := held[len(held)-1]
	var tries, waits []int
	for _, r := range rest {
		if r.hint == nil || r.hint.vendorID == "" || !r.started.IsZero() {
			continue
		}
		s := pgSlot(r.hint.vendorID)
		if s > top && !slices.Contains(waits, s) && len(held)+len(waits)+len(tries) < pgMaxSlots {
			waits = append(waits, s)
		} else if s < top && !slices.Contains(tries, s) && len(held)+len(waits)+len(tries) < pgMaxSlots {
			tries = append(tries, s)
		}
	}
	if len(tries)+len(waits) == 0 {
		return own, rest, nil
	}
	slices.Sort(waits)
	got := append([]int(nil), waits...)
	b := &pgx.Batch{}
	if len(tries) > 0 {
		b.Queue(`SELECT s FROM unnest($1::int[]) AS u(s) WHERE pg_try_advisory_xact_lock($2::int, s)`, tries, int32(pgSlotClass)).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var s int
				if err := rows.Scan(&s); err != nil {
					return err
				}
				got = append(got, s)
			}
			return rows.Err()
		})
	}
	for _, s := range waits {
		b.Queue(`SELECT pg_advisory_xact_lock($1::int, $2::int)`, int32(pgSlotClass), int32(s))
	}
	err := w.conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqlstore: the writer's connection is a %T, not pgx", dc)
		}
		return sc.Conn().SendBatch(context.Background(), b).Close()
	})
	if err != nil {
		return own, rest, err
	}
	own2, rest2 := pgCovered(rest, got)
	return append(own, own2...), rest2, nil
}

// pgCovered splits a batch into the vendor orders whose vendors' slots are among
// slots and the others, each in its order.
func pgCovered(batch []*writeReq, slots []int) (own, rest []*writeReq) {
	for _, r := range batch {
		if r.hint != nil && r.hint.vendorID != "" && r.started.IsZero() && slices.Contains(slots, pgSlot(r.hint.vendorID)) {
			own = append(own, r)
		} else {
			rest = append(rest, r)
		}
	}
	return own, rest
}

// pgSlot is the lock slot of a vendor.
func pgSlot(vendorID string) int {
	h := fnv.New32a()
	h.Write([]byte(vendorID))
	return int(h.Sum32() % pgSlots)
}

// pgSlotsOf returns the sorted lock slots of a batch whose requests are all per
// vendor, or nil when the batch needs the global lock exclusively.
func pgSlotsOf(batch []*writeReq) []int {
	var slots []int
	for _, r := range batch {
		if r.hint == nil || r.hint.vendorID == "" || !r.started.IsZero() {
			return nil
		}
		if s := pgSlot(r.hint.vendorID); !slices.Contains(slots, s) {
			if len(slots) == pgMaxSlots {
				return nil
			}
			slots = append(slots, s)
		}
	}
	slices.Sort(slots)
	return slots
}

// pgBeginOf is the statement that begins a batch's transaction with its locks: the
// global lock shared and the slots in ascending order, or the global lock exclusive
// (slots nil). One round trip either way.
func pgBeginOf(slots []int) string {
	if slots == nil {
		return pgBeginGlobal
	}
	var b strings.Builder
	fmt.Fprintf(&b, "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock_shared(%d)", pgWriterLock)
	for _, s := range slots {
		fmt.Fprintf(&b, "; SELECT pg_advisory_xact_lock(%d, %d)", pgSlotClass, s)
	}
	return b.String()
}

// Pool and session settings (see docs/postgres.md).
const (
	// pgReadLifetime recycles reader connections so that a pool follows a failover
	// or a new replica behind a proxy within half an hour.
	pgReadLifetime = 30 * time.Minute
	pgReadIdle     = 5 * time.Minute
	// pgIdleInTx ends a session that sits idle inside a transaction (a hung or
	// partitioned writer) so that it cannot hold the writer lock for ever. The writer
	// never waits on anything but the database inside a transaction.
	pgIdleInTx = "60s"
	// pgConnectTimeout bounds each connection attempt.
	pgConnectTimeout = 10 * time.Second
)

// openPG opens the writer pool (Open limits it to one connection) and the reader
// pool (Options.ReadConns connections, read-only sessions).
func openPG(ctx context.Context, dsn string, opt Options) (writer, reader *sql.DB, err error) {
	wcfg, err := pgConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	setDefault(wcfg, "application_name", "orderhub-writer")
	setDefault(wcfg, "idle_in_transaction_session_timeout", pgIdleInTx)

	rcfg, err := pgConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	setDefault(rcfg, "application_name", "orderhub-reader")
	// Readers never write: a read-only session makes sure nothing writes around the
	// writer (and its lock).
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"

	writer = stdlib.OpenDB(*wcfg)
	reader = stdlib.OpenDB(*rcfg)
	reader.SetConnMaxLifetime(pgReadLifetime)
	reader.SetConnMaxIdleTime(pgReadIdle)
	pctx, cancel := context.WithTimeout(ctx, pgConnectTimeout)
	defer cancel()
	if err := writer.PingContext(pctx); err != nil {
		writer.Close()
		reader.Close()
		return nil, nil, fmt.Errorf("connect to postgresql: %w", err)
	}
	return writer, reader, nil
}

// pgConfig parses a postgres:// URL (or key=value DSN) and applies orderhub's session
// defaults. Explicit settings in the DSN win.
func pgConfig(dsn string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("bad postgresql dsn: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	setDefault(cfg, "timezone", "UTC")
	return cfg, nil
}

// setDefault sets a session parameter unless the DSN set it.
func setDefault(cfg *pgx.ConnConfig, name, value string) {
	if _, ok := cfg.RuntimeParams[name]; !ok {
		cfg.RuntimeParams[name] = value
	}
}

// pgConnAlive reports whether a pgx database/sql connection is still open: pgx closes
// it on a network error or a FATAL error from the server (a terminated backend, a
// shutdown), after which the writer needs a new one.
func pgConnAlive(dc any) bool {
	c, ok := dc.(*stdlib.Conn)
	return !ok || !c.Conn().IsClosed()
}

// pgSessionLocker is goose's session lock, but blocking (pg_advisory_lock) rather
// than goose's polling every few seconds, so that processes started together do not
// wait longer than the migrations take.
type pgSessionLocker struct{ id int64 }

var _ lock.SessionLocker = pgSessionLocker{}

func (l pgSessionLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", l.id)
	if err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	return nil
}

func (l pgSessionLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", l.id).Scan(&ok); err != nil {
		return fmt.Errorf("unlock migrations: %w", err)
	}
	if !ok {
		return fmt.Errorf("unlock migrations: the session did not hold lock %d", l.id)
	}
	return nil
}
