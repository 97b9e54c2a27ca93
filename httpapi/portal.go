package httpapi

import (
	"net/http"

	"orderhub/console"
	"orderhub/manage"
)

// Portal links (issue 18; console/portal.go):
//
//	POST /admin/v1/vendors/{vendorId}/portal-links   {access: read|manage, ttlSeconds}  → 201 {url, vendorId, access, expiresAt}
//	GET, PUT /admin/v1/vendors/{vendorId}/portal     {frameAncestors: ["https://shop.example"]}
//	GET /portal/{token}/ and its forms: the vendor's portal, no account needed

func (s *Server) portalRoutes(m *http.ServeMux) {
	pa := &portalAPI{base: &s.base, manage: s.manage}
	const v = "/admin/v1/vendors/{vendorId}"
	m.HandleFunc("POST "+v+"/portal-links", s.requireAdmin(s.wrap(pa.handleCreatePortalLink)))
	m.HandleFunc("GET "+v+"/portal", s.requireAdmin(s.wrap(pa.handleGetPortal)))
	m.HandleFunc("PUT "+v+"/portal", s.requireAdmin(s.wrap(pa.handlePutPortal)))
	m.Handle("/portal/", console.Portal(console.Config{Store: s.store, Logger: s.log, Now: s.now}))
}

// portalAPI serves the admin API of vendor portal links and settings.
type portalAPI struct {
	*base
	manage func() *manage.Service // Server.manage
}

func (s *portalAPI) handleCreatePortalLink(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	var in struct {
		Access     string `json:"access"`
		TTLSeconds int64  `json:"ttlSeconds"`
	}
	if err == nil {
		err = decodeAdmin(w, r, &in)
	}
	var link *manage.PortalLink
	if err == nil {
		// Audited as portal-link.create without the link (manage.CreatePortalLink).
		link, err = s.manage().Vendors().CreatePortalLink(r.Context(), vendorID, in.Access, in.TTLSeconds, s.now())
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, link)
	return nil
}

// PortalSettings are a vendor's portal settings.
type PortalSettings struct {
	VendorID       string   `json:"vendorId"`
	FrameAncestors []string `json:"frameAncestors"`
}

func (s *portalAPI) handleGetPortal(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	var fa []string
	if err == nil {
		fa, err = s.store.Tenants.PortalFrameAncestors(r.Context(), vendorID)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PortalSettings{VendorID: vendorID, FrameAncestors: fa})
	return nil
}

func (s *portalAPI) handlePutPortal(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	var in struct {
		FrameAncestors []string `json:"frameAncestors"`
	}
	if err == nil {
		err = decodeAdmin(w, r, &in)
	}
	var v *manage.VendorSettings
	if err == nil {
		fa := in.FrameAncestors
		if fa == nil {
			fa = []string{}
		}
		v, err = s.manage().Vendors().UpdateVendor(r.Context(), vendorID, manage.VendorUpdate{FrameAncestors: &fa})
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PortalSettings{VendorID: vendorID, FrameAncestors: v.FrameAncestors})
	return nil
}
