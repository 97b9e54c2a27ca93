package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
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
