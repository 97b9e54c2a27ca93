package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// orderhub-bench: load scenarios against a hub over loopback.
//
//	go run ./cmd/orderhub-bench --scenario orders --mode closed --duration 10s
//	go run ./cmd/orderhub-bench --scenario mixed --mode open --rate 3000 --out docs/benchmarks.md
//
// By default it spawns the hub itself: the server binary's `serve` (--binary, see
// serverBinary) on a fresh SQLite database in a temporary directory, so that it can
// read the server's peak RSS (VmHWM) and CPU time from /proc. --url benches a hub
// that is already running; its database (--db) is needed to create the fixtures
// (vendor, client, promo code, product, source, endpoints), which the bench writes
// through the store (sqlstore: a command under cmd/ may wire it in) before the load.
//
// Modes: closed-loop (--concurrency workers send back to back: the maximum
// throughput) and open-loop (--rate arrivals a second whatever the answers; each
// latency counts from the request's intended send time, so a stalled server shows
// in the percentiles instead of slowing the generator down — no coordinated
// omission). Scenarios: orders (seed 001 Vendor Order API, a new externalOrderId
// each), ceiling (ceiling.go: a trivial handler decoding the same body in the
// same hub, measured for --ceiling before every other scenario too, which is then
// also reported as a share of it), purchases (seed 000 purchase hook, a new publisherPurchaseId each), mixed
// (70 % orders, 20 % purchases, 10 % contract reads, with --receivers webhook
// endpoints in this process: end-to-end latency from the order's answer to the
// webhook's arrival), noisy-neighbour (noisy.go: a victim vendor's orders and
// webhooks, quiet and while an attacker vendor's hanging receivers and order flood
// load the same hub).

type benchConfig struct {
	scenario    string
	mode        string
	rate        float64
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	url         string
	dsn         string
	binary      string
	receivers   int
	drain       time.Duration
	out         string
	label       string
	serveArgs   string
	webhooks    bool          // orders: webhook receivers as in mixed
	events      string        // the receivers' endpoints subscribe to these event types ("*": all)
	sampleDB    time.Duration // soak: sample the SQLite file sizes this often (bench_soak.go)
	// noisy-neighbour
	attackEndpoints, attackChannels int
	attackRate                      float64
	attackRaiseQuotas               bool
	recvs                           []*benchReceiver // receivers made by the caller
	pid                             int              // the hub's process when the caller spawned it
	ceiling                         time.Duration    // measure the ceiling this long before the scenario (0: not)
	ceilingToken                    string           // the spawned hub's ceiling path token (bench_ceiling.go)
	// Several instances on one database (PostgreSQL): --instances hubs spawned, the
	// orders of --vendors vendors spread over them (vendor i to hub i mod
	// instances), and --pg-delay added to each direction of the hubs' database
	// connections (pgdelay.go).
	instances, vendors int
	pgDelay            time.Duration
	anyHub             bool // orders go to any hub, not to their vendor's
}

