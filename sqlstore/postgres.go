package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3/lock"
)

// PostgreSQL dialect (pgx v5 through database/sql).
//
// Several orderhub processes may share one PostgreSQL database. Each process still has
// exactly one writer goroutine with one connection doing group commit; across
// processes the writers take turns: every write transaction starts by taking the
// transaction-scoped advisory lock pgWriterLock (see pgBegin), so at most one batch is
// open at a time and it sees everything committed before it (READ COMMITTED takes a
// fresh snapshot per statement). That gives PostgreSQL the same single-writer
// semantics as SQLite:
//   - no deadlocks between orderhub writers, whatever rows their batches touch and in
//     whichever order (vendors.event_seq rows, customers, deliveries): the advisory
//     lock is always the first lock a write transaction takes, and the only one it
//     waits for;
//   - check-then-write code (the replay rules of an order, the head of a delivery
//     queue, customer look-ups by e-mail) needs no extra locking;
//   - per-vendor event sequence numbers are assigned in commit order.
//
// Throughput comes from group commit, not from parallel transactions: while one
// process holds the lock, the others' queues fill, and they commit bigger batches
// when their turn comes. Reads never take the lock.

const (
	// pgWriterLock is the advisory lock key of the write path ("orhw" in ASCII).
	pgWriterLock = 0x6f726877
	// pgMigrateLock serialises "orderhub migrate" and the migrations run by Open in
	// several processes starting at once (a session lock, held while goose runs;
	// "orhm" in ASCII).
	pgMigrateLock = 0x6f72686d
)

// pgBegin opens a write transaction and waits for the writer lock, in one round trip
// (pgx sends a statement without arguments over the simple protocol, which allows
// several statements).
var pgBegin = fmt.Sprintf("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(%d)", pgWriterLock)

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
