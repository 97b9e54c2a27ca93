package httpapi

import (
	"net/http"

	"orderhub"
	"orderhub/manage"
)

// Changing vendors and promo codes (issue 18; the console's forms call the same
// functions of package manage):
//
//	PATCH /admin/v1/vendors/{vendorId}   {name?, frameAncestors?} → the vendor with its frameAncestors (operators only)
//	GET, PATCH, DELETE /admin/v1/vendors/{vendorId}/promo-codes/{code}
//	                                      PATCH {productName?, price?, …, active?}: terms only while no contract
//	                                      uses the code, active always; DELETE (204) only an unused code
//
// Vendors are never deleted: their orders, contracts, events and audit entries name them.

func (s *Server) adminVendorRoutes(m *http.ServeMux) {
	h := &adminCoreAPI{base: &s.base, manage: s.manage}
	const a = "/admin/v1"
	m.HandleFunc("PATCH "+a+"/vendors/{vendorId}", s.requireAdmin(s.wrap(h.handleAdminUpdateVendor)))
	s.adminPromoRoutes(m)
}

func (s *adminCoreAPI) handleAdminUpdateVendor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "vendorId", "Vendor")
	var in manage.VendorUpdate
	if err == nil {
		err = decodeAdmin(w, r, &in)
	}
	var v *manage.VendorSettings
	if err == nil {
		v, err = s.manage().Vendors().UpdateVendor(r.Context(), id, in)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) adminPromoRoutes(m *http.ServeMux) {
	h := &adminCoreAPI{base: &s.base, manage: s.manage}
	const p = "/admin/v1/vendors/{vendorId}/promo-codes/{code}"
	m.HandleFunc("GET "+p, s.requireAdmin(s.wrap(h.handleAdminGetPromoCode)))
	m.HandleFunc("PATCH "+p, s.requireAdmin(s.wrap(h.handleAdminUpdatePromoCode)))
	m.HandleFunc("DELETE "+p, s.requireAdmin(s.wrap(h.handleAdminDeletePromoCode)))
}

// promoPath returns the vendor and code of a promo code's path.
func promoPath(r *http.Request) (vendorID, code string, err error) {
	vendorID, err = pathID(r, "vendorId", "Vendor")
	if err == nil {
		code, err = pathID(r, "code", "Promo code")
	}
	return vendorID, code, err
}

func (s *adminCoreAPI) handleAdminGetPromoCode(w http.ResponseWriter, r *http.Request) error {
	vendorID, code, err := promoPath(r)
	var p *orderhub.PromoCode
	if err == nil {
		p, err = s.store.Tenants.AdminGetPromoCode(r.Context(), vendorID, code)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *adminCoreAPI) handleAdminUpdatePromoCode(w http.ResponseWriter, r *http.Request) error {
	vendorID, code, err := promoPath(r)
	var in orderhub.PromoCodeUpdate
	if err == nil {
		err = decodeAdmin(w, r, &in)
	}
	var p *orderhub.PromoCode
	if err == nil {
		p, err = s.manage().Vendors().UpdatePromoCode(r.Context(), vendorID, code, in)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *adminCoreAPI) handleAdminDeletePromoCode(w http.ResponseWriter, r *http.Request) error {
	vendorID, code, err := promoPath(r)
	if err == nil {
		err = s.manage().Vendors().DeletePromoCode(r.Context(), vendorID, code)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