const benchVendor = "bench"

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("orderhub-bench", flag.ContinueOnError)
	c := benchConfig{}
	fs.StringVar(&c.scenario, "scenario", "orders", "orders, purchases, mixed, ceiling or noisy-neighbour")
	fs.StringVar(&c.mode, "mode", "closed", "closed (max throughput, --concurrency workers) or open (--rate arrivals a second)")
	fs.Float64Var(&c.rate, "rate", 2000, "open-loop arrival rate (requests a second)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "measured duration")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "load before the measurement starts (not counted)")
	fs.IntVar(&c.concurrency, "concurrency", 64, "closed loop: workers; open loop: the most requests in flight (and connections)")
	fs.StringVar(&c.url, "url", "", "bench the hub at this URL (default: spawn one)")
	fs.StringVar(&c.dsn, "db", "", "the hub's database, for the fixtures (default with spawn: a fresh SQLite file)")
	fs.StringVar(&c.binary, "binary", "", "the orderhub server binary to spawn (default: orderhub next to this command, else go build "+serverPackage+" into a temporary directory)")
	fs.IntVar(&c.receivers, "receivers", 2, "mixed: webhook endpoints (receivers in this process)")
	fs.DurationVar(&c.drain, "drain", 30*time.Second, "mixed: how long to wait for the webhooks after the load")
	fs.StringVar(&c.out, "out", "", "append the results as a Markdown section to this file (e.g. docs/benchmarks.md)")
	fs.StringVar(&c.label, "label", "", "a note for the results (e.g. the machine's load)")
	fs.StringVar(&c.serveArgs, "serve-args", "", "extra arguments for the spawned serve, space-separated")
	fs.BoolVar(&c.webhooks, "webhooks", false, "orders: also deliver every event to --receivers webhook endpoints in this process, as mixed does")
	fs.StringVar(&c.events, "webhook-events", orderhub.EventContractConfirmed, "the event types the receivers' endpoints subscribe to, comma-separated (* for every event: an order then makes about four deliveries); end-to-end latency is measured to each order's contract-confirmed")
	fs.DurationVar(&c.ceiling, "ceiling", 3*time.Second, "measure the ceiling (a trivial handler decoding the seed-001 body in the same hub, closed loop, --concurrency workers) this long before the scenario, and report the scenario's figures as a share of it (0: not; needs a spawned hub)")
	fs.DurationVar(&c.sampleDB, "sample-db", 0, "soak: sample the size of the SQLite database (file, WAL, free pages) this often while the load runs")
	fs.IntVar(&c.attackEndpoints, "attack-endpoints", 100, "noisy-neighbour: the attacker's hanging webhook endpoints (as many as its quota allows)")
	fs.IntVar(&c.attackChannels, "attack-channels", 3000, "noisy-neighbour: the attacker's hanging Zapier channels (as many as its quotas allow)")
	fs.Float64Var(&c.attackRate, "attack-rate", 20, "noisy-neighbour: the attacker's orders a second")
	fs.BoolVar(&c.attackRaiseQuotas, "attack-raise-quotas", false, "noisy-neighbour: raise the attacker's quotas to fit --attack-endpoints and --attack-channels")
	fs.IntVar(&c.instances, "instances", 1, "spawn this many hubs on the one database --db (PostgreSQL) and spread the load over them; orders go to their vendor's hub (vendor i to hub i mod instances)")
	fs.IntVar(&c.vendors, "vendors", 1, "orders: spread the orders over this many vendors (each with its client and promo code), round robin; with --instances, a multiple of it")
	fs.BoolVar(&c.anyHub, "any-hub", false, "with --instances: send each vendor's orders to every hub in turn instead of to the vendor's own hub (a load balancer that does not route by vendor)")
	fs.DurationVar(&c.pgDelay, "pg-delay", 0, "hold every chunk of bytes between the spawned hubs and PostgreSQL this long in each direction (a TCP proxy in this process: 500us adds a 1 ms round trip)")
	if err := parseFlags(fs, args, stderr); errors.Is(err, flag.ErrHelp) {
		return nil // the flags were printed
	} else if err != nil {
		return err
	}
	switch c.scenario {
	case "orders", "purchases", "mixed":
	case ceilingScenario:
		c.ceiling = 0 // the scenario is the ceiling
	case noisyScenario:
		rateSet := false
		fs.Visit(func(f *flag.Flag) { rateSet = rateSet || f.Name == "rate" })
		if !rateSet {
			c.rate = 100 // the victim's steady rate
		}
		if c.attackEndpoints < 0 || c.attackChannels < 0 || c.attackRate <= 0 {
			fmt.Fprintln(stderr, "bench: --attack-endpoints and --attack-channels must not be negative, --attack-rate must be positive")
			return errUsage
		}
	default:
		fmt.Fprintf(stderr, "bench: unknown --scenario %q (orders, purchases, mixed, ceiling, noisy-neighbour)\n", c.scenario)
		return errUsage
	}
	if c.mode != "open" && c.mode != "closed" {
		fmt.Fprintf(stderr, "bench: unknown --mode %q (open, closed)\n", c.mode)
		return errUsage
	}
	if c.concurrency < 1 || c.duration <= 0 || (c.mode == "open" && c.rate <= 0) || c.ceiling < 0 {
		fmt.Fprintln(stderr, "bench: --concurrency, --duration and --rate must be positive")
		return errUsage
	}
	if c.instances < 1 || c.vendors < 1 || c.pgDelay < 0 {
		fmt.Fprintln(stderr, "bench: --instances and --vendors must be positive, --pg-delay not negative")
		return errUsage
	}
	if (c.instances > 1 || c.pgDelay > 0) && (c.url != "" || c.scenario == noisyScenario) {
		fmt.Fprintln(stderr, "bench: --instances and --pg-delay need hubs the bench spawns (not --url) and a scenario other than noisy-neighbour")
		return errUsage
	}
	if d, _, err := sqlstore.ParseDSN(c.dsn); (c.instances > 1 || c.pgDelay > 0) && (err != nil || d != sqlstore.Postgres) {
		fmt.Fprintln(stderr, "bench: --instances and --pg-delay need --db postgres://…")
		return errUsage
	}
	if c.url != "" && c.dsn == "" {
		fmt.Fprintln(stderr, "bench: --url needs --db (the hub's database) for the fixtures")
		return errUsage
	}
	if c.url != "" && c.scenario == ceilingScenario {
		fmt.Fprintln(stderr, "bench: --scenario ceiling needs a hub the bench spawns (not --url)")
		return errUsage
	}
	if c.url == "" {
		bin, cleanup, err := serverBinary(c.binary, stderr)
		if err != nil {
			return err
		}
		defer cleanup()
		c.binary = bin
	}
	var rep interface {
		text() string
		markdown() string
	}
	var err error
	if c.scenario == noisyScenario {
		rep, err = benchNoisy(ctx, c, stderr)
	} else {
		rep, err = bench(ctx, c, stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.text())
	if c.out != "" {
		f, err := os.OpenFile(c.out, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.WriteString(rep.markdown()); err != nil {
			return err
		}
	}
	return nil
}

// withStore opens (and migrates) the hub's database c.dsn — a fresh SQLite file in a
// temporary directory when it is empty, removed by the returned cleanup — and runs
// setup on it before the load (the fixtures).
func withStore(ctx context.Context, c *benchConfig, setup func(*sqlstore.DB) error) (cleanup func(), err error) {
	cleanup = func() {}
	if c.dsn == "" {
		dir, err := os.MkdirTemp("", "orderhub-bench-")
		if err != nil {
			return cleanup, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		c.dsn = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	db, err := sqlstore.Open(ctx, c.dsn, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return cleanup, err
	}
	defer db.Close()
	return cleanup, setup(db)
}

// benchFixture is what the load needs.
type benchFixture struct {
	clientID, clientSecret, sourceID, sourceSecret, productID string
	// vendors: --vendors vendors' clients (the first is benchVendor's, clientID).
	vendors []benchVendorFixture
}

type benchVendorFixture struct{ id, clientID, clientSecret string }

// benchVendorID is the i-th bench vendor: benchVendor, bench-2, bench-3, …
func benchVendorID(i int) string {
	if i == 0 {
		return benchVendor
	}
	return benchVendor + "-" + strconv.Itoa(i+1)
}

func benchSetup(ctx context.Context, db *sqlstore.DB, c benchConfig, receiverURLs []string) (*benchFixture, error) {
	f := &benchFixture{productID: "bench-product", sourceID: "bench-source"}
	if _, err := db.Tenants().GetVendor(ctx, benchVendor); err != nil {
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: benchVendor, Name: "Bench Media"}); err != nil {
			return nil, err
		}
		if err := db.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: benchVendor, Code: "PROMOCODE", ProductName: "Digital 12 months", Price: "99", Currency: "SEK", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}); err != nil {
			return nil, err
		}
		if err := db.Catalog().CreateProduct(ctx, &orderhub.Product{ID: f.productID, VendorID: benchVendor, Name: "Bench product"}); err != nil {
			return nil, err
		}
	}
	cl := &orderhub.Client{VendorID: benchVendor, Scopes: append([]string(nil), orderhub.KnownScopes...)}
	secret, err := db.Tenants().CreateClient(ctx, cl)
	if err != nil {
		return nil, err
	}
	f.clientID, f.clientSecret = cl.ID, secret
	f.vendors = append(f.vendors, benchVendorFixture{id: benchVendor, clientID: cl.ID, clientSecret: secret})
	for i := 1; i < c.vendors; i++ {
		v := benchVendorID(i)
		if _, err := db.Tenants().GetVendor(ctx, v); err != nil {
			if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: v, Name: "Bench Media " + strconv.Itoa(i+1)}); err != nil {
				return nil, err
			}
			if err := db.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: v, Code: "PROMOCODE", ProductName: "Digital 12 months", Price: "99", Currency: "SEK", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}); err != nil {
				return nil, err
			}
		}
		vc := &orderhub.Client{VendorID: v, Scopes: append([]string(nil), orderhub.KnownScopes...)}
		vs, err := db.Tenants().CreateClient(ctx, vc)
		if err != nil {
			return nil, err
		}
		f.vendors = append(f.vendors, benchVendorFixture{id: v, clientID: vc.ID, clientSecret: vs})
	}
	src := &orderhub.Source{ID: orderhub.NewID("bsrc"), VendorID: benchVendor, Type: orderhub.SourceTypeHook, Name: "Bench source"}
	if f.sourceSecret, err = db.Catalog().CreateSource(ctx, src); err != nil {
		return nil, err
	}
	f.sourceID = src.ID
	for i, u := range receiverURLs {
		for _, v := range f.vendors {
			ep := &orderhub.Endpoint{VendorID: v.id, Kind: orderhub.EndpointWebhook, URL: u, Description: "bench receiver " + strconv.Itoa(i),
				EventTypes: benchEventTypes(c.events)}
			if err := db.Deliveries().CreateEndpoint(ctx, ep); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

// benchEventTypes is --webhook-events as an endpoint's event types (none: every type).
func benchEventTypes(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" && t != "*" {
			out = append(out, t)
		} else if t == "*" {
			return []string{}
		}
	}
	if out == nil {
		return []string{orderhub.EventContractConfirmed}
	}
	return out
}

