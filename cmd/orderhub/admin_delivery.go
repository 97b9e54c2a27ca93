package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/delivery"
	"orderhub/httpapi"
	"orderhub/netguard"
	"orderhub/sqlstore"
)

// Outbound delivery in the CLI: the workers started by serve and demo, and
// `orderhub admin endpoints …` / `orderhub admin deliveries …`.

// deliveryOptions are the delivery flags of serve and demo.
type deliveryOptions struct {
	enabled      bool
	allowPrivate bool
	proxy        string
	workers      int
	perEndpoint  int
	timeout      time.Duration
	schedule     string
	disableAfter time.Duration
	alerts       *alertOptions // serve only (alerts.go)
}

// deliveryFlags declares the delivery flags on fs.
func deliveryFlags(fs *flag.FlagSet, allowPrivateDefault bool) *deliveryOptions {
	o := &deliveryOptions{}
	fs.BoolVar(&o.enabled, "deliver", true, "run the delivery workers in this process")
	fs.BoolVar(&o.allowPrivate, "allow-private-targets", allowPrivateDefault, "let webhooks, Zapier hooks and connectors reach loopback, private and link-local addresses (also at registration)")
	fs.StringVar(&o.proxy, "outbound-proxy", "", "send every outbound call (webhooks, hooks, connectors) through this HTTP proxy URL (default: none; the environment's HTTP_PROXY is never used)")
	fs.IntVar(&o.workers, "delivery-workers", 256, "concurrent delivery attempts")
	fs.IntVar(&o.perEndpoint, "delivery-per-endpoint", 16, "concurrent delivery attempts per endpoint")
	fs.DurationVar(&o.timeout, "delivery-timeout", 15*time.Second, "timeout of one delivery attempt (a claim's lease is 3 times this)")
	fs.StringVar(&o.schedule, "delivery-schedule", "", "comma-separated waits before each attempt, e.g. 0,5s,5m (default Svix's: 0,5s,5m,30m,2h,5h,10h,10h)")
	fs.DurationVar(&o.disableAfter, "disable-failing-after", 5*24*time.Hour, "disable an endpoint failing without a success for this long")
	return o
}

func parseSchedule(s string) ([]time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []time.Duration
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "0" {
			out = append(out, 0)
			continue
		}
		d, err := time.ParseDuration(p)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("--delivery-schedule: %q is not a duration", p)
		}
		out = append(out, d)
	}
	return out, nil
}

// startDelivery runs the delivery engine until the returned stop is called (stop
// waits for attempts in flight to be recorded).
func startDelivery(ctx context.Context, o *deliveryOptions, db *sqlstore.DB, log *slog.Logger, reg prometheus.Registerer, senders map[string]delivery.Sender, guard *netguard.Guard) (stop func(), err error) {
	if o == nil || !o.enabled {
		return func() {}, nil
	}
	sched, err := parseSchedule(o.schedule)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	notifier, err := startAlerts(ctx, o.alerts, log, reg)
	if err != nil {
		cancel()
		return nil, err
	}
	dcfg := delivery.Config{
		Workers: o.workers, PerEndpoint: o.perEndpoint, Timeout: o.timeout, Schedule: sched,
		DisableAfter: o.disableAfter, AllowPrivateTargets: o.allowPrivate, Guard: guard, Logger: log.With("component", "delivery"), Registry: reg,
		Senders: senders, Bodies: deliveryBodies(db),
	}
	if notifier != nil {
		dcfg.Alerter, dcfg.AlertFailingAfter, dcfg.AlertInterval = notifier, o.alerts.failingAfter, o.alerts.interval
	}
	eng := delivery.New(deliveryStore(db), dcfg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = eng.Run(ctx)
	}()
	log.Info("delivery workers started", "workers", o.workers, "per_endpoint", o.perEndpoint, "allow_private_targets", o.allowPrivate)
	return func() {
		cancel()
		<-done
	}, nil
}

var endpointHeader = []string{"ID", "VENDOR", "KIND", "URL", "EVENT TYPES", "STATE"}

func endpointRow(ep *orderhub.Endpoint) []string {
	types := strings.Join(ep.EventTypes, " ")
	if types == "" {
		types = "*"
	}
	state := "enabled"
	switch {
	case ep.DeletedAt != nil:
		state = "deleted: " + ep.DisabledReason
	case !ep.Enabled:
		state = "disabled: " + ep.DisabledReason
	case ep.FailingSince != nil:
		state = "failing since " + fmtTime(*ep.FailingSince)
	}
	return []string{ep.ID, ep.VendorID, ep.Kind, ep.URL, types, state}
}

