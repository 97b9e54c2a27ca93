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
//     exclusive, in ascending slot order.
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

// pgBeginShared begins a per-vendor batch: the global lock shared; the batch's
// slots follow at the head of its prefetch (startPG).
var pgBeginShared = fmt.Sprintf("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock_shared(%d)", pgWriterLock)

// startPG begins a batch's transaction with the writer locks it needs and runs it
// when it can (dialect.start).
//
// A batch that is not per vendor (pgSlotsOf is nil) begins with the global lock
// exclusive and then takes in what queued meanwhile: with several instances the
// wait is when a queue fills, and a bigger batch costs little more to commit. A
// batch with hinted requests then runs optimistically.
//
// A per-vendor batch begins with the global lock shared, takes in what queued
// during that round trip (under load, the stragglers of the last batch's answers:
// without them the next batch would be half as big), and runs its per-vendor
// requests optimistically, taking their slots in ascending order at the head of the
// prefetch's round trip, before any row lock. Requests that queued meanwhile and
// are not per vendor (or whose vendors would take the batch over pgMaxSlots) cannot
// join it — upgrading the shared global lock could deadlock — and run after it
// commits, in a transaction of their own.
func (w *writer) startPG(batch []*writeReq, at time.Time) ([]*writeReq, bool, bool) {
	fg := batch[0].started.IsZero() // a background request runs alone
	if fg {
		batch = w.fill(batch)
	}
	if pgSlotsOf(batch) == nil {
		w.pgBegin = pgBeginGlobal
		if err := w.beginOrReconnect(); err != nil {
			w.fail(batch, errBegin(err), at)
			return batch, false, true
		}
		if fg {
			batch = w.fill(batch)
		}
		if hinted(batch) {
			if w.runPGOptimistic(batch, at) {
				return batch, false, true
			}
			return batch, false, false // rolled back: run it again request by request
		}
		return batch, true, false
	}
	w.pgBegin = pgBeginShared
	if err := w.beginOrReconnect(); err != nil {
		w.fail(batch, errBegin(err), at)
		return batch, false, true
	}
	own, rest := pgSplit(w.fill(batch))
	w.pgSlots = pgSlotsOf(own)
	ok := w.runPGOptimistic(own, at)
	w.pgSlots = nil
	if !ok {
		// Rolled back: every request runs again request by request, in a
		// transaction that takes all its locks when it begins.
		all := append(own, rest...)
		w.pgBegin = pgBeginOf(pgSlotsOf(all))
		return all, false, false
	}
	if len(rest) == 0 {
		return own, false, true
	}
	w.pgBegin = pgBeginOf(pgSlotsOf(rest))
	return rest, false, false
}

// pgSplit splits a batch into the per-vendor requests that fit pgMaxSlots slots
// and the others, each in its order.
func pgSplit(batch []*writeReq) (own, rest []*writeReq) {
	var slots []int
	for _, r := range batch {
		if r.hint != nil && r.hint.vendorID != "" && r.started.IsZero() {
			s := pgSlot(r.hint.vendorID)
			if slices.Contains(slots, s) || len(slots) < pgMaxSlots {
				if !slices.Contains(slots, s) {
					slots = append(slots, s)
				}
				own = append(own, r)
				continue
			}
		}
		rest = append(rest, r)
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
