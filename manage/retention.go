package manage

import (
	"context"
	"orderhub"
)

// Retention overrides of a vendor (PUT /admin/v1/vendors/{vendorId}/retention,
// orderhub admin retention set|clear).

// UpdateVendorRetention reads a vendor's retention limits (a vendor that does not
// exist: NotFound), lets change set the ones the caller was given (nil: the
// server's default; an error from change is returned and nothing is written),
// writes them and returns them as stored.
func (s *Vendors) UpdateVendorRetention(ctx context.Context, vendorID string, change func(cur *orderhub.VendorRetention) error) (*orderhub.VendorRetention, error) {
	cur, err := s.Store.Admin.GetVendorRetention(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	if err := change(cur); err != nil {
		return nil, err
	}
	if err := s.Store.Admin.SetVendorRetention(ctx, vendorID, cur.Delivered, cur.Dead); err != nil {
		return nil, err
	}
	return s.Store.Admin.GetVendorRetention(ctx, vendorID)
}

// ClearVendorRetention removes a vendor's retention override (back to the server's
// defaults).
func (s *Vendors) ClearVendorRetention(ctx context.Context, vendorID string) error {
	return s.Store.Admin.SetVendorRetention(ctx, vendorID, nil, nil)
}