var deliveryHeader = []string{"ID", "ENDPOINT", "SEQ", "EVENT TYPE", "KEY", "STATUS", "ATTEMPTS", "LAST", "NEXT / DELIVERED"}

func deliveryRow(d *orderhub.Delivery) []string {
	last := ""
	if d.LastStatus != 0 {
		last = strconv.Itoa(d.LastStatus)
	}
	if d.LastError != "" && d.LastStatus == 0 {
		last = d.LastError
	}
	when := ""
	switch {
	case d.DeliveredAt != nil && d.Status == orderhub.DeliveryDelivered:
		when = fmtTime(*d.DeliveredAt)
	case d.InFlightUntil != nil:
		when = "in flight"
	case d.NextAttemptAt != nil:
		when = fmtTime(*d.NextAttemptAt)
	}
	return []string{d.ID, d.EndpointID, strconv.FormatInt(d.Seq, 10), d.EventType, d.OrderingKey, d.Status, strconv.Itoa(d.Attempts), last, when}
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, orderhub.Errorf(orderhub.EInvalidRequest, "--since %q is neither an RFC 3339 time nor a duration such as 2h", s)
	}
	return t, nil
}

func required(name, v string) error {
	if v == "" {
		return orderhub.Errorf(orderhub.EInvalidRequest, "--%s is required", name)
	}
	return nil
}

