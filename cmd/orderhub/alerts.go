package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub/alert"
)

// alertOptions are serve's operational alert flags (docs/alerts.md).
type alertOptions struct {
	webhookURL, webhookSecretFile              string
	smtpAddr, smtpFrom, smtpUser, smtpPassFile string
	emailTo                                    string
	failingAfter, interval, emailEvery         time.Duration
	cfg                                        *alert.Config // nil: no alerts
}

func alertFlags(fs *flag.FlagSet) *alertOptions {
	o := &alertOptions{}
	fs.StringVar(&o.webhookURL, "alert-webhook-url", "", "send operational alerts (endpoint.failing, endpoint.disabled, endpoint.recovered) as webhooks to this URL")
	fs.StringVar(&o.webhookSecretFile, "alert-webhook-secret-file", "", "sign the alert webhooks with the whsec_ secret on this file's first line (or set ORDERHUB_ALERT_WEBHOOK_SECRET)")
	fs.StringVar(&o.smtpAddr, "smtp-addr", "", "e-mail operational alerts through this SMTP server (host:port)")
	fs.StringVar(&o.smtpFrom, "smtp-from", "", "the alert e-mails' sender address")
	fs.StringVar(&o.smtpUser, "smtp-username", "", "SMTP user (PLAIN authentication, over TLS or to localhost only)")
	fs.StringVar(&o.smtpPassFile, "smtp-password-file", "", "SMTP password on this file's first line (or set ORDERHUB_SMTP_PASSWORD)")
	fs.StringVar(&o.emailTo, "alert-email-to", "", "comma-separated recipients of the alert e-mails")
	fs.DurationVar(&o.failingAfter, "alert-failing-after", 5*time.Minute, "alert when an endpoint has failed without a success this long (or at its first dead letter)")
	fs.DurationVar(&o.interval, "alert-interval", time.Hour, "at most one endpoint.failing alert per endpoint in this time")
	fs.DurationVar(&o.emailEvery, "alert-email-every", time.Minute, "at most one alert e-mail in this time (alerts meanwhile are listed in the next)")
	return o
}

// secretLine reads a secret from a file's first line, else from the environment.
func secretLine(file, env, flagName string, getenv func(string) string) (string, error) {
	if file == "" {
		return strings.TrimSpace(getenv(env)), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--%s: %w", flagName, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("--%s: %s is empty", flagName, file)
	}
	return line, nil
}

// resolve checks the flags and reads the secrets; no channel set: alerts stay off.
func (o *alertOptions) resolve(getenv func(string) string) error {
	if o.webhookURL == "" && o.smtpAddr == "" {
		if o.emailTo != "" || o.smtpFrom != "" {
			return errors.New("--alert-email-to and --smtp-from need --smtp-addr")
		}
		return nil
	}
	if o.failingAfter <= 0 || o.interval <= 0 || o.emailEvery <= 0 {
		return errors.New("--alert-failing-after, --alert-interval and --alert-email-every must be positive")
	}
	c := &alert.Config{WebhookURL: o.webhookURL, SMTPAddr: o.smtpAddr, SMTPFrom: o.smtpFrom, SMTPUsername: o.smtpUser, MailEvery: o.emailEvery}
	var err error
	if o.webhookURL != "" {
		if c.WebhookSecret, err = secretLine(o.webhookSecretFile, "ORDERHUB_ALERT_WEBHOOK_SECRET", "alert-webhook-secret-file", getenv); err != nil {
			return err
		}
	}
	if o.smtpAddr != "" {
		if c.SMTPPassword, err = secretLine(o.smtpPassFile, "ORDERHUB_SMTP_PASSWORD", "smtp-password-file", getenv); err != nil {
			return err
		}
		for _, to := range strings.Split(o.emailTo, ",") {
			if to = strings.TrimSpace(to); to != "" {
				c.SMTPTo = append(c.SMTPTo, to)
			}
		}
	}
	if err := c.Check(); err != nil {
		return err
	}
	o.cfg = c
	return nil
}

// startAlerts runs the alert notifier (nil: alerts off) until ctx ends.
func startAlerts(ctx context.Context, o *alertOptions, log *slog.Logger, reg prometheus.Registerer) (*alert.Notifier, error) {
	if o == nil || o.cfg == nil {
		return nil, nil
	}
	c := *o.cfg
	c.Logger, c.Registry = log.With("component", "alerts"), reg
	n, err := alert.New(c)
	if err != nil {
		return nil, err
	}
	go func() { _ = n.Run(ctx) }()
	log.Info("operational alerts on", "webhook", c.WebhookURL != "", "email", c.SMTPAddr != "", "failing_after", o.failingAfter)
	return n, nil
}
