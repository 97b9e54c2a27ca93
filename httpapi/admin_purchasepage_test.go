package httpapi_test

import (
	"net/url"
	"strconv"
	"testing"

	"orderhub"
)

// TestAdminPurchasesPageWithCursor: the admin API's purchases list pages with the
// keyset cursor of the other lists — every purchase once, newest first — and a
// foreign cursor or a limit above 500 is a 400.
func TestAdminPurchasesPageWithCursor(t *testing.T) {
	h := newPurchaseHub(t)
	const list = "/admin/v1/vendors/acme/purchases"
	for i := range 5 {
		h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-" + strconv.Itoa(i)})).expect(201, "")
	}
	type page struct {
		Data       []orderhub.PurchaseResult `json:"data"`
		NextCursor string                    `json:"next_cursor"`
	}
	var all page
	h.admin("GET", list, nil).expect(200, "").JSON(&all)
	if len(all.Data) != 5 || all.NextCursor != "" {
		t.Fatalf("whole list: %+v", all)
	}
	for limit := 1; limit <= 5; limit++ {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 6 {
				t.Fatalf("limit %d: no end", limit)
			}
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			var pg page
			h.admin("GET", list+"?"+q.Encode(), nil).expect(200, "").JSON(&pg)
			if len(pg.Data) > limit {
				t.Fatalf("limit %d: a page of %d", limit, len(pg.Data))
			}
			for _, p := range pg.Data {
				got = append(got, p.PurchaseID)
			}
			if pg.NextCursor == "" {
				break
			}
			cursor = pg.NextCursor
		}
		if len(got) != 5 {
			t.Fatalf("limit %d: %v", limit, got)
		}
		for i := range got {
			if got[i] != all.Data[i].PurchaseID {
				t.Fatalf("limit %d: row %d is %s, want %s", limit, i, got[i], all.Data[i].PurchaseID)
			}
		}
	}
	var first page
	h.admin("GET", list+"?limit=2", nil).expect(200, "").JSON(&first)
	h.admin("GET", "/admin/v1/vendors/acme/products?cursor="+url.QueryEscape(first.NextCursor), nil).expect(400, orderhub.EInvalidRequest)
	h.admin("GET", list+"?limit=501", nil).expect(400, orderhub.EInvalidRequest)
	h.admin("GET", list+"?cursor=garbage", nil).expect(400, orderhub.EInvalidRequest)
}

// TestAdminSalesmanagoAccountsPage: the SALESmanago accounts list pages like the
// catalog lists (oldest first, ?cursor= and limit, next_cursor).
func TestAdminSalesmanagoAccountsPage(t *testing.T) {
	h := newTestHub(t)
	h.ValidateSpec = true
	const list = "/admin/v1/vendors/acme/salesmanago/accounts"
	for i := range 3 {
		n := strconv.Itoa(i)
		h.jsonReq("POST", list, h.Admin, map[string]any{"id": "sm_" + n, "groupKey": "acme-" + n, "baseUrl": "http://127.0.0.1:9", "v3BaseUrl": "http://127.0.0.1:9",
			"clientId": "acme-client", "apiSecret": "s3cret", "owner": "owner@acme.example"}).expect(201, "")
	}
	type page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		NextCursor string `json:"next_cursor"`
	}
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 4 {
			t.Fatal("no end")
		}
		q := url.Values{"limit": {"1"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var pg page
		h.jsonReq("GET", list+"?"+q.Encode(), h.Admin, nil).expect(200, "").JSON(&pg)
		for _, a := range pg.Data {
			got = append(got, a.ID)
		}
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	if len(got) != 3 || got[0] != "sm_0" || got[1] != "sm_1" || got[2] != "sm_2" {
		t.Fatalf("pages: %v", got)
	}
	h.jsonReq("GET", list+"?limit=501", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
}
