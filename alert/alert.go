// Package alert sends orderhub's operational alerts (an endpoint starts failing, is
// disabled, recovers: sqlstore/alerts.go decides when) to the operator: as signed
// operational webhooks to one URL of the server's, and as e-mail through an SMTP
// server. docs/alerts.md describes both.
//
// The store already limits alerts to state changes (one when an endpoint starts
// failing, one when it recovers, at most one failing alert per endpoint per
// interval). On top of that, e-mails are batched: at most one per MailEvery, listing
// every alert that came meanwhile, so that many endpoints failing at once (a network
// outage) make one e-mail, not hundreds.
package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/delivery"
)

// Config configures a Notifier. At least one of WebhookURL and SMTPAddr is set.
type Config struct {
	// WebhookURL receives every alert as a POST (Standard Webhooks), signed with
	// WebhookSecret (whsec_…) when it is set.
	WebhookURL    string
	WebhookSecret string
	// SMTPAddr (host:port) is the mail server; e-mails go from SMTPFrom to SMTPTo.
	// SMTPUsername and SMTPPassword, when set, authenticate with PLAIN (which net/smtp
	// only does over TLS or to localhost).
	SMTPAddr                   string
	SMTPFrom                   string
	SMTPTo                     []string
	SMTPUsername, SMTPPassword string
	// MailEvery is the least time between two e-mails (default 1 min).
	MailEvery time.Duration
	// Timeout of one webhook request or SMTP conversation (default 10 s).
	Timeout  time.Duration
	Logger   *slog.Logger
	Registry prometheus.Registerer
	Now      func() time.Time
	// Client sends the webhooks (default: a client with Timeout, no redirects).
	Client *http.Client
}

// Notifier queues alerts and sends them. Run sends; Alert never blocks.
type Notifier struct {
	cfg     Config
	q       chan orderhub.Alert
	sent    *prometheus.CounterVec
	dropped prometheus.Counter
}

// Check validates a configuration without building a Notifier.
func (c *Config) Check() error {
	if c.WebhookURL == "" && c.SMTPAddr == "" {
		return errors.New("no alert channel: set a webhook URL or an SMTP server")
	}
	if c.WebhookURL != "" {
		u, err := url.Parse(c.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return fmt.Errorf("alert webhook URL %q: want an absolute http or https URL without credentials", c.WebhookURL)
		}
	}
	if c.WebhookSecret != "" {
		if _, err := orderhub.SecretKey(c.WebhookSecret); err != nil {
			return fmt.Errorf("alert webhook secret: %w", err)
		}
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return fmt.Errorf("SMTP server %q: want host:port", c.SMTPAddr)
		}
		if a, err := mail.ParseAddress(c.SMTPFrom); err != nil || a.Name != "" {
			return fmt.Errorf("SMTP sender %q: want a bare e-mail address", c.SMTPFrom)
		}
		if len(c.SMTPTo) == 0 {
			return errors.New("an SMTP server needs at least one recipient")
		}
		for _, to := range c.SMTPTo {
			if a, err := mail.ParseAddress(to); err != nil || a.Name != "" {
				return fmt.Errorf("alert recipient %q: want a bare e-mail address", to)
			}
		}
	}
	return nil
}

// New checks cfg and returns a Notifier.
func New(cfg Config) (*Notifier, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.MailEvery <= 0 {
		cfg.MailEvery = time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	n := &Notifier{cfg: cfg, q: make(chan orderhub.Alert, 1000),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderhub_alerts_sent_total",
			Help: "Operational alerts sent, by kind (endpoint.failing, endpoint.disabled, endpoint.recovered), channel (webhook, email) and result (ok, error). No per-endpoint labels."},
			[]string{"kind", "channel", "result"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "orderhub_alerts_dropped_total",
			Help: "Operational alerts dropped because the alert queue was full."}),
	}
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(n.sent, n.dropped)
	}
	return n, nil
}

// Alert queues an alert; when the queue is full the alert is dropped (counted).
func (n *Notifier) Alert(a orderhub.Alert) {
	select {
	case n.q <- a:
	default:
		n.dropped.Inc()
		n.cfg.Logger.Warn("alert queue full: alert dropped", "alert", a.Kind, "endpoint", a.EndpointID)
	}
}