// benchHub is a hub process started by the bench.
type benchHub struct {
	cmd          *exec.Cmd
	url          string
	ceilingToken string // enables the ceiling handler (bench_ceiling.go)
	done         chan struct{}
	log          bytes.Buffer
	mu           sync.Mutex
}

func (s *benchHub) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log.Len() < 1<<20 {
		s.log.Write(p)
	}
	return len(p), nil
}

// hubAt is the hub a run loads: c.url, or the one it spawned.
type hubAt struct {
	url          string // without a trailing slash
	pid          int    // 0: not known (--url)
	ceilingToken string // "": no ceiling handler
}

// benchTarget is c's hub: c.url (c.pid), or a hub spawned for the run, stopped by stop.
func benchTarget(c benchConfig) (at hubAt, stop func(), err error) {
	if c.url != "" {
		return hubAt{url: strings.TrimRight(c.url, "/"), pid: c.pid}, func() {}, nil
	}
	hub, err := spawnBenchHub(c)
	if err != nil {
		return hubAt{}, nil, err
	}
	return hubAt{url: hub.url, pid: hub.cmd.Process.Pid, ceilingToken: hub.ceilingToken}, hub.stop, nil
}

// benchTargets is c's hubs: benchTarget's, or c.instances hubs spawned on c.dsn
// (through a delaying proxy with c.pgDelay), stopped by stop.
func benchTargets(c benchConfig) (hubs []hubAt, stop func(), err error) {
	if c.instances <= 1 && c.pgDelay == 0 {
		at, stop, err := benchTarget(c)
		return []hubAt{at}, stop, err
	}
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if c.pgDelay > 0 {
		dsn, stopProxy, err := startDelayProxy(c.dsn, c.pgDelay)
		if err != nil {
			return nil, nil, fmt.Errorf("--pg-delay: %w", err)
		}
		stops = append(stops, stopProxy)
		c.dsn = dsn
	}
	// Started one after the other: the first migrates (nothing to do after the
	// fixtures), the others then start as quickly.
	for range max(c.instances, 1) {
		hub, err := spawnBenchHub(c)
		if err != nil {
			stop()
			return nil, nil, err
		}
		stops = append(stops, hub.stop)
		hubs = append(hubs, hubAt{url: hub.url, pid: hub.cmd.Process.Pid, ceilingToken: hub.ceilingToken})
	}
	return hubs, stop, nil
}

