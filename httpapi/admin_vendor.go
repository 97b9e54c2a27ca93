package httpapi

import (
	"net/http"

	"orderhub/manage"
)

// Changing vendors and promo codes (issue 18; the console's forms call the same
// functions of package manage):
//
//	PATCH /admin/v1/vendors/{vendorId}   {name?, frameAncestors?} → the vendor with its frameAncestors (operators only)
//
// Vendors are never deleted: their orders, contracts, events and audit entries name them.

func (s *Server) adminVendorRoutes(m *http.ServeMux) {
	const a = "/admin/v1"
	m.HandleFunc("PATCH "+a+"/vendors/{vendorId}", s.requireAdmin(s.handleAdminUpdateVendor))
}

func (s *Server) handleAdminUpdateVendor(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "vendorId", "Vendor")
	var in manage.VendorUpdate
	if err == nil {
		err = decodeAdmin(w, r, &in)
	}
	var v *manage.VendorSettings
	if err == nil {
		v, err = s.manage().UpdateVendor(r.Context(), id, in)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
