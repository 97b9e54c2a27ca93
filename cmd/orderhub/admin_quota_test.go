package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"orderhub"
)

// `orderhub admin quotas show|set` change the overrides the API enforces.
func TestAdminQuotaCommands(t *testing.T) {
	dsn := migratedDSN(t)
	cli, must := adminCLI(t, dsn)
	must("vendors", "create", "--id", "acme")
	out := must("quotas", "show", "--vendor", "acme")
	if !strings.Contains(out, "QUOTA") || !strings.Contains(out, "webhookEndpoints") || !strings.Contains(out, "(busiest user)") {
		t.Fatalf("show:\n%s", out)
	}
	must("quotas", "set", "--vendor", "acme", "--limit", "webhookEndpoints=1", "--limit", "products=0")
	must("endpoints", "create", "--vendor", "acme", "--url", "https://hooks.example.com/1")
	_, _, err := cli("endpoints", "create", "--vendor", "acme", "--url", "https://hooks.example.com/2")
	if orderhub.ErrorCode(err) != orderhub.EQuotaExceeded || !strings.Contains(err.Error(), "webhookEndpoints limit is 1") {
		t.Fatalf("second endpoint over the quota: %v", err)
	}
	var q orderhub.VendorQuotas
	if err := json.Unmarshal([]byte(must("quotas", "set", "--vendor", "acme", "--limit", "webhookEndpoints=default", "--json")), &q); err != nil {
		t.Fatal(err)
	}
	for _, x := range q.Quotas {
		switch {
		case x.Name == orderhub.QuotaWebhookEndpoints && (x.Override != nil || x.Limit != 50 || x.Used != 1):
			t.Fatalf("after reset: %+v", x)
		case x.Name == orderhub.QuotaProducts && (x.Override == nil || *x.Override != 0):
			t.Fatalf("products override lost: %+v", x)
		}
	}
	for _, bad := range [][]string{
		{"quotas", "set", "--vendor", "acme"},
		{"quotas", "set", "--vendor", "acme", "--limit", "nope=1"},
		{"quotas", "set", "--vendor", "acme", "--limit", "products=-1"},
		{"quotas", "set", "--vendor", "acme", "--limit", "products"},
		{"quotas", "set", "--limit", "products=1"},
		{"quotas", "show", "--vendor", "nobody"},
	} {
		if _, _, err := cli(bad...); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}

// `serve --quota NAME=N` sets the server-wide default; a bad one stops serve.
func TestServeQuotaFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if _, _, err := runCLI(t, "serve", "--quota", "nope=1", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db")); err == nil {
		t.Fatal("serve accepted an unknown quota")
	}
	dsn := migratedDSN(t)
	admin := func(args ...string) string {
		t.Helper()
		out, errOut, err := runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		return out
	}
	admin("vendors", "create", "--id", "acme")
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(admin("token", "create", "--json")), &tok); err != nil {
		t.Fatal(err)
	}
	in := startInstances(t, dsn, 1, "--quota", "webhookEndpoints=1", "--deliver=false")[0]
	post := func() (int, string) {
		req, _ := http.NewRequest("POST", in.url+"/admin/v1/vendors/acme/endpoints", strings.NewReader(`{"url":"https://hooks.example.com/x"}`))
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var e struct{ Error string }
		_ = json.NewDecoder(res.Body).Decode(&e)
		return res.StatusCode, e.Error
	}
	if st, _ := post(); st != http.StatusCreated {
		t.Fatalf("first endpoint: %d", st)
	}
	if st, code := post(); st != http.StatusConflict || code != orderhub.EQuotaExceeded {
		t.Fatalf("second endpoint: %d %s, want 409 QuotaExceededError", st, code)
	}
}
