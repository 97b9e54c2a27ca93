package sqlstore

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Background requests (the fan-out expander's steps) yield to foreground ones: with
// a background request and foreground requests waiting together, the foreground
// ones run first, in one group commit without it, and the background one runs after
// them in a transaction of its own (issue 14: a vendor's fan-out must not hold up
// another vendor's orders).
func TestBackgroundWritesYieldToForeground(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := openEngine(t, engine)
			ctx := context.Background()
			var mu sync.Mutex
			var order []string
			var batches []int
			db.Ops().SetBatchObserver(func(n int, _ time.Duration, _ error) {
				mu.Lock()
				batches = append(batches, n)
				mu.Unlock()
			})
			note := func(s string) func(*Tx) error {
				return func(*Tx) error {
					mu.Lock()
					order = append(order, s)
					mu.Unlock()
					return nil
				}
			}
			// Hold the writer while the background request and then the foreground
			// ones queue.
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
			bgDone := make(chan error, 1)
			var took, commit time.Duration
			go func() {
				var err error
				took, commit, err = db.w.background(ctx, note("bg"))
				bgDone <- err
			}()
			waitQueued(t, db.w.bg, 1)
			const n = 5
			fgDone := make(chan error, n)
			for range n {
				go func() { fgDone <- db.Write(ctx, note("fg")) }()
			}
			waitQueued(t, db.w.reqs, n)
			mu.Lock()
			batches = batches[:0]
			mu.Unlock()
			close(gate)
			if err := <-held; err != nil {
				t.Fatal(err)
			}
			for range n {
				if err := <-fgDone; err != nil {
					t.Fatal(err)
				}
			}
			if err := <-bgDone; err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			want := []string{"fg", "fg", "fg", "fg", "fg", "bg"}
			if len(order) != len(want) {
				t.Fatalf("ran %v, want %v", order, want)
			}
			for i := range want {
				if order[i] != want[i] {
					t.Fatalf("ran %v, want the foreground requests before the background one: %v", order, want)
				}
			}
			// The held request's batch, the foreground batch, the background one alone.
			if len(batches) < 2 || batches[len(batches)-1] != 1 {
				t.Fatalf("batches %v: the background request must commit alone", batches)
			}
			if took <= 0 || commit <= 0 || commit > took {
				t.Fatalf("background request took %v, commit %v", took, commit)
			}
		})
	}
}

// A background request waits for a writer that always has foreground work at most
// bgMaxWait, then runs.
func TestBackgroundWritesAreNotStarved(t *testing.T) {
	db := openEngine(t, "sqlite")
	keepWriting(t, db, 4, 2*time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	backgroundRunsWithin(t, db, bgMaxWait+10*time.Second, "foreground requests kept coming")
}

// keepWriting keeps n writers busy on db, each write taking d, until the test ends.
func keepWriting(t *testing.T, db *DB, n int, d time.Duration) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = db.Write(context.Background(), func(*Tx) error { time.Sleep(d); return nil })
			}
		}()
	}
	t.Cleanup(func() { close(stop); wg.Wait() })
}

// backgroundRunsWithin fails t unless a background request on db runs within limit
// (while: what keeps the writer busy meanwhile).
func backgroundRunsWithin(t *testing.T, db *DB, limit time.Duration, while string) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, _, err := db.w.background(context.Background(), func(*Tx) error { return nil })
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(limit):
		t.Fatal("a background request never ran while " + while)
	}
}

// waitQueued waits until q holds n requests.
func waitQueued(t *testing.T, q chan *writeReq, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(q) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", len(q), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A background request is not starved by a foreground backlog deeper than one batch:
// with more foreground writers than MaxBatch, the foreground queue is never empty
// when the writer looks, yet the background request must run within about
// bgMaxWait (docs/fanout.md: "A step that has waited 1 s for a writer that never
// pauses runs next anyway"). The writer used to take a background request from its
// queue only when no foreground request waited, so it never saw its age.
func TestBackgroundWritesAreNotStarvedByADeepBacklog(t *testing.T) {
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "t.db"), Options{MaxBatch: 2, NoFanoutExpander: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keepWriting(t, db, 8, time.Millisecond) // four batches deep
	waitQueued(t, db.w.reqs, 4)
	backgroundRunsWithin(t, db, bgMaxWait+15*time.Second, "a foreground backlog deeper than one batch kept coming")
}
