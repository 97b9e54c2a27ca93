package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// The noisy-neighbour scenario (issue 14): two vendors on one hub. The victim
// (vendor "bench") places Vendor Orders at a steady --rate with one healthy webhook
// receiver; the attacker (vendor "bench-attacker") has --attack-endpoints webhook
// endpoints and --attack-channels Zapier channels whose receivers never answer, and
// floods Vendor Orders at --attack-rate. The victim's order latency and webhook
// end-to-end latency are measured twice on the same hub: quiet (no attacker load)
// and under the attack. Quotas, where the hub has them, stop the attacker's
// endpoints and channels at its limits: the scenario creates as many as it may and
// reports how many that was.

const (
	noisyScenario = "noisy-neighbour"
	attackVendor  = "bench-attacker"
)

// hangingServer takes requests and never answers them (until it is closed).
type hangingServer struct {
	srv     *http.Server
	url     string
	stop    chan struct{}
	once    sync.Once
	got     atomic.Int64
	waiting atomic.Int64
}

func newHangingServer() (*hangingServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &hangingServer{url: "http://" + ln.Addr().String(), stop: make(chan struct{})}
	h.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.got.Add(1)
		h.waiting.Add(1)
		defer h.waiting.Add(-1)
		select {
		case <-h.stop:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }()
	return h, nil
}

// close answers the waiting requests (503) and stops the server.
func (h *hangingServer) close() {
	h.once.Do(func() {
		close(h.stop)
		_ = h.srv.Close()
	})
}

// attackFixture is the attacker's set-up.
type attackFixture struct {
	clientID, clientSecret string
	endpoints, channels    int
	stopped                []string // why endpoint or channel creation stopped early (quotas)
	raised                 bool     // the attacker's quotas were raised to fit
}

// quotaStop reports whether err refused a create (a quota, or any other refusal
// with an error code) rather than failed.
func quotaStop(err error) bool {
	var e *orderhub.Error
	return errors.As(err, &e) && e.Code != orderhub.EInternal
}

// noisySetup creates the attacker: vendor, promo code, OAuth client, webhook
// endpoints and Zapier channels (one Zapier user per hundred channels, more when a
// per-user limit stops one), all pointing at the hanging receiver. With
// --attack-raise-quotas it first raises the attacker's quotas (as `orderhub admin
// quotas set` does) to fit them all.
func noisySetup(ctx context.Context, db *sqlstore.DB, c benchConfig, hangURL string) (*attackFixture, error) {
	f := &attackFixture{}
	if _, err := db.Tenants().GetVendor(ctx, attackVendor); err != nil {
		if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: attackVendor, Name: "Noisy Neighbour"}); err != nil {
			return nil, err
		}
		if err := db.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: attackVendor, Code: "PROMOCODE", ProductName: "Digital 12 months", Price: "99", Currency: "SEK", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}); err != nil {
			return nil, err
		}
	}
	if c.attackRaiseQuotas {
		limit := func(n int) *int { return &n }
		if _, err := db.Tenants().SetVendorQuotas(ctx, attackVendor, map[string]*int{
			orderhub.QuotaEndpoints:        limit(max(1, c.attackEndpoints+c.attackChannels)),
			orderhub.QuotaWebhookEndpoints: limit(max(1, c.attackEndpoints)),
			orderhub.QuotaZapierUsers:      limit(c.attackChannels/100 + 2),
		}); err != nil {
			return nil, fmt.Errorf("raising the attacker's quotas: %w", err)
		}
		f.raised = true
	}
	cl := &orderhub.Client{VendorID: attackVendor, Scopes: append([]string(nil), orderhub.KnownScopes...)}
	secret, err := db.Tenants().CreateClient(ctx, cl)
	if err != nil {
		return nil, err
	}
	f.clientID, f.clientSecret = cl.ID, secret
	for i := range c.attackEndpoints {
		err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: attackVendor, URL: fmt.Sprintf("%s/w/%d", hangURL, i), Description: "hanging"})
		if quotaStop(err) {
			f.stopped = append(f.stopped, fmt.Sprintf("webhook endpoints stopped at %d: %v", f.endpoints, err))
			break
		}
		if err != nil {
			return nil, err
		}
		f.endpoints++
	}
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	const password = "noisy-neighbour-password"
	var user *orderhub.ZapierUser
	var integration string
	newUser := func() error {
		user = &orderhub.ZapierUser{VendorID: attackVendor, Email: fmt.Sprintf("zap-%s-%d@bench.example", run, f.channels), Name: "Noisy"}
		if err := db.Catalog().CreateZapierUser(ctx, user, password); err != nil {
			return err
		}
		_, _, s, err := db.Catalog().ZapierLogin(ctx, user.Email, password, "zapier", time.Hour)
		if err != nil {
			return err
		}
		integration = s.IntegrationUUID
		return nil
	}
	perUser := 0
	for f.channels < c.attackChannels {
		if user == nil || perUser >= 100 {
			if err := newUser(); err != nil {
				if quotaStop(err) {
					f.stopped = append(f.stopped, fmt.Sprintf("Zapier users stopped with %d channels: %v", f.channels, err))
					break
				}
				return nil, err
			}
			perUser = 0
		}
		err := db.Catalog().CreateZapierChannel(ctx, &orderhub.ZapierChannel{VendorID: attackVendor, IntegrationUUID: integration, UserID: user.ID,
			Alias: "noisy", Event: "subscription-created", URL: fmt.Sprintf("%s/c/%d", hangURL, f.channels), EventTypes: []string{orderhub.EventContractCreated}})
		if quotaStop(err) {
			if perUser > 0 {
				perUser = 100 // a per-user limit, perhaps: the next channel with a new user
				continue
			}
			f.stopped = append(f.stopped, fmt.Sprintf("Zapier channels stopped at %d: %v", f.channels, err))
			break
		}
		if err != nil {
			return nil, err
		}
		f.channels++
		perUser++
	}
	return f, nil
}

