package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"orderhub"
	"orderhub/sqlstore"
)

// Zapier users' bcrypt hashes at the lowest cost in these tests: at the default
// cost one hash takes seconds under -race, and every demo creates a user.
func init() { sqlstore.BcryptCost = bcrypt.MinCost }

func TestAdminZapierUserCommands(t *testing.T) {
	dsn := migratedDSN(t)
	cli := func(args ...string) (string, error) {
		t.Helper()
		out, errOut, err := runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn)...)
		if err != nil {
			return errOut, err
		}
		return out, nil
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := cli(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return out
	}
	mustRun("vendors", "create", "--id", "acme", "--name", "Acme")
	mustRun("vendors", "create", "--id", "other", "--name", "Other")
	if out := mustRun("users", "create", "--vendor", "acme", "--email", "Zap@Acme.example", "--name", "Zap", "--password", "correct horse"); !strings.Contains(out, "zap@acme.example") || strings.Contains(out, "correct horse") {
		t.Fatalf("create:\n%s", out)
	}
	var gen struct {
		ID, Email, Password string
	}
	if err := json.Unmarshal([]byte(mustRun("users", "create", "--vendor", "other", "--email", "gen@other.example", "--json")), &gen); err != nil || len(gen.Password) < 20 {
		t.Fatalf("generated password: %+v %v", gen, err)
	}
	if _, err := cli("users", "create", "--vendor", "other", "--email", "zap@acme.example", "--password", "another pass"); err == nil {
		t.Fatal("a second user with the same e-mail")
	}
	if _, err := cli("users", "create", "--vendor", "acme", "--email", "x@acme.example", "--password", "short"); err == nil {
		t.Fatal("a short password was accepted")
	}
	if _, err := cli("users", "create", "--email", "x@acme.example"); err == nil {
		t.Fatal("no --vendor was accepted")
	}
	var users []orderhub.ZapierUser
	out := mustRun("users", "list", "--vendor", "acme", "--json")
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users) != 1 || users[0].Email != "zap@acme.example" || strings.Contains(out, "hash") {
		t.Fatalf("list %s %v", out, err)
	}

	// The users can log in (the stored hash matches), each to their vendor.
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if u, _, s, err := db.Catalog().ZapierLogin(ctx, "zap@acme.example", "correct horse", "zapier", time.Hour); err != nil || u.VendorID != "acme" || s.IntegrationUUID == "" {
		t.Fatalf("login %+v %v", u, err)
	}
	if u, _, _, err := db.Catalog().ZapierLogin(ctx, "gen@other.example", gen.Password, "zapier", time.Hour); err != nil || u.VendorID != "other" {
		t.Fatalf("login with the generated password: %v", err)
	}
	db.Close()

	if out := mustRun("zapier-channels", "list", "--vendor", "acme", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("channels %s", out)
	}
	if _, err := cli("users", "delete", "--vendor", "other", "--id", users[0].ID); err == nil {
		t.Fatal("another vendor deleted the user")
	}
	mustRun("users", "delete", "--vendor", "acme", "--id", users[0].ID)
	if out := mustRun("users", "list", "--vendor", "acme", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("after delete %s", out)
	}

	// reset-password: generated and shown once; the old password stops working.
	var reset struct{ ID, Password string }
	if err := json.Unmarshal([]byte(mustRun("users", "reset-password", "--vendor", "other", "--id", gen.ID, "--json")), &reset); err != nil || len(reset.Password) < 20 || reset.Password == gen.Password || reset.ID != gen.ID {
		t.Fatalf("reset-password: %+v %v", reset, err)
	}
	if _, err := cli("users", "reset-password", "--vendor", "acme", "--id", gen.ID); err == nil {
		t.Fatal("another vendor reset the user's password")
	}
	db, err = sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, _, _, err := db.Catalog().ZapierLogin(ctx, "gen@other.example", gen.Password, "zapier", time.Hour); err == nil {
		t.Fatal("the old password still logs in")
	}
	if _, _, _, err := db.Catalog().ZapierLogin(ctx, "gen@other.example", reset.Password, "zapier", time.Hour); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	if out := mustRun("users", "disable", "--vendor", "other", "--id", gen.ID); !strings.Contains(out, "gen@other.example") || strings.HasSuffix(strings.TrimSpace(out), "-") {
		t.Fatalf("disable:\n%s", out)
	}
	if _, _, _, err := db.Catalog().ZapierLogin(ctx, "gen@other.example", reset.Password, "zapier", time.Hour); err != orderhub.ErrZapierDisabled {
		t.Fatalf("login of a disabled user: %v", err)
	}
	mustRun("users", "enable", "--vendor", "other", "--id", gen.ID)
	if _, _, _, err := db.Catalog().ZapierLogin(ctx, "gen@other.example", reset.Password, "zapier", time.Hour); err != nil {
		t.Fatalf("login after enable: %v", err)
	}
	pg, err := db.Admin().ListAudit(ctx, orderhub.AuditFilter{Action: "zapier-user.reset-password"}, orderhub.Page{Limit: 10})
	if err != nil || len(pg.Data) != 1 || pg.Data[0].ResourceID != gen.ID || pg.Data[0].Actor.Kind != orderhub.ActorCLI || strings.Contains(string(pg.Data[0].After), "$2a$") {
		t.Fatalf("audit: %+v %v", pg, err)
	}
}

