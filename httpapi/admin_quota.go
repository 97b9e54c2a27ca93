package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"orderhub"
)

// The admin API of quotas (issue 14, docs/quotas.md):
//
//	GET /admin/v1/vendors/{vendorId}/quotas   every limit of the vendor, its default, override and usage
//	PUT /admin/v1/vendors/{vendorId}/quotas   {"webhookEndpoints": 100, "products": null}: set or
//	                                          (null) remove overrides; names not given are unchanged

func (s *Server) adminQuotaRoutes(m *http.ServeMux) {
	const v = "/admin/v1/vendors/{vendorId}"
	m.HandleFunc("GET "+v+"/quotas", s.requireAdmin(s.handleAdminGetQuotas))
	m.HandleFunc("PUT "+v+"/quotas", s.requireAdmin(s.handleAdminPutQuotas))
}

func (s *Server) handleAdminGetQuotas(w http.ResponseWriter, r *http.Request) {
	adminGet(s, w, r, "vendorId", "Vendor", func(id string) (any, error) { return s.db.GetVendorQuotas(r.Context(), id) })
}

func (s *Server) handleAdminPutQuotas(w http.ResponseWriter, r *http.Request) {
	id, err := s.adminVendor(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var raw map[string]json.RawMessage
	if err := decodeAdmin(w, r, &raw); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if raw == nil {
		writeError(w, r, s.log, orderhub.Errorf(orderhub.EInvalidRequest, "The request body must be a JSON object of quota names to limits (or null)."))
		return
	}
	set := make(map[string]*int, len(raw))
	for name, v := range raw {
		if _, ok := orderhub.LookupQuota(name); !ok {
			writeError(w, r, s.log, orderhub.FieldError(orderhub.EInvalidRequest, name, "Unknown quota %q; the quotas are %s.", name, strings.Join(orderhub.QuotaNames(), ", ")))
			return
		}
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			set[name] = nil
			continue
		}
		var n int
		if err := json.Unmarshal(v, &n); err != nil {
			writeError(w, r, s.log, orderhub.FieldError(orderhub.EInvalidRequest, name, "The %s limit must be an integer from 0 to %d, or null for the default.", name, orderhub.MaxQuotaLimit))
			return
		}
		set[name] = &n
	}
	q, err := s.db.SetVendorQuotas(r.Context(), id, set)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}