func spawnBenchHub(c benchConfig) (*benchHub, error) {
	return spawnHub(c.binary, c.dsn, c.serveArgs, orderhub.RandomHex(16))
}

// spawnHub starts bin's serve on dsn with the ceiling handler under ceilingToken
// ("": without it, as in production).
func spawnHub(bin, dsn, serveArgs, ceilingToken string) (*benchHub, error) {
	args := []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn", "--allow-private-targets"}
	args = append(args, strings.Fields(serveArgs)...)
	s := &benchHub{cmd: exec.Command(bin, args...), done: make(chan struct{}), ceilingToken: ceilingToken}
	s.cmd.Env = os.Environ()
	if ceilingToken != "" {
		s.cmd.Env = append(s.cmd.Env, benchCeilingEnv+"="+ceilingToken)
	}
	s.cmd.Stderr = s
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "orderhub listening on "); ok {
				ready <- a
			}
		}
		close(ready)
	}()
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	select {
	case a, ok := <-ready:
		if !ok {
			<-s.done
			return nil, fmt.Errorf("the hub exited before listening:\n%s", s.log.String())
		}
		s.url = a
	case <-time.After(60 * time.Second):
		s.stop()
		return nil, errors.New("the hub did not start within 60 s")
	}
	return s, nil
}

func (s *benchHub) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// benchProcStatus reads a "Key:  N kB" line of /proc/PID/status, in bytes.
func benchProcStatus(pid int, key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n * 1024
			}
		}
	}
	return 0
}

// benchProcCPU is the user+system CPU time of a process (clock ticks of 10 ms).
func benchProcCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * 10 * time.Millisecond
}

// benchReceiver is an in-process webhook endpoint noting when each contract's webhook
// arrived.
type benchReceiver struct {
	srv      *http.Server
	url      string
	mu       sync.Mutex
	arrivals map[string]time.Time // contract id → first arrival
	count    atomic.Int64
}

