package main

import (
	"context"
	"strings"
	"testing"

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
	pg, err := db.ListAudit(context.Background(), sqlstore.AuditFilter{Actor: "cli"}, sqlstore.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range pg.Data {
		actions = append(actions, e.Action)
		if e.Actor != sqlstore.CLIActor {
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
