package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/sqlstore/pgtest"
)

// The writer's savepoint handling on both engines (an internal test: it needs
// statements no exported method makes).

// A batch mixing requests that succeed with requests whose statement fails (a unique
// violation: on PostgreSQL it aborts the subtransaction) commits the good ones and
// answers the failed ones with their error.
func TestBatchIsolatesFailedStatements(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := openWithDup(t, engine)
			ctx := context.Background()
			var batches []int
			var mu sync.Mutex
			db.Ops().SetBatchObserver(func(n int, _ time.Duration, _ error) {
				mu.Lock()
				batches = append(batches, n)
				mu.Unlock()
			})
			// Hold the writer until every request is queued, so that they share one batch.
			const n = 30
			reqs := make([]func(*Tx) error, n)
			for i := range reqs {
				reqs[i] = func(tx *Tx) error {
					if i%3 == 1 {
						_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ('dup', $1)`, fmt.Sprint(i))
						return err
					}
					_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ($1, 'v')`, fmt.Sprintf("k%02d", i))
					return err
				}
			}
			errs := holdWriter(t, db, reqs...)
			want := 0
			for i, err := range errs {
				if (i%3 == 1) != (err != nil) {
					t.Fatalf("request %d: %v", i, err)
				}
				if err == nil {
					want++
				}
			}
			var got int
			if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key LIKE 'k%'`).Scan(&got); err != nil || got != want {
				t.Fatalf("%d rows committed (%v), want %d", got, err, want)
			}
			var v string
			if err := db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'dup'`).Scan(&v); err != nil || v != "x" {
				t.Fatalf("dup = %q (%v)", v, err)
			}
			// The writer observes a batch after answering it; one more write, run
			// after that batch, makes sure its observation is in.
			if err := db.Write(ctx, func(*Tx) error { return nil }); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			// The extra write's own observation may or may not be in yet: look for the
			// batch of n anywhere.
			if !slices.Contains(batches, n) {
				t.Fatalf("batch sizes %v: the %d queued requests did not share one batch", batches, n)
			}
		})
	}
}

