package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"orderhub"
	"orderhub/sqlstore"
)

// `orderhub admin vendors update` and `clients rotate-secret` make the admin API's
// changes (package manage), refuse what it refuses and are audited as the CLI.
func TestAdminSettingsCommands(t *testing.T) {
	dsn := migratedDSN(t)
	cli, must := adminCLI(t, dsn)
	must("vendors", "create", "--id", "acme", "--name", "Acme")
	if _, _, err := cli("vendors", "update", "--id", "acme", "--frame-ancestors", "shop.example"); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
		t.Fatalf("a bad origin: %v", err)
	}
	if _, _, err := cli("vendors", "update", "--id", "acme"); err == nil {
		t.Fatal("an update without a change")
	}
	out := must("vendors", "update", "--id", "acme", "--name", "Acme Media AB", "--frame-ancestors", "https://shop.example,https://news.example")
	if !strings.Contains(out, "Acme Media AB") || !strings.Contains(out, "https://shop.example https://news.example") {
		t.Fatalf("vendors update:\n%s", out)
	}

	var created struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal([]byte(must("clients", "create", "--vendor", "acme", "--id", "shop", "--json")), &created); err != nil {
		t.Fatal(err)
	}
	var rotated struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal([]byte(must("clients", "rotate-secret", "--id", "shop", "--json")), &rotated); err != nil {
		t.Fatal(err)
	}
	if rotated.ClientID != "shop" || rotated.ClientSecret == "" || rotated.ClientSecret == created.ClientSecret {
		t.Fatalf("rotated: %+v (created %+v)", rotated, created)
	}
	must("clients", "revoke", "--id", "shop")
	if _, _, err := cli("clients", "rotate-secret", "--id", "shop"); orderhub.ErrorCode(err) != orderhub.EConflict {
		t.Fatalf("rotating a revoked client: %v", err)
	}

	// Promo codes: an unused code's terms change, a bad price is refused, deactivate,
	// delete an unused one.
	must("promos", "create", "--vendor", "acme", "--code", "DIGI", "--product", "Digital", "--price", "99")
	if _, _, err := cli("promos", "update", "--vendor", "acme", "--code", "DIGI", "--price", "9,9"); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
		t.Fatalf("a bad price: %v", err)
	}
	if out := must("promos", "update", "--vendor", "acme", "--code", "DIGI", "--price", "89", "--active=false"); !strings.Contains(out, "89.00 SEK") || !strings.Contains(out, "deactivated") {
		t.Fatalf("promos update:\n%s", out)
	}
	must("promos", "delete", "--vendor", "acme", "--code", "DIGI")
	if _, _, err := cli("promos", "delete", "--vendor", "acme", "--code", "DIGI"); orderhub.ErrorCode(err) != orderhub.ENotFound {
		t.Fatalf("deleting again: %v", err)
	}

	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pg, err := db.Admin().ListAudit(context.Background(), orderhub.AuditFilter{Actor: "cli"}, orderhub.Page{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range pg.Data {
		actions = append(actions, e.Action)
		if strings.Contains(string(e.After), rotated.ClientSecret) {
			t.Fatalf("the audit log holds the secret: %s", e.After)
		}
	}
	if got := strings.Join(actions, " "); got != "promo-code.delete promo-code.update promo-code.create client.revoke client.rotate-secret client.create portal.set vendor.update vendor.create" {
		t.Fatalf("audit entries: %s", got)
	}
}
