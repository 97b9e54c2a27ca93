package sqlstore

import (
	"context"

	"orderhub"
)

// UpdateVendor renames a vendor. Its id never changes (it is in API paths, tokens,
// events and the audit log); vendors are never deleted.
func (sub Tenants) UpdateVendor(ctx context.Context, id, name string) (*orderhub.Vendor, error) {
	n, err := orderhub.ValidVendorName(name)
	if err != nil {
		return nil, err
	}
	err = sub.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE vendors SET name = $2 WHERE id = $1`, id, n)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return orderhub.Errorf(orderhub.ENotFound, "Vendor %q not found.", id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sub.GetVendor(ctx, id)
}
