package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"orderhub"
	"orderhub/sqlstore"
)

// RotateClientSecret on both engines: the new secret works and the old one stops at
// once, only its hash is stored, the audit entry masks it, an unknown client is not
// found and a revoked client is refused without a change.
func TestRotateClientSecret(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		mkVendor(t, db, "acme")
		old, err := db.Tenants().CreateClient(ctx, &orderhub.Client{ID: "shop", VendorID: "acme", Scopes: []string{orderhub.ScopeVendorOrders}})
		if err != nil {
			t.Fatal(err)
		}
		ch := &orderhub.Change{Actor: orderhub.CLIActor, Action: "client.rotate-secret", ResourceType: "client", ResourceID: "shop", VendorID: "acme"}
		secret, err := db.Tenants().RotateClientSecret(orderhub.WithChange(ctx, ch), "shop")
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.Tenants().GetClient(ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "ohs_") || secret == old || !orderhub.SecretMatches(secret, c.SecretHash) || orderhub.SecretMatches(old, c.SecretHash) {
			t.Fatalf("after rotation: old %q new %q; the stored hash matches the new one: %v, the old one: %v",
				old, secret, orderhub.SecretMatches(secret, c.SecretHash), orderhub.SecretMatches(old, c.SecretHash))
		}
		if c.SecretHash == secret || strings.Contains(c.SecretHash, secret) {
			t.Fatal("the secret is stored in the clear")
		}
		id, snapshot := ch.EntryID()
		e, err := db.Admin().GetAudit(ctx, id)
		if err != nil || !snapshot {
			t.Fatalf("audit entry %q (snapshot %v): %v", id, snapshot, err)
		}
		for _, side := range []string{string(e.Before), string(e.After)} {
			if strings.Contains(side, secret) || strings.Contains(side, c.SecretHash) || !strings.Contains(side, orderhub.Masked) {
				t.Fatalf("audit entry not masked: %s", side)
			}
		}
		if e.Action != "client.rotate-secret" || e.ResourceID != "shop" || e.VendorID != "acme" {
			t.Fatalf("audit entry: %+v", e)
		}

		if _, err := db.Tenants().RotateClientSecret(ctx, "nope"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown client: %v", err)
		}
		if err := db.Tenants().RevokeClient(ctx, "shop"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Tenants().RotateClientSecret(ctx, "shop"); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("revoked client: %v", err)
		}
		if after, _ := db.Tenants().GetClient(ctx, "shop"); after.SecretHash != c.SecretHash {
			t.Fatal("a refused rotation changed the secret")
		}
	})
}
