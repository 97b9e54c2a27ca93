package httpapi_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
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

// TestPortalDeliveriesPage pages the vendor portal's recent deliveries (50 a page)
// with its "Older deliveries" link: 3 endpoints, so events' deliveries straddle the
// page edge; none is skipped or repeated. A changed cursor is a 400.
func TestPortalDeliveriesPage(t *testing.T) {
	h := newTestHub(t)
	const base = "/admin/v1/vendors/acme"
	for range 3 {
		h.jsonReq("POST", base+"/endpoints", h.Admin, map[string]any{"url": "https://hooks.example.com/orders"}).expect(http.StatusCreated, "")
	}
	for i := range 20 {
		if _, err := h.DB.Deliveries().AppendEvent(context.Background(), "acme", "contract-created", "cus_"+strconv.Itoa(i), json.RawMessage(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := h.DB.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{VendorID: "acme", Limit: 1000})
	if err != nil || len(all) != 60 {
		t.Fatalf("%d deliveries, %v", len(all), err)
	}
	var link portalLinkJSON
	h.jsonReq("POST", base+"/portal-links", h.Admin, map[string]any{}).expect(http.StatusCreated, "").JSON(&link)
	tableRe := regexp.MustCompile(`(?s)<table id="portal-deliveries">(.*?)</table>`)
	rowRe := regexp.MustCompile(`<td class="sub">(ep_[^<]+)</td>`)
	eventRe := regexp.MustCompile(`<div class="sub">(evt_[^<]+)</div>`)
	nextRe := regexp.MustCompile(`<a href="([^"]+)" id="portal-deliveries-next">`)
	var got []string
	path := link.URL
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("no end")
		}
		st, _, body := h.page("GET", path)
		if st != http.StatusOK {
			t.Fatalf("%s: %d %s", path, st, body)
		}
		m := tableRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no deliveries table", path)
		}
		eps, evs := rowRe.FindAllStringSubmatch(m[1], -1), eventRe.FindAllStringSubmatch(m[1], -1)
		if len(eps) != len(evs) || len(eps) > 50 {
			t.Fatalf("%s: %d rows", path, len(eps))
		}
		for i := range eps {
			got = append(got, evs[i][1]+" "+eps[i][1])
		}
		path = ""
		if m := nextRe.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	if len(got) != len(all) {
		t.Fatalf("paged %d deliveries, want %d", len(got), len(all))
	}
	for i, d := range all {
		if got[i] != d.EventID+" "+d.EndpointID {
			t.Fatalf("row %d: %s, want %s %s", i, got[i], d.EventID, d.EndpointID)
		}
	}
	for _, q := range []string{"?cursor=nonsense", "?deadCursor=nonsense"} {
		if st, _, _ := h.page("GET", link.URL+q); st != http.StatusBadRequest {
			t.Fatalf("%s: %d", q, st)
		}
	}
}
