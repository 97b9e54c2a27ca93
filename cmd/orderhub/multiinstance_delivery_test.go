package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"orderhub"
	"orderhub/sqlstore"
	"orderhub/sqlstore/pgtest"
)

// receiver is a webhook endpoint that records every request. Once armed, it holds
// the next request open (without answering) until its sender goes away.
type receiver struct {
	mu       sync.Mutex
	arrivals []arrival
	armed    bool
	trapID   string
	trapped  chan string
}

type arrival struct {
	eventID    string
	start, end time.Time
	status     int // 0: never answered
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	b, _ := io.ReadAll(r.Body)
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &p); err != nil || p.ID == "" || r.Header.Get("webhook-id") != p.ID {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	trap := rc.armed && rc.trapID == ""
	if trap {
		rc.trapID = p.ID
	}
	rc.mu.Unlock()
	if trap {
		rc.trapped <- p.ID
		<-r.Context().Done() // the sender was killed: its connection closed
		rc.record(arrival{eventID: p.ID, start: start, end: time.Now()})
		return
	}
	time.Sleep(2 * time.Millisecond) // a receiver doing some work
	w.WriteHeader(http.StatusNoContent)
	rc.record(arrival{eventID: p.ID, start: start, end: time.Now(), status: http.StatusNoContent})
}

func (rc *receiver) record(a arrival) {
	rc.mu.Lock()
	rc.arrivals = append(rc.arrivals, a)
	rc.mu.Unlock()
}

func (rc *receiver) snapshot() []arrival {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.arrivals)
}

