package httpapi_test

import (
	"strconv"
	"testing"

	"orderhub"
)

// TestIgnoredEventsPageWithCursor: the admin API's ignored-events list pages with the
// keyset cursor of the other lists — every record once, most recently seen first —
// and a broken cursor or a repeated parameter is a 400.
func TestIgnoredEventsPageWithCursor(t *testing.T) {
	h := newYespoHub(t)
	const list = "/admin/v1/vendors/acme/ignored-events"
	for i := range 4 {
		h.ignored(yevent(orderhub.YespoOrderDelivered, "externalOrderId", jq("D-"+strconv.Itoa(i))), orderhub.EOrderNotFound, "", 404)
	}
	wholeList(t, h.testHub, list, 1000, 4)
	h.jsonReq("GET", list+"?cursor=garbage", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("GET", list+"?limit=1&limit=2", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
}
