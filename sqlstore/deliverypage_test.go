package sqlstore_test

import (
	"context"
	"testing"

	"orderhub"
	"orderhub/sqlstore"
)

// TestListDeliveryPageAcrossPageEdges pages the deliveries with every page size: the
// deliveries of one event share its seq (and here its creation time, the clock
// stands still), so a page edge inside an event must neither skip nor repeat one.
func TestListDeliveryPageAcrossPageEdges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		deliverySetup(t, db)
		ctx := context.Background()
		for range 3 {
			mkEndpoint(t, db, "acme")
		}
		other := mkEndpoint(t, db, "globex")
		var events []*orderhub.Event
		for _, k := range []string{"c1", "c2", "c3", "c4"} {
			events = append(events, appendEv(t, db, "acme", "order-created", k))
		}
		appendEv(t, db, "globex", "order-created", "g1")

		all, err := db.Deliveries().ListDeliveries(ctx, orderhub.DeliveryFilter{VendorID: "acme", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 12 {
			t.Fatalf("%d deliveries, want 4 events × 3 endpoints", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i].Seq > all[i-1].Seq {
				t.Fatalf("not newest first: %d after %d", all[i].Seq, all[i-1].Seq)
			}
		}
		checkPagesAtEveryLimit(t, all, func(d *orderhub.Delivery) string { return d.ID }, func(p orderhub.Page) (*orderhub.PageOf[*orderhub.Delivery], error) {
			return db.Deliveries().ListDeliveryPage(ctx, orderhub.DeliveryFilter{VendorID: "acme"}, p)
		})

		// An event's three deliveries split 2 + 1; the filters still apply on page two.
		pg, err := db.Deliveries().ListDeliveryPage(ctx, orderhub.DeliveryFilter{EventID: events[1].ID}, orderhub.Page{Limit: 2})
		if err != nil || len(pg.Data) != 2 || pg.NextCursor == "" {
			t.Fatalf("event page 1: %+v %v", pg, err)
		}
		pg2, err := db.Deliveries().ListDeliveryPage(ctx, orderhub.DeliveryFilter{EventID: events[1].ID}, orderhub.Page{Limit: 2, Cursor: pg.NextCursor})
		if err != nil || len(pg2.Data) != 1 || pg2.NextCursor != "" {
			t.Fatalf("event page 2: %+v %v", pg2, err)
		}
		seen := map[string]bool{}
		for _, d := range append(pg.Data, pg2.Data...) {
			if d.EventID != events[1].ID || seen[d.EndpointID] {
				t.Fatalf("event pages: %+v", d)
			}
			seen[d.EndpointID] = true
		}

		// The deprecated BeforeSeq still bounds the seq, with or without a cursor.
		pg, err = db.Deliveries().ListDeliveryPage(ctx, orderhub.DeliveryFilter{VendorID: "acme", BeforeSeq: events[2].Seq}, orderhub.Page{Limit: 4})
		if err != nil || len(pg.Data) != 4 || pg.Data[0].Seq != events[1].Seq || pg.NextCursor == "" {
			t.Fatalf("beforeSeq page 1: %+v %v", pg, err)
		}
		pg, err = db.Deliveries().ListDeliveryPage(ctx, orderhub.DeliveryFilter{VendorID: "acme", BeforeSeq: events[2].Seq}, orderhub.Page{Limit: 4, Cursor: pg.NextCursor})
		if err != nil || len(pg.Data) != 2 || pg.Data[0].Seq != events[0].Seq || pg.NextCursor != "" {
			t.Fatalf("beforeSeq page 2: %+v %v", pg, err)
		}

		// Everyone's deliveries (no vendor) and one endpoint's page too.
		every, err := orderhub.AllPages(func(p orderhub.Page) (*orderhub.PageOf[*orderhub.Delivery], error) {
			p.Limit = 5
			return db.Deliveries().ListDeliveryPage(ctx, orderhub.DeliveryFilter{}, p)
		})
		if err != nil || len(every) != 13 {
			t.Fatalf("every vendor: %d %v", len(every), err)
		}
		if pg, err := db.Deliveries().ListDeliveryPage(ctx, orderhub.DeliveryFilter{EndpointID: other.ID}, orderhub.Page{}); err != nil || len(pg.Data) != 1 || pg.NextCursor != "" {
			t.Fatalf("endpoint: %+v %v", pg, err)
		}

		// A cursor that is not the deliveries listing's, and sizes out of range.
		vendors, err := db.Admin().AdminListVendors(ctx, orderhub.Page{Limit: 1})
		if err != nil || vendors.NextCursor == "" {
			t.Fatalf("vendors: %+v %v", vendors, err)
		}
		for _, c := range []string{"nonsense", vendors.NextCursor} {
			_, err := db.Deliveries().ListDeliveryPage(ctx, orderhub.DeliveryFilter{VendorID: "acme"}, orderhub.Page{Cursor: c})
			if l, ok := orderhub.RefusedCursor(err); !ok || l != "deliveries" {
				t.Fatalf("cursor %q: %v", c, err)
			}
		}
		for _, n := range []int{-1, orderhub.MaxDeliveryPageLimit + 1} {
			if _, err := db.Deliveries().ListDeliveryPage(ctx, orderhub.DeliveryFilter{}, orderhub.Page{Limit: n}); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
				t.Fatalf("limit %d: %v", n, err)
			}
		}
	})
}

// checkPagesAtEveryLimit pages through a listing at every limit from 1 to one past
// len(all) and checks that no page holds more than its limit and that the pages
// hold all, in order (id names a row): none skipped or repeated at a page edge.
func checkPagesAtEveryLimit[T any](t *testing.T, all []T, id func(T) string, list func(orderhub.Page) (*orderhub.PageOf[T], error)) {
	t.Helper()
	for limit := 1; limit <= len(all)+1; limit++ {
		var got []T
		p := orderhub.Page{Limit: limit}
		for pages := 0; ; pages++ {
			if pages > len(all)+1 {
				t.Fatalf("limit %d: no end", limit)
			}
			pg, err := list(p)
			if err != nil {
				t.Fatalf("limit %d: %v", limit, err)
			}
			if len(pg.Data) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(pg.Data))
			}
			got = append(got, pg.Data...)
			if pg.NextCursor == "" {
				break
			}
			p.Cursor = pg.NextCursor
		}
		if len(got) != len(all) {
			t.Fatalf("limit %d: %d rows, want %d", limit, len(got), len(all))
		}
		for i := range all {
			if id(got[i]) != id(all[i]) {
				t.Fatalf("limit %d: row %d is %s, want %s (skipped or repeated at a page edge)", limit, i, id(got[i]), id(all[i]))
			}
		}
	}
}