// adminDeliveryCommands registers its admin commands (called once, from adminCommands).
func adminDeliveryCommands() {
	registerAdmin("endpoints", "create", "create a webhook or Zapier endpoint (--vendor, --url, --kind, --types); prints its signing secret once", func(fs *flag.FlagSet) func(*adminEnv) error {
		ep := &orderhub.Endpoint{}
		fs.StringVar(&ep.VendorID, "vendor", "", "vendor id (required)")
		fs.StringVar(&ep.ID, "id", "", "endpoint id (generated when empty)")
		fs.StringVar(&ep.URL, "url", "", "http(s) URL to POST events to (required)")
		fs.StringVar(&ep.Kind, "kind", orderhub.EndpointWebhook, "webhook or zapier")
		fs.StringVar(&ep.Description, "description", "", "description")
		fs.StringVar(&ep.Secret, "secret", "", "signing secret whsec_… (generated when empty)")
		allow := allowPrivateFlag(fs)
		types := fs.String("types", "", "comma-separated event types (empty or *: every type)")
		return func(e *adminEnv) error {
			if err := required("vendor", ep.VendorID); err != nil {
				return err
			}
			ep.EventTypes = splitList(*types)
			if err := e.manageTargets(*allow).Endpoints().CreateEndpoint(e.ctx, ep); err != nil {
				return err
			}
			return e.print(ep, append(endpointHeader, "SECRET (shown once)"), [][]string{append(endpointRow(ep), ep.Secret)})
		}
	})
	registerAdmin("endpoints", "list", "list endpoints (--vendor, --kind, --deleted)", func(fs *flag.FlagSet) func(*adminEnv) error {
		f := orderhub.EndpointFilter{}
		fs.StringVar(&f.VendorID, "vendor", "", "only this vendor's endpoints")
		fs.StringVar(&f.Kind, "kind", "", "only webhook or zapier endpoints")
		fs.BoolVar(&f.IncludeDeleted, "deleted", false, "include deleted endpoints")
		return func(e *adminEnv) error {
			eps, err := e.db.Deliveries().ListEndpoints(e.ctx, f)
			if err != nil {
				return err
			}
			return printList(e, nonNil(eps), endpointHeader, endpointRow)
		}
	})
	registerAdmin("endpoints", "get", "show an endpoint (--id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "endpoint id (required)")
		return func(e *adminEnv) error {
			ep, err := e.db.Deliveries().GetEndpoint(e.ctx, "", *id)
			return printOne(e, ep, err, endpointHeader, endpointRow)
		}
	})
	registerAdmin("endpoints", "update", "change an endpoint (--id; --url, --types, --description, --kind)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "endpoint id (required)")
		fs.String("url", "", "new URL")
		types := fs.String("types", "", "new comma-separated event types (* for every type)")
		fs.String("description", "", "new description")
		fs.String("kind", "", "new kind: webhook or zapier")
		allow := allowPrivateFlag(fs)
		return func(e *adminEnv) error {
			u := orderhub.EndpointUpdate{}
			setGiven(fs, map[string]any{"url": &u.URL, "description": &u.Description, "kind": &u.Kind})
			if given(fs, "types") {
				t := splitList(*types)
				u.EventTypes = &t
			}
			ep, err := e.manageTargets(*allow).Endpoints().UpdateEndpoint(e.ctx, "", *id, u)
			return printOne(e, ep, err, endpointHeader, endpointRow)
		}
	})
	registerAdmin("endpoints", "rotate", "give an endpoint a new signing secret (--id, --overlap); prints it once", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "endpoint id (required)")
		overlap := fs.Duration("overlap", orderhub.DefaultSecretOverlap, "how long the old secret keeps signing too (0s: stop at once)")
		secret := fs.String("secret", "", "the new secret whsec_… (generated when empty)")
		return func(e *adminEnv) error {
			if *overlap < 0 || *overlap > 30*24*time.Hour {
				return orderhub.FieldError(orderhub.EInvalidRequest, "overlap", "--overlap must be from 0s to 720h (30 days), got %s", *overlap)
			}
			secs := int64(*overlap / time.Second) // manage's unit, as the API's overlapSeconds
			ep, err := e.manage().Endpoints().RotateEndpointSecret(e.ctx, "", *id, *secret, &secs)
			if err != nil {
				return err
			}
			until := "now"
			if ep.PreviousSecretExpiresAt != nil {
				until = fmtTime(*ep.PreviousSecretExpiresAt)
			}
			return e.print(ep, []string{"ID", "OLD SECRET SIGNS UNTIL", "NEW SECRET (shown once)"}, [][]string{{ep.ID, until, ep.Secret}})
		}
	})
	registerAdmin("endpoints", "secret", "print an endpoint's current signing secret (--id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "endpoint id (required)")
		return func(e *adminEnv) error {
			s, err := e.db.Deliveries().EndpointSecret(e.ctx, "", *id)
			if err != nil {
				return err
			}
			return e.print(map[string]string{"id": *id, "secret": s}, nil, [][]string{{s}})
		}
	})
	registerAdmin("endpoints", "disable", "disable an endpoint (--id, --reason); its active deliveries become dead", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "endpoint id (required)")
		reason := fs.String("reason", "", "why")
		return func(e *adminEnv) error {
			ep, err := e.manage().Endpoints().DisableEndpoint(e.ctx, "", *id, *reason)
			return printOne(e, ep, err, endpointHeader, endpointRow)
		}
	})
	registerAdmin("endpoints", "enable", "enable an endpoint again (--id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "endpoint id (required)")
		return func(e *adminEnv) error {
			ep, err := e.manage().Endpoints().EnableEndpoint(e.ctx, "", *id)
			return printOne(e, ep, err, endpointHeader, endpointRow)
		}
	})
	registerAdmin("endpoints", "delete", "delete an endpoint (--id); its active deliveries are canceled", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "endpoint id (required)")
		return func(e *adminEnv) error {
			if err := e.manage().Endpoints().DeleteEndpoint(e.ctx, "", *id); err != nil {
				return err
			}
			return e.print(map[string]string{"id": *id, "status": "deleted"}, nil, [][]string{{"deleted " + *id}})
		}
	})

	registerAdmin("deliveries", "list", "list deliveries, newest first (--vendor, --endpoint, --event, --status, --key, --since, --limit, --cursor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		f := orderhub.DeliveryFilter{}
		p := orderhub.Page{}
		fs.StringVar(&f.VendorID, "vendor", "", "vendor id")
		fs.StringVar(&f.EndpointID, "endpoint", "", "endpoint id")
		fs.StringVar(&f.EventID, "event", "", "event id")
		fs.StringVar(&f.Status, "status", "", "pending, failed, delivered, dead, canceled or active (pending + failed)")
		fs.StringVar(&f.OrderingKey, "key", "", "ordering key (customer or order id)")
		since := fs.String("since", "", "created since: RFC 3339 time or a duration ago (e.g. 2h)")
		fs.Int64Var(&f.BeforeSeq, "before-seq", 0, "deprecated (use --cursor): only deliveries of events with a lower sequence number")
		fs.StringVar(&p.Cursor, "cursor", "", "the next page: the cursor printed after the previous page")
		fs.IntVar(&p.Limit, "limit", orderhub.DefaultDeliveryPageLimit, fmt.Sprintf("rows per page (1-%d)", orderhub.MaxDeliveryPageLimit))
		return func(e *adminEnv) error {
			var err error
			if f.Since, err = parseSince(*since); err != nil {
				return err
			}
			if p.Limit < 1 || p.Limit > orderhub.MaxDeliveryPageLimit {
				return orderhub.FieldError(orderhub.EInvalidRequest, "limit", "--limit must be from 1 to %d, got %d", orderhub.MaxDeliveryPageLimit, p.Limit)
			}
			pg, err := e.db.Deliveries().ListDeliveryPage(e.ctx, f, p)
			if err != nil {
				return httpapi.PageError(err)
			}
			return printPage(e, pg, deliveryHeader, deliveryRow)
		}
	})
	registerAdmin("deliveries", "attempts", "list the attempts of a delivery (--id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "delivery id (required)")
		return func(e *adminEnv) error {
			as, err := e.db.Deliveries().ListAttempts(e.ctx, "", *id)
			if err != nil {
				return err
			}
			rows := [][]string{}
			for _, a := range as {
				body := strings.Join(strings.Fields(a.ResponseBody), " ")
				if len(body) > 60 {
					body = body[:60] + "…"
				}
				rows = append(rows, []string{strconv.Itoa(a.Attempt), fmtTime(a.StartedAt), strconv.Itoa(a.StatusCode), fmt.Sprintf("%.1f ms", a.LatencyMS), a.Error, body})
			}
			return e.print(nonNil(as), []string{"#", "STARTED", "STATUS", "LATENCY", "ERROR", "RESPONSE"}, rows)
		}
	})
	registerAdmin("deliveries", "replay", "send again: one delivery (--id), an endpoint's dead ones (--endpoint --dead), or everything since a time (--since, with --endpoint or --vendor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "delivery id")
		endpoint := fs.String("endpoint", "", "endpoint id")
		vendor := fs.String("vendor", "", "vendor id (with --since: every enabled endpoint of the vendor)")
		dead := fs.Bool("dead", false, "replay every dead delivery of --endpoint")
		since := fs.String("since", "", "replay everything since: RFC 3339 time or a duration ago (e.g. 2h)")
		return func(e *adminEnv) error {
			var n int
			var err error
			switch {
			case *id != "":
				if _, err = e.manage().Endpoints().ReplayDelivery(e.ctx, "", *id); err == nil {
					n = 1
				}
			case *dead:
				if err = required("endpoint", *endpoint); err == nil {
					n, err = e.manage().Endpoints().ReplayDead(e.ctx, *vendor, *endpoint)
				}
			case *since != "":
				var t time.Time
				if t, err = parseSince(*since); err == nil {
					n, err = e.manage().Endpoints().ReplaySince(e.ctx, *vendor, *endpoint, t)
				}
			default:
				err = orderhub.Errorf(orderhub.EInvalidRequest, "say what to replay: --id, --endpoint with --dead, or --since")
			}
			if err != nil {
				return err
			}
			return e.print(map[string]int{"queued": n}, nil, [][]string{{fmt.Sprintf("%d deliveries queued", n)}})
		}
	})
}

// outboundGuard is the one outbound guard of serve and demo (package netguard):
// webhooks, Zapier hooks, connectors and the API's test calls all use it.
func outboundGuard(o *deliveryOptions) (*netguard.Guard, error) {
	opt := netguard.Options{}
	if o != nil {
		opt.AllowPrivate = o.allowPrivate
		if o.timeout > 0 {
			opt.DialTimeout = o.timeout
		}
		if o.proxy != "" {
			u, err := url.Parse(o.proxy)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, fmt.Errorf("--outbound-proxy: %q is not an http:// or https:// URL", o.proxy)
			}
			opt.Proxy = u
		}
	}
	return netguard.New(opt), nil
}

// allowPrivateFlag declares --allow-private-targets on an admin command that
// registers a target URL.
func allowPrivateFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("allow-private-targets", false, "accept a loopback, private or link-local target (as serve --allow-private-targets delivers to)")
}

// checkTarget applies the outbound guard's registration rules to a target URL given
// to the admin CLI.
func checkTarget(ctx context.Context, allowPrivate bool, field, raw string, requireHTTPS bool) error {
	return netguard.New(netguard.Options{AllowPrivate: allowPrivate}).CheckURL(ctx, field, raw, requireHTTPS)
}
