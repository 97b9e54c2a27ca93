package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
)

// retentionOptions are serve's --retention-* flags (docs/operations.md).
type retentionOptions struct {
	delivered, dead days
	audit           days
	interval        time.Duration
	batch           int
	pause           time.Duration
}

// days is a duration flag that also takes whole days ("30d").
type days time.Duration

func (d *days) String() string { return formatDays(time.Duration(*d)) }

func (d *days) Set(s string) error {
	v, err := parseDays(s)
	if err != nil {
		return err
	}
	*d = days(v)
	return nil
}

// parseDays parses "30d", "12h", "90m", "0": a Go duration or a whole number of days;
// negative durations are refused.
func parseDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 || v > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days (e.g. 30d)", s)
		}
		d = time.Duration(v) * 24 * time.Hour
	} else if s == "0" {
		d = 0
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration (e.g. 30d, 12h, 10m, or 0 to keep for ever)", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("%q: a retention limit must not be negative", s)
	}
	return d, nil
}

func formatDays(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// retentionFlags adds serve's --retention-* flags: a pass's, and how often.
func retentionFlags(fs *flag.FlagSet) *retentionOptions {
	o := pruneFlags(fs)
	fs.DurationVar(&o.interval, "retention-interval", 10*time.Minute, "how often this process prunes (0: never; with several instances one is enough)")
	return o
}

// pruneFlags adds the flags of one pass (serve's and `admin retention prune`'s).
func pruneFlags(fs *flag.FlagSet) *retentionOptions {
	o := &retentionOptions{delivered: days(orderhub.DefaultRetainDelivered), dead: days(orderhub.DefaultRetainDead), audit: days(orderhub.DefaultRetainAudit)}
	fs.Var(&o.delivered, "retention-delivered", "delete delivered and canceled deliveries, their attempts, and events without deliveries older than this (30d, 12h, …; 0 keeps them)")
	fs.Var(&o.dead, "retention-dead", "delete dead letters (and their attempts) that died longer ago than this unless replayed (0 keeps them)")
	fs.Var(&o.audit, "retention-audit", "delete audit log entries older than this (0 keeps them)")
	fs.IntVar(&o.batch, "retention-batch", orderhub.DefaultPruneBatch, "deliveries or events deleted per write transaction while pruning (1-1000)")
	fs.DurationVar(&o.pause, "retention-pause", 10*time.Millisecond, "least pause between two pruning transactions (the pause is also at least 4 times the last one's duration)")
	return o
}

func (o *retentionOptions) check() error {
	if o.batch < 1 || o.batch > 1000 {
		return fmt.Errorf("--retention-batch %d: use 1 to 1000", o.batch)
	}
	if o.interval < 0 || o.pause < 0 {
		return fmt.Errorf("--retention-interval and --retention-pause must not be negative")
	}
	return nil
}

// retentionMetrics registers the retention and database size metrics.
type retentionMetrics struct {
	pruned   *prometheus.CounterVec
	passes   *prometheus.CounterVec
	duration prometheus.Gauge
}

func newRetentionMetrics(reg prometheus.Registerer, st orderhub.AdminStore) *retentionMetrics {
	m := &retentionMetrics{
		pruned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_retention_pruned_total",
			Help: "Rows deleted by retention: kind is delivered (delivered and canceled deliveries), dead (dead letters), attempts, events or audit (audit log entries).",
		}, []string{"kind"}),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_retention_passes_total",
			Help: "Retention passes by outcome (ok, error).",
		}, []string{"outcome"}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "orderhub_retention_last_pass_seconds",
			Help: "How long the last retention pass took.",
		}),
	}
	for _, k := range []string{"delivered", "dead", "attempts", "events", "audit"} {
		m.pruned.WithLabelValues(k)
	}
	space := func(f func(orderhub.SpaceStats) int64) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			s, err := st.Space(ctx)
			if err != nil {
				return 0
			}
			return float64(f(s))
		}
	}
	reg.MustRegister(m.pruned, m.passes, m.duration,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "orderhub_db_size_bytes",
			Help: "Size of the database (SQLite: the main file without its WAL; PostgreSQL: pg_database_size).",
		}, space(func(s orderhub.SpaceStats) int64 { return s.Bytes })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "orderhub_db_free_bytes",
			Help: "SQLite: bytes of free pages inside the database file, reused before the file grows (0 on PostgreSQL).",
		}, space(func(s orderhub.SpaceStats) int64 { return s.FreeBytes })))
	return m
}

func (m *retentionMetrics) observe(st orderhub.PruneStats, d time.Duration, err error) {
	m.pruned.WithLabelValues("delivered").Add(float64(st.Delivered))
	m.pruned.WithLabelValues("dead").Add(float64(st.Dead))
	m.pruned.WithLabelValues("attempts").Add(float64(st.Attempts))
	m.pruned.WithLabelValues("events").Add(float64(st.Events))
	m.pruned.WithLabelValues("audit").Add(float64(st.Audit))
	m.duration.Set(d.Seconds())
	if err != nil {
		m.passes.WithLabelValues("error").Inc()
	} else {
		m.passes.WithLabelValues("ok").Inc()
	}
}

