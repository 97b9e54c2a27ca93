package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/sqlstore"
)

// getBody GETs base+path with a Bearer token and returns the status and body.
func getBody(t *testing.T, base, tok, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestBackupUnderLoadRestores runs `orderhub serve` (delivery off, so every delivery
// stays pending), places orders over HTTP from 8 clients, and takes `orderhub backup`
// in the middle of the load. The backup passes PRAGMA integrity_check and holds every
// order acknowledged before the backup began; a hub started on it serves the same
// contracts (the same token works: the signing key is in the database) and delivers
// every pending delivery it holds.
func TestBackupUnderLoadRestores(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "live.db")
	if _, errOut, err := runCLI(t, "migrate", "--db", dsn); err != nil {
		t.Fatal(err, errOut)
	}
	clientID, secret := fixture(t, dsn)

	var mu sync.Mutex
	got := map[string]bool{} // webhook-id (event id) → received
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got[r.Header.Get("webhook-id")] = true
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	admin(t, dsn, nil, "endpoints", "create", "--allow-private-targets", "--vendor", "acme", "--url", recv.URL+"/hook")

	live := startInstances(t, dsn, 1, "--deliver=false")[0]
	tok := token(t, live.url, clientID, secret)

	var ackMu sync.Mutex
	var acked []string // externalOrderIds answered 200, in answer order
	var failures atomic.Int64
	stop := untilStopped(8, func(c, i int) bool {
		ext := fmt.Sprintf("bk-%d-%d", c, i)
		r, err := placeOrder(httpClient, live.url, tok, ext, fmt.Sprintf("c%d@example.com", i%50))
		if err != nil || r.status != http.StatusOK {
			failures.Add(1)
			return true
		}
		ackMu.Lock()
		acked = append(acked, ext)
		ackMu.Unlock()
		return true
	})
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			ackMu.Lock()
			k := len(acked)
			ackMu.Unlock()
			if k >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d orders acknowledged\n%s", k, logs([]*instance{live}))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(300)

	// Every order acknowledged before the backup began must be in it.
	ackMu.Lock()
	before := append([]string(nil), acked...)
	ackMu.Unlock()
	backup := filepath.Join(dir, "backup.db")
	out, errOut, err := runCLI(t, "backup", "--db", dsn, "--to", backup)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "written to "+backup) {
		t.Fatalf("backup said: %q", out)
	}
	ackMu.Lock()
	during := len(acked) - len(before)
	ackMu.Unlock()
	waitFor(len(before) + during + 100) // the load went on after the backup
	stop()
	t.Logf("%d orders acknowledged before the backup, %d while it ran; %d failed", len(before), during, failures.Load())
	if failures.Load() > 0 {
		t.Errorf("%d orders failed under load", failures.Load())
	}

	// A second backup to the same file is refused; --force replaces it.
	if _, errOut, err := runCLI(t, "backup", "--db", dsn, "--to", backup); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("overwrite without --force: %v %s", err, errOut)
	}

	// The copy is sound and holds every acknowledged order.
	raw, err := sql.Open("sqlite", "file:"+backup+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	have := map[string]bool{}
	rows, err := raw.Query(`SELECT external_order_id FROM contracts WHERE external_order_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ext string
		if err := rows.Scan(&ext); err != nil {
			t.Fatal(err)
		}
		have[ext] = true
	}
	rows.Close()
	for _, ext := range before {
		if !have[ext] {
			t.Errorf("order %s was acknowledged before the backup began but is not in it", ext)
		}
	}
	var pending, events int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'failed')`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT COUNT(DISTINCT event_id) FROM deliveries`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if pending == 0 || pending != events {
		t.Fatalf("backup holds %d pending deliveries of %d events; want all pending", pending, events)
	}

	// Restore: a copy of the backup is a database like any other.
	restored := filepath.Join(dir, "restored.db")
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(restored, b, 0o600); err != nil {
		t.Fatal(err)
	}
	hub := startInstances(t, "sqlite:"+restored, 1, "--allow-private-targets")[0]
	for _, ext := range []string{before[0], before[len(before)/2], before[len(before)-1]} {
		path := "/payments/vendor/acme/contracts?externalOrderId=" + ext
		s1, b1 := getBody(t, live.url, tok, path)
		s2, b2 := getBody(t, hub.url, tok, path)
		if s1 != 200 || s1 != s2 || b1 != b2 {
			t.Fatalf("%s: live %d %s\nrestored %d %s", path, s1, b1, s2, b2)
		}
	}
	// The restored hub delivers what was pending in the backup.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= events {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("restored hub delivered %d of %d events\n%s", n, events, logs([]*instance{hub}))
		}
		time.Sleep(50 * time.Millisecond)
	}
	hub.stop()
	db, err := sqlstore.Open(context.Background(), "sqlite:"+restored, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Deliveries().DeliveryQueueStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("restored hub delivered %d events; queue after: %+v", events, st)
}

// backup names its errors and never creates or overwrites what it must not.
func TestBackupRefusals(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	live := filepath.Join(dir, "live.db")
	if _, errOut, err := runCLI(t, "migrate", "--db", "sqlite:"+live); err != nil {
		t.Fatal(err, errOut)
	}
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "notdb.db")
	if err := os.WriteFile(notDB, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--db", "sqlite:" + missing, "--to", filepath.Join(dir, "a.db")}, "does not exist"},
		{[]string{"--db", "sqlite:" + live, "--to", existing}, "already exists"},
		{[]string{"--db", "sqlite:" + live, "--to", live, "--force"}, "is the database itself"},
		{[]string{"--db", "sqlite:" + live, "--to", filepath.Join(dir, "no", "dir.db")}, "directory"},
		{[]string{"--db", "postgres://u@127.0.0.1/x", "--to", filepath.Join(dir, "pg.db")}, "pg_dump"},
		{[]string{"--db", "sqlite:" + notDB, "--to", filepath.Join(dir, "b.db")}, "not an orderhub database"},
	} {
		_, _, err := runCLI(t, append([]string{"backup"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("backup %v: %v, want an error saying %q", c.args, err, c.want)
		}
	}
	if _, _, err := runCLI(t, "backup", "--db", "sqlite:"+live); !errors.Is(err, errUsage) {
		t.Errorf("backup without --to: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("backup created the missing source database")
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Error("backup overwrote an existing file without --force")
	}
	if _, _, err := runCLI(t, "backup", "--db", "sqlite:"+live, "--to", existing, "--force"); err != nil {
		t.Fatalf("--force: %v", err)
	}
	if b, _ := os.ReadFile(existing); string(b) == "keep me" {
		t.Error("--force did not overwrite")
	}
	// Paths with characters that mean something in a SQLite URI work.
	odd := filepath.Join(dir, "odd?name#1%41")
	if err := os.Mkdir(odd, 0o755); err != nil {
		t.Fatal(err)
	}
	oddDB := filepath.Join(odd, "live?.db")
	if _, errOut, err := runCLI(t, "migrate", "--db", "sqlite:"+oddDB); err != nil {
		t.Fatal(err, errOut)
	}
	if _, errOut, err := runCLI(t, "backup", "--db", "sqlite:"+oddDB, "--to", filepath.Join(odd, "copy#.db")); err != nil {
		t.Fatalf("backup of %s: %v %s", oddDB, err, errOut)
	}
	if _, err := os.Stat(filepath.Join(odd, "copy#.db")); err != nil {
		t.Fatal(err)
	}
	// No temporary files are left behind.
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
