package manage

import (
	"context"
	"time"

	"orderhub"
)

// CreatePromoCode creates a promo code of p.VendorID.
func (s *Vendors) CreatePromoCode(ctx context.Context, p *orderhub.PromoCode) error {
	if p.VendorID == "" {
		return orderhub.FieldError(orderhub.EInvalidRequest, "vendorId", "vendorId is required.")
	}
	p.CreatedAt = time.Time{}
	return s.Store.Tenants.CreatePromoCode(ctx, p)
}

// UpdatePromoCode changes a vendor's promo code (PATCH
// /admin/v1/vendors/{vendorId}/promo-codes/{code}, the console's promo code form,
// orderhub admin promos update): its terms while no contract uses it, its active
// state always (a deactivated code refuses new orders; its contracts keep it).
func (s *Vendors) UpdatePromoCode(ctx context.Context, vendorID, code string, in orderhub.PromoCodeUpdate) (*orderhub.PromoCode, error) {
	if in == (orderhub.PromoCodeUpdate{}) {
		return nil, orderhub.Errorf(orderhub.EInvalidRequest, "Nothing to change: give productName, price, currency, billingPeriod, bindingMonths, delivery or active.")
	}
	return s.Store.Tenants.UpdatePromoCode(ctx, vendorID, code, in)
}

// DeletePromoCode deletes a promo code no contract uses; a used one is refused
// (409: deactivate it instead).
func (s *Vendors) DeletePromoCode(ctx context.Context, vendorID, code string) error {
	return s.Store.Tenants.DeletePromoCode(ctx, vendorID, code)
}