// waitDelivered waits until the delivery queue is empty.
func waitDelivered(t *testing.T, db *sqlstore.DB, insts []*instance) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := db.Deliveries().DeliveryQueueStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Active == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still active after 2 minutes\n%s", st.Active, logs(insts))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// allEvents returns the vendor's events by id.
func allEvents(t *testing.T, db *sqlstore.DB) map[string]*orderhub.Event {
	t.Helper()
	out := map[string]*orderhub.Event{}
	for after := int64(0); ; {
		evs, err := db.Orders().ListEvents(context.Background(), orderhub.EventFilter{VendorID: "acme", AfterSeq: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			out[e.ID] = e
		}
		after = evs[len(evs)-1].Seq
	}
}

// checkOrder checks that every event was answered 2xx and that, per ordering key, an
// event was first sent only after the previous event of its key had been answered 2xx.
func checkOrder(t *testing.T, arrivals []arrival, events map[string]*orderhub.Event) {
	t.Helper()
	first := map[string]time.Time{} // event → first arrival
	acked := map[string]time.Time{} // event → end of its first 2xx
	for _, a := range arrivals {
		if _, ok := events[a.eventID]; !ok {
			t.Fatalf("received unknown event %s", a.eventID)
		}
		if f, ok := first[a.eventID]; !ok || a.start.Before(f) {
			first[a.eventID] = a.start
		}
		if a.status/100 == 2 {
			if e, ok := acked[a.eventID]; !ok || a.end.Before(e) {
				acked[a.eventID] = a.end
			}
		}
	}
	byKey := map[string][]*orderhub.Event{}
	for _, e := range events {
		if _, ok := acked[e.ID]; !ok {
			t.Fatalf("event %s (%s, key %s, seq %d) was never delivered", e.ID, e.Type, e.OrderingKey, e.Seq)
		}
		byKey[e.OrderingKey] = append(byKey[e.OrderingKey], e)
	}
	for key, evs := range byKey {
		slices.SortFunc(evs, func(a, b *orderhub.Event) int { return int(a.Seq - b.Seq) })
		for i := 1; i < len(evs); i++ {
			prev, next := evs[i-1], evs[i]
			if first[next.ID].Before(acked[prev.ID]) {
				t.Fatalf("key %s: seq %d (%s) was sent at %s, before seq %d (%s) was delivered at %s",
					key, next.Seq, next.Type, first[next.ID].Format(time.StampMicro), prev.Seq, prev.Type, acked[prev.ID].Format(time.StampMicro))
			}
		}
	}
}

// Three serve processes deliver one outbox: every event reaches the receiver, per
// ordering key in order across the instances. Then the instance sending a delivery is
// killed with SIGKILL mid-request: after its lease expires another instance delivers
// the event, and the key's next event follows it.
func TestMultiInstanceDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	rc := &receiver{trapped: make(chan string, 1)}
	hook := httptest.NewServer(rc)
	defer hook.Close()

	cluster := pgtest.NewCluster(t)
	dsn := cluster.CreateDB(t)
	// Lease = 3 × delivery timeout = 9 s.
	insts := startInstances(t, dsn, 3, "--allow-private-targets", "--delivery-timeout", "3s", "--delivery-schedule", "0,1s,1s,1s,1s,1s,1s,1s")
	clientID, secret := fixture(t, dsn)
	admin(t, dsn, nil, "endpoints", "create", "--allow-private-targets", "--vendor", "acme", "--url", hook.URL+"/hook")
	tok := token(t, insts[0].url, clientID, secret)
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Phase 1: orders of six customers through all three instances at once.
	const orders, customers = 36, 6
	var wg sync.WaitGroup
	errs := make(chan error, orders)
	for i := range orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := placeOrder(httpClient, insts[i%len(insts)].url, tok, fmt.Sprintf("ORDER-%03d", i), fmt.Sprintf("buyer%d@example.com", i%customers))
			if err == nil && r.status != 200 {
				err = fmt.Errorf("order %d: %d %s", i, r.status, r.raw)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waitDelivered(t, db, insts)
	events := allEvents(t, db)
	// customer-created per customer; contract-created, order-created and
	// contract-confirmed per order.
	if len(events) != customers+3*orders {
		t.Fatalf("%d events, want %d", len(events), customers+3*orders)
	}
	phase1 := rc.snapshot()
	checkOrder(t, phase1, events)
	// No failures, so no event was sent twice: each delivery was claimed by one
	// instance.
	seen := map[string]int{}
	for _, a := range phase1 {
		if seen[a.eventID]++; seen[a.eventID] > 1 {
			t.Fatalf("event %s was sent %d times", a.eventID, seen[a.eventID])
		}
	}

	// Phase 2: one more order; its first delivery is held open, and the instance
	// sending it is killed.
	rc.mu.Lock()
	rc.armed = true
	rc.mu.Unlock()
	r, err := placeOrder(httpClient, insts[0].url, tok, "ORDER-KILL", "buyer0@example.com")
	if err != nil || r.status != 200 {
		t.Fatalf("order: %v %+v", err, r)
	}
	var trappedID string
	select {
	case trappedID = <-rc.trapped:
	case <-time.After(time.Minute):
		t.Fatalf("no delivery arrived within a minute\n%s", logs(insts))
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var owner sql.NullString
	var deliveryID string
	if err := raw.QueryRow(`SELECT id, locked_by FROM deliveries WHERE event_id = $1`, trappedID).Scan(&deliveryID, &owner); err != nil || !owner.Valid {
		t.Fatalf("lease of the held delivery: %v %v", owner, err)
	}
	// The lease owner is host/pid/random.
	parts := strings.Split(owner.String, "/")
	pid, _ := strconv.Atoi(parts[len(parts)-2])
	var victim *instance
	for _, in := range insts {
		if in.cmd.Process.Pid == pid {
			victim = in
		}
	}
	if victim == nil {
		t.Fatalf("lease owner %q is none of the instances", owner.String)
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.done
	t.Logf("killed %s (pid %d) while it was delivering %s", victim.name, pid, trappedID)

	waitDelivered(t, db, insts)
	events = allEvents(t, db)
	arrivals := rc.snapshot()
	checkOrder(t, arrivals, events)
	var sent, ok int
	for _, a := range arrivals {
		if a.eventID == trappedID {
			sent++
			if a.status/100 == 2 {
				ok++
			}
		}
	}
	if sent < 2 || ok < 1 {
		t.Fatalf("held event %s: sent %d times, delivered %d times; want the killed attempt and a delivery by a survivor", trappedID, sent, ok)
	}
	d, err := db.Deliveries().GetDelivery(context.Background(), "acme", deliveryID)
	if err != nil || d.Status != orderhub.DeliveryDelivered {
		t.Fatalf("held delivery: %+v %v", d, err)
	}
	// Only the survivor's attempt is recorded: the killed instance never completed,
	// so the delivery came back through its expired lease, not a recorded failure.
	atts, err := db.Deliveries().ListAttempts(context.Background(), "acme", deliveryID)
	if err != nil || len(atts) != 1 || atts[0].StatusCode != http.StatusNoContent {
		t.Fatalf("attempts of the held delivery: %+v %v", atts, err)
	}
}
