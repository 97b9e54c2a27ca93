package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// Promo codes on both engines: an unused code's terms change and it can be deleted;
// once a contract uses it, its terms are fixed and it is not deleted (409), but it
// is deactivated and activated again; the audit entries hold the row before and
// after; a refused change changes nothing.
func TestPromoCodeChanges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		_, promo := seedVendor(t, db)
		str := func(s string) *string { return &s }
		yes, no := true, false

		p, err := db.Tenants().UpdatePromoCode(ctx, "acme", "DIGI12", orderhub.PromoCodeUpdate{Price: str("109.5"), ProductName: str("Digital 12 months")})
		if err != nil || p.Price != "109.50" || p.ProductName != "Digital 12 months" || p.Currency != "SEK" || !p.Active || p.DeactivatedAt != nil {
			t.Fatalf("unused code's terms: %+v %v", p, err)
		}
		if _, err := db.Tenants().UpdatePromoCode(ctx, "acme", "DIGI12", orderhub.PromoCodeUpdate{Price: str("12,50")}); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("a bad price: %v", err)
		} else if e, _ := err.(*orderhub.Error); e.Field != "price" {
			t.Fatalf("a bad price names field %q", e.Field)
		}
		if _, err := db.Tenants().UpdatePromoCode(ctx, "acme", "NOPE", orderhub.PromoCodeUpdate{Active: &no}); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("unknown code: %v", err)
		}

		// A contract uses it now.
		promo, _ = db.Tenants().GetPromoCode(ctx, "acme", "DIGI12")
		if _, err := hub.NewOrders(db).PlaceVendorOrder(ctx, order(t, "O-1", true), promo); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Tenants().PromoCodeUses(ctx, "acme", "DIGI12"); n != 1 || err != nil {
			t.Fatalf("uses: %d %v", n, err)
		}
		_, err = db.Tenants().UpdatePromoCode(ctx, "acme", "DIGI12", orderhub.PromoCodeUpdate{Price: str("89"), Active: &no})
		if orderhub.ErrorCode(err) != orderhub.EConflict || !strings.Contains(err.Error(), "Deactivate it") {
			t.Fatalf("a used code's terms: %v", err)
		}
		if err := db.Tenants().DeletePromoCode(ctx, "acme", "DIGI12"); orderhub.ErrorCode(err) != orderhub.EConflict {
			t.Fatalf("deleting a used code: %v", err)
		}
		if p, _ := db.Tenants().GetPromoCode(ctx, "acme", "DIGI12"); p.Price != "109.50" || !p.Active {
			t.Fatalf("a refused change changed %+v", p)
		}
		// Unchanged terms with a state change are fine.
		ch := &orderhub.Change{Actor: orderhub.CLIActor, Action: "promo-code.update", ResourceType: "promo-code", ResourceID: "DIGI12", VendorID: "acme"}
		p, err = db.Tenants().UpdatePromoCode(orderhub.WithChange(ctx, ch), "acme", "DIGI12", orderhub.PromoCodeUpdate{Price: str("109.50"), Active: &no})
		if err != nil || p.Active || p.DeactivatedAt == nil {
			t.Fatalf("deactivate: %+v %v", p, err)
		}
		id, _ := ch.EntryID()
		e, err := db.Admin().GetAudit(ctx, id)
		if err != nil || !strings.Contains(string(e.Before), `"deactivated_at":null`) || strings.Contains(string(e.After), `"deactivated_at":null`) {
			t.Fatalf("audit of the deactivation: %v %s → %s", err, e.Before, e.After)
		}
		// Still readable (the connectors read it for the contract's events), listed as deactivated.
		if p, err := db.Tenants().GetPromoCode(ctx, "acme", "DIGI12"); err != nil || p.Active {
			t.Fatalf("a deactivated code read: %+v %v", p, err)
		}
		pg, _ := db.Admin().AdminListPromoCodes(ctx, orderhub.AdminFilter{VendorID: "acme"}, orderhub.Page{})
		if len(pg.Data) != 1 || pg.Data[0].Active {
			t.Fatalf("listed: %+v", pg.Data)
		}
		again := *p.DeactivatedAt
		if p, _ = db.Tenants().UpdatePromoCode(ctx, "acme", "DIGI12", orderhub.PromoCodeUpdate{Active: &no}); !p.DeactivatedAt.Equal(again) {
			t.Fatal("deactivating twice moved the time")
		}
		if p, err = db.Tenants().UpdatePromoCode(ctx, "acme", "DIGI12", orderhub.PromoCodeUpdate{Active: &yes}); err != nil || !p.Active || p.DeactivatedAt != nil {
			t.Fatalf("activate again: %+v %v", p, err)
		}

		// An unused code is deleted, audited with its row before.
		if err := db.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: "acme", Code: "TYPO", ProductName: "x", Price: "1", Currency: "SEK", BillingPeriod: "month", Delivery: "digital"}); err != nil {
			t.Fatal(err)
		}
		del := &orderhub.Change{Actor: orderhub.CLIActor, Action: "promo-code.delete", ResourceType: "promo-code", ResourceID: "TYPO", VendorID: "acme"}
		if err := db.Tenants().DeletePromoCode(orderhub.WithChange(ctx, del), "acme", "TYPO"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Tenants().GetPromoCode(ctx, "acme", "TYPO"); err == nil {
			t.Fatal("not deleted")
		}
		id, _ = del.EntryID()
		if e, _ := db.Admin().GetAudit(ctx, id); !strings.Contains(string(e.Before), "TYPO") || string(e.After) != "null" {
			t.Fatalf("audit of the delete: %s → %s", e.Before, e.After)
		}
		if err := db.Tenants().DeletePromoCode(ctx, "acme", "TYPO"); orderhub.ErrorCode(err) != orderhub.ENotFound {
			t.Fatalf("deleting again: %v", err)
		}
	})
}
