package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"slices"
	"time"

	"github.com/pressly/goose/v3"

	"orderhub"
)

// dialect is everything the write path and the queue do differently on SQLite and
// on PostgreSQL, in one place: how a write transaction begins (and takes the
// writer lock), runs its statements (at once, or pipelined), runs a request in a
// savepoint, commits, and writes many rows; which SQL spells a row lock, a claim's
// lock and a substring test. The rest of the package is written once against it;
// a third engine would be a third implementation of this interface.
//
// The implementations hold no state of their own: a transaction's PostgreSQL state
// (the pipeline queue, the optimistic batch's caches and bulk rows) lives in
// Tx.pg.
type dialect interface {
	kind() Dialect

	// Setting up: the embedded migrations' directory, goose's dialect and
	// options, and a query counting goose's version table (0 or 1).
	migrations() (dir string, gd goose.Dialect, opts []goose.ProviderOption)
	schemaSQL() string

	// The writer's transaction.

	// begin opens a write transaction and takes the writer lock.
	begin(w *writer) error
	// run starts a batch before its requests run one by one: it may begin the
	// transaction itself (began) and take in more requests, or run the whole batch
	// another way (done: every request has been answered).
	start(w *writer, batch []*writeReq, at time.Time) (b []*writeReq, began, done bool)
	// runOne runs one request in its own savepoint (unless it is alone in its
	// transaction), once more if it asks to be retried.
	runOne(w *writer, tx *Tx, fn func(*Tx) error, single bool) error
	// commit commits the transaction (with whatever is still queued).
	commit(w *writer, tx *Tx) error
	// alive reports whether the writer's driver connection is still usable.
	alive(dc any) bool

	// Statements in a write transaction.
	exec(tx *Tx, q string, args []any) (sql.Result, error)
	query(tx *Tx, q string, args []any) (*sql.Rows, error)
	queryRow(tx *Tx, q string, args []any) row
	// flush sends the statements queued so far and reports their first error.
	flush(tx *Tx) error

	// SQL spelled per engine.

	// lockRow is appended to a SELECT of a row the transaction will update.
	lockRow() string
	// claimLock is appended to the SELECT of the deliveries a claim leases.
	claimLock() string
	// strpos is the function finding a substring: strpos(haystack, needle) > 0.
	strpos() string

	// Many rows.

	// deliveryInserter returns what inserts a fan-out expander step's deliveries
	// of one vendor (a statement per row, or one for all of them).
	deliveryInserter(tx *Tx, vendorID string) deliveryInserter
	// follow leases the followers of claimed heads (delivery.go).
	follow(tx *Tx, f *follower, heads []*orderhub.ClaimedDelivery) error

	// space reports the database's size (retention.go).
	space(ctx context.Context, read *sql.DB) (orderhub.SpaceStats, error)
}

// dialectOf returns the implementation of a dialect.
func dialectOf(d Dialect) dialect {
	if d == Postgres {
		return pgDialect{}
	}
	return sqliteDialect{}
}

// sqliteDialect: modernc SQLite in process. Every statement runs at once; each is
// prepared once per writer connection.
type sqliteDialect struct{}

func (sqliteDialect) kind() Dialect { return SQLite }

func (sqliteDialect) migrations() (string, goose.Dialect, []goose.ProviderOption) {
	return "migrations/sqlite", goose.DialectSQLite3, nil
}

func (sqliteDialect) schemaSQL() string {
	return `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '` + goose.DefaultTablename + `'`
}

func (sqliteDialect) begin(w *writer) error { return w.execPrepared("BEGIN IMMEDIATE") }

func (sqliteDialect) start(w *writer, batch []*writeReq, at time.Time) ([]*writeReq, bool, bool) {
	w.checkpointTail()
	if len(batch) > 1 && slices.ContainsFunc(batch, unsaved) && w.runUnsavedBatch(batch, at) {
		return batch, false, true
	}
	return batch, false, false
}

