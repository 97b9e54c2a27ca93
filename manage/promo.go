package manage

import (
	"context"

	"orderhub"
	"orderhub/sqlstore"
)

// UpdatePromoCode changes a vendor's promo code (PATCH
// /admin/v1/vendors/{vendorId}/promo-codes/{code}, the console's promo code form,
// orderhub admin promos update): its terms while no contract uses it, its active
// state always (a deactivated code refuses new orders; its contracts keep it).
func (s *Service) UpdatePromoCode(ctx context.Context, vendorID, code string, in sqlstore.PromoCodeUpdate) (*orderhub.PromoCode, error) {
	if in == (sqlstore.PromoCodeUpdate{}) {
		return nil, orderhub.Errorf(orderhub.EInvalidRequest, "Nothing to change: give productName, price, currency, billingPeriod, bindingMonths, delivery or active.")
	}
	return s.DB.UpdatePromoCode(ctx, vendorID, code, in)
}

// DeletePromoCode deletes a promo code no contract uses; a used one is refused
// (409: deactivate it instead).
func (s *Service) DeletePromoCode(ctx context.Context, vendorID, code string) error {
	return s.DB.DeletePromoCode(ctx, vendorID, code)
}
