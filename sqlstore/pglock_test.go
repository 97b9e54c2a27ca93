package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore/pgtest"
)

// The writer locks on PostgreSQL (postgres.go): a batch of one vendor's requests
// holds that vendor's slot, not the global lock, so two instances writing different
// vendors are in their transactions at the same time; the same vendor, or a write
// that is not per vendor, waits.
func TestPostgresVendorSlotsRunInParallel(t *testing.T) {
	dsn := pgtest.Start(t)
	ctx := context.Background()
	a, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if pgSlot("acme") == pgSlot("globex") {
		t.Fatal("acme and globex share a slot: pick other vendors")
	}
	for _, v := range []string{"acme", "globex"} {
		if err := a.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: v}); err != nil {
			t.Fatal(err)
		}
	}
	appendOne := func(vendor string) func(*Tx) error {
		return func(tx *Tx) error {
			_, err := tx.appendEvent(vendor, "test", "k", map[string]string{"v": vendor})
			return err
		}
	}
	// Instance a holds acme's slot: its request waits inside the transaction.
	inside, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock() // before the instances close, on any failure too
	held := make(chan error, 1)
	go func() {
		held <- a.w.doHinted(ctx, func(tx *Tx) error {
			if err := appendOne("acme")(tx); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		}, &writeHint{vendorID: "acme"})
	}()
	select {
	case <-inside:
	case err := <-held:
		t.Fatalf("the held request ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the held request did not start")
	}
	// Another vendor on instance b commits meanwhile.
	done := make(chan error, 1)
	go func() { done <- b.w.doHinted(ctx, appendOne("globex"), &writeHint{vendorID: "globex"}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a batch of another vendor waited for the held slot")
	}
	// The same vendor (on b), and then a global write (on c), wait for it: b's
	// writer for acme's slot, c's for the global lock, as pg_locks shows. (A global
	// write waiting first would make b wait behind it for the global lock, shared.)
	waiters := func(q string, args ...any) int {
		var n int
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if err := a.read.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND `+q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 1 || time.Now().After(deadline) {
				return n
			}
		}
	}
	same, global := make(chan error, 1), make(chan error, 1)
	go func() { same <- b.w.doHinted(ctx, appendOne("acme"), &writeHint{vendorID: "acme"}) }()
	if n := waiters(`classid = $1 AND objid = $2 AND objsubid = 2`, int64(pgSlotClass), int64(pgSlot("acme"))); n != 1 {
		t.Fatalf("%d sessions wait for acme's slot, want 1", n)
	}
	go func() { global <- c.Write(ctx, appendOne("globex")) }()
	if n := waiters(`mode = 'ExclusiveLock' AND objid = $1 AND objsubid = 1`, int64(pgWriterLock)); n != 1 {
		t.Fatalf("%d sessions wait for the global lock, want 1", n)
	}
	select {
	case err := <-same:
		t.Fatalf("a batch of the same vendor did not wait for its slot: %v", err)
	case err := <-global:
		t.Fatalf("a global write did not wait for the slot holder: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	unblock()
	for _, c := range []chan error{held, same, global} {
		select {
		case err := <-c:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a write did not finish after the slot was released")
		}
	}
	for v, want := range map[string]int{"acme": 2, "globex": 2} {
		evs, err := a.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: v, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != want {
			t.Fatalf("%s: %d events, want %d", v, len(evs), want)
		}
		for i, e := range evs {
			if e.Seq != int64(i+1) {
				t.Fatalf("%s: event %d has seq %d", v, i, e.Seq)
			}
		}
	}
}

// The locks a batch takes: its vendors' slots in ascending order under the global
// lock shared; anything not per vendor (no hint, a background request) or too many
// vendors takes the global lock exclusively.
func TestPostgresBatchLocks(t *testing.T) {
	req := func(vendor string) *writeReq { return &writeReq{hint: &writeHint{vendorID: vendor}} }
	vendors := []string{"acme", "globex", "initech", "acme"}
	var batch []*writeReq
	for _, v := range vendors {
		batch = append(batch, req(v))
	}
	slots := pgSlotsOf(batch)
	if len(slots) != 3 {
		t.Fatalf("slots %v, want three", slots)
	}
	for i := 1; i < len(slots); i++ {
		if slots[i] <= slots[i-1] {
			t.Fatalf("slots %v not ascending", slots)
		}
	}
	q := pgBeginOf(slots)
	if !strings.Contains(q, "pg_advisory_xact_lock_shared(1869768823)") || strings.Count(q, "pg_advisory_xact_lock(1869768823, ") != 3 {
		t.Fatalf("begin %q", q)
	}
	if strings.Index(q, "_shared") > strings.Index(q, "pg_advisory_xact_lock(1869768823, ") {
		t.Fatalf("begin %q: the global lock must come first", q)
	}
	for name, b := range map[string][]*writeReq{
		"no hint":    {req("acme"), {}},
		"no vendor":  {req("acme"), req("")},
		"background": {{hint: &writeHint{vendorID: "acme"}, started: time.Now()}},
	} {
		if s := pgSlotsOf(b); s != nil {
			t.Fatalf("%s: slots %v, want the global lock", name, s)
		}
	}
	var many []*writeReq
	for i := range 10 * pgMaxSlots {
		many = append(many, req(strings.Repeat("v", i+1)))
	}
	if s := pgSlotsOf(many); s != nil {
		t.Fatalf("%d vendors: slots %v, want the global lock", len(many), s)
	}
	// What queued after a per-vendor batch began: the vendor orders of its slots
	// join it, the others run after it.
	plain, bg, other := &writeReq{}, &writeReq{hint: &writeHint{vendorID: "acme"}, started: time.Now()}, req("hooli")
	own, rest := pgCovered([]*writeReq{batch[0], plain, batch[1], bg, other, batch[3]}, slots)
	if len(own) != 3 || own[0] != batch[0] || own[1] != batch[1] || own[2] != batch[3] || len(rest) != 3 || rest[0] != plain || rest[1] != bg || rest[2] != other {
		t.Fatalf("covered: %d own, %d rest", len(own), len(rest))
	}
	if pgBeginOf(nil) != pgBeginGlobal {
		t.Fatal("no slots: not the global lock")
	}
}

// Vendor orders that queued after a batch began with its slots join it when their
// slots can be had without breaking the ascending order: above every held slot by
// waiting, below only when free (a try that does not wait); the others run after.
func TestPostgresMoreSlots(t *testing.T) {
	db := openEngine(t, "postgres")
	ctx := context.Background()
	const held = 500
	vendorOf := func(lo, hi int, not ...string) string { // a vendor whose slot is in [lo, hi)
		for i := 0; ; i++ {
			v := fmt.Sprintf("v%d", i)
			if s := pgSlot(v); s >= lo && s < hi && !slices.Contains(not, v) {
				return v
			}
		}
	}
	above, belowFree := vendorOf(held+1, pgSlots), vendorOf(0, held)
	belowTaken := vendorOf(0, held, belowFree)
	other, err := db.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, "SELECT pg_advisory_lock($1::int, $2::int)", int32(pgSlotClass), int32(pgSlot(belowTaken))); err != nil {
		t.Fatal(err)
	}
	req := func(v string) *writeReq { return &writeReq{hint: &writeHint{vendorID: v}} }
	first, plain := req(vendorOf(held, held+1)), &writeReq{}
	rest := []*writeReq{req(above), plain, req(belowTaken), req(belowFree), req(above)}
	var own []*writeReq
	err = db.Write(ctx, func(tx *Tx) error {
		var err error
		own, rest, err = tx.w.moreSlots([]int{held}, []*writeReq{first}, rest)
		if err != nil {
			return err
		}
		var mine []int
		rows, err := db.read.QueryContext(ctx, `SELECT l.objid FROM pg_locks l JOIN pg_stat_activity a USING (pid)
			WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND a.application_name = 'orderhub-writer' ORDER BY 1`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s int
			if err := rows.Scan(&s); err != nil {
				return err
			}
			mine = append(mine, s)
		}
		want := []int{pgSlot(belowFree), pgSlot(above)}
		slices.Sort(want)
		if !slices.Equal(mine, want) {
			t.Errorf("the writer holds slots %v, want %v", mine, want)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(own) != 4 || own[0] != first || own[1].hint.vendorID != above || own[2].hint.vendorID != belowFree || own[3].hint.vendorID != above {
		t.Fatalf("own: %d requests", len(own))
	}
	if len(rest) != 2 || rest[0] != plain || rest[1].hint.vendorID != belowTaken {
		t.Fatalf("rest: %d requests", len(rest))
	}
}

// A batch of vendor orders that waited for its slot takes in what queued meanwhile:
// a vendor order of a free slot joins it; one whose slot is busy, and a write that
// is not per vendor, run right after it as a batch of their own.
func TestPostgresSplitBatch(t *testing.T) {
	db := openEngine(t, "postgres")
	ctx := context.Background()
	vendorOf := func(lo, hi int) string {
		for i := 0; ; i++ {
			if v := fmt.Sprintf("v%d", i); pgSlot(v) >= lo && pgSlot(v) < hi {
				return v
			}
		}
	}
	// y's slot is above x's and z's: x's is busy (tried, not waited for), z's free.
	x, z, y := vendorOf(0, 300), vendorOf(300, 600), vendorOf(600, pgSlots)
	for _, v := range []string{x, y, z} {
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: v}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var sizes []int
	db.Ops().SetBatchObserver(func(size int, _ time.Duration, err error) {
		mu.Lock()
		sizes = append(sizes, size)
		mu.Unlock()
	})
	other, err := db.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for _, v := range []string{x, y} {
		if _, err := other.ExecContext(ctx, "SELECT pg_advisory_lock($1::int, $2::int)", int32(pgSlotClass), int32(pgSlot(v))); err != nil {
			t.Fatal(err)
		}
	}
	appendOne := func(vendor string) func(*Tx) error {
		return func(tx *Tx) error {
			_, err := tx.appendEvent(vendor, "test", "k", map[string]string{"v": vendor})
			return err
		}
	}
	errs := make(chan error, 4)
	go func() { errs <- db.w.doHinted(ctx, appendOne(y), &writeHint{vendorID: y}) }()
	// The batch waits for y's slot; then the others queue.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var n int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 2`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the batch does not wait for its slot")
		}
	}
	go func() { errs <- db.w.doHinted(ctx, appendOne(x), &writeHint{vendorID: x}) }()
	go func() { errs <- db.w.doHinted(ctx, appendOne(z), &writeHint{vendorID: z}) }()
	go func() { errs <- db.Write(ctx, appendOne(z)) }()
	for deadline := time.Now().Add(10 * time.Second); len(db.w.reqs) < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the writes did not queue")
		}
	}
	mu.Lock()
	sizes = nil
	mu.Unlock()
	if _, err := other.ExecContext(ctx, "SELECT pg_advisory_unlock($1::int, $2::int)", int32(pgSlotClass), int32(pgSlot(y))); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a write did not finish")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(sizes, []int{2, 2}) {
		t.Fatalf("batches of %v, want [2 2]: y and z, then x and the global write", sizes)
	}
}
