package httpapi_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"orderhub"
)

// TestAdminCatalogListsPageWithCursor pages the lists the store reads whole
// (products, endpoints, …) with ?cursor= and limit: every row once, in the list's
// order; another listing's cursor and a limit above 500 are a 400.
func TestAdminCatalogListsPageWithCursor(t *testing.T) {
	h := newTestHub(t)
	h.ValidateSpec = true
	const base = "/admin/v1/vendors/acme"
	for i := range 5 {
		h.jsonReq("POST", base+"/products", h.Admin, map[string]any{"id": "p" + strconv.Itoa(i), "name": "Product " + strconv.Itoa(i)}).expect(http.StatusCreated, "")
		h.jsonReq("POST", base+"/endpoints", h.Admin, map[string]any{"url": "https://hooks.example.com/" + strconv.Itoa(i)}).expect(http.StatusCreated, "")
	}
	type row struct {
		ID string `json:"id"`
	}
	type page struct {
		Data       []row  `json:"data"`
		NextCursor string `json:"next_cursor"`
	}
	for _, list := range []string{"/products", "/endpoints"} {
		var all page
		h.jsonReq("GET", base+list, h.Admin, nil).expect(http.StatusOK, "").JSON(&all)
		if len(all.Data) != 5 || all.NextCursor != "" {
			t.Fatalf("%s: %+v", list, all)
		}
		for limit := 1; limit <= 5; limit++ {
			var got []row
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 6 {
					t.Fatalf("%s limit %d: no end", list, limit)
				}
				q := url.Values{"limit": {strconv.Itoa(limit)}}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				var pg page
				h.jsonReq("GET", base+list+"?"+q.Encode(), h.Admin, nil).expect(http.StatusOK, "").JSON(&pg)
				if len(pg.Data) > limit {
					t.Fatalf("%s: page of %d", list, len(pg.Data))
				}
				got = append(got, pg.Data...)
				if pg.NextCursor == "" {
					break
				}
				cursor = pg.NextCursor
			}
			if len(got) != 5 {
				t.Fatalf("%s limit %d: %+v", list, limit, got)
			}
			for i := range got {
				if got[i] != all.Data[i] {
					t.Fatalf("%s limit %d: row %d %s, want %s", list, limit, i, got[i].ID, all.Data[i].ID)
				}
			}
		}
		var first page
		h.jsonReq("GET", base+list+"?limit=2", h.Admin, nil).expect(http.StatusOK, "").JSON(&first)
		other := "/products"
		if list == other {
			other = "/endpoints"
		}
		h.jsonReq("GET", base+other+"?cursor="+url.QueryEscape(first.NextCursor), h.Admin, nil).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
		h.jsonReq("GET", base+list+"?limit=501", h.Admin, nil).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
		h.jsonReq("GET", base+list+"?limit=2&limit=3", h.Admin, nil).expect(http.StatusBadRequest, orderhub.EInvalidRequest)
	}
}
