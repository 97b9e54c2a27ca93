package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"orderhub"
)

// promoCacheTTL bounds how long a promo code found once is served from memory.
// Promo codes cannot be changed or deleted; misses are not cached, so a new code
// works at once.
const promoCacheTTL = 30 * time.Second

type cachedPromo struct {
	p  *orderhub.PromoCode
	at time.Time
}

// promoCache keeps the promo codes of recent orders, sparing each order a read.
type promoCache struct {
	db  orderhub.TenantStore
	now func() time.Time
	mu  sync.Mutex
	m   map[[2]string]cachedPromo
}

func (c *promoCache) get(ctx context.Context, vendorID, code string) (*orderhub.PromoCode, error) {
	k := [2]string{vendorID, code}
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < promoCacheTTL && !now.Before(e.at) {
		return e.p, nil
	}
	p, err := c.db.GetPromoCode(ctx, vendorID, code)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) > 10_000 {
		c.m = map[[2]string]cachedPromo{}
	}
	c.m[k] = cachedPromo{p: p, at: now}
	c.mu.Unlock()
	return p, nil
}

// vendorAPI serves the vendor order API (seed 001).
type vendorAPI struct {
	*base
	promos *promoCache
}

// handleVendorOrder serves POST /payments/vendor/{vendorId}/promos/code/{promoCode}
// (seed 001). Checks run in this order: token (401), vendor (403), body size (413),
// promo code (404), body (400/422), then the order is placed in one transaction.
func (s *vendorAPI) handleVendorOrder(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := vendorPath(r)
	if err != nil {
		return err
	}
	confirm, err := boolQuery(r, "confirm")
	if err != nil {
		return err
	}
	body, err := readJSONBody(w, r)
	if err != nil {
		return err
	}
	promo, err := s.promos.get(r.Context(), vendorID, r.PathValue("promoCode"))
	if err == nil && !promo.Active {
		// A deactivated code (issue 18) sells nothing more; its contracts stay.
		err = orderhub.Errorf(orderhub.EPromoCodeNotFound, "Promo code %q is deactivated for vendor %q.", promo.Code, vendorID)
	}
	if err != nil {
		return err
	}
	o, err := orderhub.ParseVendorOrder(vendorID, promo.Code, confirm, body, s.now())
	if err != nil {
		return err
	}
	res, err := s.store.Orders.PlaceVendorOrder(r.Context(), o, promo)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// ContractList is the answer of GET /payments/vendor/{vendorId}/contracts.
type ContractList struct {
	Data []*orderhub.Contract `json:"data"`
}

// handleListContracts serves GET /payments/vendor/{vendorId}/contracts?externalOrderId=…,
// seed 001's "check before retrying": the contracts of an external order id (an
// empty list when there is none), or the vendor's most recent contracts.
func (s *vendorAPI) handleListContracts(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := vendorPath(r)
	if err != nil {
		return err
	}
	ext := r.URL.Query().Get("externalOrderId")
	if !orderhub.IsLineTextUnescaped(ext) {
		// No order id holds NUL or invalid UTF-8: nothing to look up.
		writeJSON(w, http.StatusOK, ContractList{Data: []*orderhub.Contract{}})
		return nil
	}
	cs, err := s.store.Orders.ListContracts(r.Context(), sqlContractFilter(vendorID, ext))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ContractList{Data: cs})
	return nil
}

// handleGetContract serves GET /payments/vendor/{vendorId}/contracts/{contractId}.
func (s *vendorAPI) handleGetContract(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := vendorPath(r)
	if err != nil {
		return err
	}
	c, err := s.store.Orders.GetContract(r.Context(), vendorID, r.PathValue("contractId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
