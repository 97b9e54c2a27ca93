package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// The paged listings and the console users on the command line. They call the same
// store functions as the admin API (GET /admin/v1/…), so a CLI cursor pages the
// same way.
func TestAdminPagedListsAndConsoleUsers(t *testing.T) {
	dsn := migratedDSN(t)
	cli := func(args ...string) (string, string, error) {
		t.Helper()
		return runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn)...)
	}
	must := func(args ...string) (string, string) {
		t.Helper()
		out, errOut, err := cli(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		return out, errOut
	}
	must("vendors", "create", "--id", "acme")
	must("vendors", "create", "--id", "globex")

	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, _, err := hub.NewOrders(db).UpsertOrder(context.Background(), &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: fmt.Sprintf("E-%d", i), Source: "cli",
			Status: orderhub.OrderInitialized, Customer: orderhub.Customer{Email: "anna@example.com"}}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	// Two orders per page: --json prints the page's array on stdout and the next
	// cursor on stderr; the table prints it after the rows.
	seen := map[string]bool{}
	args := []string{"orders", "list", "--email", "ANNA@example.com", "--limit", "2", "--json"}
	for page := 0; ; page++ {
		out, errOut := must(args...)
		var orders []orderhub.Order
		if err := json.Unmarshal([]byte(out), &orders); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, o := range orders {
			if seen[o.ExternalOrderID] {
				t.Fatalf("%s twice", o.ExternalOrderID)
			}
			seen[o.ExternalOrderID] = true
		}
		cur, more := strings.CutPrefix(strings.TrimSpace(errOut), "more: --cursor ")
		if !more {
			break
		}
		if page > 5 {
			t.Fatal("no end")
		}
		args = []string{"orders", "list", "--email", "ANNA@example.com", "--limit", "2", "--json", "--cursor", cur}
	}
	if len(seen) != 5 {
		t.Fatalf("orders paged: %v", seen)
	}
	out, _ := must("orders", "list", "--external-order-id", "E-3")
	if !strings.Contains(out, "E-3") || strings.Contains(out, "E-2") || strings.Contains(out, "more:") {
		t.Fatalf("orders by external id:\n%s", out)
	}
	out, _ = must("vendors", "list", "--limit", "1")
	if !strings.Contains(out, "more: --cursor ") {
		t.Fatalf("vendors table without the next cursor:\n%s", out)
	}
	out, _ = must("customers", "list", "--vendor", "acme", "--json")
	var cs []orderhub.Customer
	if err := json.Unmarshal([]byte(out), &cs); err != nil || len(cs) != 1 {
		t.Fatalf("customers: %v %s", err, out)
	}
	out, _ = must("customers", "timeline", "--id", cs[0].ID)
	if strings.Count(out, "order-created") != 5 {
		t.Fatalf("timeline:\n%s", out)
	}
	out, _ = must("events", "list", "--vendor", "acme", "--type", "order-created", "--json")
	var evs []orderhub.Event
	if err := json.Unmarshal([]byte(out), &evs); err != nil || len(evs) != 5 || evs[0].Seq < evs[4].Seq {
		t.Fatalf("events (newest first): %v %s", err, out)
	}
	must("contracts", "list", "--vendor", "acme")
	must("promos", "list")
	must("clients", "list", "--status", "active")

	for _, bad := range [][]string{
		{"orders", "list", "--limit", "0"}, {"orders", "list", "--cursor", "junk"}, {"orders", "list", "--from", "yesterday"},
		{"clients", "list", "--status", "asleep"}, {"customers", "timeline", "--id", "nope"},
	} {
		if _, _, err := cli(bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}

	// Console users: a generated password is printed once and logs in.
	out, _ = must("console-user", "create", "--username", "ops", "--json")
	var u struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.Username != "ops" || len(u.Password) < orderhub.MinConsolePassword {
		t.Fatalf("console user: %v %s", err, out)
	}
	if _, _, err := cli("console-user", "create", "--username", "ops2", "--password", "short"); err == nil {
		t.Fatal("short password accepted")
	}
	must("console-user", "create", "--username", "ops2", "--password", "a long enough passphrase")
	if out, _ := must("console-user", "list"); !strings.Contains(out, "ops2") || strings.Contains(out, u.Password) {
		t.Fatalf("console-user list:\n%s", out)
	}
	db, err = sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, _, err := db.Admin().ConsoleLogin(context.Background(), "ops", u.Password, time.Hour); err != nil {
		t.Fatalf("login with the printed password: %v", err)
	}
	must("console-user", "disable", "--username", "ops")
	if _, _, err := db.Admin().ConsoleLogin(context.Background(), "ops", u.Password, time.Hour); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
		t.Fatalf("disabled user logged in: %v", err)
	}
	must("console-user", "enable", "--username", "ops")
	if _, _, err := db.Admin().ConsoleLogin(context.Background(), "ops", u.Password, time.Hour); err != nil {
		t.Fatalf("enabled again: %v", err)
	}
	// Roles, passwords and deletion go through package manage, as in the console.
	if out, _ := must("console-user", "set-role", "--username", "ops2", "--role", "vendor-viewer", "--vendor", "acme"); !strings.Contains(out, "vendor-viewer") {
		t.Fatalf("set-role:\n%s", out)
	}
	for _, bad := range [][]string{{"set-role", "--username", "ops"}, {"set-role", "--username", "ops", "--role", "vendor-admin"},
		{"set-role", "--username", "ops", "--role", "vendor-admin", "--vendor", "acme"}, // the last active operator
		{"delete", "--username", "ops"}, {"disable", "--username", "ops"}, {"reset-password", "--username", "ops", "--password", "short"},
		{"reset-password", "--username", "nobody"}} {
		if _, _, err := cli(append([]string{"console-user"}, bad...)...); err == nil {
			t.Errorf("console-user %v: no error", bad)
		}
	}
	out, _ = must("console-user", "reset-password", "--username", "ops", "--json")
	var reset struct{ Password string }
	if err := json.Unmarshal([]byte(out), &reset); err != nil || len(reset.Password) < orderhub.MinConsolePassword {
		t.Fatalf("reset-password: %v %s", err, out)
	}
	if _, _, err := db.Admin().ConsoleLogin(context.Background(), "ops", reset.Password, time.Hour); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	must("console-user", "delete", "--username", "ops2")
	if _, err := db.Admin().GetConsoleUser(context.Background(), "ops2"); orderhub.ErrorCode(err) != orderhub.ENotFound {
		t.Fatalf("deleted user: %v", err)
	}
}

func TestDemoHasAConsoleUser(t *testing.T) {
	ctx := context.Background()
	db, creds := seededDemo(t)
	line, _ := creds.Extra["console"].(string)
	_, pw, ok := strings.Cut(line, "password ")
	pw = strings.TrimSuffix(pw, ")")
	if !ok || !strings.HasPrefix(line, "http://127.0.0.1:8080/console/") {
		t.Fatalf("demo console line %q", line)
	}
	if _, _, err := db.Admin().ConsoleLogin(ctx, "admin", pw, time.Hour); err != nil {
		t.Fatalf("demo console login: %v", err)
	}
}
