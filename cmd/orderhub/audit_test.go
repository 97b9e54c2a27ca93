package main

import (
	"context"
	"strings"
	"testing"

	"orderhub"
	"orderhub/sqlstore"
)

// Every change made with orderhub admin has an audit entry by the actor cli, in the
// same transaction as the change; reads have none; secrets are masked.
func TestAdminCommandsAreAudited(t *testing.T) {
	dsn := migratedDSN(t)
	must := func(args ...string) string {
		t.Helper()
		out, errOut, err := runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		return out
	}
	must("vendors", "create", "--id", "acme", "--name", "Acme")
	must("vendors", "create", "--id", "globex")
	if _, _, err := runCLI(t, "admin", "vendors", "create", "--id", "acme", "--db", dsn); err == nil {
		t.Fatal("a second vendor acme was created")
	}
	must("vendors", "list")
	out := must("clients", "create", "--vendor", "acme", "--json")
	must("console-user", "create", "--username", "ops", "--password", "correct horse battery")
	must("retention", "set", "--vendor", "acme", "--dead", "30d")
	epOut := must("endpoints", "create", "--vendor", "acme", "--url", "https://hooks.example.com/x", "--json")
	id := between(epOut, `"id": "`, `"`)
	must("endpoints", "rotate", "--id", id)

	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pg, err := db.Admin().ListAudit(context.Background(), orderhub.AuditFilter{Actor: "cli"}, orderhub.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range pg.Data {
		actions = append(actions, e.Action)
		if e.Actor != orderhub.CLIActor {
			t.Errorf("%s: actor %+v", e.Action, e.Actor)
		}
		all := string(e.Before) + string(e.After)
		if strings.Contains(all, "correct horse") || strings.Contains(all, "whsec_") || strings.Contains(all, between(out, `"clientSecret": "`, `"`)) {
			t.Errorf("%s shows a secret: %s", e.Action, all)
		}
	}
	want := "endpoint.rotate-secret endpoint.create retention.set console-user.create client.create vendor.create vendor.create"
	if strings.Join(actions, " ") != want {
		t.Fatalf("audited actions %q, want %q", strings.Join(actions, " "), want)
	}
	rot := pg.Data[0]
	if rot.ResourceID != id || rot.VendorID != "acme" || !strings.Contains(string(rot.After), `"secret":"[masked]"`) || !strings.Contains(string(rot.After), `"prev_secret":"[masked]"`) {
		t.Fatalf("rotate entry: %+v %s", rot, rot.After)
	}
	if ret := pg.Data[2]; ret.ResourceID != "acme" || !strings.Contains(string(ret.After), `"dead_s":2592000`) {
		t.Fatalf("retention entry: %+v %s", ret, ret.After)
	}
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return "\x00none"
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

// orderhub admin audit list filters and pages the audit log as GET /admin/v1/audit
// does (the same store function); audit show prints one entry's before and after.
func TestAdminAuditList(t *testing.T) {
	dsn := migratedDSN(t)
	must := func(args ...string) (string, string) {
		t.Helper()
		out, errOut, err := runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		return out, errOut
	}
	must("vendors", "create", "--id", "acme")
	must("vendors", "create", "--id", "globex")
	must("retention", "set", "--vendor", "acme", "--dead", "30d")
	must("endpoints", "create", "--vendor", "globex", "--url", "https://hooks.example.com/g")

	out, _ := must("audit", "list")
	if !strings.HasPrefix(out, "AT") || strings.Count(out, "\n") != 5 || !strings.Contains(out, "cli:cli") || !strings.Contains(out, "retention.set") {
		t.Fatalf("audit list:\n%s", out)
	}
	out, _ = must("audit", "list", "--vendor", "acme", "--action", "retention.")
	if strings.Count(out, "\n") != 2 || !strings.Contains(out, "retention.set") {
		t.Fatalf("audit list --vendor acme --action retention.:\n%s", out)
	}
	out, _ = must("audit", "list", "--resource-type", "vendor", "--resource-id", "globex", "--actor", "cli")
	if strings.Count(out, "\n") != 2 || !strings.Contains(out, "vendor.create") {
		t.Fatalf("audit list --resource-type vendor --resource-id globex:\n%s", out)
	}
	if out, _ = must("audit", "list", "--from", "2999-01-01T00:00:00Z"); strings.Count(out, "\n") != 1 {
		t.Fatalf("audit list --from the future:\n%s", out)
	}
	// Pages: two of four entries, then the rest with the printed cursor.
	out, errOut := must("audit", "list", "--limit", "2", "--json")
	cur, ok := strings.CutPrefix(strings.TrimSpace(errOut), "more: --cursor ")
	if !ok || strings.Count(out, `"action"`) != 2 {
		t.Fatalf("first page: %s / %s", out, errOut)
	}
	out, _ = must("audit", "list", "--limit", "2", "--json", "--cursor", cur)
	if strings.Count(out, `"action"`) != 2 || !strings.Contains(out, `"vendor.create"`) {
		t.Fatalf("second page: %s", out)
	}
	id := between(out, `"id": "`, `"`)
	out, _ = must("audit", "show", "--id", id)
	if !strings.Contains(out, "vendor.create") || !strings.Contains(out, `"id":"`) {
		t.Fatalf("audit show:\n%s", out)
	}
	for _, bad := range [][]string{{"audit", "list", "--limit", "0"}, {"audit", "list", "--from", "yesterday"},
		{"audit", "list", "--cursor", "junk"}, {"audit", "list", "--from", "2026-12-02T00:00:00Z", "--to", "2026-12-01T00:00:00Z"},
		{"audit", "show", "--id", "aud_nope"}} {
		if _, _, err := runCLI(t, append(append([]string{"admin"}, bad...), "--db", dsn)...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
