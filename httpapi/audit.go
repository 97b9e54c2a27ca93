package httpapi

import (
	"net/http"

	"orderhub/sqlstore"
)

// The audit log (issue 18; sqlstore/audit.go):
//
//	GET /admin/v1/audit              ?vendor, actor, action, resourceType, resourceId, from, to, cursor, limit
//	GET /admin/v1/audit/{entryId}
//
// Every change made through the admin API (requireAdmin), the console and the CLI has
// an entry, written in the same transaction as the change.

func (s *Server) auditRoutes(m *http.ServeMux) {
	const a = "/admin/v1/audit"
	m.HandleFunc("GET "+a, s.requireAdmin(s.wrap(s.handleListAudit)))
	m.HandleFunc("GET "+a+"/{entryId}", s.requireAdmin(s.wrap(s.handleGetAudit)))
}

// AuditQuery parses the filters of the audit listing (the console uses it too).
func AuditQuery(r *http.Request) (sqlstore.AuditFilter, sqlstore.Page, error) {
	q := r.URL.Query()
	f, p, err := AdminQuery(q, "vendor", "actor", "action", "resourceType", "resourceId", "from", "to")
	if err != nil {
		return sqlstore.AuditFilter{}, p, err
	}
	return sqlstore.AuditFilter{
		VendorID: f.VendorID, Actor: q.Get("actor"), Action: q.Get("action"),
		ResourceType: q.Get("resourceType"), ResourceID: q.Get("resourceId"), From: f.From, To: f.To,
	}, p, nil
}

func (s *Server) handleListAudit(w http.ResponseWriter, r *http.Request) error {
	f, p, err := AuditQuery(r)
	if err != nil {
		return err
	}
	pg, err := s.db.ListAudit(r.Context(), f, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pg)
	return nil
}

func (s *Server) handleGetAudit(w http.ResponseWriter, r *http.Request) error {
	adminGet(s, w, r, "entryId", "Audit entry", func(id string) (*sqlstore.AuditEntry, error) { return s.db.GetAudit(r.Context(), id) })
	return nil
}
