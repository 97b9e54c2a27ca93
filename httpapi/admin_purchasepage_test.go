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
	wholeList(t, h.testHub, list, 500, 5)
	var first struct {
		NextCursor string `json:"next_cursor"`
	}
	h.admin("GET", list+"?limit=2", nil).expect(200, "").JSON(&first)
	h.admin("GET", "/admin/v1/vendors/acme/products?cursor="+url.QueryEscape(first.NextCursor), nil).expect(400, orderhub.EInvalidRequest)
	h.admin("GET", list+"?limit=501", nil).expect(400, orderhub.EInvalidRequest)
	h.admin("GET", list+"?cursor=garbage", nil).expect(400, orderhub.EInvalidRequest)
}

// TestAdminSalesmanagoAccountsPage: the SALESmanago accounts list pages like the
// catalog lists (oldest first, ?cursor= and limit, next_cursor).
func TestAdminSalesmanagoAccountsPage(t *testing.T) {
	h := newTestHub(t)
	const list = "/admin/v1/vendors/acme/salesmanago/accounts"
	for i := range 3 {
		n := strconv.Itoa(i)
		h.jsonReq("POST", list, h.Admin, map[string]any{"id": "sm_" + n, "groupKey": "acme-" + n, "baseUrl": "http://127.0.0.1:9", "v3BaseUrl": "http://127.0.0.1:9",
			"clientId": "acme-client", "apiSecret": "s3cret", "owner": "owner@acme.example"}).expect(201, "")
	}
	samePages(t, h, list, []string{"sm_0", "sm_1", "sm_2"})
	h.jsonReq("GET", list+"?limit=501", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
}
