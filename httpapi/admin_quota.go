package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"orderhub"
	"orderhub/manage"
)

// The admin API of quotas (issue 14, docs/quotas.md):
//
//	GET /admin/v1/vendors/{vendorId}/quotas   every limit of the vendor, its default, override and usage
//	PUT /admin/v1/vendors/{vendorId}/quotas   {"webhookEndpoints": 100, "products": null}: set or
//	                                          (null) remove overrides; names not given are unchanged

func (s *Server) adminQuotaRoutes(m *http.ServeMux) {
	h := &adminCoreAPI{base: &s.base, manage: s.manage}
	const v = "/admin/v1/vendors/{vendorId}"
	m.HandleFunc("GET "+v+"/quotas", s.requireAdmin(s.wrap(h.handleAdminGetQuotas)))
	m.HandleFunc("PUT "+v+"/quotas", s.requireAdmin(s.wrap(h.handleAdminPutQuotas)))
}

func (s *adminCoreAPI) handleAdminGetQuotas(w http.ResponseWriter, r *http.Request) error {
	return adminGet(w, r, "vendorId", "Vendor", func(id string) (any, error) { return s.store.Tenants.GetVendorQuotas(r.Context(), id) })
}

func (s *adminCoreAPI) handleAdminPutQuotas(w http.ResponseWriter, r *http.Request) error {
	id, raw, err := s.vendorSettingsBody(w, r, "The request body must be a JSON object of quota names to limits (or null).")
	if err != nil {
		return err
	}
	set := make(map[string]*int, len(raw))
	for name, v := range raw {
		_, known := orderhub.LookupQuota(name)
		if !known || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			set[name] = nil // an unknown name is refused by manage.SetVendorQuotas
			continue
		}
		var n int
		if err := json.Unmarshal(v, &n); err != nil {
			return manage.QuotaLimitError(name)
		}
		set[name] = &n
	}
	q, err := s.manage().Vendors().SetVendorQuotas(r.Context(), id, set)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}

// vendorSettingsBody reads what a PUT of a vendor's settings (quotas, retention)
// starts with: the vendor of the path and a JSON object body of named fields. It
// refuses, with notObject as the message, a body that is no object.
func (s *adminCoreAPI) vendorSettingsBody(w http.ResponseWriter, r *http.Request, notObject string) (id string, raw map[string]json.RawMessage, err error) {
	id, err = s.adminVendor(r)
	if err == nil {
		err = decodeAdmin(w, r, &raw)
	}
	if err == nil && raw == nil {
		err = orderhub.Errorf(orderhub.EInvalidRequest, "%s", notObject)
	}
	if err != nil {
		return "", nil, err
	}
	return id, raw, nil
}