// startRetention prunes in the background until the returned stop is called.
func startRetention(ctx context.Context, o *retentionOptions, st orderhub.AdminStore, log *slog.Logger, reg prometheus.Registerer) (stop func(), err error) {
	if o == nil {
		return func() {}, nil
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	m := newRetentionMetrics(reg, st)
	if o.interval == 0 || (o.delivered == 0 && o.dead == 0 && o.audit == 0) {
		log.Info("retention off", "interval", o.interval.String(), "delivered", o.delivered.String(), "dead", o.dead.String())
		return func() {}, nil
	}
	r := orderhub.Retention{Delivered: time.Duration(o.delivered), Dead: time.Duration(o.dead), Audit: time.Duration(o.audit), Batch: o.batch, Pause: o.pause}
	log = log.With("component", "retention")
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.RunRetention(ctx, r, o.interval, func(ps orderhub.PruneStats, d time.Duration, err error) {
			m.observe(ps, d, err)
			if err == nil && ps != (orderhub.PruneStats{}) {
				log.Info("pruned", "delivered", ps.Delivered, "dead", ps.Dead, "attempts", ps.Attempts, "events", ps.Events, "audit", ps.Audit, "took", d.String())
			}
		})
	}()
	log.Info("retention started", "delivered", o.delivered.String(), "dead", o.dead.String(), "audit", o.audit.String(), "interval", o.interval.String(), "batch", o.batch)
	return func() {
		cancel()
		<-done
	}, nil
}

// retentionRow is a vendor override as the admin commands' table shows it: a
// duration, "0" (keep for ever) or "default". (--json prints the admin API's shape:
// deliveredSeconds, deadSeconds.)
func retentionRow(v *orderhub.VendorRetention) []string {
	upd := ""
	if !v.UpdatedAt.IsZero() {
		upd = fmtTime(v.UpdatedAt)
	}
	return []string{v.VendorID, overrideText(v.Delivered), overrideText(v.Dead), upd}
}

var retentionHeader = []string{"VENDOR", "DELIVERED", "DEAD", "UPDATED"}

func overrideText(d *time.Duration) string {
	switch {
	case d == nil:
		return "default"
	case *d == 0:
		return "0"
	}
	return formatDays(*d)
}

// limitFlag is a retention limit flag of `admin retention set`: left out (unchanged),
// "default" (nil: the server's default) or a duration.
type limitFlag struct {
	given bool
	d     *time.Duration
}

func optionalDays(fs *flag.FlagSet, name, usage string) *limitFlag {
	l := &limitFlag{}
	fs.Func(name, usage, func(s string) error {
		l.given = true
		if s == "default" {
			l.d = nil
			return nil
		}
		d, err := parseDays(s)
		if err != nil {
			return err
		}
		l.d = &d
		return nil
	})
	return l
}

// adminRetentionCommands registers its admin commands (called once, from adminCommands).
func adminRetentionCommands() {
	registerAdmin("retention", "list", "list the vendors' retention overrides", func(fs *flag.FlagSet) func(*adminEnv) error {
		return func(e *adminEnv) error {
			vs, err := e.db.Admin().ListVendorRetention(e.ctx)
			if err != nil {
				return err
			}
			var rows [][]string
			for _, v := range vs {
				rows = append(rows, retentionRow(v))
			}
			if vs == nil {
				vs = []*orderhub.VendorRetention{}
			}
			return e.print(vs, retentionHeader, rows)
		}
	})
	registerAdmin("retention", "set", "override a vendor's retention (--vendor, --delivered, --dead: 30d, 12h, 0 keeps for ever, default)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		delivered := optionalDays(fs, "delivered", "age after which delivered deliveries and events go (30d, 12h; 0 keeps them; default: the server's; left out: unchanged)")
		dead := optionalDays(fs, "dead", "age after which dead letters go (0 keeps them; default: the server's; left out: unchanged)")
		return func(e *adminEnv) error {
			if *vendor == "" {
				return fmt.Errorf("--vendor is required")
			}
			if !delivered.given && !dead.given {
				return fmt.Errorf("give --delivered, --dead or both (retention clear removes an override)")
			}
			v, err := e.manage().Vendors().UpdateVendorRetention(e.ctx, *vendor, func(cur *orderhub.VendorRetention) error {
				if delivered.given {
					cur.Delivered = delivered.d
				}
				if dead.given {
					cur.Dead = dead.d
				}
				return nil
			})
			return printOne(e, v, err, retentionHeader, retentionRow)
		}
	})
	registerAdmin("retention", "clear", "remove a vendor's retention override (--vendor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		return func(e *adminEnv) error {
			if *vendor == "" {
				return fmt.Errorf("--vendor is required")
			}
			if err := e.manage().Vendors().ClearVendorRetention(e.ctx, *vendor); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "retention override of %s removed\n", *vendor)
			return nil
		}
	})
	registerAdmin("retention", "prune", "run one retention pass now (--retention-delivered, --retention-dead, --retention-audit as on serve)", func(fs *flag.FlagSet) func(*adminEnv) error {
		o := pruneFlags(fs)
		return func(e *adminEnv) error {
			if err := o.check(); err != nil {
				return err
			}
			st, err := e.db.Admin().Prune(e.ctx, orderhub.Retention{Delivered: time.Duration(o.delivered), Dead: time.Duration(o.dead), Audit: time.Duration(o.audit), Batch: o.batch, Pause: o.pause})
			if err != nil {
				return err
			}
			return e.print(st, []string{"DELIVERED", "DEAD", "ATTEMPTS", "EVENTS", "AUDIT"},
				[][]string{{fmt.Sprint(st.Delivered), fmt.Sprint(st.Dead), fmt.Sprint(st.Attempts), fmt.Sprint(st.Events), fmt.Sprint(st.Audit)}})
		}
	})
}