// noisyReport is the outcome of the scenario: the victim quiet and under attack.
type noisyReport struct {
	cfg                  benchConfig
	fx                   *attackFixture
	quiet, attack        *benchReport
	attackOK, attackErrs int64
	attackSample         string
	hung                 int64 // requests the hanging receiver got
	loadBefore           string
	// The fan-out expander over each run (warm-up included), from /metrics.
	fanQuiet, fanAttack expanderUse
}

// expanderUse is what the fan-out expander did over a run, from the hub's metrics.
type expanderUse struct {
	ok            bool
	wall          time.Duration
	expanded      float64 // deliveries written
	writerSeconds float64 // time its steps held the writer
	backlog       float64 // events waiting at the end
	shortCircuits float64 // deliveries failed at once (open circuit): attempts written without a request
}

// expanderRun runs f and reads the expander's metrics around it.
func expanderRun(client *http.Client, base string, f func() error) (expanderUse, error) {
	const expanded, writer = "orderhub_fanout_expanded_deliveries_total", "orderhub_fanout_writer_seconds_total"
	m0, t0 := scrapeMetrics(client, base), time.Now()
	err := f()
	m1 := scrapeMetrics(client, base)
	u := expanderUse{wall: time.Since(t0)}
	if m0 != nil && m1 != nil {
		u.ok = true
		u.expanded = m1[expanded] - m0[expanded]
		u.writerSeconds = m1[writer] - m0[writer]
		u.backlog = m1["orderhub_fanout_backlog_events"]
		u.shortCircuits = m1["orderhub_delivery_short_circuited_total"] - m0["orderhub_delivery_short_circuited_total"]
	}
	return u, err
}

func (u expanderUse) String() string {
	if !u.ok {
		return "n/a"
	}
	return fmt.Sprintf("%.0f deliveries/s, writer %.0f%%, %.0f events waiting at the end; %.0f short-circuited attempts/s",
		u.expanded/u.wall.Seconds(), 100*u.writerSeconds/u.wall.Seconds(), u.backlog, u.shortCircuits/u.wall.Seconds())
}

