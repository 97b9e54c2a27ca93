package sqlstore_test

import (
	"context"
	"testing"

	"orderhub"
	"orderhub/hub"
	"orderhub/sqlstore"
)

// TestListIgnoredEventPageAcrossPageEdges pages a vendor's ignored events with every
// page size; the clock stands still, so they share their last-seen time and the id
// orders them: none skipped or repeated at a page edge.
func TestListIgnoredEventPageAcrossPageEdges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedVendor(t, db)
		newClock(db)
		ctx := context.Background()
		for _, id := range []string{"n1", "n2", "n3", "n4", "n5"} {
			body := `{"eventTypeKey":"orderCancelled","keyValue":"k","params":[{"name":"externalOrderId","value":"` + id + `"}]}`
			if _, err := hub.NewOrders(db).ApplyOrderEvent(ctx, "acme", parseEvent(t, body), []byte(body)); err != nil {
				t.Fatal(err)
			}
		}
		f := orderhub.IgnoredEventFilter{VendorID: "acme"}
		all, err := db.Connectors().ListIgnoredEvents(ctx, f)
		if err != nil || len(all) != 5 {
			t.Fatalf("%d ignored, %v", len(all), err)
		}
		checkPagesAtEveryLimit(t, all, func(e *orderhub.IgnoredEvent) string { return e.ID }, func(pg orderhub.Page) (*orderhub.PageOf[*orderhub.IgnoredEvent], error) {
			return db.Connectors().ListIgnoredEventPage(ctx, f, pg)
		})
		if _, err := db.Connectors().ListIgnoredEventPage(ctx, f, orderhub.Page{Cursor: "nonsense"}); err == nil {
			t.Fatal("a made-up cursor accepted")
		} else if l, ok := orderhub.RefusedCursor(err); !ok || l != "ignored-events" {
			t.Fatalf("cursor: %v", err)
		}
	})
}
