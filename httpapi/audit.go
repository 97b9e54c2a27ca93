package httpapi

import (
	"net/http"

	"orderhub"
)

// The audit log (issue 18; sqlstore/audit.go):
//
//	GET /admin/v1/audit              ?vendor, actor, action, resourceType, resourceId, from, to, cursor, limit
//	GET /admin/v1/audit/{entryId}
//
// Every change made through the admin API (requireAdmin), the console and the CLI has
// an entry, written in the same transaction as the change.

func (s *Server) auditRoutes(m *http.ServeMux) {
	au := &auditAPI{base: &s.base}
	const a = "/admin/v1/audit"
	m.HandleFunc("GET "+a, s.requireAdmin(s.wrap(au.handleListAudit)))
	m.HandleFunc("GET "+a+"/{entryId}", s.requireAdmin(s.wrap(au.handleGetAudit)))
}

// AuditQuery parses the filters of the audit listing (the console uses it too).
func AuditQuery(r *http.Request) (orderhub.AuditFilter, orderhub.Page, error) {
	q := r.URL.Query()
	f, p, err := AdminQuery(q, "vendor", "actor", "action", "resourceType", "resourceId", "from", "to")
	if err != nil {
		return orderhub.AuditFilter{}, p, err
	}
	return orderhub.AuditFilter{
		VendorID: f.VendorID, Actor: q.Get("actor"), Action: q.Get("action"),
		ResourceType: q.Get("resourceType"), ResourceID: q.Get("resourceId"), From: f.From, To: f.To,
	}, p, nil
}

// auditAPI serves the audit log.
type auditAPI struct {
	*base
}

func (s *auditAPI) handleListAudit(w http.ResponseWriter, r *http.Request) error {
	f, p, err := AuditQuery(r)
	if err != nil {
		return err
	}
	pg, err := s.store.Admin.ListAudit(r.Context(), f, p)
	if err != nil {
		return PageError(err)
	}
	writeJSON(w, http.StatusOK, pg)
	return nil
}

func (s *auditAPI) handleGetAudit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "entryId", "Audit entry")
	if err != nil {
		return err
	}
	e, err := s.store.Admin.GetAudit(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}