func newBenchReceiver() (*benchReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &benchReceiver{url: "http://" + ln.Addr().String() + "/hook", arrivals: map[string]time.Time{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		now := time.Now()
		body, _ := io.ReadAll(req.Body)
		var p struct {
			Type string `json:"type"`
			Data struct {
				ContractID string `json:"contractId"`
			} `json:"data"`
		}
		// End-to-end is measured to the contract's confirmation (other events of
		// the order may come too with --webhook-events).
		if json.Unmarshal(body, &p) == nil && p.Data.ContractID != "" && p.Type == orderhub.EventContractConfirmed {
			r.mu.Lock()
			if _, ok := r.arrivals[p.Data.ContractID]; !ok {
				r.arrivals[p.Data.ContractID] = now
			}
			r.mu.Unlock()
		}
		r.count.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// benchReport is the outcome of one run.
type benchReport struct {
	cfg                     benchConfig
	started                 time.Time
	measured                time.Duration
	ok, errs, status5xx     int64
	statuses                map[int]int64
	lat                     []time.Duration // of 2xx answers
	e2e                     []time.Duration
	e2eThirds               [3]time.Duration // p50 of the orders answered in each third of the run (warm-up included)
	e2eMissing, e2eExpected int
	drainedIn               time.Duration
	peakRSS, steadyRSS      int64
	serverCPU               time.Duration
	benchCPU                time.Duration
	errSample               string
	commit, goVersion       string
	engine                  string // the database, for the report
	loadAvg                 string // /proc/loadavg's 1, 5 and 15 minute averages at the start
	// Group commit over the window, from the server's /metrics.
	commits, batchMean, commitMean, writerBusy float64
	fallbacks                                  float64      // PostgreSQL's optimistic batches run again on the careful path
	samples                                    []dbSample   // --sample-db
	ceiling                                    *benchReport // the same run's ceiling (--ceiling)
}

func bench(ctx context.Context, c benchConfig, stderr io.Writer) (*benchReport, error) {
	rep := &benchReport{cfg: c, statuses: map[int]int64{}, goVersion: runtime.Version(), commit: benchCommit(c.binary), loadAvg: benchLoadAvg()}
	recvs := c.recvs
	var urls []string
	if c.scenario == "mixed" || c.webhooks {
		for range c.receivers {
			r, err := newBenchReceiver()
			if err != nil {
				return nil, err
			}
			defer r.srv.Close()
			recvs = append(recvs, r)
			urls = append(urls, r.url)
		}
	}
	var fx *benchFixture
	removeDB, err := withStore(ctx, &c, func(db *sqlstore.DB) (err error) {
		if fx, err = benchSetup(ctx, db, c, urls); err != nil {
			return fmt.Errorf("fixtures: %w", err)
		}
		return nil
	})
	defer removeDB()
	if err != nil {
		return nil, err
	}
	rep.engine = "SQLite"
	if d, _, err := sqlstore.ParseDSN(c.dsn); err == nil && d == sqlstore.Postgres {
		rep.engine = "PostgreSQL"
	}
	if c.url == "" {
		rep.engine += " (spawned `serve`, fresh database)"
	}
	if c.instances > 1 {
		rep.engine += fmt.Sprintf(", %d instances", c.instances)
	}
	if c.pgDelay > 0 {
		rep.engine += fmt.Sprintf(", %s added each way between the hubs and the database", c.pgDelay)
	}
	if c.vendors > 1 {
		rep.engine += fmt.Sprintf(", orders of %d vendors", c.vendors)
		if c.instances > 1 && c.anyHub {
			rep.engine += " on every hub"
		} else if c.instances > 1 {
			rep.engine += ", each on its own hub"
		}
	}
	hubs, stopHub, err := benchTargets(c)
	if err != nil {
		return nil, err
	}
	defer stopHub()
	at := hubs[0]
	base, pid := at.url, at.pid
	pids := make([]int, 0, len(hubs))
	for _, h := range hubs {
		if h.pid != 0 {
			pids = append(pids, h.pid)
		}
	}
	// The CPU time of all hubs.
	hubsCPU := func() (d time.Duration) {
		for _, p := range pids {
			d += benchProcCPU(p)
		}
		return d
	}
	if at.ceilingToken != "" {
		c.ceilingToken = at.ceilingToken
		rep.cfg.ceilingToken = at.ceilingToken
	}

	tr := &http.Transport{MaxIdleConns: c.concurrency, MaxIdleConnsPerHost: c.concurrency, MaxConnsPerHost: c.concurrency, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	tok, err := benchToken(client, base, fx)
	if err != nil {
		return nil, err
	}
	toks := []string{tok}
	for _, v := range fx.vendors[1:] {
		t, err := benchToken(client, base, &benchFixture{clientID: v.clientID, clientSecret: v.clientSecret})
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
	}

	runID := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	var seq atomic.Int64
	var accMu sync.Mutex
	accepted := map[string]time.Time{} // contract id → answer time (mixed)
	var lastContract atomic.Value
	lastContract.Store("")
	// one sends request n and returns the status (0: transport error).
	one := func(scenario string, n int64) (int, string) {
		kind := scenario
		if kind == noisyScenario {
			kind = "orders"
		}
		if kind == "mixed" {
			switch m := n % 10; {
			case m < 7:
				kind = "orders"
			case m < 9:
				kind = "purchases"
			default:
				kind = "read"
			}
		}
		var req *http.Request
		vi := 0 // the vendor of an order
		switch kind {
		case ceilingScenario:
			// The same body as an order's, to the trivial handler (bench_ceiling.go).
			body := fmt.Sprintf(`{"externalOrderId":"B-%s-%d","quantity":1,"paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"u%d@bench.example","fullName":"Bench User %d"},"vendorData":{"seller":"bench"}}`, runID, n, n%50000, n%50000)
			req, _ = http.NewRequest("POST", base+"/_bench/"+c.ceilingToken+"/payments/vendor/"+benchVendor+"/promos/code/PROMOCODE?confirm=true", strings.NewReader(body))
		case "orders":
			// Vendor n mod vendors, on its hub (--any-hub: the next hub every round
			// of the vendors).
			vi = int(n % int64(len(toks)))
			hi := vi % len(hubs)
			if c.anyHub {
				hi = int(n/int64(len(toks))) % len(hubs)
			}
			body := fmt.Sprintf(`{"externalOrderId":"B-%s-%d","quantity":1,"paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"u%d@bench.example","fullName":"Bench User %d"},"vendorData":{"seller":"bench"}}`, runID, n, n%50000, n%50000)
			req, _ = http.NewRequest("POST", hubs[hi].url+"/payments/vendor/"+fx.vendors[vi].id+"/promos/code/PROMOCODE?confirm=true", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+toks[vi])
		case "purchases":
			body := fmt.Sprintf(`{"source":%q,"vendorId":%q,"publisherPurchaseId":"P-%s-%d","productId":%q,"startsAt":"2026-01-01T00:00:00Z","firstName":"Bench","lastName":"User","email":"p%d@bench.example","publisherUserId":"pu-%d","deliveryAddressStreet":"Sveavägen 59","deliveryAddressCity":"Stockholm","deliveryAddressZip":"113 59","deliveryAddressCountry":"SE"}`,
				fx.sourceID, benchVendor, runID, n, fx.productID, n%50000, n%50000)
			req, _ = http.NewRequest("POST", hubs[int(n%int64(len(hubs)))].url+"/hooks/purchases", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+fx.sourceSecret)
		default:
			id, _ := lastContract.Load().(string)
			if id == "" {
				req, _ = http.NewRequest("GET", base+"/payments/vendor/"+benchVendor+"/contracts?limit=10", nil)
			} else {
				req, _ = http.NewRequest("GET", base+"/payments/vendor/"+benchVendor+"/contracts/"+id, nil)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if kind == "orders" && res.StatusCode == 200 && len(recvs) > 0 {
			var r struct {
				ContractID string `json:"contractId"`
			}
			if json.Unmarshal(b, &r) == nil && r.ContractID != "" {
				now := time.Now()
				accMu.Lock()
				accepted[r.ContractID] = now
				accMu.Unlock()
				if vi == 0 { // the reads are benchVendor's
					lastContract.Store(r.ContractID)
				}
			}
		}
		if res.StatusCode >= 300 {
			return res.StatusCode, fmt.Sprintf("%d %s", res.StatusCode, bytes.TrimSpace(b))
		}
		return res.StatusCode, ""
	}

	if c.ceiling > 0 && c.ceilingToken != "" {
		// The ceiling first, on the same hub, connections and workers (closed loop).
		cc := c
		cc.scenario, cc.mode, cc.warmup, cc.duration = ceilingScenario, "closed", min(c.warmup, time.Second), c.ceiling
		crep := &benchReport{cfg: cc, statuses: map[int]int64{}}
		cpu0 := benchProcCPU(pid)
		crep.measured = benchDrive(ctx, cc, one, &seq, crep, func() {
			if pid != 0 {
				cpu0 = benchProcCPU(pid)
			}
		})
		if pid != 0 {
			crep.serverCPU = benchProcCPU(pid) - cpu0
		}
		rep.ceiling = crep
	}

	start := time.Now()
	measureFrom := start.Add(c.warmup)
	var rssMax int64
	rssStop := make(chan struct{})
	var rssWG sync.WaitGroup
	if pid != 0 {
		rssWG.Add(1)
		go func() {
			defer rssWG.Done()
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-rssStop:
					return
				case <-t.C:
					if time.Now().After(measureFrom) {
						for _, p := range pids {
							rssMax = max(rssMax, benchProcStatus(p, "VmRSS"))
						}
					}
				}
			}
		}()
	}
	var cpu0 time.Duration
	var m0 map[string]float64
	cpuTaken := false
	takeCPU := func() {
		if !cpuTaken && time.Now().After(measureFrom) {
			cpuTaken = true
			if pid != 0 {
				cpu0 = hubsCPU()
			}
			m0 = scrapeHubs(client, hubs)
		}
	}
	benchCPU0 := benchProcCPU(os.Getpid())
	stopSampling := sampleDB(c, client, base, start, rep)
	rep.measured = benchDrive(ctx, c, one, &seq, rep, takeCPU)
	stopSampling()
	if pid != 0 {
		rep.serverCPU = hubsCPU() - cpu0
	}
	if m1 := scrapeHubs(client, hubs); m0 != nil && m1 != nil {
		const b, d = "orderhub_db_commit_batch_size", "orderhub_db_commit_duration_seconds"
		if n := m1[b+"_count"] - m0[b+"_count"]; n > 0 {
			rep.commits = n
			rep.batchMean = (m1[b+"_sum"] - m0[b+"_sum"]) / n
			rep.commitMean = (m1[d+"_sum"] - m0[d+"_sum"]) / n
			rep.writerBusy = (m1[d+"_sum"] - m0[d+"_sum"]) / rep.measured.Seconds() / float64(len(hubs))
			rep.fallbacks = m1["orderhub_db_optimistic_fallbacks_total"] - m0["orderhub_db_optimistic_fallbacks_total"]
		}
	}
	rep.benchCPU = benchProcCPU(os.Getpid()) - benchCPU0

	// Webhooks: wait for every accepted order's contract-confirmed at each benchReceiver.
	if len(recvs) > 0 {
		drainStart := time.Now()
		for {
			done := true
			accMu.Lock()
			for _, r := range recvs {
				r.mu.Lock()
				for id := range accepted {
					if _, ok := r.arrivals[id]; !ok {
						done = false
						break
					}
				}
				r.mu.Unlock()
			}
			accMu.Unlock()
			if done || time.Since(drainStart) > c.drain {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		rep.drainedIn = time.Since(drainStart)
		accMu.Lock()
		var first, last time.Time
		for _, at := range accepted {
			if first.IsZero() || at.Before(first) {
				first = at
			}
			if at.After(last) {
				last = at
			}
		}
		var thirds [3][]time.Duration
		for _, r := range recvs {
			r.mu.Lock()
			for id, at := range accepted {
				rep.e2eExpected++
				got, ok := r.arrivals[id]
				if !ok {
					rep.e2eMissing++
					continue
				}
				// The webhook may arrive before the client has read the answer.
				d := max(0, got.Sub(at))
				rep.e2e = append(rep.e2e, d)
				i := 0
				if span := last.Sub(first); span > 0 {
					i = min(2, int(3*at.Sub(first)/span))
				}
				thirds[i] = append(thirds[i], d)
			}
			r.mu.Unlock()
		}
		accMu.Unlock()
		slices.Sort(rep.e2e)
		for i, t := range thirds {
			slices.Sort(t)
			rep.e2eThirds[i] = benchPct(t, 50)
		}
	}
	close(rssStop)
	rssWG.Wait()
	if pid != 0 {
		for _, p := range pids {
			rep.peakRSS = max(rep.peakRSS, benchProcStatus(p, "VmHWM"))
		}
		rep.steadyRSS = rssMax
	}
	rep.started = start
	return rep, nil
}

// driveResult is what one of benchDrive's workers measured.
type driveResult struct {
	lat    []time.Duration // of 2xx answers
	status map[int]int64
	sample string // the first error
}

// add counts an answer with status st (0: a transport error, msg) to a request
// whose latency counts from since.
func (r *driveResult) add(st int, msg string, since time.Time) {
	r.status[st]++
	if st >= 200 && st < 300 {
		r.lat = append(r.lat, time.Since(since))
	} else if r.sample == "" {
		r.sample = msg
	}
}

// benchDrive sends c's load with one (closed or open loop, c.warmup then
// c.duration), adds the outcome to rep (statuses, errors, sorted latencies of 2xx
// answers) and returns the measured time. tick is called when the measurement may
// have started (it checks the clock itself).
func benchDrive(ctx context.Context, c benchConfig, one func(scenario string, n int64) (int, string), seq *atomic.Int64, rep *benchReport, tick func()) time.Duration {
	start := time.Now()
	measureFrom := start.Add(c.warmup)
	end := measureFrom.Add(c.duration)
	results := make([]driveResult, c.concurrency)
	var wg sync.WaitGroup
	if c.mode == "closed" {
		for w := range c.concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := driveResult{status: map[int]int64{}}
				for {
					t0 := time.Now()
					if !t0.Before(end) || ctx.Err() != nil {
						break
					}
					st, msg := one(c.scenario, seq.Add(1))
					if !t0.Before(measureFrom) {
						r.add(st, msg, t0)
					}
				}
				results[w] = r
			}()
		}
		for time.Now().Before(measureFrom) {
			time.Sleep(10 * time.Millisecond)
		}
		tick()
		wg.Wait()
	} else {
		// Open loop: request i is due at start + i/rate; a worker takes it when free
		// and its latency counts from when it was due.
		due := make(chan time.Time, c.concurrency*4)
		for w := range c.concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := driveResult{status: map[int]int64{}}
				for intended := range due {
					st, msg := one(c.scenario, seq.Add(1))
					if !intended.Before(measureFrom) {
						r.add(st, msg, intended)
					}
				}
				results[w] = r
			}()
		}
		// When every worker is busy the generator blocks on the channel; the
		// requests that fell due meanwhile are sent later with their own intended
		// times, so the wait counts in their latency. Every request due before the
		// end is sent.
		interval := float64(time.Second) / c.rate
		total := int64(float64(end.Sub(start)) / interval)
		for i := int64(0); i < total && ctx.Err() == nil; {
			tick()
			for n := min(total-1, int64(float64(time.Since(start))/interval)); i <= n; i++ {
				due <- start.Add(time.Duration(float64(i) * interval))
			}
			time.Sleep(200 * time.Microsecond)
		}
		close(due)
		wg.Wait()
	}
	measured := time.Since(measureFrom)
	for _, r := range results {
		rep.lat = append(rep.lat, r.lat...)
		for st, n := range r.status {
			rep.statuses[st] += n
			switch {
			case st >= 200 && st < 300:
				rep.ok += n
			case st >= 500:
				rep.status5xx += n
				rep.errs += n
			default:
				rep.errs += n
			}
		}
		if rep.errSample == "" {
			rep.errSample = r.sample
		}
	}
	slices.Sort(rep.lat)
	return measured
}

// scrapeHubs adds up the metrics of every hub (nil when one does not answer).
func scrapeHubs(client *http.Client, hubs []hubAt) map[string]float64 {
	sum := map[string]float64{}
	for _, h := range hubs {
		m := scrapeMetrics(client, h.url)
		if m == nil {
			return nil
		}
		for k, v := range m {
			sum[k] += v
		}
	}
	return sum
}

func benchToken(client *http.Client, base string, fx *benchFixture) (string, error) {
	form := "grant_type=client_credentials&client_id=" + fx.clientID + "&client_secret=" + fx.clientSecret
	res, err := client.Post(base+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&t); err != nil || res.StatusCode != 200 {
		return "", fmt.Errorf("token: status %d (%v)", res.StatusCode, err)
	}
	return t.AccessToken, nil
}

// benchLoadAvg is the machine's load average (1, 5 and 15 minutes) from /proc/loadavg.
func benchLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return "unknown"
}

// benchCommit is the VCS revision of the server binary bin (`orderhub version`),
// else git's HEAD.
func benchCommit(bin string) string {
	if bin != "" {
		if out, err := exec.Command(bin, "version").Output(); err == nil {
			if f := strings.Fields(string(out)); len(f) >= 3 {
				return f[2]
			}
		}
	}
	if out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return "unknown"
}

func benchPct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(d)))) - 1
	return d[max(0, min(i, len(d)-1))]
}

