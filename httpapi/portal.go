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
	var in struct {
		Access     string `json:"access"`
		TTLSeconds int64  `json:"ttlSeconds"`
	}
	return adminAnswer(s.base, w, r, http.StatusCreated, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*manage.PortalLink, error) {
		// Audited as portal-link.create without the link (manage.CreatePortalLink).
		link, err := s.manage().Vendors().CreatePortalLink(r.Context(), vendorID, in.Access, in.TTLSeconds, s.now())
		return link, noStore(w, err)
	})
}

// PortalSettings are a vendor's portal settings.
type PortalSettings struct {
	VendorID       string   `json:"vendorId"`
	FrameAncestors []string `json:"frameAncestors"`
}

func (s *portalAPI) handleGetPortal(w http.ResponseWriter, r *http.Request) error {
	return adminAnswer(s.base, w, r, http.StatusOK, nil, func(vendorID string) (PortalSettings, error) {
		fa, err := s.store.Tenants.PortalFrameAncestors(r.Context(), vendorID)
		return PortalSettings{VendorID: vendorID, FrameAncestors: fa}, err
	})
}

func (s *portalAPI) handlePutPortal(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		FrameAncestors []string `json:"frameAncestors"`
	}
	return adminAnswer(s.base, w, r, http.StatusOK, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (PortalSettings, error) {
		fa := in.FrameAncestors
		if fa == nil {
			fa = []string{}
		}
		v, err := s.manage().Vendors().UpdateVendor(r.Context(), vendorID, manage.VendorUpdate{FrameAncestors: &fa})
		if err != nil {
			return PortalSettings{}, err
		}
		return PortalSettings{VendorID: vendorID, FrameAncestors: v.FrameAncestors}, nil
	})
}
