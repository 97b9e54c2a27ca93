package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"orderhub"
	"orderhub/sqlstore"
)

func TestAdminDeliveryCommands(t *testing.T) {
	dsn := migratedDSN(t)
	adminJSON := adminJSONCLI(t, dsn)
	var v map[string]any
	adminJSON(&v, "vendors", "create", "--id", "acme")
	var ep orderhub.Endpoint
	adminJSON(&ep, "endpoints", "create", "--vendor", "acme", "--url", "https://hooks.example.com/a", "--types", "contract-created,contract-confirmed")
	if ep.ID == "" || !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.EventTypes) != 2 {
		t.Fatalf("created: %+v", ep)
	}
	if _, stderr, err := runCLI(t, "admin", "endpoints", "create", "--vendor", "acme", "--url", "ftp://x", "--db", dsn); err == nil || !strings.Contains(stderr+err.Error(), "http") {
		t.Fatalf("bad URL accepted: %v %s", err, stderr)
	}
	// A private target needs --allow-private-targets, as serve's deliveries do.
	if _, stderr, err := runCLI(t, "admin", "endpoints", "create", "--vendor", "acme", "--url", "http://10.0.0.7/hook", "--db", dsn); err == nil || !strings.Contains(stderr+err.Error(), "private address; rule:") {
		t.Fatalf("private target accepted: %v %s", err, stderr)
	}
	adminJSON(&v, "vendors", "create", "--id", "beta")
	adminJSON(&v, "endpoints", "create", "--vendor", "beta", "--url", "http://10.0.0.7/hook", "--allow-private-targets")

	var up orderhub.Endpoint
	adminJSON(&up, "endpoints", "update", "--id", ep.ID, "--types", "*", "--description", "all events")
	if len(up.EventTypes) != 0 || up.Description != "all events" || up.URL != ep.URL {
		t.Fatalf("updated: %+v", up)
	}
	var rot orderhub.Endpoint
	adminJSON(&rot, "endpoints", "rotate", "--id", ep.ID)
	if rot.Secret == ep.Secret || rot.PreviousSecretExpiresAt == nil {
		t.Fatalf("rotated: %+v", rot)
	}
	var sec map[string]string
	adminJSON(&sec, "endpoints", "secret", "--id", ep.ID)
	if sec["secret"] != rot.Secret {
		t.Fatalf("secret: %v", sec)
	}

	// Events fan out to the endpoint; disabling makes them dead, replay brings them back.
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := db.Deliveries().AppendEvent(context.Background(), "acme", "contract-created", "cus_1", json.RawMessage(`{}`))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ds []orderhub.Delivery
	adminJSON(&ds, "deliveries", "list", "--vendor", "acme", "--status", "pending")
	if len(ds) != 1 || ds[0].EventID != ev.ID || ds[0].EndpointID != ep.ID {
		t.Fatalf("deliveries: %+v", ds)
	}
	var dis orderhub.Endpoint
	adminJSON(&dis, "endpoints", "disable", "--id", ep.ID, "--reason", "maintenance")
	if dis.Enabled || dis.DisabledReason != "maintenance" {
		t.Fatalf("disabled: %+v", dis)
	}
	adminJSON(&ds, "deliveries", "list", "--endpoint", ep.ID, "--status", "dead")
	if len(ds) != 1 {
		t.Fatalf("dead: %+v", ds)
	}
	if _, stderr, err := runCLI(t, "admin", "deliveries", "replay", "--endpoint", ep.ID, "--dead", "--db", dsn); err == nil {
		t.Fatalf("replay to a disabled endpoint accepted: %s", stderr)
	}
	adminJSON(&dis, "endpoints", "enable", "--id", ep.ID)
	var n map[string]int
	adminJSON(&n, "deliveries", "replay", "--endpoint", ep.ID, "--dead")
	if n["queued"] != 1 {
		t.Fatalf("replay dead: %v", n)
	}
	adminJSON(&n, "deliveries", "replay", "--id", ds[0].ID)
	if n["queued"] != 1 {
		t.Fatalf("replay one: %v", n)
	}
	adminJSON(&n, "deliveries", "replay", "--vendor", "acme", "--since", "1h")
	if n["queued"] != 0 {
		t.Fatalf("replay since (the delivery is pending already): %v", n)
	}
	var atts []orderhub.Attempt
	adminJSON(&atts, "deliveries", "attempts", "--id", ds[0].ID)
	if len(atts) != 0 {
		t.Fatalf("attempts: %+v", atts)
	}
	out, _, err := runCLI(t, "admin", "deliveries", "list", "--vendor", "acme", "--db", dsn)
	if err != nil || !strings.Contains(out, ds[0].ID) || !strings.Contains(out, "pending") {
		t.Fatalf("table: %v\n%s", err, out)
	}

	var del map[string]string
	adminJSON(&del, "endpoints", "delete", "--id", ep.ID)
	var eps []orderhub.Endpoint
	adminJSON(&eps, "endpoints", "list", "--vendor", "acme")
	if len(eps) != 0 {
		t.Fatalf("deleted endpoint listed: %+v", eps)
	}
	adminJSON(&eps, "endpoints", "list", "--vendor", "acme", "--deleted")
	if len(eps) != 1 || eps[0].DeletedAt == nil {
		t.Fatalf("deleted endpoint: %+v", eps)
	}
}
