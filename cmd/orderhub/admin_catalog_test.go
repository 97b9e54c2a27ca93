package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// runCLI runs the program in-process and returns stdout, stderr and the error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

// adminCLI returns the admin commands of the database dsn: cli runs one; must runs
// one that has to succeed and returns its stdout. Either fails the test when a
// command's stdout or stderr shows one of secrets.
func adminCLI(t *testing.T, dsn string, secrets ...string) (cli func(args ...string) (string, string, error), must func(args ...string) string) {
	cli = func(args ...string) (string, string, error) {
		t.Helper()
		out, errOut, err := runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn)...)
		for _, s := range secrets {
			if strings.Contains(out+errOut, s) {
				t.Fatalf("%v printed a secret", args)
			}
		}
		return out, errOut, err
	}
	must = func(args ...string) string {
		t.Helper()
		out, errOut, err := cli(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		return out
	}
	return cli, must
}

// seededDemo is a fresh SQLite database (closed at the test's end) with the demo's
// data seeded into it, and the demo's credentials.
func seededDemo(t *testing.T) (*sqlstore.DB, *demoCredentials) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	creds, err := seedDemo(ctx, db, "http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	return db, creds
}

// adminJSONCLI returns a runner of admin commands of the database dsn with --json:
// the command has to succeed, and its output is decoded into out.
func adminJSONCLI(t *testing.T, dsn string) func(out any, args ...string) {
	return func(out any, args ...string) {
		t.Helper()
		stdout, stderr, err := runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn, "--json")...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stdout)
		}
	}
}

// stopDemo cancels a demo run in-process (done receives its end) and waits up to
// 30 s for it to end without an error.
func stopDemo(t *testing.T, cancel func(), done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not shut down")
	}
}

