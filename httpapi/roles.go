package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"orderhub"
)

// Roles of admin tokens (issue 18): an operator token reaches every vendor; a
// vendor-admin token reads and changes one vendor, a vendor-viewer token only reads
// it. A vendor token reaches:
//
//   - every route with {vendorId} in its path, for its own vendor only (another
//     vendor's path is 403), except the operator's settings of a vendor (its quotas
//     and retention: read-only);
//   - the cross-vendor lists (clients, promo codes, customers, orders, contracts,
//     events, audit), filtered to its vendor (a vendor= of another vendor is 403);
//   - the records by id of those lists, when they are its vendor's (otherwise 404,
//     as if they did not exist); GET /admin/v1/vendors lists its vendor only;
//   - POST clients and promo codes of its vendor, and revoking its clients and
//     rotating their secrets.
//
// Anything else (creating vendors, the cross-vendor dashboard, routes added later
// without a vendor in their path) is refused with 403: vendor tokens are allowed
// what is listed here, not denied what is not.

var (
	vendorFilteredLists = map[string]bool{
		"GET /admin/v1/clients": true, "GET /admin/v1/promo-codes": true, "GET /admin/v1/customers": true,
		"GET /admin/v1/orders": true, "GET /admin/v1/contracts": true, "GET /admin/v1/events": true, "GET /admin/v1/audit": true,
	}
	vendorCheckedReads = map[string]bool{
		"GET /admin/v1/clients/{clientId}": true, "GET /admin/v1/customers/{customerId}": true,
		"GET /admin/v1/customers/{customerId}/timeline": true, "GET /admin/v1/orders/{orderId}": true,
		"GET /admin/v1/contracts/{contractId}": true, "GET /admin/v1/events/{eventId}": true, "GET /admin/v1/audit/{entryId}": true,
	}
	vendorBodyCreates = map[string]bool{"POST /admin/v1/clients": true, "POST /admin/v1/promo-codes": true}
	// vendorClientActions change a client by id: only a client of the token's vendor.
	vendorClientActions = map[string]bool{"POST /admin/v1/clients/{clientId}/revoke": true, "POST /admin/v1/clients/{clientId}/rotate-secret": true}
	operatorWrites      = map[string]bool{"PUT /admin/v1/vendors/{vendorId}/quotas": true, "PUT /admin/v1/vendors/{vendorId}/retention": true, "PATCH /admin/v1/vendors/{vendorId}": true}
	// operatorRoutes are the routes without a vendor in their path that only an
	// operator token reaches: decided, not defaulted (every admin route is given one
	// of the accesses below; TestEveryAdminRouteHasARoleRule checks it).
	operatorRoutes = map[string]bool{"POST /admin/v1/vendors": true, "GET /admin/v1/dashboard": true}
)

// How a vendor token reaches an admin route (vendorAccess).
const (
	accessVendorPath    = "vendor path"    // {vendorId} in the path: its own vendor only
	accessVendorSetting = "vendor setting" // {vendorId} in the path, but a change only an operator makes (operatorWrites)
	accessOwnVendor     = "own vendor"     // GET /admin/v1/vendors: its vendor only
	accessFilteredList  = "filtered list"  // a cross-vendor list, filtered to its vendor
	accessCheckedRead   = "checked read"   // a record by id: 404 unless it is its vendor's
	accessBodyCreate    = "body create"    // a create whose body names its vendor
	accessOwnClient     = "own client"     // an action on a client of its vendor
	accessOperator      = "operator only"  // refused to vendor tokens (operatorRoutes)
)

// vendorAccess names how a vendor token reaches the admin route pattern, "" when
// no rule names it (it is then refused to vendor tokens, as accessOperator, and
// TestEveryAdminRouteHasARoleRule fails until the route is given a rule).
func vendorAccess(p string) string {
	switch {
	case operatorWrites[p]:
		return accessVendorSetting
	case strings.Contains(p, "{vendorId}"):
		return accessVendorPath
	case p == "GET /admin/v1/vendors":
		return accessOwnVendor
	case vendorFilteredLists[p]:
		return accessFilteredList
	case vendorCheckedReads[p]:
		return accessCheckedRead
	case vendorBodyCreates[p]:
		return accessBodyCreate
	case vendorClientActions[p]:
		return accessOwnClient
	case operatorRoutes[p]:
		return accessOperator
	}
	return ""
}

