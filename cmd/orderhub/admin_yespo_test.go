package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fakeyespo "orderhub/fake/yespo"
)

func TestAdminYespoCommands(t *testing.T) {
	const key = "cli-secret-key-123"
	t.Setenv("ORDERHUB_SECRET_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	t.Setenv("TEST_YESPO_KEY", key)
	f := fakeyespo.New(key)
	u, err := f.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dsn := migratedDSN(t)
	cli, must := adminCLI(t, dsn, key)
	must("vendors", "create", "--id", "acme", "--name", "Acme")
	if _, _, err := cli("yespo", "set", "--allow-private-targets", "--vendor", "acme", "--base-url", u); err == nil {
		t.Fatal("a new account without a key was accepted")
	}
	if _, _, err := cli("yespo", "set", "--allow-private-targets", "--vendor", "acme", "--base-url", u, "--api-key-env", "TEST_YESPO_KEY", "--api-key-file", "x"); err == nil {
		t.Fatal("two key sources accepted")
	}
	if out := must("yespo", "set", "--allow-private-targets", "--vendor", "acme", "--base-url", u+"/api/v1", "--api-key-env", "TEST_YESPO_KEY"); !strings.Contains(out, u) || !strings.Contains(out, "yes") {
		t.Fatalf("set:\n%s", out)
	}
	var view map[string]any
	if err := json.Unmarshal([]byte(must("yespo", "show", "--vendor", "acme", "--json")), &view); err != nil || view["apiKeyEncrypted"] != true || view["baseUrl"] != u {
		t.Fatalf("show: %v %v", view, err)
	}
	if out := must("yespo", "test", "--allow-private-targets", "--vendor", "acme"); !strings.Contains(out, "ok") || !strings.Contains(out, "organisationName") {
		t.Fatalf("test:\n%s", out)
	}
	// A key from a file; a wrong key fails the test without printing it.
	kf := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(kf, []byte("wrong-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	must("yespo", "set", "--allow-private-targets", "--vendor", "acme", "--base-url", u, "--api-key-file", kf)
	if _, _, err := cli("yespo", "test", "--allow-private-targets", "--vendor", "acme"); err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("wrong key: %v", err)
	}
	if out := must("yespo", "ignored", "--vendor", "acme"); !strings.Contains(out, "REASON") {
		t.Fatalf("ignored:\n%s", out)
	}
	if _, _, err := cli("yespo", "ignored", "--vendor", "nope"); err == nil {
		t.Fatal("unknown vendor accepted")
	}
	must("yespo", "delete", "--vendor", "acme")
	if _, _, err := cli("yespo", "show", "--vendor", "acme"); err == nil {
		t.Fatal("deleted account shown")
	}
}

// The demo connects its vendor to a fake Yespo started in-process, and serve's
// delivery engine forwards the demo's orders to it.
func TestDemoForwardsToFakeYespo(t *testing.T) {
	creds := startDemo(t, "yespo_fake_state")
	state, _ := creds.Extra["yespo_fake_state"].(string)
	if state == "" {
		t.Fatalf("no fake Yespo in the demo credentials: %+v", creds.Extra)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {creds.ClientID}, "client_secret": {creds.ClientSecret}, "scope": {creds.Scope}}
	res, err := http.PostForm(creds.BaseURL+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	req, _ := http.NewRequest("POST", creds.BaseURL+"/payments/vendor/"+creds.VendorID+"/promos/code/DIGITAL12?confirm=true",
		strings.NewReader(`{"externalOrderId":"DEMO-Y-1","paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"demo.buyer@example.com","fullName":"Demo Buyer"}}`))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("vendor order: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(state)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(b), `"DEMO-Y-1"`) && strings.Contains(string(b), "demo.buyer@example.com") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fake Yespo did not get the order:\n%s", b)
		}
	}
}

// startDemo runs `orderhub demo` (on a free port, a fresh database) until the test
// ends, and returns its credentials once its output says ready (the line of the
// fake connector the test needs).
func startDemo(t *testing.T, ready string) demoCredentials {
	t.Helper()
	credsFile := filepath.Join(t.TempDir(), "creds.json")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	stdout := &syncBuffer{}
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(t.TempDir(), "demo.db"), "--print-credentials", credsFile},
			func(string) string { return "" }, stdout, &syncBuffer{})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var creds demoCredentials
	deadline := time.Now().Add(90 * time.Second)
	for {
		if b, err := os.ReadFile(credsFile); err == nil && json.Unmarshal(b, &creds) == nil && strings.Contains(stdout.String(), ready) {
			return creds
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not start: %s", stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