func benchNoisy(ctx context.Context, c benchConfig, stderr io.Writer) (*noisyReport, error) {
	c.mode = "open"
	rep := &noisyReport{cfg: c, loadBefore: loadAverage()}
	victim, err := newBenchReceiver()
	if err != nil {
		return nil, err
	}
	defer victim.srv.Close()
	hang, err := newHangingServer()
	if err != nil {
		return nil, err
	}
	defer hang.close()
	removeDB, err := withStore(ctx, &c, func(db *sqlstore.DB) (err error) {
		// The victim's one receiver, created once for both runs.
		if _, err := benchSetup(ctx, db, c, []string{victim.url}); err != nil {
			return fmt.Errorf("fixtures: %w", err)
		}
		if rep.fx, err = noisySetup(ctx, db, c, hang.url); err != nil {
			return fmt.Errorf("attacker fixtures: %w", err)
		}
		return nil
	})
	defer removeDB()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "bench: attacker has %d hanging webhook endpoints and %d hanging Zapier channels\n", rep.fx.endpoints, rep.fx.channels)
	for _, s := range rep.fx.stopped {
		fmt.Fprintln(stderr, "bench: "+s)
	}
	at, stopHub, err := benchTarget(c)
	if err != nil {
		return nil, err
	}
	defer stopHub()
	run := c
	run.url, run.recvs, run.pid = at.url, []*benchReceiver{victim}, at.pid

	mclient := &http.Client{Timeout: 10 * time.Second}
	fmt.Fprintln(stderr, "bench: the victim alone")
	if rep.fanQuiet, err = expanderRun(mclient, run.url, func() (err error) {
		rep.quiet, err = bench(ctx, run, stderr)
		return err
	}); err != nil {
		return nil, err
	}

	// The attack: open loop at --attack-rate, for as long as the second run lasts.
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	tok, err := benchToken(client, run.url, &benchFixture{clientID: rep.fx.clientID, clientSecret: rep.fx.clientSecret})
	if err != nil {
		return nil, err
	}
	floodCtx, stopFlood := context.WithCancel(ctx)
	var flood sync.WaitGroup
	var sampleMu sync.Mutex
	flood.Add(1)
	go func() {
		defer flood.Done()
		sem := make(chan struct{}, 64)
		start := time.Now()
		interval := time.Duration(float64(time.Second) / c.attackRate)
		for i := 0; floodCtx.Err() == nil; i++ {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				select {
				case <-floodCtx.Done():
				case <-time.After(d):
				}
			}
			select {
			case sem <- struct{}{}:
			case <-floodCtx.Done():
				continue
			}
			flood.Add(1)
			go func() {
				defer flood.Done()
				defer func() { <-sem }()
				body := fmt.Sprintf(`{"externalOrderId":"N-%d-%d","quantity":1,"paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"n%d-%d@noisy.example","fullName":"Noisy %d"},"vendorData":{"seller":"noisy"}}`,
					start.UnixNano()%1e9, i, start.UnixNano()%1e6, i, i)
				req, _ := http.NewRequest("POST", run.url+"/payments/vendor/"+attackVendor+"/promos/code/PROMOCODE?confirm=true", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					rep.countAttack(false, err.Error(), &sampleMu)
					return
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				rep.countAttack(res.StatusCode == 200, fmt.Sprintf("%d %s", res.StatusCode, b), &sampleMu)
			}()
		}
	}()
	// Let the attacker's hanging deliveries take the workers before measuring.
	for deadline := time.Now().Add(10 * time.Second); hang.waiting.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Fprintf(stderr, "bench: the victim under attack (%d attacker requests hanging at the start)\n", hang.waiting.Load())
	rep.fanAttack, err = expanderRun(mclient, run.url, func() (err error) {
		rep.attack, err = bench(ctx, run, stderr)
		return err
	})
	stopFlood()
	flood.Wait()
	rep.hung = hang.got.Load()
	hang.close() // before the hub stops: it waits for its attempts
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func (r *noisyReport) countAttack(ok bool, msg string, mu *sync.Mutex) {
	if ok {
		atomic.AddInt64(&r.attackOK, 1)
		return
	}
	atomic.AddInt64(&r.attackErrs, 1)
	mu.Lock()
	if r.attackSample == "" {
		r.attackSample = msg
	}
	mu.Unlock()
}

// loadAverage is /proc/loadavg's first three fields ("" when unreadable).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// within is the target: under attack at most twice the quiet figure plus 20 ms.
func within(attack, quiet time.Duration) bool { return attack <= 2*quiet+20*time.Millisecond }

type noisyRow struct {
	name          string
	quiet, attack time.Duration
}

func (r *noisyReport) rows() []noisyRow {
	return []noisyRow{
		{"order p50", benchPct(r.quiet.lat, 50), benchPct(r.attack.lat, 50)},
		{"order p99", benchPct(r.quiet.lat, 99), benchPct(r.attack.lat, 99)},
		{"webhook end-to-end p50", benchPct(r.quiet.e2e, 50), benchPct(r.attack.e2e, 50)},
		{"webhook end-to-end p99", benchPct(r.quiet.e2e, 99), benchPct(r.attack.e2e, 99)},
	}
}

func (r *noisyReport) verdict(row noisyRow) string {
	if !strings.HasSuffix(row.name, "p99") {
		return ""
	}
	if within(row.attack, row.quiet) {
		return "holds"
	}
	return "**missed**"
}

func (r *noisyReport) missing() string {
	return fmt.Sprintf("quiet %d of %d, attack %d of %d", r.quiet.e2eMissing, r.quiet.e2eExpected, r.attack.e2eMissing, r.attack.e2eExpected)
}

