package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"

	"orderhub"
	"orderhub/sqlstore"
)

// Helpers of the tests that load a real server (crash, delivery crash, backup, soak)
// and of those that read what a hub stored.

// untilStopped runs n workers, each calling work(w, i) for i = 0, 1, … until work
// returns false or stop is called; stop waits for them (calling it again is a no-op).
func untilStopped(n int, work func(w, i int) bool) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-quit:
					return
				default:
				}
				if !work(w, i) {
					return
				}
			}
		}()
	}
	var once sync.Once
	return func() { once.Do(func() { close(quit); wg.Wait() }) }
}

// undelivered is how many of events no webhook-id in got names.
func undelivered(got []string, events map[string]*orderhub.Event) int {
	seen := map[string]bool{}
	for _, id := range got {
		seen[id] = true
	}
	missing := 0
	for id := range events {
		if !seen[id] {
			missing++
		}
	}
	return missing
}

// checkFirstArrivals fails t unless every webhook-id in got (in arrival order) names
// one of events and, per ordering key, the first arrivals are in sequence order
// (duplicates of an already delivered event may come again: at least once). It
// returns the number of duplicates and of ordering keys; who names the receiver in
// the messages.
func checkFirstArrivals(t *testing.T, who string, got []string, events map[string]*orderhub.Event) (dups, keys int) {
	t.Helper()
	last := map[string]int64{}
	first := map[string]bool{}
	for _, id := range got {
		ev := events[id]
		if ev == nil {
			t.Fatalf("%s: unknown event id %q", who, id)
		}
		if first[id] {
			dups++
			continue
		}
		first[id] = true
		if ev.Seq < last[ev.OrderingKey] {
			t.Fatalf("%s, key %s: event seq %d arrived after seq %d", who, ev.OrderingKey, ev.Seq, last[ev.OrderingKey])
		}
		last[ev.OrderingKey] = ev.Seq
	}
	return dups, len(last)
}

// acmeSQLite is a fresh SQLite database (dsn) in t's temporary directory holding
// vendor acme, open as db, and a plain connection raw to the same file for reading
// what is stored (both closed when t ends).
func acmeSQLite(t *testing.T) (db *sqlstore.DB, dsn string, raw *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	dsn = "sqlite:" + path
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Tenants().CreateVendor(context.Background(), &orderhub.Vendor{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if raw, err = sql.Open("sqlite", path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, dsn, raw
}
