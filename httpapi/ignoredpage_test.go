package httpapi_test

import (
	"net/url"
	"strconv"
	"testing"

	"orderhub"
)

// TestIgnoredEventsPageWithCursor: the admin API's ignored-events list pages with the
// keyset cursor of the other lists — every record once, most recently seen first —
// and a foreign or broken cursor is a 400.
func TestIgnoredEventsPageWithCursor(t *testing.T) {
	h := newYespoHub(t)
	const list = "/admin/v1/vendors/acme/ignored-events"
	for i := range 4 {
		h.ignored(yevent(orderhub.YespoOrderDelivered, "externalOrderId", jq("D-"+strconv.Itoa(i))), orderhub.EOrderNotFound, "", 404)
	}
	type page struct {
		Data       []orderhub.IgnoredEvent `json:"data"`
		NextCursor string                  `json:"next_cursor"`
	}
	var all page
	h.jsonReq("GET", list, h.Admin, nil).expect(200, "").JSON(&all)
	if len(all.Data) != 4 || all.NextCursor != "" {
		t.Fatalf("whole list: %+v", all)
	}
	for limit := 1; limit <= 4; limit++ {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatalf("limit %d: no end", limit)
			}
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			var pg page
			h.jsonReq("GET", list+"?"+q.Encode(), h.Admin, nil).expect(200, "").JSON(&pg)
			if len(pg.Data) > limit {
				t.Fatalf("limit %d: a page of %d", limit, len(pg.Data))
			}
			for _, e := range pg.Data {
				got = append(got, e.ID)
			}
			if pg.NextCursor == "" {
				break
			}
			cursor = pg.NextCursor
		}
		if len(got) != 4 {
			t.Fatalf("limit %d: %v", limit, got)
		}
		for i := range got {
			if got[i] != all.Data[i].ID {
				t.Fatalf("limit %d: row %d is %s, want %s", limit, i, got[i], all.Data[i].ID)
			}
		}
	}
	h.jsonReq("GET", list+"?cursor=garbage", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("GET", list+"?limit=1&limit=2", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
}