func (r *noisyReport) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "noisy-neighbour: attacker %d hanging webhook endpoints + %d hanging Zapier channels, %.0f orders/s offered (%d accepted, %d refused or failed); the hanging receiver got %d requests\n",
		r.fx.endpoints, r.fx.channels, r.cfg.attackRate, r.attackOK, r.attackErrs, r.hung)
	for _, s := range r.fx.stopped {
		fmt.Fprintln(&b, "  "+s)
	}
	if r.attackSample != "" {
		fmt.Fprintf(&b, "  first attacker error: %.200s\n", r.attackSample)
	}
	b.WriteString("--- the victim alone\n")
	b.WriteString(r.quiet.text())
	b.WriteString("--- the victim under attack\n")
	b.WriteString(r.attack.text())
	fmt.Fprintf(&b, "victim (ms)               quiet    attack   target ≤ 2 × quiet + 20 ms\n")
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "%-24s %8s %8s   %s\n", row.name, benchMS(row.quiet), benchMS(row.attack), strings.Trim(r.verdict(row), "*"))
	}
	fmt.Fprintf(&b, "webhooks missing: %s\n", r.missing())
	fmt.Fprintf(&b, "fan-out expander: quiet %s; attack %s\n", r.fanQuiet, r.fanAttack)
	return b.String()
}

func (r *noisyReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### %s — noisy-neighbour, victim %.0f orders/s, attacker %.0f orders/s\n\n", r.quiet.started.UTC().Format("2006-01-02 15:04 MST"), r.cfg.rate, r.cfg.attackRate)
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "Machine: %d cores (%s), %s, commit %s, %s; load average before the run %s. ", runtime.NumCPU(), host, r.quiet.goVersion, r.quiet.commit, r.quiet.engine, r.loadBefore)
	if r.cfg.url == "" {
		b.WriteString("Spawned `serve`, fresh database. ")
	}
	if r.cfg.label != "" {
		b.WriteString(r.cfg.label)
	}
	fmt.Fprintf(&b, "\n\nAttacker: %d hanging webhook endpoints, %d hanging Zapier channels, %d orders accepted (%d refused or failed) during the attack run; the hanging receiver got %d requests.",
		r.fx.endpoints, r.fx.channels, r.attackOK, r.attackErrs, r.hung)
	if r.fx.raised {
		b.WriteString(" Its quotas were raised to fit them (--attack-raise-quotas).")
	} else if len(r.fx.stopped) > 0 {
		b.WriteString(" Quotas at their defaults stopped it:")
	}
	for _, s := range r.fx.stopped {
		msg, _, _ := strings.Cut(s, ": Quota exceeded")
		fmt.Fprintf(&b, " %s.", strings.ReplaceAll(msg, "`", "'"))
	}
	fmt.Fprintf(&b, " Each run: %s after %s warm-up.\n\n", r.quiet.measured.Round(time.Millisecond), r.cfg.warmup)
	b.WriteString("| victim | quiet | under attack | target: ≤ 2 × quiet + 20 ms |\n|---|---:|---:|---|\n")
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "| %s | %s ms | %s ms | %s |\n", row.name, benchMS(row.quiet), benchMS(row.attack), r.verdict(row))
	}
	fmt.Fprintf(&b, "| victim orders (2xx) / errors | %d / %d | %d / %d | |\n", r.quiet.ok, r.quiet.errs, r.attack.ok, r.attack.errs)
	fmt.Fprintf(&b, "| webhooks missing after the drain | %d of %d | %d of %d | |\n", r.quiet.e2eMissing, r.quiet.e2eExpected, r.attack.e2eMissing, r.attack.e2eExpected)
	if r.attack.commits > 0 {
		fmt.Fprintf(&b, "| writer busy | %.0f%% | %.0f%% | |\n", 100*r.quiet.writerBusy, 100*r.attack.writerBusy)
	}
	if r.fanAttack.ok {
		fmt.Fprintf(&b, "| fan-out expander (warm-up included) | %s | %s | |\n", r.fanQuiet, r.fanAttack)
	}
	if r.attack.serverCPU > 0 {
		fmt.Fprintf(&b, "| server CPU (one core = 100 %%) | %.0f%% | %.0f%% | |\n", 100*r.quiet.serverCPU.Seconds()/r.quiet.measured.Seconds(), 100*r.attack.serverCPU.Seconds()/r.attack.measured.Seconds())
	}
	return b.String()
}
