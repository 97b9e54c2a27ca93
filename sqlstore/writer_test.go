package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
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
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
			if engine == "postgres" {
				dsn = pgtest.Start(t)
			}
			db, err := Open(context.Background(), dsn, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			if err := db.Write(ctx, func(tx *Tx) error {
				_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ('dup', 'x')`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var batches []int
			var mu sync.Mutex
			db.SetBatchObserver(func(n int, _ time.Duration, _ error) {
				mu.Lock()
				batches = append(batches, n)
				mu.Unlock()
			})
			// Hold the writer until every request is queued, so that they share one batch.
			gate, running := make(chan struct{}), make(chan struct{})
			held := make(chan error, 1)
			go func() {
				held <- db.Write(ctx, func(*Tx) error {
					close(running)
					<-gate
					return nil
				})
			}()
			<-running
			const n = 30
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = db.Write(ctx, func(tx *Tx) error {
						if i%3 == 1 {
							_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ('dup', $1)`, fmt.Sprint(i))
							return err
						}
						_, err := tx.exec(`INSERT INTO settings (key, value) VALUES ($1, 'v')`, fmt.Sprintf("k%02d", i))
						return err
					})
				}()
			}
			for len(db.w.reqs) < n {
				time.Sleep(time.Millisecond)
			}
			close(gate)
			wg.Wait()
			if err := <-held; err != nil {
				t.Fatal(err)
			}
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
			if len(batches) < 2 || batches[len(batches)-2] != n {
				t.Fatalf("batch sizes %v: the %d queued requests did not share one batch", batches, n)
			}
		})
	}
}