func TestAdminCatalogCommands(t *testing.T) {
	dsn := migratedDSN(t)
	_, mustRun := adminCLI(t, dsn)
	mustRun("vendors", "create", "--id", "acme", "--name", "Acme")
	mustRun("products", "create", "--vendor", "acme", "--id", "daily", "--name", "Daily")
	mustRun("purchase-options", "create", "--vendor", "acme", "--product", "daily", "--id", "m", "--name", "Monthly", "--price", "99", "--currency", "sek", "--billing-period", "month")
	if out := mustRun("mappings", "create", "--vendor", "acme", "--sku", "S1", "--po-id", "P1", "--product", "daily", "--option", "m"); !strings.Contains(out, "S1") {
		t.Fatalf("mapping table:\n%s", out)
	}

	var src struct {
		ID, VendorID, Type, Name, Secret string
	}
	if err := json.Unmarshal([]byte(mustRun("sources", "create", "--vendor", "acme", "--id", "zap", "--name", "Zap", "--json")), &src); err != nil {
		t.Fatal(err)
	}
	if src.ID != "zap" || src.Type != orderhub.SourceTypeHook || !strings.HasPrefix(src.Secret, orderhub.SourceSecretPrefix) {
		t.Fatalf("source %+v", src)
	}
	if out := mustRun("sources", "list", "--vendor", "acme"); !strings.Contains(out, "zap") || strings.Contains(out, src.Secret) {
		t.Fatalf("sources list:\n%s", out)
	}

	var options []orderhub.PurchaseOption
	if err := json.Unmarshal([]byte(mustRun("purchase-options", "list", "--vendor", "acme", "--json")), &options); err != nil || len(options) != 1 || options[0].Price != "99.00" || options[0].Currency != "SEK" {
		t.Fatalf("options %+v %v", options, err)
	}
	var mappings []orderhub.ProductMapping
	if err := json.Unmarshal([]byte(mustRun("mappings", "list", "--vendor", "acme", "--json")), &mappings); err != nil || len(mappings) != 1 || mappings[0].PurchaseOptionID != "m" {
		t.Fatalf("mappings %+v %v", mappings, err)
	}
	if out := mustRun("purchases", "list", "--vendor", "acme", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("purchases %s", out)
	}

	// Refusals are clear errors, never a panic.
	for _, args := range [][]string{
		{"products", "create", "--vendor", "acme", "--id", "daily", "--name", "Again"},
		{"products", "create", "--name", "No vendor"},
		{"purchase-options", "delete", "--vendor", "acme", "--id", "m"},
		{"mappings", "create", "--vendor", "acme", "--sku", "S2", "--po-id", "P2", "--product", "nope"},
		{"sources", "create", "--vendor", "acme", "--name", "x", "--type", "FTP"},
		{"purchases", "list"},
	} {
		_, _, err := runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn)...)
		if err == nil || orderhub.ErrorCode(err) == orderhub.EInternal {
			t.Errorf("%v: %v", args, err)
		}
	}

	// Edits: rename a product and a source, rotate the source's secret, remap.
	if out := mustRun("products", "update", "--vendor", "acme", "--id", "daily", "--name", "Daily digital"); !strings.Contains(out, "Daily digital") {
		t.Fatalf("products update:\n%s", out)
	}
	if out := mustRun("sources", "update", "--vendor", "acme", "--id", "zap", "--name", "Webshop Zap"); !strings.Contains(out, "Webshop Zap") {
		t.Fatalf("sources update:\n%s", out)
	}
	var rotated struct{ ID, Secret string }
	if err := json.Unmarshal([]byte(mustRun("sources", "rotate-secret", "--vendor", "acme", "--id", "zap", "--json")), &rotated); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Catalog().SourceBySecret(context.Background(), src.Secret); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
		t.Fatalf("the old secret after rotate-secret: %v", err)
	}
	if got, err := db.Catalog().SourceBySecret(context.Background(), rotated.Secret); err != nil || got.ID != "zap" || got.Name != "Webshop Zap" {
		t.Fatalf("the new secret: %+v %v", got, err)
	}
	if out := mustRun("purchase-options", "update", "--vendor", "acme", "--id", "m", "--price", "109"); !strings.Contains(out, "109.00 SEK") || !strings.Contains(out, "Monthly") {
		t.Fatalf("purchase-options update:\n%s", out)
	}
	mustRun("products", "create", "--vendor", "acme", "--id", "weekend", "--name", "Weekend")
	if out := mustRun("mappings", "update", "--vendor", "acme", "--sku", "S1", "--po-id", "P1", "--product", "weekend", "--option", ""); !strings.Contains(out, "weekend") {
		t.Fatalf("mappings update:\n%s", out)
	}
	pg, err := db.Admin().ListAudit(context.Background(), orderhub.AuditFilter{Action: "product-mapping.update"}, orderhub.Page{Limit: 1})
	if err != nil || len(pg.Data) != 1 || pg.Data[0].ResourceID != "S1/P1" || pg.Data[0].Actor.Kind != orderhub.ActorCLI || !strings.Contains(string(pg.Data[0].After), "weekend") {
		t.Fatalf("audit of mappings update: %+v %v", pg, err)
	}
	for _, args := range [][]string{
		{"mappings", "update", "--vendor", "acme", "--sku", "S1", "--po-id", "P1", "--option", "m"}, // m is daily's
		{"products", "update", "--vendor", "acme", "--id", "daily"},
		{"sources", "rotate-secret", "--vendor", "other", "--id", "zap"},
	} {
		_, _, err := runCLI(t, append(append([]string{"admin"}, args...), "--db", dsn)...)
		if err == nil || orderhub.ErrorCode(err) == orderhub.EInternal {
			t.Errorf("%v: %v", args, err)
		}
	}

	mustRun("mappings", "delete", "--vendor", "acme", "--sku", "S1", "--po-id", "P1")
	mustRun("purchase-options", "delete", "--vendor", "acme", "--id", "m")
	mustRun("products", "delete", "--vendor", "acme", "--id", "daily")
	mustRun("products", "delete", "--vendor", "acme", "--id", "weekend")
	mustRun("sources", "delete", "--id", "zap")
	if out := mustRun("products", "list", "--vendor", "acme", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("products after delete: %s", out)
	}
}

func TestDemoSeedsTheCatalog(t *testing.T) {
	ctx := context.Background()
	db, creds := seededDemo(t)
	secret, _ := creds.Extra["hook_source_secret"].(string)
	src, err := db.Catalog().SourceBySecret(ctx, secret)
	if err != nil || src.ID != demoSourceID || src.VendorID != creds.VendorID {
		t.Fatalf("demo source %+v %v", src, err)
	}
	opts, _ := db.Catalog().ListPurchaseOptions(ctx, creds.VendorID, demoProductID)
	maps, _ := db.Catalog().ListProductMappings(ctx, creds.VendorID)
	if len(opts) != 2 || len(maps) != 1 || maps[0].SKU != "1234" || maps[0].POID != "1234" {
		t.Fatalf("demo catalog: options %+v mappings %+v", opts, maps)
	}

	// The printed credentials carry the secret, and the example payload works.
	var out bytes.Buffer
	printDemo(&out, creds)
	if !strings.Contains(out.String(), secret) {
		t.Fatalf("demo output lacks the source secret:\n%s", out.String())
	}
	example, _ := creds.Extra["purchase_hook_example"].(string)
	start, end := strings.Index(example, "-d '"), strings.LastIndex(example, "'")
	if start < 0 || end <= start {
		t.Fatalf("no payload in the example %q", example)
	}
	p, err := orderhub.ParsePurchase([]byte(example[start+4:end]), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := hub.NewOrders(db).RecordPurchase(ctx, p)
	if err != nil || res.ProductID != demoProductID || res.PurchaseOptionID != "monthly" {
		t.Fatalf("demo purchase %+v %v", res, err)
	}
}
