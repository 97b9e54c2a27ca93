package httpapi

import (
	"net/http"
	"strings"

	"orderhub"
)

// External purchases (seed 000): the purchase hook and the Zapier dropdown lists.
//
//	POST /hooks/purchases   the External Purchase payload, verbatim
//	GET  /hooks/sources     the caller's HOOK sources as [{id, name}]
//	GET  /hooks/vendors     the caller's vendor as [{id, name}]
//
// Callers authenticate with Authorization: Bearer and either a source secret
// (ohk_…, shown once when the source is created) or an OAuth access token of the
// vendor with the scope externalPurchases.

// purchaseRoutes registers the purchase hook, its dropdown lists and the admin API
// of the catalog and sources.
func (s *Server) purchaseRoutes(m *http.ServeMux) {
	ph := &purchaseAPI{base: &s.base, tokens: s.tokens}
	m.HandleFunc("POST /hooks/purchases", s.wrap(ph.handlePurchaseHook))
	m.HandleFunc("GET /hooks/sources", s.wrap(ph.handleHookSources))
	m.HandleFunc("GET /hooks/vendors", s.wrap(ph.handleHookVendors))
	s.adminCatalogRoutes(m)
}

// hookCaller is an authenticated caller of the purchase hook.
type hookCaller struct {
	VendorID string
	// Source is set when the caller authenticated with a source secret.
	Source *orderhub.Source
}

// purchaseAPI serves the purchase hook (seed 000) and its dropdown lists.
type purchaseAPI struct {
	*base
	tokens *tokenService
}

// authHook authenticates a purchase-hook request: a source secret, or an access
// token with the externalPurchases scope.
func (s *purchaseAPI) authHook(r *http.Request) (*hookCaller, error) {
	tok, ok := bearer(r)
	if !ok || tok == "" {
		return nil, orderhub.Errorf(orderhub.EUnauthorized, "Missing credentials: send Authorization: Bearer <source secret> or an access token with the scope %q.", orderhub.ScopeExternalPurchases)
	}
	if strings.HasPrefix(tok, orderhub.SourceSecretPrefix) {
		src, err := s.store.Catalog.SourceBySecret(r.Context(), tok)
		if err != nil {
			return nil, err
		}
		if src.Type != orderhub.SourceTypeHook {
			return nil, orderhub.Errorf(orderhub.EForbidden, "Source %q is of type %s; only %s sources may call the purchase hook.", src.ID, src.Type, orderhub.SourceTypeHook)
		}
		return &hookCaller{VendorID: src.VendorID, Source: src}, nil
	}
	p, err := s.tokens.verify(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	if !p.HasScope(orderhub.ScopeExternalPurchases) {
		return nil, orderhub.Errorf(orderhub.EForbidden, "The access token lacks the scope %q.", orderhub.ScopeExternalPurchases)
	}
	return &hookCaller{VendorID: p.VendorID}, nil
}

// handlePurchaseHook serves POST /hooks/purchases. Checks run in this order:
// credentials (401/403), body size and type (413/415), payload (400), vendor and
// source of the caller (403), then the purchase is recorded in one transaction
// (422 for unknown references, 409 for a publisherPurchaseId reused with other
// content). A new purchase answers 201, a replay of one answers 200 with the
// original answer.
func (s *purchaseAPI) handlePurchaseHook(w http.ResponseWriter, r *http.Request) error {
	caller, err := s.authHook(r)
	if err != nil {
		return err
	}
	p, err := parseBody(w, r, func(b []byte) (*orderhub.Purchase, error) { return orderhub.ParsePurchase(b, s.now()) })
	if err != nil {
		return err
	}
	if p.VendorID != caller.VendorID {
		return orderhub.FieldError(orderhub.EForbidden, "vendorId", "These credentials are not authorized for vendor %q.", p.VendorID)
	}
	if caller.Source != nil && p.SourceID != caller.Source.ID {
		return orderhub.FieldError(orderhub.EForbidden, "source", "This secret belongs to source %q; the payload names source %q.", caller.Source.ID, p.SourceID)
	}
	res, err := s.store.Orders.RecordPurchase(r.Context(), p)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
	return nil
}

// handleHookSources serves GET /hooks/sources: the caller's HOOK sources, shaped
// for a Zapier dynamic dropdown.
func (s *purchaseAPI) handleHookSources(w http.ResponseWriter, r *http.Request) error {
	caller, err := s.authHook(r)
	if err != nil {
		return err
	}
	srcs, err := s.store.Catalog.ListSources(r.Context(), caller.VendorID, orderhub.SourceTypeHook)
	if err != nil {
		return err
	}
	out := make([]orderhub.DropdownItem, 0, len(srcs))
	for _, src := range srcs {
		out = append(out, orderhub.DropdownItem{ID: src.ID, Name: src.Name})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleHookVendors serves GET /hooks/vendors: the caller's vendor (credentials
// belong to exactly one), shaped for a Zapier dynamic dropdown.
func (s *purchaseAPI) handleHookVendors(w http.ResponseWriter, r *http.Request) error {
	caller, err := s.authHook(r)
	if err != nil {
		return err
	}
	v, err := s.store.Tenants.GetVendor(r.Context(), caller.VendorID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, []orderhub.DropdownItem{{ID: v.ID, Name: v.Name}})
	return nil
}
