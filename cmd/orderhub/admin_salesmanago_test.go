package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fakesm "orderhub/fake/salesmanago"
)

func TestAdminSalesmanagoCommands(t *testing.T) {
	const secret, key = "cli-api-secret-123", "cli-v3-key-456"
	t.Setenv("ORDERHUB_SECRET_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	t.Setenv("TEST_SM_SECRET", secret)
	f := fakesm.New(fakesm.Account{ClientID: "cid", APISecret: secret, Owner: "owner@acme.example", APIKey: key, Catalogs: []string{"cat"}})
	u, err := f.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dsn := migratedDSN(t)
	cli, must := adminCLI(t, dsn, secret, key)
	must("vendors", "create", "--id", "acme", "--name", "Acme")
	keyFile := filepath.Join(t.TempDir(), "v3key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	create := []string{"salesmanago", "accounts", "create", "--allow-private-targets", "--vendor", "acme", "--id", "sm_acme", "--group-key", "acme-main", "--base-url", u,
		"--v3-base-url", u, "--client-id", "cid", "--owner", "owner@acme.example", "--catalog-id", "cat"}
	if _, _, err := cli(create...); err == nil {
		t.Fatal("an account without its apiSecret was accepted")
	}
	if _, _, err := cli(append(create, "--api-secret-env", "TEST_SM_SECRET", "--api-secret-file", keyFile)...); err == nil {
		t.Fatal("two secret sources accepted")
	}
	if _, _, err := cli(append(create, "--api-secret-env", "TEST_SM_SECRET", "--mapping", `{"tags":["lower case"]}`)...); err == nil {
		t.Fatal("an invalid mapping was accepted")
	}
	out := must(append(create, "--api-secret-env", "TEST_SM_SECRET", "--api-key-file", keyFile, "--mapping", `{"tags":["VIP"]}`)...)
	if !strings.Contains(out, "acme-main") || !strings.Contains(out, "customer-created") {
		t.Fatalf("create:\n%s", out)
	}
	if _, _, err := cli(append(create[:len(create):len(create)], "--api-secret-env", "TEST_SM_SECRET")...); err == nil {
		t.Fatal("a second account with the same id and group key was accepted")
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(must("salesmanago", "accounts", "list", "--vendor", "acme", "--json")), &list); err != nil || len(list) != 1 ||
		list[0]["groupKey"] != "acme-main" || list[0]["hasApiKey"] != true {
		t.Fatalf("list: %v %v", list, err)
	}
	if out := must("salesmanago", "accounts", "test", "--allow-private-targets", "--vendor", "acme", "--id", "sm_acme"); !strings.Contains(out, "API v2 (contacts, events): ok") ||
		!strings.Contains(out, "API v3 (products):         ok") {
		t.Fatalf("test:\n%s", out)
	}
	// The secrets were encrypted with ORDERHUB_SECRET_KEY: without it they cannot be used.
	t.Setenv("ORDERHUB_SECRET_KEY", "")
	if _, _, err := cli("salesmanago", "accounts", "test", "--allow-private-targets", "--vendor", "acme", "--id", "sm_acme"); err == nil || !strings.Contains(err.Error(), "ORDERHUB_SECRET_KEY") {
		t.Fatalf("test without the key: %v", err)
	}
	t.Setenv("ORDERHUB_SECRET_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	f.AddAccount(fakesm.Account{ClientID: "cid", APISecret: "rotated", Owner: "owner@acme.example", APIKey: key, Catalogs: []string{"cat"}})
	if out, _, err := cli("salesmanago", "accounts", "test", "--allow-private-targets", "--vendor", "acme", "--id", "sm_acme"); err == nil || !strings.Contains(out, "wrong sha") {
		t.Fatalf("test with a stale secret: %v\n%s", err, out)
	}
	// Rotating the secret keeps the account; the test passes again.
	t.Setenv("TEST_SM_SECRET", "rotated")
	if out := must("salesmanago", "accounts", "update", "--vendor", "acme", "--id", "sm_acme", "--api-secret-env", "TEST_SM_SECRET", "--name", "Main"); !strings.Contains(out, "sm_acme") {
		t.Fatalf("update:\n%s", out)
	}
	if out := must("salesmanago", "accounts", "test", "--allow-private-targets", "--vendor", "acme", "--id", "sm_acme"); !strings.Contains(out, "API v2 (contacts, events): ok") {
		t.Fatalf("test after rotation:\n%s", out)
	}
	if _, _, err := cli("salesmanago", "accounts", "update", "--vendor", "acme", "--id", "sm_acme", "--owner", "not-an-email"); err == nil {
		t.Fatal("an invalid owner was accepted")
	}
	if out := must("salesmanago", "accounts", "mapping", "--vendor", "acme", "--id", "sm_acme", "--mapping", `{"syncContacts":false,"events":{"order-created":{"type":"PURCHASE"}}}`); !strings.Contains(out, "order-created") || strings.Contains(out, "customer-created") {
		t.Fatalf("mapping:\n%s", out)
	}
	if _, _, err := cli("salesmanago", "accounts", "delete", "--vendor", "other", "--id", "sm_acme"); err == nil {
		t.Fatal("deleted through another vendor")
	}
	must("salesmanago", "accounts", "delete", "--vendor", "acme", "--id", "sm_acme")
	if out := must("salesmanago", "accounts", "list"); strings.Contains(out, "sm_acme") {
		t.Fatalf("deleted account listed:\n%s", out)
	}
	if out := must("help"); !strings.Contains(out, "salesmanago accounts create") {
		t.Fatalf("usage lacks the salesmanago commands:\n%s", out)
	}
}

// The demo connects its vendor to a fake SALESmanago started in-process: a vendor
// order shows up there as a contact and a PURCHASE event, and seed 002's API works.
func TestDemoSyncsToFakeSalesmanago(t *testing.T) {
	creds := startDemo(t, "salesmanago_fake_requests")
	requests, _ := creds.Extra["salesmanago_fake_requests"].(string)
	if requests == "" || creds.Extra["salesmanago_group_key"] != "demo" {
		t.Fatalf("no fake SALESmanago in the demo credentials: %+v", creds.Extra)
	}
	token := func(scope string) string {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {creds.ClientID}, "client_secret": {creds.ClientSecret}, "scope": {scope}}
		res, err := http.PostForm(creds.BaseURL+"/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.NewDecoder(res.Body).Decode(&tok)
		return tok.AccessToken
	}
	post := func(path, tok, body string) int {
		req, _ := http.NewRequest("POST", creds.BaseURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := post("/payments/vendor/"+creds.VendorID+"/promos/code/DIGITAL12?confirm=true", token(creds.Scope),
		`{"externalOrderId":"DEMO-SM-1","paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"sm.buyer@example.com","fullName":"SM Buyer"}}`); st != 200 {
		t.Fatalf("vendor order: %d", st)
	}
	fakeSaw := func(what string, want ...string) {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			res, err := http.Get(requests)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			s := string(b)
			all := !strings.Contains(s, `"success":false`)
			for _, w := range want {
				all = all && strings.Contains(s, w)
			}
			if all {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the fake SALESmanago did not get %s:\n%s", what, b)
			}
		}
	}
	fakeSaw("the contact and the PURCHASE", "/api/contact/upsert", `"PURCHASE"`, "sm.buyer@example.com")
	if st := post("/salesmanago/events", token("salesmanago"),
		`{"group_key":"demo","data":{"email":"sm.buyer@example.com","contactExtEventType":"VISIT","location":"demo-web"}}`); st != 202 {
		t.Fatalf("seed 002 event: %d", st)
	}
	fakeSaw("the VISIT", `"VISIT"`)
}