func (sqliteDialect) runOne(w *writer, tx *Tx, fn func(*Tx) error, single bool) (err error) {
	for attempt := 0; attempt < 2; attempt++ {
		if !single {
			if err := w.execPrepared("SAVEPOINT req"); err != nil {
				return err
			}
		}
		events, seqs := tx.events, outbox{tx}.saveSeqs()
		err = safeCall(fn, tx)
		if err == nil {
			err = tx.flushEvents()
		}
		if err != nil {
			tx.dropEvents()
		}
		if err == nil {
			if !single {
				if err := w.execPrepared("RELEASE SAVEPOINT req"); err != nil {
					return err
				}
			}
			return nil
		}
		tx.events = events
		outbox{tx}.restoreSeqs(seqs)
		tx.endpointsChanged() // the cache may have seen the request's own changes
		if single {
			if errorsIsRetry(err) && attempt == 0 {
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
		if rerr := w.execPrepared("ROLLBACK TO SAVEPOINT req"); rerr != nil {
			return rerr
		}
		if rerr := w.execPrepared("RELEASE SAVEPOINT req"); rerr != nil {
			return rerr
		}
		if !errorsIsRetry(err) {
			return err
		}
	}
	return retryConflict(err)
}

func (sqliteDialect) commit(w *writer, _ *Tx) error { return w.execPrepared("COMMIT") }

// alive: modernc SQLite cannot tell, and is taken at its word.
func (sqliteDialect) alive(dc any) bool {
	if v, is := dc.(driver.Validator); is {
		return v.IsValid()
	}
	return true
}

func (sqliteDialect) exec(tx *Tx, q string, args []any) (sql.Result, error) {
	if len(tx.evArgs) > 0 && !tx.beside {
		if err := tx.flushEvents(); err != nil {
			return nil, err
		}
	}
	tx.noteStatement(q)
	s, err := tx.w.stmt(q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(tx.ctx, args...)
}

func (sqliteDialect) query(tx *Tx, q string, args []any) (*sql.Rows, error) {
	if len(tx.evArgs) > 0 {
		if err := tx.flushEvents(); err != nil {
			return nil, err
		}
	}
	tx.noteStatement(q)
	s, err := tx.w.stmt(q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(tx.ctx, args...)
}

func (sqliteDialect) queryRow(tx *Tx, q string, args []any) row {
	if len(tx.evArgs) > 0 {
		if err := tx.flushEvents(); err != nil {
			return row{err: err}
		}
	}
	tx.noteStatement(q)
	s, err := tx.w.stmt(q)
	if err != nil {
		return row{err: err}
	}
	return row{r: s.QueryRowContext(tx.ctx, args...)}
}

func (sqliteDialect) flush(*Tx) error { return nil }

func (sqliteDialect) lockRow() string   { return "" }
func (sqliteDialect) claimLock() string { return "" }
func (sqliteDialect) strpos() string    { return "instr" }

// space: the file's pages and the free ones among them.
func (sqliteDialect) space(ctx context.Context, read *sql.DB) (orderhub.SpaceStats, error) {
	var pages, free, size int64
	for _, q := range []struct {
		pragma string
		dst    *int64
	}{{"page_count", &pages}, {"freelist_count", &free}, {"page_size", &size}} {
		if err := read.QueryRowContext(ctx, "PRAGMA "+q.pragma).Scan(q.dst); err != nil {
			return orderhub.SpaceStats{}, err
		}
	}
	return orderhub.SpaceStats{Bytes: pages * size, FreeBytes: free * size}, nil
}

func (sqliteDialect) deliveryInserter(tx *Tx, vendorID string) deliveryInserter {
	return rowInserter{tx: tx, vendorID: vendorID}
}

func (sqliteDialect) follow(tx *Tx, f *follower, heads []*orderhub.ClaimedDelivery) error {
	return f.eachHead(tx, heads)
}

// pgDialect: PostgreSQL through pgx. Statements are pipelined (pgpipeline.go),
// batches of vendor orders run optimistically with bulk inserts (pgbulk.go), and
// the writers of several processes coordinate with advisory locks: one global, one
// per vendor slot (postgres.go).
type pgDialect struct{}

func (pgDialect) kind() Dialect { return Postgres }

func (pgDialect) migrations() (string, goose.Dialect, []goose.ProviderOption) {
	return "migrations/postgres", goose.DialectPostgres, []goose.ProviderOption{goose.WithSessionLocker(pgSessionLocker{id: pgMigrateLock})}
}

func (pgDialect) schemaSQL() string {
	return `SELECT COUNT(*) FROM (SELECT to_regclass('` + goose.DefaultTablename + `') AS t) r WHERE t IS NOT NULL`
}

// begin begins the running batch's transaction with the locks start chose for it
// (the global lock exclusive when none was chosen).
func (pgDialect) begin(w *writer) error {
	q := w.pgBegin
	if q == "" {
		q = pgBeginGlobal
	}
	_, err := w.conn.ExecContext(context.Background(), q)
	if err != nil {
		// BEGIN went through but waiting for a writer lock failed (lock_timeout,
		// statement_timeout, a cancel): end the aborted transaction, or every later
		// BEGIN on this connection fails.
		w.rollback()
	}
	return err
}

// start runs a batch on PostgreSQL (startPG, postgres.go).
func (pgDialect) start(w *writer, batch []*writeReq, at time.Time) ([]*writeReq, bool, bool) {
	return w.startPG(batch, at)
}

func (pgDialect) runOne(w *writer, tx *Tx, fn func(*Tx) error, single bool) error {
	return w.runOnePG(tx, fn, single)
}

func (pgDialect) commit(_ *writer, tx *Tx) error { return tx.pg.commit() }

// alive: pgx closes its connection on a network error or a FATAL from the server.
func (pgDialect) alive(dc any) bool { return pgConnAlive(dc) }

func (pgDialect) exec(tx *Tx, q string, args []any) (sql.Result, error) {
	return tx.pg.exec(q, args)
}

func (pgDialect) query(tx *Tx, q string, args []any) (*sql.Rows, error) {
	return tx.pg.query(q, args)
}

func (pgDialect) queryRow(tx *Tx, q string, args []any) row {
	return row{pg: &pgRow{p: &tx.pg, q: q, args: args}}
}

func (pgDialect) flush(tx *Tx) error { return tx.pg.flush() }

func (pgDialect) lockRow() string   { return " FOR UPDATE" }
func (pgDialect) claimLock() string { return " FOR UPDATE SKIP LOCKED" }
func (pgDialect) strpos() string    { return "strpos" }

// space: the database's size as PostgreSQL counts it (free space is not reported).
func (pgDialect) space(ctx context.Context, read *sql.DB) (orderhub.SpaceStats, error) {
	var s orderhub.SpaceStats
	err := read.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&s.Bytes)
	return s, err
}

func (pgDialect) deliveryInserter(tx *Tx, vendorID string) deliveryInserter {
	return &expandBulk{tx: tx, vendorID: vendorID, heads: map[string]bool{}}
}

func (pgDialect) follow(tx *Tx, f *follower, heads []*orderhub.ClaimedDelivery) error {
	return f.allHeads(tx, heads)
}

// deliveryInserter inserts a fan-out expander step's deliveries (fanout.go).
type deliveryInserter interface {
	add(endpointID string, ev *orderhub.Event) error
	// done writes what add collected.
	done() error
}