func forbidden(format string, args ...any) error {
	return orderhub.Errorf(orderhub.EForbidden, format, args...)
}

// scoped runs h for a vendor token t when its role allows the request, and answers
// 403 or 404 otherwise. body is the request body as read.
func (s *Server) scoped(w http.ResponseWriter, r *http.Request, t *orderhub.AdminToken, body []byte, h http.HandlerFunc) {
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	if !read && t.Role != orderhub.RoleVendorAdmin {
		writeError(w, r, s.log, forbidden("This admin token (role %s) may only read.", t.Role))
		return
	}
	switch vendorAccess(r.Pattern) {
	case accessVendorPath, accessVendorSetting:
		if v := r.PathValue("vendorId"); v != t.VendorID {
			writeError(w, r, s.log, forbidden("This admin token works only for vendor %q, not %q.", t.VendorID, v))
			return
		}
		if operatorWrites[r.Pattern] {
			writeError(w, r, s.log, forbidden("Only an operator changes a vendor's name, quotas and retention."))
			return
		}
		h(w, r)
	case accessOwnVendor:
		v, err := s.store.Tenants.GetVendor(r.Context(), t.VendorID)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, orderhub.PageOf[*orderhub.Vendor]{Data: []*orderhub.Vendor{v}})
	case accessFilteredList:
		q := r.URL.Query()
		if v := q.Get("vendor"); v != "" && v != t.VendorID {
			writeError(w, r, s.log, forbidden("This admin token works only for vendor %q, not %q.", t.VendorID, v))
			return
		}
		q.Set("vendor", t.VendorID)
		r.URL.RawQuery = q.Encode()
		h(w, r)
	case accessCheckedRead:
		rec := &buffered{header: http.Header{}}
		h(rec, r)
		if rec.status == http.StatusOK && !ownedBy(rec.body, t.VendorID) {
			writeError(w, r, s.log, orderhub.Errorf(orderhub.ENotFound, "Not found."))
			return
		}
		rec.copyTo(w)
	case accessBodyCreate:
		var in struct {
			VendorID string `json:"vendorId"`
		}
		_ = json.Unmarshal(body, &in)
		if in.VendorID != t.VendorID {
			writeError(w, r, s.log, forbidden("This admin token creates only for vendor %q: send \"vendorId\": %q.", t.VendorID, t.VendorID))
			return
		}
		h(w, r)
	case accessOwnClient:
		c, err := s.store.Tenants.GetClient(r.Context(), r.PathValue("clientId"))
		if err != nil || c.VendorID != t.VendorID {
			writeError(w, r, s.log, orderhub.Errorf(orderhub.ENotFound, "Client %q not found.", r.PathValue("clientId")))
			return
		}
		h(w, r)
	default:
		writeError(w, r, s.log, forbidden("This needs an operator token; this admin token (role %s) works only for vendor %q.", t.Role, t.VendorID))
	}
}

// ownedBy reports whether a record's JSON names vendor as its vendorId (a timeline
// names it in its customer).
func ownedBy(body []byte, vendor string) bool {
	var rec struct {
		VendorID string `json:"vendorId"`
		Customer *struct {
			VendorID string `json:"vendorId"`
		} `json:"customer"`
	}
	if json.Unmarshal(body, &rec) != nil {
		return false
	}
	if rec.Customer != nil && rec.VendorID == "" {
		return rec.Customer.VendorID == vendor
	}
	return rec.VendorID == vendor
}

// buffered holds a response until it is known that it may be sent.
type buffered struct {
	header http.Header
	status int
	body   []byte
}

func (b *buffered) Header() http.Header { return b.header }
func (b *buffered) WriteHeader(st int) {
	if b.status == 0 {
		b.status = st
	}
}
func (b *buffered) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	b.body = append(b.body, p...)
	return len(p), nil
}
func (b *buffered) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body)
}
