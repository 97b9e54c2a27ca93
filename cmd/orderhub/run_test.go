package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUsageAndVersion(t *testing.T) {
	if _, _, err := runCLI(t); !errors.Is(err, errUsage) {
		t.Fatalf("no command: %v", err)
	}
	if _, errOut, err := runCLI(t, "frobnicate"); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v %s", err, errOut)
	}
	out, _, err := runCLI(t, "version")
	if err != nil || !strings.HasPrefix(out, "orderhub ") {
		t.Fatalf("version: %q %v", out, err)
	}
	if _, _, err := runCLI(t, "serve", "--bogus"); !errors.Is(err, errUsage) {
		t.Fatalf("bad flag: %v", err)
	}
	if _, _, err := runCLI(t, "admin", "vendors", "explode"); !errors.Is(err, errUsage) {
		t.Fatalf("bad admin action: %v", err)
	}
}

func TestAdminCoreCommands(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "cli.db")
	adminJSON := adminJSONCLI(t, dsn)
	if out, _, err := runCLI(t, "migrate", "--db", dsn); err != nil || !strings.Contains(out, "migrations applied") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	var v map[string]any
	adminJSON(&v, "vendors", "create", "--id", "acme", "--name", "Acme Media")
	if v["id"] != "acme" {
		t.Fatalf("vendor %v", v)
	}
	if _, stderr, err := runCLI(t, "admin", "vendors", "create", "--id", "acme", "--db", dsn); err == nil {
		t.Fatalf("duplicate vendor accepted: %s", stderr)
	}
	var client struct {
		ClientID     string   `json:"clientId"`
		ClientSecret string   `json:"clientSecret"`
		Scopes       []string `json:"scopes"`
	}
	adminJSON(&client, "clients", "create", "--vendor", "acme", "--scopes", "paymentsContractThirdPartyOnboarding,events")
	if client.ClientID == "" || !strings.HasPrefix(client.ClientSecret, "ohs_") || len(client.Scopes) != 2 {
		t.Fatalf("client %+v", client)
	}
	if _, _, err := runCLI(t, "admin", "clients", "create", "--vendor", "acme", "--scopes", "root", "--db", dsn); err == nil {
		t.Fatal("unknown scope accepted")
	}
	var clients []map[string]any
	adminJSON(&clients, "clients", "list", "--vendor", "acme")
	if len(clients) != 1 || clients[0]["clientId"] != client.ClientID {
		t.Fatalf("clients %v", clients)
	}
	// The secret is shown once: never in a listing, never stored in plain text.
	raw, _ := os.ReadFile(strings.TrimPrefix(dsn, "sqlite:"))
	if strings.Contains(string(raw), client.ClientSecret) {
		t.Fatal("client secret stored in plain text")
	}
	out, _, _ := runCLI(t, "admin", "clients", "list", "--db", dsn)
	if strings.Contains(out, client.ClientSecret) {
		t.Fatal("client secret listed")
	}
	var revoked map[string]string
	adminJSON(&revoked, "clients", "revoke", "--id", client.ClientID)
	adminJSON(&clients, "clients", "list")
	if clients[0]["revokedAt"] == nil {
		t.Fatalf("not revoked: %v", clients)
	}
	var promo map[string]any
	adminJSON(&promo, "promos", "create", "--vendor", "acme", "--code", "DIGI12", "--product", "Digital 12", "--price", "99", "--currency", "sek", "--binding-months", "12")
	if promo["price"] != "99.00" || promo["currency"] != "SEK" || promo["delivery"] != "digital" {
		t.Fatalf("promo %v", promo)
	}
	for _, bad := range [][]string{
		{"--price", "ninety"}, {"--price", "9.999"}, {"--currency", "kronor"}, {"--billing-period", "fortnight"}, {"--delivery", "pigeon"}, {"--code", "a/b"},
	} {
		args := append([]string{"admin", "promos", "create", "--vendor", "acme", "--code", "X1", "--product", "P", "--price", "1", "--db", dsn}, bad...)
		if _, _, err := runCLI(t, args...); err == nil {
			t.Errorf("promo with %v accepted", bad)
		}
	}
	var promos []map[string]any
	adminJSON(&promos, "promos", "list", "--vendor", "acme")
	if len(promos) != 1 {
		t.Fatalf("promos %v", promos)
	}
	var tok struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	adminJSON(&tok, "token", "create", "--name", "ops")
	if !strings.HasPrefix(tok.Token, "oha_") {
		t.Fatalf("admin token %+v", tok)
	}
	var events []map[string]any
	adminJSON(&events, "events", "list", "--vendor", "acme")
	if len(events) != 0 {
		t.Fatalf("events %v", events)
	}
	if out, _, err := runCLI(t, "admin", "help"); err != nil || !strings.Contains(out, "clients create") {
		t.Fatalf("admin help: %v %s", err, out)
	}
}

// TestDemoScriptWorksWhenPasted runs `orderhub demo` in-process on a free port and
// runs the curl script it prints with bash, as a person pasting it would.
func TestDemoScriptWorksWhenPasted(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("SKIPPED LOUDLY: curl is not installed; the printed demo script needs it")
	}
	credsFile := filepath.Join(t.TempDir(), "creds.json")
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(t.TempDir(), "demo.db"), "--print-credentials", credsFile},
			func(string) string { return "" }, stdout, stderr)
	}()
	var creds demoCredentials
	// Generous: under the race detector on a loaded 2-core CI machine, start-up
	// (migrations, the demo's fake connectors) can take many seconds.
	deadline := time.Now().Add(90 * time.Second)
	for {
		if b, err := os.ReadFile(credsFile); err == nil && json.Unmarshal(b, &creds) == nil && strings.Contains(stdout.String(), "Complete Example") {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo ended before it was up: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("demo did not start\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if creds.ClientSecret == "" || creds.VendorID == "" || len(creds.PromoCodes) != 3 || creds.AdminToken == "" {
		t.Fatalf("credentials file %+v", creds)
	}
	res, err := http.Get(creds.BaseURL + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	res.Body.Close()

	out := stdout.String()
	script := out[strings.Index(out, "ACCESS_TOKEN="):]
	run := func() string {
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("script failed: %v\n%s\n--- script:\n%s", err, b, script)
		}
		return string(b)
	}
	first := run()
	if !strings.Contains(first, `"responseKey":"CONTRACT_CREATED_AND_CONFIRMED"`) || !strings.Contains(first, `"externalOrderId":"ORDER-2025-001234"`) {
		t.Fatalf("first run:\n%s", first)
	}
	// Pasting it again is safe: the same contract, already confirmed.
	if second := run(); !strings.Contains(second, `"responseKey":"SKIPPED_ALREADY_CONFIRMED"`) {
		t.Fatalf("second run:\n%s", second)
	}
	stopDemo(t, cancel, done)
}
