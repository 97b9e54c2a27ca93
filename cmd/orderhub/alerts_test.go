package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeAlertFlags: bad alert settings stop serve with a usage error naming the
// problem; good ones make a configuration (secrets from files or the environment).
func TestServeAlertFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--alert-webhook-url", "ftp://ops.example.com/x"}, "http or https"},
		{[]string{"--alert-webhook-url", "https://user:pw@ops.example.com/x"}, "without credentials"},
		{[]string{"--smtp-addr", "smtp.example.com", "--smtp-from", "a@example.com", "--alert-email-to", "b@example.com"}, "host:port"},
		{[]string{"--smtp-addr", "smtp.example.com:25", "--smtp-from", "not an address", "--alert-email-to", "b@example.com"}, "SMTP sender"},
		{[]string{"--smtp-addr", "smtp.example.com:25", "--smtp-from", "a@example.com"}, "recipient"},
		{[]string{"--smtp-addr", "smtp.example.com:25", "--smtp-from", "a@example.com", "--alert-email-to", "b@example.com\r\nBcc: x@example.com"}, "recipient"},
		{[]string{"--alert-email-to", "b@example.com"}, "need --smtp-addr"},
		{[]string{"--alert-webhook-url", "https://ops.example.com/x", "--alert-interval", "0s"}, "positive"},
	} {
		_, stderr, err := runCLI(t, append([]string{"serve", "--db", "sqlite:" + filepath.Join(t.TempDir(), "x.db")}, c.args...)...)
		if !errors.Is(err, errUsage) || !strings.Contains(stderr, c.want) {
			t.Errorf("serve %v: %v, stderr %q; want a usage error with %q", c.args, err, stderr, c.want)
		}
	}

	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := &alertOptions{webhookURL: "https://ops.example.com/x", webhookSecretFile: secret, smtpAddr: "127.0.0.1:25", smtpFrom: "a@example.com",
		emailTo: "b@example.com, c@example.com", failingAfter: 1, interval: 1, emailEvery: 1}
	env := map[string]string{"ORDERHUB_SMTP_PASSWORD": "pw"}
	if err := o.resolve(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if o.cfg == nil || o.cfg.WebhookSecret != "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" || o.cfg.SMTPPassword != "pw" || len(o.cfg.SMTPTo) != 2 {
		t.Fatalf("config %+v", o.cfg)
	}
	if err := (&alertOptions{}).resolve(func(string) string { return "" }); err != nil {
		t.Fatalf("no alert flags: %v", err)
	}
}
