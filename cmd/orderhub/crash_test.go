package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/sqlstore"
	"orderhub/sqlstore/pgtest"
)

// TestCrashRepeatedKills extends TestDeliveryCrashSafety (one kill, deliveries) to
// the whole promise: the real binary under steady Vendor Order API load, with two
// webhook receivers, is killed with SIGKILL at random moments several times and
// restarted each time. Clients retry the orders whose answer the kill swallowed,
// with the same externalOrderId, as a real shop would. Then:
//   - every order that got a 2xx is in the database, with the contract it was told;
//   - no externalOrderId has two contracts (retries across crashes included);
//   - every committed event reached each receiver at least once, the first arrivals
//     in sequence order per ordering key.
//
// Default: 4 kills on SQLite, 2 on PostgreSQL (≈ 20–30 s each). ORDERHUB_CRASH_KILLS=N
// runs N kills (a longer run); ORDERHUB_CRASH_SEED=S replays the kill moments.
func TestCrashRepeatedKills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	crashRepeatedKills(t, "sqlite:"+filepath.Join(t.TempDir(), "crash.db"), 4)
}

// TestCrashRepeatedKillsPostgres is the same on PostgreSQL (a throwaway cluster).
func TestCrashRepeatedKillsPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	crashRepeatedKills(t, pgtest.NewCluster(t).CreateDB(t), 2)
}

// TestCrashRepeatedKillsExpander is the SQLite run with every event fanned out by
// the fan-out expander (--inline-fanout 0), as for a vendor with many endpoints:
// kills land between an event's commit and its expansion, and mid-expansion.
func TestCrashRepeatedKillsExpander(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	crashRepeatedKills(t, migratedDSN(t), 3, "--inline-fanout", "0", "--fanout-batch", "3")
}

func crashRepeatedKills(t *testing.T, dsn string, kills int, extraArgs ...string) {
	if v, err := strconv.Atoi(os.Getenv("ORDERHUB_CRASH_KILLS")); err == nil && v > 0 {
		kills = v
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("ORDERHUB_CRASH_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("kills %d, seed %d (ORDERHUB_CRASH_SEED reproduces the kill moments)", kills, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	clientID, secret := fixture(t, dsn)

	// Two receivers, each an endpoint of acme for every event type. Receiver 1
	// answers 500 to one request in 20 (a retry must follow).
	var mu sync.Mutex
	got := [2][]string{}
	var failed atomic.Int64
	var recvs [2]*httptest.Server
	for i := range recvs {
		recvs[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			id := r.Header.Get("webhook-id")
			if i == 1 && rand.IntN(20) == 0 {
				failed.Add(1)
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			mu.Lock()
			got[i] = append(got[i], id)
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		defer recvs[i].Close()
		admin(t, dsn, nil, "endpoints", "create", "--allow-private-targets", "--vendor", "acme", "--url", recvs[i].URL+"/hook"+strconv.Itoa(i))
	}

	// Orders: ext id → the contract the 2xx named; uncertain: sent, no answer.
	var omu sync.Mutex
	accepted := map[string]string{}
	uncertain := map[string]string{} // ext → email
	sent := map[string]bool{}
	place := func(base, tok, ext, email string) (int, string, error) {
		r, err := placeOrder(crashClient, base, tok, ext, email)
		if err != nil {
			return 0, "", err
		}
		return r.status, r.ContractID, nil
	}
	record := func(ext, email string, status int, contract string, err error) error {
		omu.Lock()
		defer omu.Unlock()
		sent[ext] = true
		switch {
		case err != nil:
			uncertain[ext] = email
			return err
		case status == http.StatusOK:
			if prev, ok := accepted[ext]; ok && prev != contract {
				return fmt.Errorf("%s: answered contract %s, earlier %s", ext, contract, prev)
			}
			accepted[ext] = contract
			delete(uncertain, ext)
		default:
			return fmt.Errorf("%s: status %d", ext, status)
		}
		return nil
	}

	serveArgs := []string{"--allow-private-targets", "--delivery-timeout", "1s", "--delivery-schedule", "0,200ms,500ms,1s,1s,1s,1s,1s,1s,1s"}
	serveArgs = append(serveArgs, extraArgs...)
	var next atomic.Int64
	retried := 0
	var inst *instance
	var unexpected []error
	for round := 0; round <= kills; round++ {
		inst = startInstances(t, dsn, 1, serveArgs...)[0]
		tok := token(t, inst.url, clientID, secret)
		// First the orders whose answer the last kill swallowed, with the same ids.
		omu.Lock()
		retry := make(map[string]string, len(uncertain))
		for ext, email := range uncertain {
			retry[ext] = email
		}
		omu.Unlock()
		retried += len(retry)
		for ext, email := range retry {
			status, contract, err := place(inst.url, tok, ext, email)
			if err := record(ext, email, status, contract, err); err != nil {
				t.Fatalf("retry after restart: %v", err)
			}
		}
		if round == kills {
			break
		}
		stop := untilStopped(6, func(int, int) bool {
			n := next.Add(1)
			ext, email := "crash-"+strconv.FormatInt(n, 10), fmt.Sprintf("c%d@example.com", n%20)
			status, contract, err := place(inst.url, tok, ext, email)
			if err := record(ext, email, status, contract, err); err != nil {
				if status != 0 {
					omu.Lock()
					unexpected = append(unexpected, err)
					omu.Unlock()
				}
				return false // the server died
			}
			return true
		})
		time.Sleep(time.Duration(300+rng.IntN(1700)) * time.Millisecond)
		if err := inst.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-inst.done
		stop()
	}
	if len(unexpected) > 0 {
		t.Fatalf("unexpected answers under load: %v", unexpected)
	}

	db, err := sqlstore.Open(t.Context(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Every 2xx is in the database with the contract it named; no ext id has two.
	for ext := range sent {
		n, err := db.Orders().CountContracts(t.Context(), "acme", ext)
		if err != nil {
			t.Fatal(err)
		}
		if n > 1 {
			t.Errorf("%s: %d contracts", ext, n)
		}
		if contract, ok := accepted[ext]; ok {
			c, err := db.Orders().GetContract(t.Context(), "acme", contract)
			if err != nil || c.ExternalOrderID != ext {
				t.Errorf("%s: answered 2xx with contract %s, which the database does not have (%v)", ext, contract, err)
			}
		}
	}
	if len(accepted) != len(sent) {
		t.Fatalf("%d orders sent, %d accepted after the retries", len(sent), len(accepted))
	}

	// Every committed event reaches both receivers, in order per key.
	events := allEvents(t, db)
	deadline := time.Now().Add(60 * time.Second)
	for {
		missing := 0
		mu.Lock()
		for i := range got {
			missing += undelivered(got[i], events)
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d (event, receiver) pairs of %d never delivered\n%s", missing, 2*len(events), logs([]*instance{inst}))
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	dups := 0
	for i := range got {
		d, _ := checkFirstArrivals(t, fmt.Sprintf("receiver %d", i), got[i], events)
		dups += d
	}
	t.Logf("%d kills; %d orders sent, %d answered only after a restart; %d events; %d + %d deliveries (%d duplicates, %d answered 500 and retried)",
		kills, len(sent), retried, len(events), len(got[0]), len(got[1]), dups, failed.Load())
}
