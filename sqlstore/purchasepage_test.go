package sqlstore_test

import (
	"context"
	"testing"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// TestListPurchasePageAcrossPageEdges pages a vendor's purchases with every page
// size; the clock stands still, so they share a creation time and the id orders
// them: none skipped or repeated at a page edge.
func TestListPurchasePageAcrossPageEdges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		catalogFixture(t, db)
		newClock(db)
		ctx := context.Background()
		p := parsePurchase(t, map[string]any{"publisherPurchaseId": nil})
		for range 5 {
			if _, err := hub.NewOrders(db).RecordPurchase(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		f := orderhub.PurchaseFilter{VendorID: "vendor-id-1234"}
		all, err := db.Orders().ListPurchases(ctx, f)
		if err != nil || len(all) != 5 {
			t.Fatalf("%d purchases, %v", len(all), err)
		}
		checkPagesAtEveryLimit(t, all, func(p *orderhub.PurchaseResult) string { return p.PurchaseID }, func(pg orderhub.Page) (*orderhub.PageOf[*orderhub.PurchaseResult], error) {
			return db.Orders().ListPurchasePage(ctx, f, pg)
		})
		if _, err := db.Orders().ListPurchasePage(ctx, f, orderhub.Page{Cursor: orderhub.EncodeCursor("vendors", orderhub.PageKey{})}); err == nil {
			t.Fatal("another listing's cursor accepted")
		} else if l, ok := orderhub.RefusedCursor(err); !ok || l != "purchases" {
			t.Fatalf("cursor: %v", err)
		}
		if _, err := db.Orders().ListPurchasePage(ctx, f, orderhub.Page{Limit: 1001}); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
			t.Fatalf("limit: %v", err)
		}
	})
}
