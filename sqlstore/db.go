// Package sqlstore is orderhub's storage: SQLite (modernc.org/sqlite, no cgo) today,
// PostgreSQL beside it, behind one narrow dialect seam. Every change is written by
// one writer goroutine that groups concurrent requests into one transaction (group
// commit): each request runs in its own savepoint, and all of them are answered after
// the shared COMMIT, so durability (synchronous=FULL) does not cost throughput.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"orderhub"
	"orderhub/sealing"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database engine.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open orderhub database.
type DB struct {
	dialect Dialect
	d       dialect // what the engines do differently (dialect.go)
	dsn     string
	read    *sql.DB // readers (a pool)
	wdb     *sql.DB // the writer's pool of one connection
	w       *writer
	log     *slog.Logger

	// Now returns the current time; tests replace it. Set before first use.
	Now func() time.Time

	mu       sync.Mutex
	onCommit []func()

	// The fan-out expander (fanout.go).
	inlineFanout, fanBatch int
	fanWake                chan struct{}
	fanQuit, fanDone       chan struct{}
	fanMu                  sync.Mutex           // one step at a time; guards fanLast and fanRest
	fanLast                string               // the vendor the last step served
	fanRest                map[string]time.Time // vendors the expander leaves alone until then (their share used)
	fanExpanded            atomic.Int64
	fanWriter              atomic.Int64 // ns the expander's steps held the writer

	// WAL checkpoints off the writer (sqlite_checkpoint.go; SQLite only).
	ckWake         chan struct{}
	ckQuit, ckDone chan struct{}
	ckTail         atomic.Bool // the writer should checkpoint the log's rest (checkpointTail)

	unsavedReruns atomic.Int64 // batches without savepoints run again with them (sqlite_batch.go)

	observer  atomic.Pointer[func(size int, dur time.Duration, err error)]
	fallbacks atomic.Int64 // optimistic batches run again on the careful path

	replayBatch atomic.Int64 // seqs per replay transaction (SetReplayBatch)

	quotas        atomic.Pointer[map[string]int] // server-wide quota defaults (quota.go)
	quotaObserver atomic.Pointer[func(quota string)]

	sealer atomic.Pointer[sealing.Sealer] // seals webhook signing secrets (secrets.go)
	health writeHealth                    // outcome of the writes, for readiness (health.go)
}

// SetBatchObserver registers f to observe every group commit (metrics): its size,
// duration and error. It may be called while the database is in use.
func (sub Ops) SetBatchObserver(f func(size int, dur time.Duration, err error)) {
	sub.db.observer.Store(&f)
}

// Options tune Open.
type Options struct {
	Logger *slog.Logger
	// MaxBatch bounds how many write requests share one transaction (default 256).
	MaxBatch int
	// ReadConns is the size of the reader pool (default 8).
	ReadConns int
	// MustExist refuses to create a database: a SQLite file must exist and not be
	// empty, and either engine must already hold orderhub's schema (migrations
	// still bring it up to date). The admin commands open databases this way.
	MustExist bool
	// InlineFanout: a vendor's events are fanned out into deliveries in the
	// request's transaction while it has at most this many live endpoints (default
	// DefaultInlineFanout; negative: never, the expander does all of it).
	InlineFanout int
	// FanoutBatch bounds the rows one fan-out expander step reads and writes
	// (default DefaultFanoutBatch).
	FanoutBatch int
	// NoFanoutExpander: do not run the expander goroutine (tests drive it with
	// ExpandFanout).
	NoFanoutExpander bool
}

// DescribeDSN names a database for messages: SQLite as sqlite:ABSOLUTE-PATH (a
// relative path means nothing without the directory it was resolved in),
// PostgreSQL without its password.
func DescribeDSN(dsn string) string {
	d, src, err := ParseDSN(dsn)
	switch {
	case err != nil:
		return dsn
	case d == Postgres:
		if u, err := url.Parse(src); err == nil {
			return u.Redacted()
		}
		return "postgres://…"
	}
	if abs, err := filepath.Abs(src); err == nil {
		src = abs
	}
	return "sqlite:" + src
}

// errNoDatabase is what Open with MustExist returns for a database orderhub never set up.
func errNoDatabase(dsn, why string) error {
	return fmt.Errorf("database %s %s: start `orderhub serve` or run `orderhub migrate` on it first, or name the right one with --db or ORDERHUB_DB", DescribeDSN(dsn), why)
}

// ParseDSN splits "sqlite:PATH", "sqlite://PATH", "postgres://…" or a plain path
// (SQLite) into a dialect and a driver data source name.
func ParseDSN(dsn string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, dsn, nil
	case strings.HasPrefix(dsn, "sqlite://"):
		return SQLite, strings.TrimPrefix(dsn, "sqlite://"), nil
	case strings.HasPrefix(dsn, "sqlite:"):
		return SQLite, strings.TrimPrefix(dsn, "sqlite:"), nil
	case strings.Contains(dsn, "://"):
		return "", "", fmt.Errorf("unsupported database %q: use sqlite:PATH or postgres://…", dsn)
	case dsn == "":
		return "", "", errors.New("empty database name")
	}
	return SQLite, dsn, nil
}

// sqliteDSN builds the modernc DSN with orderhub's pragmas. Unknown keys are ignored
// by the driver, so Open checks afterwards that the pragmas took effect.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	// Savepoint (sub)journals in memory: every request of a group commit runs in a
	// savepoint, and a file-backed subjournal costs a write syscall per touched page.
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// The writer never checkpoints in a COMMIT: a goroutine of its own does
		// (sqlite_checkpoint.go).
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	return "file:" + uriPath(path) + "?" + q.Encode()
}

