package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"orderhub"
)

// Changing promo codes (issue 18). A promo code's terms (product name, price,
// currency, billing period, binding, delivery) are what its contracts were sold on,
// and the connectors read them again for those contracts' events (SALESmanago's
// value, Yespo's and Zapier's product): once a contract uses a code its terms are
// fixed and it is not deleted. It can be deactivated (as Stripe's promotion codes
// are): it then refuses new orders and stays readable; activating it again is
// allowed. A code no contract uses can be edited freely and deleted.

// promoNotFound is the admin surfaces' error for an unknown code.
func promoNotFound(vendorID, code string) error {
	return orderhub.Errorf(orderhub.ENotFound, "Promo code %q of vendor %q not found.", code, vendorID)
}

// getPromo reads a vendor's promo code in tx.
func (tx *Tx) getPromo(vendorID, code string) (*orderhub.PromoCode, error) {
	p, err := scanPromo(tx.queryRow(`SELECT `+promoColumns+` FROM promo_codes WHERE vendor_id = $1 AND code = $2`, vendorID, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, promoNotFound(vendorID, code)
	}
	return p, err
}

func (tx *Tx) promoUses(vendorID, code string) (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM contracts WHERE vendor_id = $1 AND promo_code = $2`, vendorID, code).Scan(&n)
	return n, err
}

// PromoCodeUses returns how many contracts were sold with a vendor's promo code.
func (sub Tenants) PromoCodeUses(ctx context.Context, vendorID, code string) (int, error) {
	var n int
	err := sub.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM contracts WHERE vendor_id = $1 AND promo_code = $2`, vendorID, code).Scan(&n)
	return n, err
}

// AdminGetPromoCode returns a vendor's promo code (NotFound when there is none).
func (sub Tenants) AdminGetPromoCode(ctx context.Context, vendorID, code string) (*orderhub.PromoCode, error) {
	p, err := scanPromo(sub.db.read.QueryRowContext(ctx, `SELECT `+promoColumns+` FROM promo_codes WHERE vendor_id = $1 AND code = $2`, vendorID, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, promoNotFound(vendorID, code)
	}
	return p, err
}

// UpdatePromoCode changes a promo code: its terms while no contract uses it
// (ConflictError otherwise), its active state always.
func (sub Tenants) UpdatePromoCode(ctx context.Context, vendorID, code string, in orderhub.PromoCodeUpdate) (*orderhub.PromoCode, error) {
	var out *orderhub.PromoCode
	err := sub.db.Write(ctx, func(tx *Tx) error {
		cur, err := tx.getPromo(vendorID, code)
		if err != nil {
			return err
		}
		p := *cur
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&p.ProductName, in.ProductName)
		set(&p.Price, in.Price)
		set(&p.Currency, in.Currency)
		set(&p.BillingPeriod, in.BillingPeriod)
		set(&p.Delivery, in.Delivery)
		if in.BindingMonths != nil {
			p.BindingMonths = *in.BindingMonths
		}
		if err := orderhub.ValidatePromoCode(&p); err != nil {
			return err
		}
		termsChanged := p.ProductName != cur.ProductName || p.Price != cur.Price || p.Currency != cur.Currency ||
			p.BillingPeriod != cur.BillingPeriod || p.BindingMonths != cur.BindingMonths || p.Delivery != cur.Delivery
		if termsChanged {
			n, err := tx.promoUses(vendorID, code)
			if err != nil {
				return err
			}
			if n > 0 {
				return orderhub.Errorf(orderhub.EConflict, "Promo code %q is used by %d contract(s), which were sold on its terms: they cannot change. Deactivate it (active: false) and create a new code instead.", code, n)
			}
		}
		minor, _ := orderhub.ParseDecimal(p.Price)
		var deactivated sql.NullInt64
		if cur.DeactivatedAt != nil {
			deactivated = sql.NullInt64{Int64: micros(*cur.DeactivatedAt), Valid: true}
		}
		if in.Active != nil {
			switch {
			case *in.Active:
				deactivated = sql.NullInt64{}
			case !deactivated.Valid:
				deactivated = sql.NullInt64{Int64: micros(tx.now), Valid: true}
			}
		}
		if _, err := tx.exec(`UPDATE promo_codes SET product_name = $3, price_minor = $4, currency = $5, billing_period = $6, binding_months = $7, delivery = $8, deactivated_at = $9
			WHERE vendor_id = $1 AND code = $2`, vendorID, code, p.ProductName, minor, p.Currency, p.BillingPeriod, p.BindingMonths, p.Delivery, deactivated); err != nil {
			return err
		}
		out, err = tx.getPromo(vendorID, code)
		return err
	})
	return out, err
}

// DeletePromoCode deletes a promo code that no contract uses; a used one is a
// ConflictError (deactivate it instead).
func (sub Tenants) DeletePromoCode(ctx context.Context, vendorID, code string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.getPromo(vendorID, code); err != nil {
			return err
		}
		n, err := tx.promoUses(vendorID, code)
		if err != nil {
			return err
		}
		if n > 0 {
			return orderhub.Errorf(orderhub.EConflict, "Promo code %q is used by %d contract(s), whose events still read its terms: it cannot be deleted. Deactivate it instead (active: false): it then refuses new orders.", code, n)
		}
		_, err = tx.exec(`DELETE FROM promo_codes WHERE vendor_id = $1 AND code = $2`, vendorID, code)
		return err
	})
}