func benchMS(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

func benchMB(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }

func (r *benchReport) throughput() float64 { return float64(r.ok) / r.measured.Seconds() }

func (r *benchReport) modeText() string {
	if r.cfg.mode == "open" {
		return fmt.Sprintf("open loop, %.0f/s offered, ≤ %d in flight", r.cfg.rate, r.cfg.concurrency)
	}
	return fmt.Sprintf("closed loop, %d workers", r.cfg.concurrency)
}

func (r *benchReport) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s, %s, %s measured after %s warm-up; load average %s at the start\n", r.cfg.scenario, r.modeText(), r.measured.Round(time.Millisecond), r.cfg.warmup, r.loadAvg)
	fmt.Fprintf(&b, "throughput  %.0f/s (2xx)   errors %d (5xx %d)   statuses %v\n", r.throughput(), r.errs, r.status5xx, r.statuses)
	fmt.Fprintf(&b, "latency ms  p50 %s  p95 %s  p99 %s  max %s\n", benchMS(benchPct(r.lat, 50)), benchMS(benchPct(r.lat, 95)), benchMS(benchPct(r.lat, 99)), benchMS(benchPct(r.lat, 100)))
	if r.e2eExpected > 0 {
		fmt.Fprintf(&b, "end-to-end ms (answer → webhook)  p50 %s  p95 %s  p99 %s  max %s; %d of %d webhooks missing after %s\n",
			benchMS(benchPct(r.e2e, 50)), benchMS(benchPct(r.e2e, 95)), benchMS(benchPct(r.e2e, 99)), benchMS(benchPct(r.e2e, 100)), r.e2eMissing, r.e2eExpected, r.drainedIn.Round(time.Millisecond))
		fmt.Fprintf(&b, "end-to-end p50 by third of the run  %s / %s / %s ms (a backlog that grows while orders come raises it)\n",
			benchMS(r.e2eThirds[0]), benchMS(r.e2eThirds[1]), benchMS(r.e2eThirds[2]))
	}
	if r.commits > 0 {
		each := ""
		if r.cfg.instances > 1 {
			each = fmt.Sprintf(" (each of %d, on average)", r.cfg.instances)
		}
		fmt.Fprintf(&b, "group commit  %.0f commits, %.1f writes each, %.2f ms each; the writer%s was busy %.0f%% of the time\n", r.commits, r.batchMean, 1000*r.commitMean, each, 100*r.writerBusy)
		if r.fallbacks > 0 {
			fmt.Fprintf(&b, "optimistic batches run again on the careful path (PostgreSQL): %.0f\n", r.fallbacks)
		}
	}
	if r.peakRSS > 0 {
		fmt.Fprintf(&b, "server RSS  peak (VmHWM) %s MB, highest sampled under load %s MB; server CPU %.0f%% of one core (%s µs/request), bench CPU %.0f%%\n",
			benchMB(r.peakRSS), benchMB(r.steadyRSS), 100*r.serverCPU.Seconds()/r.measured.Seconds(), benchUS(r.cpuPerRequest()), 100*r.benchCPU.Seconds()/r.measured.Seconds())
	}
	b.WriteString(r.ceilingText())
	if r.errSample != "" {
		fmt.Fprintf(&b, "first error: %.300s\n", r.errSample)
	}
	b.WriteString(r.samplesText())
	return b.String()
}

