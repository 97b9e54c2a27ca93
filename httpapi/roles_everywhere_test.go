package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"orderhub"
	"orderhub/httpapi"
)

var pathParam = regexp.MustCompile(`\{[A-Za-z]+\}`)

// Every admin route refuses a vendor token what its role does not allow, whatever
// the route (read from the source, as TestEveryAdminRouteHasARoleRule reads them):
// another vendor in the path is 403; an operator-only route is 403; a vendor
// setting only an operator changes (quotas, retention, the vendor's name) is 403
// even for its own vendor; a cross-vendor list asked for another vendor is 403; and
// a vendor-viewer's change is 403 on every route. A route registered without
// requireAdmin, or a rule that lets a request through, fails here.
func TestVendorTokensAreRefusedOnEveryAdminRoute(t *testing.T) {
	h := newTestHub(t)
	admin, viewer := acmeRoleTokens(t, h)
	fill := func(path, vendor string) string {
		return pathParam.ReplaceAllStringFunc(path, func(p string) string {
			if p == "{vendorId}" {
				return vendor
			}
			return "x-" + strings.Trim(p, "{}")
		})
	}
	refused := func(method, path, tok string) {
		t.Helper()
		var body any
		if method != http.MethodGet {
			body = map[string]any{}
		}
		res := h.jsonReq(method, path, tok, body)
		if res.Status != http.StatusForbidden || res.ErrorCode() != orderhub.EForbidden {
			t.Errorf("%s %s with a vendor token of acme: %d %s, want 403 %s", method, path, res.Status, res.Body, orderhub.EForbidden)
		}
	}
	n := 0
	for _, p := range httpapi.AdminRoutes(t) {
		method, path, _ := strings.Cut(p, " ")
		access := httpapi.VendorAccess(p)
		for _, tok := range []string{admin, viewer} {
			switch {
			case strings.Contains(path, "{vendorId}"):
				refused(method, fill(path, h.Other.VendorID), tok)
				if access == httpapi.AccessVendorSetting {
					refused(method, fill(path, "acme"), tok)
				}
			case access == httpapi.AccessOperator:
				refused(method, fill(path, ""), tok)
			case access == httpapi.AccessFilteredList:
				refused(method, path+"?vendor="+h.Other.VendorID, tok)
			}
			if tok == viewer && method != http.MethodGet {
				refused(method, fill(path, "acme"), tok)
			}
			n++
		}
	}
	if n < 120 {
		t.Fatalf("only %d checks: is the route extraction broken?", n)
	}
}
