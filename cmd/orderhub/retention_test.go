package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/sqlstore"
)

func TestParseDays(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "0": 0, "0d": 0, "12h": 12 * time.Hour, "90s": 90 * time.Second} {
		if got, err := parseDays(in); err != nil || got != want {
			t.Errorf("parseDays(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1d", "-5m", "d", "1.5d", "30 days", "99999999d"} {
		if _, err := parseDays(bad); err == nil {
			t.Errorf("parseDays(%q) took it", bad)
		}
	}
}

func TestAdminRetentionCommands(t *testing.T) {
	dsn := migratedDSN(t)
	cli := func(args ...string) (string, string, error) {
		t.Helper()
		return runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn)...)
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, errOut, err := cli(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		return out
	}
	mustRun("vendors", "create", "--id", "acme", "--name", "Acme")
	mustRun("retention", "set", "--vendor", "acme", "--delivered", "7d")
	var rows []struct {
		VendorID         string `json:"vendorId"`
		DeliveredSeconds *int64 `json:"deliveredSeconds"`
		DeadSeconds      *int64 `json:"deadSeconds"`
	}
	if err := json.Unmarshal([]byte(mustRun("retention", "list", "--json")), &rows); err != nil || len(rows) != 1 ||
		rows[0].VendorID != "acme" || rows[0].DeliveredSeconds == nil || *rows[0].DeliveredSeconds != 7*86400 || rows[0].DeadSeconds != nil {
		t.Fatalf("list: %+v %v", rows, err)
	}
	if out := mustRun("retention", "list"); !strings.Contains(out, "7d") || !strings.Contains(out, "default") {
		t.Fatalf("list table:\n%s", out)
	}
	mustRun("retention", "set", "--vendor", "acme", "--dead", "0")
	if out := mustRun("retention", "list"); !strings.Contains(out, "acme") || !strings.Contains(out, "7d") || strings.Contains(out, "default") {
		t.Fatalf("list after the second set (dead 0, delivered still 7d):\n%s", out)
	}
	for _, bad := range [][]string{
		{"retention", "set", "--vendor", "nobody", "--dead", "1d"},
		{"retention", "set", "--vendor", "acme"},
		{"retention", "set", "--delivered", "1d"},
		{"retention", "set", "--vendor", "acme", "--delivered", "-1d"},
		{"retention", "prune", "--retention-batch", "0"},
	} {
		if _, _, err := cli(bad...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	mustRun("retention", "set", "--vendor", "acme", "--delivered", "default")
	if out := mustRun("retention", "list"); !strings.Contains(out, "default") {
		t.Fatalf("list after --delivered default:\n%s", out)
	}
	mustRun("retention", "clear", "--vendor", "acme")
	if err := json.Unmarshal([]byte(mustRun("retention", "list", "--json")), &rows); err != nil || len(rows) != 0 {
		t.Fatalf("after clear: %+v %v", rows, err)
	}
	if out := mustRun("retention", "prune", "--retention-delivered", "1h", "--json"); !strings.Contains(out, `"events": 0`) {
		t.Fatalf("prune: %s", out)
	}
	// serve refuses a bad retention flag before it opens anything.
	for _, bad := range [][]string{{"--retention-delivered", "soon"}, {"--retention-batch", "5000"}, {"--retention-interval", "-1s"}} {
		if _, _, err := runCLI(t, append([]string{"serve", "--db", dsn}, bad...)...); !errors.Is(err, errUsage) {
			t.Errorf("serve %v: %v, want a usage error", bad, err)
		}
	}
}

// serve's background retention prunes at once on start and counts it in /metrics.
func TestStartRetentionPrunesAndCounts(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "r.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	if _, err := db.Deliveries().AppendEvent(ctx, "acme", "old", "", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	db.Now = time.Now
	if _, err := db.Deliveries().AppendEvent(ctx, "acme", "young", "", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	o := &retentionOptions{delivered: days(time.Hour), dead: days(time.Hour), interval: time.Hour, batch: 10}
	stop, err := startRetention(ctx, o, db.Store().Admin, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := pruned(t, reg, "events")
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events pruned: %v, want 1", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	evs, err := db.Orders().ListEvents(ctx, orderhub.EventFilter{VendorID: "acme"})
	if err != nil || len(evs) != 1 || evs[0].Type != "young" {
		t.Fatalf("left: %+v %v", evs, err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, mf := range mfs {
		seen[mf.GetName()] = true
	}
	for _, name := range []string{"orderhub_retention_passes_total", "orderhub_retention_last_pass_seconds", "orderhub_db_size_bytes", "orderhub_db_free_bytes"} {
		if !seen[name] {
			t.Errorf("metric %s missing", name)
		}
	}
}

// pruned reads orderhub_retention_pruned_total{kind} from reg.
func pruned(t *testing.T, reg *prometheus.Registry, kind string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "orderhub_retention_pruned_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}
