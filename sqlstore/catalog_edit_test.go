package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"orderhub"
	"orderhub/sqlstore"
)

// The catalog's edits on both engines: a product and a source renamed within their
// vendor only, a source's secret rotated (the old one refused at once, only a hash
// stored), a purchase option's price changed and removed, and a mapping pointed at
// another product — whose audit entry, keyed by sku and poId, holds the row before
// and after.
func TestCatalogEdits(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		for _, v := range []string{"acme", "other"} {
			if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: v}); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"daily", "weekend"} {
				if err := db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: v, ID: p, Name: v + " " + p}); err != nil {
					t.Fatal(err)
				}
			}
		}
		p, err := db.Catalog().UpdateProduct(ctx, "acme", "daily", "  Daily digital ")
		if err != nil || p.Name != "Daily digital" || p.VendorID != "acme" {
			t.Fatalf("renamed product %+v %v", p, err)
		}
		if other, _ := db.Catalog().GetProduct(ctx, "other", "daily"); other.Name != "other daily" {
			t.Fatalf("other's product %+v", other)
		}
		if _, err := db.Catalog().UpdateProduct(ctx, "acme", "nope", "x"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown product: %v", err)
		}
		if _, err := db.Catalog().UpdateProduct(ctx, "acme", "daily", ""); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("empty name: %v", err)
		}

		old, err := db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: "acme", ID: "zap", Name: "Zap"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Catalog().UpdateSource(ctx, "other", "zap", "Mine"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("rename through another vendor: %v", err)
		}
		if s, err := db.Catalog().UpdateSource(ctx, "acme", "zap", "Webshop"); err != nil || s.Name != "Webshop" || s.Type != orderhub.SourceTypeHook {
			t.Fatalf("renamed source %+v %v", s, err)
		}
		if _, _, err := db.Catalog().RotateSourceSecret(ctx, "other", "zap"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("rotate through another vendor: %v", err)
		}
		ch := &orderhub.Change{Actor: orderhub.CLIActor, Action: "source.rotate-secret", ResourceType: "source", ResourceID: "zap", VendorID: "acme"}
		s, secret, err := db.Catalog().RotateSourceSecret(orderhub.WithChange(ctx, ch), "acme", "zap")
		if err != nil || s.ID != "zap" || !strings.HasPrefix(secret, orderhub.SourceSecretPrefix) || secret == old {
			t.Fatalf("rotated %+v %q %v", s, secret, err)
		}
		if _, err := db.Catalog().SourceBySecret(ctx, old); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
			t.Fatalf("the old secret: %v", err)
		}
		if got, err := db.Catalog().SourceBySecret(ctx, secret); err != nil || got.ID != "zap" {
			t.Fatalf("the new secret: %+v %v", got, err)
		}
		id, _ := ch.EntryID()
		e, err := db.Admin().GetAudit(ctx, id)
		if err != nil || strings.Contains(string(e.After), secret) || !strings.Contains(string(e.After), orderhub.Masked) {
			t.Fatalf("audit of the rotation: %+v %v", e, err)
		}
		if err := db.Catalog().DeleteSource(ctx, "acme", "zap"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Catalog().RotateSourceSecret(ctx, "acme", "zap"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("rotating a deleted source: %v", err)
		}

		o := &orderhub.PurchaseOption{VendorID: "acme", ID: "m", ProductID: "daily", Name: "Monthly", Price: "99", Currency: "SEK", BillingPeriod: "month"}
		if err := db.Catalog().CreatePurchaseOption(ctx, o); err != nil {
			t.Fatal(err)
		}
		o.Price, o.Name = "109.5", "Monthly (2027)"
		if err := db.Catalog().UpdatePurchaseOption(ctx, o); err != nil {
			t.Fatal(err)
		}
		got, err := db.Catalog().GetPurchaseOption(ctx, "acme", "m")
		if err != nil || got.Price != "109.50" || got.Name != "Monthly (2027)" || got.ProductID != "daily" {
			t.Fatalf("updated option %+v %v", got, err)
		}
		got.Price = ""
		if err := db.Catalog().UpdatePurchaseOption(ctx, got); err != nil {
			t.Fatal(err)
		}
		if got, _ = db.Catalog().GetPurchaseOption(ctx, "acme", "m"); got.Price != "" || got.Currency != "SEK" {
			t.Fatalf("option without a price %+v", got)
		}

		if err := db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "acme", SKU: "S/1", POID: "P 1", ProductID: "daily", PurchaseOptionID: "m"}); err != nil {
			t.Fatal(err)
		}
		if err := db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "other", SKU: "S/1", POID: "P 1", ProductID: "daily"}); err != nil {
			t.Fatal(err)
		}
		ch = &orderhub.Change{Actor: orderhub.CLIActor, Action: "product-mapping.update", ResourceType: "product-mapping"}
		if err := db.Catalog().UpdateProductMapping(orderhub.WithChange(ctx, ch), &orderhub.ProductMapping{VendorID: "acme", SKU: "S/1", POID: "P 1", ProductID: "weekend", PurchaseOptionID: "m"}); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("an option of another product: %v", err)
		}
		if id, _ := ch.EntryID(); id != "" {
			t.Fatal("a refused update left an audit entry")
		}
		m := &orderhub.ProductMapping{VendorID: "acme", SKU: "S/1", POID: "P 1", ProductID: "weekend"}
		if err := db.Catalog().UpdateProductMapping(orderhub.WithChange(ctx, ch), m); err != nil || m.CreatedAt.IsZero() {
			t.Fatalf("update: %v (%+v)", err, m)
		}
		if got, _ := db.Catalog().GetProductMapping(ctx, "acme", "S/1", "P 1"); got.ProductID != "weekend" || got.PurchaseOptionID != "" {
			t.Fatalf("updated mapping %+v", got)
		}
		if got, _ := db.Catalog().GetProductMapping(ctx, "other", "S/1", "P 1"); got.ProductID != "daily" {
			t.Fatalf("other's mapping %+v", got)
		}
		id, snapshot := ch.EntryID()
		e, err = db.Admin().GetAudit(ctx, id)
		if err != nil || !snapshot || e.ResourceID != "S/1/P 1" || e.VendorID != "acme" ||
			!strings.Contains(string(e.Before), `"purchase_option_id":"m"`) || !strings.Contains(string(e.After), `"product_id":"weekend"`) {
			t.Fatalf("audit of the mapping update (snapshot %v): %+v %s → %s %v", snapshot, e, e.Before, e.After, err)
		}
		if err := db.Catalog().UpdateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "acme", SKU: "S/2", POID: "P 1", ProductID: "daily"}); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("updating an unmapped pair: %v", err)
		}
	})
}
