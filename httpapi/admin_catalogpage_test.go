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
	const base = "/admin/v1/vendors/acme"
	for i := range 5 {
		h.jsonReq("POST", base+"/products", h.Admin, map[string]any{"id": "p" + strconv.Itoa(i), "name": "Product " + strconv.Itoa(i)}).expect(http.StatusCreated, "")
		h.jsonReq("POST", base+"/endpoints", h.Admin, map[string]any{"url": "https://hooks.example.com/" + strconv.Itoa(i)}).expect(http.StatusCreated, "")
	}
	type page struct {
		NextCursor string `json:"next_cursor"`
	}
	for _, list := range []string{"/products", "/endpoints"} {
		var all struct {
			page
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		h.jsonReq("GET", base+list, h.Admin, nil).expect(http.StatusOK, "").JSON(&all)
		if len(all.Data) != 5 || all.NextCursor != "" {
			t.Fatalf("%s: %+v", list, all)
		}
		var ids []string
		for _, r := range all.Data {
			ids = append(ids, r.ID)
		}
		samePages(t, h, base+list, ids)
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
