package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"orderhub"
)

// TestAdminDeliveriesPageWithCursor pages a vendor's deliveries with ?cursor= and
// limit: the deliveries of one event (one seq) split across a page edge are neither
// skipped nor repeated; the deprecated beforeSeq still bounds the seq, and a cursor
// of another listing is a 400.
func TestAdminDeliveriesPageWithCursor(t *testing.T) {
	h := newTestHub(t)
	h.ValidateSpec = true
	const base = "/admin/v1/vendors/acme/deliveries"
	for range 3 {
		h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", h.Admin, map[string]any{"url": "https://hooks.example.com/orders"}).expect(http.StatusCreated, "")
	}
	var events []*orderhub.Event
	for _, k := range []string{"cus_1", "cus_2", "cus_3"} {
		ev, err := h.DB.Deliveries().AppendEvent(context.Background(), "acme", "contract-created", k, json.RawMessage(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	type page struct {
		Data       []orderhub.Delivery `json:"data"`
		NextCursor string              `json:"next_cursor"`
	}
	var all page
	h.jsonReq("GET", base, h.Admin, nil).expect(http.StatusOK, "").JSON(&all)
	if len(all.Data) != 9 || all.NextCursor != "" {
		t.Fatalf("all: %d rows, next %q", len(all.Data), all.NextCursor)
	}
	// Pages of 2: every event's three deliveries cross a page edge.
	var got []orderhub.Delivery
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("no end")
		}
		q := url.Values{"limit": {"2"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var pg page
		h.jsonReq("GET", base+"?"+q.Encode(), h.Admin, nil).expect(http.StatusOK, "").JSON(&pg)
		if len(pg.Data) > 2 {
			t.Fatalf("page of %d", len(pg.Data))
		}
		got = append(got, pg.Data...)
		if pg.NextCursor == "" {
			break
		}
		cursor = pg.NextCursor
	}
	if len(got) != len(all.Data) {
		t.Fatalf("paged %d rows, want %d", len(got), len(all.Data))
	}
	for i := range got {
		if got[i].ID != all.Data[i].ID {
			t.Fatalf("row %d: %s, want %s (skipped or repeated at a page edge)", i, got[i].ID, all.Data[i].ID)
		}
	}

	// beforeSeq (deprecated) still answers the lower events, and pages on with the cursor.
	var pg page
	h.jsonReq("GET", base+"?limit=2&beforeSeq="+strconv.FormatInt(events[2].Seq, 10), h.Admin, nil).expect(http.StatusOK, "").JSON(&pg)
	if len(pg.Data) != 2 || pg.Data[0].EventID != events[1].ID || pg.NextCursor == "" {
		t.Fatalf("beforeSeq: %+v", pg)
	}
	var pg2 page
	h.jsonReq("GET", base+"?limit=4&beforeSeq="+strconv.FormatInt(events[2].Seq, 10)+"&cursor="+url.QueryEscape(pg.NextCursor), h.Admin, nil).expect(http.StatusOK, "").JSON(&pg2)
	if len(pg2.Data) != 4 || pg2.Data[0].EventID != events[1].ID || pg2.Data[3].EventID != events[0].ID || pg2.NextCursor != "" {
		t.Fatalf("beforeSeq page 2: %+v", pg2)
	}

	// Refusals: another listing's cursor, a made-up one, limits out of range.
	var vendors page
	h.jsonReq("POST", "/admin/v1/vendors", h.Admin, map[string]any{"id": "zeta", "name": "Zeta"}).expect(http.StatusCreated, "")
	h.jsonReq("GET", "/admin/v1/vendors?limit=1", h.Admin, nil).expect(http.StatusOK, "").JSON(&vendors)
	if vendors.NextCursor == "" {
		t.Fatal("vendors: one page")
	}
	for _, c := range []string{vendors.NextCursor, "nonsense"} {
		h.jsonReq("GET", base+"?cursor="+url.QueryEscape(c), h.Admin, nil).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
	}
	h.jsonReq("GET", base+"?limit=1001", h.Admin, nil).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
	h.jsonReq("GET", base+"?limit=1000", h.Admin, nil).expect(http.StatusOK, "")
}