func (r *benchReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### %s — %s, %s\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"), r.cfg.scenario, r.modeText())
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "Machine: %d cores (%s), %s, commit %s, %s. ", runtime.NumCPU(), host, r.goVersion, r.commit, r.engine)
	if r.loadAvg != "" {
		fmt.Fprintf(&b, "Load average %s (1, 5, 15 min) at the start. ", r.loadAvg)
	}
	if r.cfg.url != "" {
		fmt.Fprintf(&b, "Hub at %s. ", r.cfg.url)
	}
	if r.cfg.label != "" {
		b.WriteString(r.cfg.label)
	}
	b.WriteString("\n\n| measure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| measured | %s after %s warm-up |\n", r.measured.Round(time.Millisecond), r.cfg.warmup)
	fmt.Fprintf(&b, "| throughput (2xx) | %.0f/s |\n", r.throughput())
	fmt.Fprintf(&b, "| errors | %d (5xx: %d) |\n", r.errs, r.status5xx)
	fmt.Fprintf(&b, "| latency p50 / p95 / p99 / max | %s / %s / %s / %s ms |\n", benchMS(benchPct(r.lat, 50)), benchMS(benchPct(r.lat, 95)), benchMS(benchPct(r.lat, 99)), benchMS(benchPct(r.lat, 100)))
	if r.e2eExpected > 0 {
		fmt.Fprintf(&b, "| end-to-end (answer → webhook) p50 / p95 / p99 / max | %s / %s / %s / %s ms |\n", benchMS(benchPct(r.e2e, 50)), benchMS(benchPct(r.e2e, 95)), benchMS(benchPct(r.e2e, 99)), benchMS(benchPct(r.e2e, 100)))
		fmt.Fprintf(&b, "| end-to-end p50 by third of the run (a growing backlog raises it) | %s / %s / %s ms |\n", benchMS(r.e2eThirds[0]), benchMS(r.e2eThirds[1]), benchMS(r.e2eThirds[2]))
		fmt.Fprintf(&b, "| webhooks missing after the drain | %d of %d (drained in %s) |\n", r.e2eMissing, r.e2eExpected, r.drainedIn.Round(time.Millisecond))
	}
	if r.commits > 0 {
		fmt.Fprintf(&b, "| group commit | %.1f writes per commit, %.2f ms per commit, writer busy %.0f%% |\n", r.batchMean, 1000*r.commitMean, 100*r.writerBusy)
	}
	if r.peakRSS > 0 {
		fmt.Fprintf(&b, "| server peak RSS (VmHWM) | %s MB |\n", benchMB(r.peakRSS))
		fmt.Fprintf(&b, "| server CPU / bench CPU | %.0f%% / %.0f%% of one core |\n", 100*r.serverCPU.Seconds()/r.measured.Seconds(), 100*r.benchCPU.Seconds()/r.measured.Seconds())
	}
	b.WriteString(r.ceilingMarkdown())
	if r.errSample != "" {
		fmt.Fprintf(&b, "\nFirst error: `%.200s`\n", strings.ReplaceAll(r.errSample, "`", "'"))
	}
	b.WriteString(r.samplesMarkdown())
	return b.String()
}