// Open opens (creating if needed) the database named by dsn and applies migrations.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	dialect, src, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	if opt.ReadConns <= 0 {
		opt.ReadConns = 8
	}
	switch {
	case opt.InlineFanout == 0:
		opt.InlineFanout = orderhub.DefaultInlineFanout
	case opt.InlineFanout < 0:
		opt.InlineFanout = -1
	}
	if opt.FanoutBatch <= 0 {
		opt.FanoutBatch = orderhub.DefaultFanoutBatch
	}
	db := &DB{dialect: dialect, d: dialectOf(dialect), dsn: src, log: opt.Logger, Now: time.Now, inlineFanout: opt.InlineFanout, fanBatch: opt.FanoutBatch}
	switch dialect {
	case SQLite:
		if opt.MustExist {
			// Before the driver's first connection, which would create the file.
			st, err := os.Stat(src)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return nil, errNoDatabase(dsn, "does not exist")
			case err != nil:
				return nil, fmt.Errorf("database %s: %w", DescribeDSN(dsn), err)
			case st.IsDir():
				return nil, errNoDatabase(dsn, "is a directory")
			case st.Size() == 0:
				return nil, errNoDatabase(dsn, "is an empty file")
			}
		}
		if db.wdb, err = sql.Open("sqlite", sqliteDSN(src, false)); err != nil {
			return nil, err
		}
		if db.read, err = sql.Open("sqlite", sqliteDSN(src, true)); err != nil {
			return nil, err
		}
	default:
		if db.wdb, db.read, err = openPG(ctx, src, opt); err != nil {
			return nil, err
		}
	}
	db.wdb.SetMaxOpenConns(1)
	db.wdb.SetMaxIdleConns(1)
	db.wdb.SetConnMaxLifetime(0)
	db.wdb.SetConnMaxIdleTime(0)
	db.read.SetMaxOpenConns(opt.ReadConns)
	db.read.SetMaxIdleConns(opt.ReadConns)

	if opt.MustExist {
		if err := db.checkSchema(ctx, dsn); err != nil {
			db.closeConns()
			return nil, err
		}
	}
	if err := db.migrate(ctx); err != nil {
		db.closeConns()
		return nil, err
	}
	if dialect == SQLite {
		if err := db.checkPragmas(ctx); err != nil {
			db.closeConns()
			return nil, err
		}
	}
	conn, err := db.wdb.Conn(ctx)
	if err != nil {
		db.closeConns()
		return nil, err
	}
	db.w = newWriter(db, conn, opt.MaxBatch)
	go db.w.loop()
	if dialect == SQLite {
		db.startCheckpointer()
	}
	if !opt.NoFanoutExpander {
		db.startFanout()
	}
	return db, nil
}

func (db *DB) checkPragmas(ctx context.Context) error {
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"}, {"foreign_keys", "1"}, {"synchronous", "2"}, {"busy_timeout", "10000"}, {"temp_store", "2"}, {"wal_autocheckpoint", "0"},
	} {
		var got string
		if err := db.wdb.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			return fmt.Errorf("check pragma %s: %w", c.pragma, err)
		}
		if strings.ToLower(got) != c.want {
			return fmt.Errorf("sqlite pragma %s is %q, want %q", c.pragma, got, c.want)
		}
	}
	return nil
}

// Pragma returns the value of a SQLite pragma on the writer connection (for tests).
func (db *DB) Pragma(ctx context.Context, name string) (string, error) {
	var v string
	err := db.w.do(ctx, func(tx *Tx) error {
		return tx.queryRow("PRAGMA " + name).Scan(&v)
	})
	return v, err
}

func (db *DB) migrate(ctx context.Context) error {
	dir, gd, extra := db.d.migrations()
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	// Migration numbers are handed out to parallel changes, so a database may have
	// applied a higher number before a lower one lands: apply the missing ones.
	opts := append([]goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true)}, extra...)
	p, err := goose.NewProvider(gd, db.wdb, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, r := range res {
		db.log.Info("migration applied", "version", r.Source.Version, "path", r.Source.Path)
	}
	return nil
}

// checkSchema fails unless migrations ran on the database before (goose's version
// table exists).
func (db *DB) checkSchema(ctx context.Context, dsn string) error {
	var n int
	if err := db.wdb.QueryRowContext(ctx, db.d.schemaSQL()).Scan(&n); err != nil {
		return fmt.Errorf("database %s: %w", DescribeDSN(dsn), err)
	}
	if n == 0 {
		return errNoDatabase(dsn, "holds no orderhub schema")
	}
	return nil
}

// Dialect reports the database engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (sub Ops) Ping(ctx context.Context) error {
	var one int
	return sub.db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// OnCommit registers f to be called (in the writer goroutine, so it must not block)
// after every commit that made deliveries, left events for the fan-out expander, or
// made deliveries due again (a replay) — not after one whose events no endpoint
// takes. Delivery uses it to wake workers.
func (sub Ops) OnCommit(f func()) {
	sub.db.mu.Lock()
	sub.db.onCommit = append(sub.db.onCommit, f)
	sub.db.mu.Unlock()
}

func (db *DB) committed() {
	db.mu.Lock()
	fs := db.onCommit
	db.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// Close stops the writer (after the requests already queued) and closes the database.
func (db *DB) Close() error {
	db.stopFanout()
	if db.w != nil {
		db.w.stop()
	}
	db.stopCheckpointer()
	return db.closeConns()
}

func (db *DB) closeConns() error {
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.wdb != nil {
		errs = append(errs, db.wdb.Close())
	}
	return errors.Join(errs...)
}

// micros converts a time to the stored form; fromMicros back.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func fromNullMicros(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// notFound turns sql.ErrNoRows into an *orderhub.Error with the given code.
func notFound(err error, code, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return orderhub.Errorf(code, format, args...)
	}
	return err
}
