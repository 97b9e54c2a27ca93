package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"orderhub"
	"orderhub/sealing"
)

// Portal links (issue 18, console/portal.go): the key that signs them, and the
// origins that may embed a vendor's portal.

// PortalKey returns the key that signs portal links (made on first use). With a
// sealer that has a key (SetSealer), the key is stored sealed; a key found in plain
// text has been readable by whoever could read the database, so it is replaced by a
// fresh, sealed one (links made before stop working), as the token signing key is
// (docs/security.md).
func (sub Tenants) PortalKey(ctx context.Context) (string, error) {
	s := sub.db.sealer.Load()
	for range 3 {
		stored, err := sub.Setting(ctx, orderhub.PortalKeySetting, func() (string, error) { return orderhub.NewPortalKeyValue(s) })
		if err != nil {
			return "", err
		}
		if !sealing.IsSealed(stored) && s.Encrypts() {
			nv, err := orderhub.NewPortalKeyValue(s)
			if err != nil {
				return "", err
			}
			ok, err := sub.ReplaceSetting(ctx, orderhub.PortalKeySetting, stored, nv)
			if err != nil {
				return "", err
			}
			if !ok {
				continue // another process replaced it first: read its key
			}
			stored = nv
		}
		if !sealing.IsSealed(stored) {
			return stored, nil
		}
		if s == nil {
			s = &sealing.Sealer{}
		}
		key, err := s.Open(stored, orderhub.PortalKeySetting)
		if err != nil {
			return "", fmt.Errorf("the portal link key: %w", err)
		}
		return key, nil
	}
	return "", errors.New("the portal link key keeps changing under this process")
}

// SetPortalFrameAncestors sets the origins (https://shop.example) that may embed
// the vendor's portal in a frame; none: no site may.
func (sub Tenants) SetPortalFrameAncestors(ctx context.Context, vendorID string, origins []string) ([]string, error) {
	clean, err := orderhub.CleanFrameAncestors(origins)
	if err != nil {
		return nil, err
	}
	err = sub.db.w.do(ctx, func(tx *Tx) error {
		if err := tx.requireVendor(vendorID); err != nil {
			return err
		}
		_, err := tx.exec(`INSERT INTO vendor_portal (vendor_id, frame_ancestors, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (vendor_id) DO UPDATE SET frame_ancestors = excluded.frame_ancestors, updated_at = excluded.updated_at`,
			vendorID, strings.Join(clean, " "), micros(tx.now))
		return err
	})
	return clean, err
}

// PortalFrameAncestors returns the origins that may embed the vendor's portal.
func (sub Tenants) PortalFrameAncestors(ctx context.Context, vendorID string) ([]string, error) {
	var s string
	err := sub.db.read.QueryRowContext(ctx, `SELECT frame_ancestors FROM vendor_portal WHERE vendor_id = $1`, vendorID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return []string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return append([]string{}, strings.Fields(s)...), nil
}