// deliveryTargets lists the deliveries of the events where (a condition on e, the
// event: "" for all) selects, as "orderingKey→endpoint" in seq order.
func deliveryTargets(t *testing.T, db *DB, where string, args ...any) string {
	t.Helper()
	got, err := queryAll(context.Background(), db, `SELECT e.ordering_key, d.endpoint_id FROM deliveries d JOIN events e ON e.id = d.event_id `+where+`
		ORDER BY e.seq, d.endpoint_id`, func(sc interface{ Scan(...any) error }) (string, error) {
		var k, ep string
		err := sc.Scan(&k, &ep)
		return k + "→" + ep, err
	}, args...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(got, " ")
}

// openWithDup opens a fresh database of the named engine holding setting dup = x,
// for requests whose statement collides with it.
func openWithDup(t *testing.T, engine string) *DB {
	t.Helper()
	db := openEngine(t, engine)
	if err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ('dup', 'x')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

// openEngine opens a fresh database of the named engine.
func openEngine(t *testing.T, engine string) *DB {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	if engine == "postgres" {
		dsn = pgtest.Start(t)
	}
	db, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// holdWriter runs the requests in one batch: it keeps the writer busy until all of
// them are queued, in order (see holdCalls).
func holdWriter(t *testing.T, db *DB, reqs ...func(*Tx) error) []error {
	t.Helper()
	calls := make([]func() error, len(reqs))
	for i, fn := range reqs {
		calls[i] = func() error { return db.Write(context.Background(), fn) }
	}
	return holdCalls(t, db, calls...)
}

// Within one batch, fan-out sees the endpoints as every earlier request left them:
// created by an earlier request, or gone again with a request that was rolled back
// (on PostgreSQL the fan-out targets are cached per transaction).
func TestFanOutSeesEndpointChangesWithinBatch(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := openEngine(t, engine)
			ctx := context.Background()
			if err := db.Write(ctx, func(tx *Tx) error {
				_, err := tx.exec(`INSERT INTO vendors (id, name, created_at) VALUES ('acme', 'Acme', 0)`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			insertEndpoint := func(tx *Tx, id string) error {
				tx.endpointsChanged()
				_, err := tx.exec(`INSERT INTO endpoints (id, vendor_id, kind, url, event_types, secret, created_at, updated_at)
					VALUES ($1, 'acme', 'webhook', 'https://example.com/', '', 'whsec_x', 0, 0)`, id)
				return err
			}
			appendEv := func(key string) func(*Tx) error {
				return func(tx *Tx) error {
					_, err := tx.appendEvent("acme", "t", key, map[string]string{})
					return err
				}
			}
			errFailed := errors.New("request failed on purpose")
			errs := holdWriter(t, db,
				appendEv("before"), // no endpoint yet
				func(tx *Tx) error { return insertEndpoint(tx, "ep1") },
				appendEv("after-create"), // → ep1
				func(tx *Tx) error { // ep2 exists inside this request only
					if err := insertEndpoint(tx, "ep2"); err != nil {
						return err
					}
					if _, err := tx.appendEvent("acme", "t", "inside", map[string]string{}); err != nil {
						return err
					}
					return errFailed
				},
				appendEv("after-rollback"), // → ep1 only
			)
			for i, err := range errs {
				if (i == 3) != (err != nil) || (i == 3 && !errors.Is(err, errFailed)) {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			if got, want := deliveryTargets(t, db, ""), "after-create→ep1 after-rollback→ep1"; got != want {
				t.Fatalf("deliveries %q, want %q", got, want)
			}
		})
	}
}

// A statement error surfaces in the request that caused it, even when its queued
// statement is sent later (PostgreSQL pipelining), and even when the function turns
// the failure into an error of its own.
func TestQueuedStatementErrorsBelongToTheirRequest(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := openWithDup(t, engine)
			ctx := context.Background()
			errNotFound := errors.New("derived: not found")
			errs := holdWriter(t, db,
				func(tx *Tx) error { // fine
					_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ('a', '1')`)
					return err
				},
				func(tx *Tx) error { // fails at its last statement, which nobody waits for
					if _, err := tx.exec(`INSERT INTO settings (key, value) VALUES ('b', '1')`); err != nil {
						return err
					}
					_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ('dup', 'y')`)
					return err
				},
				func(tx *Tx) error { // a failed statement read back as "nothing changed"
					res, _ := tx.exec(`INSERT INTO settings (key, value) VALUES ('dup', 'z')`)
					if n, _ := res.RowsAffected(); n == 0 {
						return errNotFound
					}
					return nil
				},
				func(tx *Tx) error { // fine, after two failures
					_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ('c', '1')`)
					return err
				},
			)
			if errs[0] != nil || errs[1] == nil || errs[2] == nil || errs[3] != nil {
				t.Fatalf("errors %v", errs)
			}
			if engine == "postgres" && errors.Is(errs[2], errNotFound) {
				t.Fatalf("request 2 reported %v, not the database's error", errs[2])
			}
			var keys []string
			rows, err := db.read.QueryContext(ctx, `SELECT key || '=' || value FROM settings ORDER BY key`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k)
			}
			if want := "a=1 c=1 dup=x"; strings.Join(keys, " ") != want {
				t.Fatalf("settings %q, want %q", strings.Join(keys, " "), want)
			}
		})
	}
}

// PostgreSQL: a write whose wait for the writer lock fails (here lock_timeout, while
// another session holds the lock) fails alone; the writer's connection is not left
// in an aborted transaction, and writes succeed again once the lock is free.
func TestWriterRecoversFromFailedLockWait(t *testing.T) {
	dsn := pgtest.Start(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := Open(context.Background(), dsn+sep+"lock_timeout=300ms", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	holder, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A reader session is read-only, but advisory locks are not writes.
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(pgWriterLock)); err != nil {
		t.Fatal(err)
	}
	write := func() error {
		return db.Write(ctx, func(tx *Tx) error {
			_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ($1, 'v') ON CONFLICT (key) DO UPDATE SET value = 'v'`, fmt.Sprint(time.Now().UnixNano()))
			return err
		})
	}
	if err := write(); err == nil {
		t.Fatal("a write succeeded while another session held the writer lock")
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", int64(pgWriterLock)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := write(); err != nil {
			t.Fatalf("write %d after the lock was released: %v", i, err)
		}
	}
}
