package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"orderhub"
)

// The admin API of per-vendor retention overrides (docs/operations.md):
//
//	GET /admin/v1/vendors/{vendorId}/retention   the vendor's override (null limits: the server's defaults)
//	PUT /admin/v1/vendors/{vendorId}/retention   {"deliveredSeconds": 604800, "deadSeconds": null}: set or
//	                                             (null) remove a limit; 0 keeps for ever; limits not given are unchanged

// maxRetentionSeconds bounds a retention limit (100 years).
const maxRetentionSeconds = 100 * 365 * 24 * 3600

func (s *Server) adminRetentionRoutes(m *http.ServeMux) {
	h := &adminCoreAPI{base: &s.base, manage: s.manage}
	const v = "/admin/v1/vendors/{vendorId}"
	m.HandleFunc("GET "+v+"/retention", s.requireAdmin(s.wrap(h.handleAdminGetRetention)))
	m.HandleFunc("PUT "+v+"/retention", s.requireAdmin(s.wrap(h.handleAdminPutRetention)))
}

func (s *adminCoreAPI) handleAdminGetRetention(w http.ResponseWriter, r *http.Request) error {
	return adminGet(w, r, "vendorId", "Vendor", func(id string) (any, error) { return s.store.Admin.GetVendorRetention(r.Context(), id) })
}

func (s *adminCoreAPI) handleAdminPutRetention(w http.ResponseWriter, r *http.Request) error {
	id, raw, err := s.vendorSettingsBody(w, r, "The request body must be a JSON object with deliveredSeconds and/or deadSeconds.")
	if err != nil {
		return err
	}
	v, err := s.manage().Vendors().UpdateVendorRetention(r.Context(), id, func(cur *orderhub.VendorRetention) error {
		for name, v := range raw {
			var dst **time.Duration
			switch name {
			case "deliveredSeconds":
				dst = &cur.Delivered
			case "deadSeconds":
				dst = &cur.Dead
			default:
				return orderhub.FieldError(orderhub.EInvalidRequest, name, "Unknown field %q; the limits are deliveredSeconds and deadSeconds.", name)
			}
			if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
				*dst = nil
				continue
			}
			var n int64
			if err := json.Unmarshal(v, &n); err != nil || n < 0 || n > maxRetentionSeconds {
				return orderhub.FieldError(orderhub.EInvalidRequest, name, "%s must be a whole number of seconds from 0 (keep for ever) to %d, or null for the server's default.", name, maxRetentionSeconds)
			}
			d := time.Duration(n) * time.Second
			*dst = &d
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
