package sqlstore

import (
	"context"
	"strings"

	"orderhub"
)

// MaxVendorName bounds a vendor's display name.
const MaxVendorName = 200

// ValidVendorName checks a vendor's display name: 1 to 200 characters of text on
// one line (leading and trailing spaces are dropped).
func ValidVendorName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if n == "" || len(n) > MaxVendorName || !orderhub.IsLineText(n) {
		return "", orderhub.FieldError(orderhub.EInvalidRequest, "name", "A vendor's name must be 1 to %d characters of text on one line.", MaxVendorName)
	}
	return n, nil
}

// UpdateVendor renames a vendor. Its id never changes (it is in API paths, tokens,
// events and the audit log); vendors are never deleted.
func (db *DB) UpdateVendor(ctx context.Context, id, name string) (*orderhub.Vendor, error) {
	n, err := ValidVendorName(name)
	if err != nil {
		return nil, err
	}
	err = db.Write(ctx, func(tx *Tx) error {
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
	return db.GetVendor(ctx, id)
}
