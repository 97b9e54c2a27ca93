package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSoakNoGrowth runs the real server under steady mixed load (orders, replays,
// bad requests, reads, webhook deliveries) and samples its goroutines and heap
// (from /metrics) and RSS (from /proc) once a second. The second half of the run
// must not hold more than the first half did (within slack), and once the load
// stops the goroutines must return to where they were before it: no leak per
// request or per connection.
//
// Default 20 s; ORDERHUB_SOAK=5m for a long run.
func TestSoakNoGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	d := 20 * time.Second
	if v := os.Getenv("ORDERHUB_SOAK"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("ORDERHUB_SOAK=%q: %v", v, err)
		}
	}
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "soak.db")
	clientID, secret := fixture(t, dsn)
	var delivered atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		delivered.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	admin(t, dsn, nil, "endpoints", "create", "--allow-private-targets", "--vendor", "acme", "--url", recv.URL+"/hook")
	inst := startInstances(t, dsn, 1, "--allow-private-targets")[0]
	tok := token(t, inst.url, clientID, secret)
	pid := inst.cmd.Process.Pid

	idle := scrape(t, inst.url)
	type sample struct{ goroutines, heap, rss float64 }
	var samples []sample
	var sent, bad atomic.Int64
	clients := make([]*http.Client, 8)
	for w := range clients {
		clients[w] = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
		defer clients[w].CloseIdleConnections()
	}
	stop := untilStopped(len(clients), func(w, i int) bool {
		n := w*10_000_000 + i
		var req *http.Request
		switch i % 10 {
		case 0: // a replay of an earlier order
			req = orderRequest(inst.url, tok, fmt.Sprintf("soak-%d", n-10), fmt.Sprintf("s%d@example.com", (n-10)%500))
		case 1: // bad JSON
			req, _ = http.NewRequest("POST", inst.url+"/payments/vendor/acme/promos/code/PROMOCODE", strings.NewReader(`{"externalOrderId":`))
			req.Header.Set("Authorization", "Bearer "+tok)
		case 2: // a bad token
			req = orderRequest(inst.url, "garbage", fmt.Sprintf("soak-%d", n), "x@example.com")
		case 3:
			req, _ = http.NewRequest("GET", inst.url+"/payments/vendor/acme/contracts?limit=5", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
		default:
			req = orderRequest(inst.url, tok, fmt.Sprintf("soak-%d", n), fmt.Sprintf("s%d@example.com", n%500))
		}
		res, err := clients[w].Do(req)
		if err != nil {
			t.Errorf("request: %v", err)
			return false
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		sent.Add(1)
		if res.StatusCode >= 500 {
			bad.Add(1)
		}
		return true
	})
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		time.Sleep(time.Second)
		m := scrape(t, inst.url)
		samples = append(samples, sample{m["go_goroutines"], m["go_memstats_heap_inuse_bytes"], float64(procStatus(pid, "VmRSS"))})
	}
	stop()
	if bad.Load() > 0 {
		t.Fatalf("%d of %d requests answered 5xx", bad.Load(), sent.Load())
	}
	// Skip the first samples (warm-up: caches, pools and connections filling).
	warm := max(2, len(samples)/5)
	run := samples[warm:]
	half := len(run) / 2
	first, second := run[:half], run[half:]
	peak := func(s []sample, f func(sample) float64) float64 {
		m := 0.0
		for _, x := range s {
			m = max(m, f(x))
		}
		return m
	}
	median := func(s []sample, f func(sample) float64) float64 {
		v := make([]float64, len(s))
		for i, x := range s {
			v[i] = f(x)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	g := func(s sample) float64 { return s.goroutines }
	h := func(s sample) float64 { return s.heap }
	r := func(s sample) float64 { return s.rss }
	t.Logf("%d requests in %s (%d deliveries); goroutines idle %.0f, peak %.0f / %.0f (first / second half); heap in use median %.1f / %.1f MB; RSS peak %.1f / %.1f MB",
		sent.Load(), d, delivered.Load(), idle["go_goroutines"], peak(first, g), peak(second, g), median(first, h)/(1<<20), median(second, h)/(1<<20), peak(first, r)/(1<<20), peak(second, r)/(1<<20))
	if peak(second, g) > peak(first, g)+50 {
		t.Errorf("goroutines grew: peak %.0f in the first half, %.0f in the second", peak(first, g), peak(second, g))
	}
	if median(second, h) > 1.5*median(first, h)+16<<20 {
		t.Errorf("heap grew: median %.1f MB in the first half, %.1f MB in the second", median(first, h)/(1<<20), median(second, h)/(1<<20))
	}
	if peak(second, r) > 1.3*peak(first, r)+32<<20 {
		t.Errorf("RSS grew: peak %.1f MB in the first half, %.1f MB in the second", peak(first, r)/(1<<20), peak(second, r)/(1<<20))
	}
	// After the load, the goroutines come back down: once the deliveries are done
	// and the receiver has closed the delivery workers' keep-alive connections
	// (two goroutines each, up to 16 per endpoint), the server holds what it held
	// before the load.
	for last := int64(-1); delivered.Load() != last; {
		last = delivered.Load()
		time.Sleep(time.Second)
	}
	recv.CloseClientConnections()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := scrape(t, inst.url)
		if m["go_goroutines"] <= idle["go_goroutines"]+10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines after the load: %.0f, before it %.0f", m["go_goroutines"], idle["go_goroutines"])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// scrape reads the unlabelled samples of the server's /metrics.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	res, err := httpClient.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		if name, v, ok := strings.Cut(line, " "); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				out[name] = f
			}
		}
	}
	for _, k := range []string{"go_goroutines", "go_memstats_heap_inuse_bytes"} {
		if _, ok := out[k]; !ok {
			t.Fatalf("/metrics has no %s", k)
		}
	}
	return out
}
