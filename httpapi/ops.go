package httpapi

import (
	"context"
	"net/http"
	"time"

	"orderhub"
)

func sqlContractFilter(vendorID, externalOrderID string) orderhub.ContractFilter {
	return orderhub.ContractFilter{VendorID: vendorID, ExternalOrderID: externalOrderID}
}

// opsAPI serves the ops endpoints: health, readiness, the OpenAPI document.
type opsAPI struct {
	*base
	openapi  []byte
	notFound handler
}

func (s *opsAPI) handleHealthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *opsAPI) handleReadyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ops.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		return orderhub.Errorf(orderhub.EUnavailable, "The database is not reachable.")
	}
	if err := s.store.Ops.WriteHealth(ctx); err != nil {
		s.log.Warn("readiness check failed: writes fail", "err", err)
		return orderhub.Errorf(orderhub.EUnavailable, "The database does not accept writes.")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (s *opsAPI) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	if len(s.openapi) == 0 {
		return s.notFound(w, r)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.openapi)
	return nil
}