// The demo has a Zapier user, and serve delivers to a Zapier channel the item
// shape of its event (delivery.Config.Bodies["zapier"] is wired).
func TestDemoZapierUserAndHookDelivery(t *testing.T) {
	got := make(chan []byte, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer hook.Close()

	credsFile := filepath.Join(t.TempDir(), "creds.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(t.TempDir(), "demo.db"), "--print-credentials", credsFile},
			func(string) string { return "" }, &syncBuffer{}, &syncBuffer{})
	}()
	var creds demoCredentials
	deadline := time.Now().Add(90 * time.Second) // generous: -race on a loaded 2-core machine
	for {
		if b, err := os.ReadFile(credsFile); err == nil && json.Unmarshal(b, &creds) == nil {
			if res, err := http.Get(creds.BaseURL + "/healthz"); err == nil {
				res.Body.Close()
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("demo did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	email, _ := creds.Extra["zapier_email"].(string)
	password, _ := creds.Extra["zapier_password"].(string)
	if email != demoZapierEmail || password == "" || !strings.Contains(creds.Extra["zapier_login_example"].(string), password) {
		t.Fatalf("demo credentials %+v", creds.Extra)
	}
	call := func(method, path, token, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, creds.BaseURL+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		var v map[string]any
		_ = json.Unmarshal(b, &v)
		return v
	}
	login := call("POST", "/api/login", "", `{"email":"`+email+`","password":"`+password+`","integration":"zapier"}`)["data"].(map[string]any)
	token, integration := login["token"].(string), login["integration_uuid"].(string)
	call("POST", "/api/integrations/"+integration+"/channels", token, `{"url":"`+hook.URL+`","method":"zapier","alias":"Zapier - New order","event":"order-created"}`)
	call("POST", "/api/zapier/store-customer-order", token, `{"event":"order","contact":{"email":"j@example.com","first_name":"J","last_name":"D"},"phone":{"country":"US","number":"+15124713434"},
		"billing_address":{"first_name":"J","last_name":"D","line1":"1 Road","line2":"","city":"Austin","state":"TX","zip_code":"78758","country":"US"},
		"order":{"id":1,"type":"success","user_id":1,"date":"2024-08-14","shipping":0,"taxes":0,"total":50,"items":[{"name":"P","title":"P","quantity":1,"price":50}]}}`)
	select {
	case b := <-got:
		var it map[string]any
		if err := json.Unmarshal(b, &it); err != nil || it["external_id"] != "1" || it["total"] != 50.0 || it["env"] != "live" || it["id"] == nil {
			t.Fatalf("hook body %s", b)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("the hook received nothing")
	}
	stopDemo(t, cancel, done)
}
