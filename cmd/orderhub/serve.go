package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"orderhub"
	"orderhub/delivery"
	"orderhub/httpapi"
	"orderhub/hub"
	"orderhub/netguard"
	"orderhub/sealing"
	"orderhub/sqlstore"
)

// serveConfig is what serve and demo share.
type serveConfig struct {
	dsn       string
	addr      string
	logLevel  string
	accessLog bool
	// ready, when set, is called with the listening address once the server accepts
	// connections.
	ready func(addr string)
	// seed, when set, runs after the database is open and before serving (demo).
	seed func(ctx context.Context, db *sqlstore.DB, baseURL string) error
	// delivery configures the delivery workers (admin_delivery.go).
	delivery *deliveryOptions
	// retention configures pruning (retention.go); nil: none.
	retention *retentionOptions
	// getenv reads the environment (connector secrets such as ORDERHUB_SECRET_KEY).
	getenv func(string) string
	// metricsToken, when set, guards /metrics (--metrics-token-file).
	metricsToken string
	// quotas are the server-wide quota defaults set with -quota (quota.go).
	quotas map[string]int
	// inlineFanout and fanoutBatch tune fan-out (docs/fanout.md): 0 is the default.
	inlineFanout, fanoutBatch int
}

// connectorEnv is what a connector's wiring gets: it adds its delivery Senders and
// its part of the API's configuration.
type connectorEnv struct {
	db      *sqlstore.DB
	getenv  func(string) string
	log     *slog.Logger
	api     *httpapi.Config
	senders map[string]delivery.Sender
	guard   *netguard.Guard // the outbound guard every connector's HTTP client uses
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	cfg := serveConfig{}
	dsn := dbFlag(fs, getenv)
	fs.StringVar(&cfg.addr, "addr", envOr(getenv, "ORDERHUB_ADDR", "127.0.0.1:8080"), "listen address (env ORDERHUB_ADDR)")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&cfg.accessLog, "access-log", false, "log every request (failures are always logged)")
	metricsTokenFile := fs.String("metrics-token-file", "", "require Authorization: Bearer <token> on /metrics, the token read from this file's first line (or set ORDERHUB_METRICS_TOKEN)")
	cfg.delivery = deliveryFlags(fs, false)
	cfg.delivery.alerts = alertFlags(fs)
	cfg.retention = retentionFlags(fs)
	cfg.quotas = quotaFlag(fs)
	inline := fs.Int("inline-fanout", orderhub.DefaultInlineFanout, "fan an event out in its request's transaction while its vendor has at most this many live endpoints (0: never; more go through the fan-out expander)")
	fs.IntVar(&cfg.fanoutBatch, "fanout-batch", orderhub.DefaultFanoutBatch, "the most rows one fan-out expander step reads and writes (1-10000; steps are sized below it by their cost)")
	if err := parseFlags(fs, args); err != nil {
		return ignoreHelp(err)
	}
	if *inline < 0 || cfg.fanoutBatch < 1 || cfg.fanoutBatch > 10000 {
		fmt.Fprintln(stderr, "--inline-fanout must be 0 or more and --fanout-batch 1 to 10000")
		return errUsage
	}
	cfg.inlineFanout = *inline
	if cfg.inlineFanout == 0 {
		cfg.inlineFanout = -1 // sqlstore: never inline
	}
	if err := cfg.retention.check(); err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	if err := cfg.delivery.alerts.resolve(getenv); err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	cfg.dsn = *dsn
	cfg.getenv = getenv
	cfg.metricsToken = strings.TrimSpace(getenv("ORDERHUB_METRICS_TOKEN"))
	if *metricsTokenFile != "" {
		b, err := os.ReadFile(*metricsTokenFile)
		if err != nil {
			return fmt.Errorf("--metrics-token-file: %w", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		if cfg.metricsToken = strings.TrimSpace(line); cfg.metricsToken == "" {
			return fmt.Errorf("--metrics-token-file: %s holds no token", *metricsTokenFile)
		}
	}
	cfg.ready = func(addr string) { fmt.Fprintf(stdout, "orderhub listening on http://%s\n", addr) }
	return serve(ctx, cfg, stderr)
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// serve runs the server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, cfg serveConfig, stderr io.Writer) error {
	log, err := newLogger(stderr, cfg.logLevel)
	if err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, cfg.dsn, sqlstore.Options{Logger: log, InlineFanout: cfg.inlineFanout, FanoutBatch: cfg.fanoutBatch})
	if err != nil {
		return err
	}
	defer db.Close()
	st := hub.Wrap(db.Store(), db) // the domain rules (hub) where the store's order and connector stores were
	getenv := cfg.getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	sealer, err := sealing.FromEnv(getenv)
	if err != nil {
		return err
	}
	if err := sealAtRest(ctx, db, sealer, log); err != nil {
		return err
	}
	if err := st.Tenants.SetQuotaDefaults(cfg.quotas); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	baseURL := "http://" + ln.Addr().String()
	if cfg.seed != nil {
		if err := cfg.seed(ctx, db, baseURL); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	apiCfg := httpapi.Config{
		Store: st, Logger: log, Registry: reg, AccessLog: cfg.accessLog, OpenAPIJSON: openAPIJSON(), MetricsToken: cfg.metricsToken,
	}
	apiCfg.Sealer = sealer
	guard, err := outboundGuard(cfg.delivery)
	if err != nil {
		return err
	}
	apiCfg.Guard = guard
	senders := map[string]delivery.Sender{}
	for _, wire := range connectorWirings() {
		if err := wire(&connectorEnv{db: db, getenv: getenv, log: log, api: &apiCfg, senders: senders, guard: guard}); err != nil {
			return err
		}
	}
	api, err := httpapi.NewServer(ctx, apiCfg)
	if err != nil {
		return err
	}
	stopDelivery, err := startDelivery(ctx, cfg.delivery, db, log, reg, senders, guard)
	if err != nil {
		return err
	}
	defer stopDelivery()
	stopRetention, err := startRetention(ctx, cfg.retention, st.Admin, log, reg)
	if err != nil {
		return err
	}
	defer stopRetention()
	var handler http.Handler = api
	if tok := getenv(benchCeilingEnv); tok != "" {
		// Only the load generator (cmd/orderhub-bench) sets it, for the hub it spawns (bench_ceiling.go).
		if len(tok) < 16 || strings.Trim(tok, "0123456789abcdef") != "" {
			return fmt.Errorf("%s must be at least 16 lowercase hex digits", benchCeilingEnv)
		}
		handler = withBenchCeiling(api, tok)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("orderhub started", "addr", ln.Addr().String(), "db", redactDSN(cfg.dsn), "version", version())
	if cfg.ready != nil {
		cfg.ready(ln.Addr().String())
	}

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("graceful shutdown incomplete", "err", err)
	}
	return nil
}

// redactDSN hides a password in a database URL for logging.
func redactDSN(dsn string) string {
	d, src, err := sqlstore.ParseDSN(dsn)
	if err != nil || d != sqlstore.Postgres {
		return dsn
	}
	if u, err := urlParse(src); err == nil {
		return u.Redacted()
	}
	return "postgres://…"
}
