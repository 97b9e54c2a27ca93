package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"orderhub"
	"orderhub/sqlstore"
)

// crashClient places the crash tests' orders (a short timeout: the server may be
// dead).
var crashClient = &http.Client{Timeout: 10 * time.Second}

// TestDeliveryCrashSafety builds the real binary, runs `orderhub serve` with a
// webhook endpoint, places Vendor Order API orders under load, kills the server with
// SIGKILL mid-delivery, restarts it, and checks that every committed event reached
// the receiver at least once, in sequence order per ordering key, correctly signed.
func TestDeliveryCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "crash.db")
	clientID, secret := fixture(t, dsn)

	var mu sync.Mutex
	var got []string // webhook-id (the event id) of every request, in arrival order
	var badSig atomic.Int32
	var verifier *standardwebhooks.Webhook
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		time.Sleep(3 * time.Millisecond) // keep deliveries in flight when the kill comes
		mu.Lock()
		if verifier != nil && verifier.Verify(body, r.Header) != nil {
			badSig.Add(1)
		}
		got = append(got, r.Header.Get("webhook-id"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	var ep orderhub.Endpoint
	admin(t, dsn, &ep, "endpoints", "create", "--allow-private-targets", "--vendor", "acme", "--url", recv.URL+"/hook")
	wh, err := standardwebhooks.NewWebhook(ep.Secret)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	verifier = wh
	mu.Unlock()

	serveArgs := []string{"--allow-private-targets", "--delivery-timeout", "1s"} // leases of 3 s
	inst := startInstances(t, dsn, 1, serveArgs...)[0]
	tok := token(t, inst.url, clientID, secret)

	// Load: 8 clients place orders for 25 customers (so that each customer's events
	// form a long ordered queue) until the kill.
	var accepted atomic.Int64
	stop := untilStopped(8, func(c, i int) bool {
		n := c*100000 + i
		r, err := placeOrder(crashClient, inst.url, tok, "crash-"+strconv.Itoa(n), fmt.Sprintf("c%d@example.com", n%25))
		if err != nil {
			return false // the server died
		}
		if r.status == http.StatusOK {
			accepted.Add(1)
		}
		return true
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 300 && accepted.Load() >= 150 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no load built up: %d accepted, %d delivered\n%s", accepted.Load(), n, logs([]*instance{inst}))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := inst.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-inst.done
	stop()
	mu.Lock()
	atKill := len(got)
	mu.Unlock()

	// Restart: the killed process's leases expire and its deliveries are retried.
	startInstances(t, dsn, 1, serveArgs...)

	db, err := sqlstore.Open(t.Context(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events := allEvents(t, db)
	if int64(len(events)) < 2*accepted.Load() {
		t.Fatalf("%d events for %d accepted orders", len(events), accepted.Load())
	}
	deadline = time.Now().Add(90 * time.Second)
	for {
		mu.Lock()
		missing := undelivered(got, events)
		mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			active, _ := db.Deliveries().ListDeliveries(t.Context(), orderhub.DeliveryFilter{VendorID: "acme", Status: "active", Limit: 5})
			t.Fatalf("%d of %d committed events never delivered; active deliveries: %+v", missing, len(events), active)
		}
		time.Sleep(50 * time.Millisecond)
	}

	mu.Lock()
	defer mu.Unlock()
	// Per ordering key, the first arrivals are in sequence order (duplicates of an
	// already delivered event may come again: at least once).
	dups, keys := checkFirstArrivals(t, "the receiver", got, events)
	if n := badSig.Load(); n > 0 {
		t.Fatalf("%d requests failed signature verification", n)
	}
	t.Logf("%d orders accepted, %d events over %d keys; %d requests before the kill, %d after; %d duplicates (at least once)",
		accepted.Load(), len(events), keys, atKill, len(got)-atKill, dups)
}