// Run sends queued alerts until ctx ends.
func (n *Notifier) Run(ctx context.Context) error {
	var mailQ []orderhub.Alert
	var lastMail time.Time
	var mailTimer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case a := <-n.q:
			if n.cfg.WebhookURL != "" {
				n.count(a.Kind, "webhook", n.webhook(ctx, a))
			}
			if n.cfg.SMTPAddr != "" {
				mailQ = append(mailQ, a)
				if mailTimer == nil {
					mailTimer = time.After(max(0, n.cfg.MailEvery-time.Since(lastMail)))
				}
			}
		case <-mailTimer:
			mailTimer = nil
			err := n.mail(mailQ)
			for _, a := range mailQ {
				n.count(a.Kind, "email", err)
			}
			if err != nil {
				n.cfg.Logger.Error("alert e-mail failed", "alerts", len(mailQ), "err", err)
			}
			mailQ, lastMail = nil, time.Now()
		}
	}
}

func (n *Notifier) count(kind, channel string, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	n.sent.WithLabelValues(kind, channel, result).Inc()
}

// Body is an operational webhook's body: the event envelope of webhook deliveries
// (without orderingKey and seq, which belong to a vendor's outbox).
type Body struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Timestamp string         `json:"timestamp"`
	Data      orderhub.Alert `json:"data"`
}

// webhook posts one alert, trying up to three times.
func (n *Notifier) webhook(ctx context.Context, a orderhub.Alert) error {
	id := orderhub.NewID("alt")
	body, err := json.Marshal(Body{ID: id, Type: a.Kind, Timestamp: a.At.UTC().Format(time.RFC3339Nano), Data: a})
	if err != nil {
		return err
	}
	for try := 0; ; try++ {
		err = n.post(ctx, id, body)
		if err == nil || try == 2 || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(try+1) * 2 * time.Second):
		}
	}
	if err != nil {
		n.cfg.Logger.Error("alert webhook failed", "alert", a.Kind, "endpoint", a.EndpointID, "err", err)
	}
	return err
}

func (n *Notifier) post(ctx context.Context, id string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	now := n.cfg.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "orderhub-alerts/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", fmt.Sprint(now.Unix()))
	if n.cfg.WebhookSecret != "" {
		sig, err := delivery.Sign([]string{n.cfg.WebhookSecret}, id, now, body)
		if err != nil {
			return err
		}
		req.Header.Set("webhook-signature", sig)
	}
	res, err := n.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("the alert webhook answered %s", res.Status)
	}
	return nil
}

// mail sends one e-mail listing alerts.
func (n *Notifier) mail(alerts []orderhub.Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	subject := fmt.Sprintf("orderhub: %s %s", alerts[0].EndpointID, strings.TrimPrefix(alerts[0].Kind, "endpoint."))
	if len(alerts) > 1 {
		subject = fmt.Sprintf("orderhub: %d endpoint alerts", len(alerts))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		n.cfg.SMTPFrom, strings.Join(n.cfg.SMTPTo, ", "), subject, n.cfg.Now().Format(time.RFC1123Z))
	for _, a := range alerts {
		fmt.Fprintf(&b, "%s: endpoint %s of vendor %s (%s)\r\n  %s\r\n  at %s\r\n\r\n", a.Kind, clean(a.EndpointID), clean(a.VendorID), clean(a.URL),
			clean(a.Reason), a.At.UTC().Format(time.RFC3339))
	}
	b.WriteString("orderhub admin endpoints list shows the endpoints' health; docs/alerts.md explains these alerts.\r\n")
	var auth smtp.Auth
	if n.cfg.SMTPUsername != "" {
		host, _, _ := net.SplitHostPort(n.cfg.SMTPAddr)
		auth = smtp.PlainAuth("", n.cfg.SMTPUsername, n.cfg.SMTPPassword, host)
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(n.cfg.SMTPAddr, auth, n.cfg.SMTPFrom, n.cfg.SMTPTo, []byte(b.String())) }()
	select {
	case err := <-done:
		return err
	case <-time.After(n.cfg.Timeout):
		return fmt.Errorf("the SMTP server %s did not finish within %s", n.cfg.SMTPAddr, n.cfg.Timeout)
	}
}

// clean keeps vendor-controlled text (endpoint URLs, ids) from breaking the mail's
// lines.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
