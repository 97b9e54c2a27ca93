package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"orderhub"
)

// routes registers every route of orderhub's HTTP API.
func (s *Server) routes() {
	m := s.mux
	// Ops.
	ops := &opsAPI{base: &s.base, openapi: s.openapi, notFound: s.notFound}
	m.HandleFunc("GET /healthz", s.wrap(ops.handleHealthz))
	m.HandleFunc("GET /readyz", s.wrap(ops.handleReadyz))
	m.HandleFunc("GET /openapi.json", s.wrap(ops.handleOpenAPI))
	m.Handle("GET /metrics", s.metricsAuth(MetricsHandler(s.reg)))

	// OAuth2 (seed 001).
	m.HandleFunc("POST /oauth/token", s.handleToken)

	// Vendor Order API (seed 001).
	v := &vendorAPI{base: &s.base, promos: s.promos}
	m.HandleFunc("POST /payments/vendor/{vendorId}/promos/code/{promoCode}", s.wrap(s.requireScope(orderhub.ScopeVendorOrders, v.handleVendorOrder)))
	m.HandleFunc("GET /payments/vendor/{vendorId}/contracts", s.wrap(s.requireScope(orderhub.ScopeVendorOrders, v.handleListContracts)))
	m.HandleFunc("GET /payments/vendor/{vendorId}/contracts/{contractId}", s.wrap(s.requireScope(orderhub.ScopeVendorOrders, v.handleGetContract)))

	// External purchases (seed 000): POST /hooks/purchases, its dropdowns, catalog admin.
	s.purchaseRoutes(m)

	// Order events (seed 004), Yespo-shaped contacts, ignored events, Yespo accounts.
	s.orderEventRoutes(m)

	// SALESmanago integration API (seed 002) and its account admin API.
	s.salesmanagoRoutes(m)

	// Admin API of the core entities and the web console (issue 9).
	s.adminCoreRoutes(m)

	// Per-vendor quotas and their usage (issue 14).
	s.adminQuotaRoutes(m)
	// Per-vendor retention overrides (issue 19).
	s.adminRetentionRoutes(m)

	// Admin API of outbound delivery: endpoints, deliveries, replay (issue 3).
	s.adminDeliveryRoutes(m)

	// Zapier API (seed 003) and its admin API (users, shippings, transactions, surveys).
	s.zapierRoutes(m)

	// The audit log of admin changes, vendor portal links (issue 18).
	s.auditRoutes(m)
	s.portalRoutes(m)

	m.HandleFunc("/", s.wrap(s.notFound))
}

// MetricsHandler serves the Prometheus registry.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// metricsAuth requires Authorization: Bearer <Config.MetricsToken> when one is
// configured (compared in constant time); without one /metrics is open.
func (s *Server) metricsAuth(h http.Handler) http.Handler {
	if s.metricsToken == "" {
		return h
	}
	want := sha256.Sum256([]byte(s.metricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		got := sha256.Sum256([]byte(tok))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			writeError(w, r, s.log, orderhub.Errorf(orderhub.EUnauthorized, "The metrics need Authorization: Bearer <the metrics token> (serve --metrics-token-file)."))
			return
		}
		h.ServeHTTP(w, r)
	})
}
