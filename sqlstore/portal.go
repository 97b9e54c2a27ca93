package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"orderhub"
	"orderhub/sealing"
)

// Portal links (issue 18, console/portal.go): the key that signs them, and the
// origins that may embed a vendor's portal.

// PortalKeySetting names the settings row of the key that signs portal links, and
// is the context its sealed form is bound to.
const PortalKeySetting = "portal_link_key"

// NewPortalKeyValue returns the stored form of a fresh portal link key: sealed with
// s (ORDERHUB_SECRET_KEY) when it has a key, as the token signing key is.
func NewPortalKeyValue(s *sealing.Sealer) (string, error) {
	v := orderhub.RandomHex(32)
	if s.Encrypts() {
		return s.Seal(v, PortalKeySetting)
	}
	return v, nil
}

// PortalKey returns the key that signs portal links (made on first use). With a
// sealer that has a key (SetSealer), the key is stored sealed; a key found in plain
// text has been readable by whoever could read the database, so it is replaced by a
// fresh, sealed one (links made before stop working), as the token signing key is
// (docs/security.md).
func (db *DB) PortalKey(ctx context.Context) (string, error) {
	s := db.sealer.Load()
	for range 3 {
		stored, err := db.Setting(ctx, PortalKeySetting, func() (string, error) { return NewPortalKeyValue(s) })
		if err != nil {
			return "", err
		}
		if !sealing.IsSealed(stored) && s.Encrypts() {
			nv, err := NewPortalKeyValue(s)
			if err != nil {
				return "", err
			}
			ok, err := db.ReplaceSetting(ctx, PortalKeySetting, stored, nv)
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
		key, err := s.Open(stored, PortalKeySetting)
		if err != nil {
			return "", fmt.Errorf("the portal link key: %w", err)
		}
		return key, nil
	}
	return "", errors.New("the portal link key keeps changing under this process")
}

// MaxFrameAncestors bounds a vendor's list of embedding origins.
const MaxFrameAncestors = 20

// CleanFrameAncestors checks a list of origins (https://shop.example) that may embed
// a vendor's portal and returns them as stored (scheme://host).
func CleanFrameAncestors(origins []string) ([]string, error) {
	if len(origins) > MaxFrameAncestors {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "frameAncestors", "At most %d origins may embed the portal.", MaxFrameAncestors)
	}
	clean := []string{}
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
			u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(o, " ;,'\"") || !orderhub.IsLineText(o) {
			return nil, orderhub.FieldError(orderhub.EInvalidRequest, "frameAncestors", "%q is not an origin such as https://shop.example (scheme and host, optionally a port).", o)
		}
		clean = append(clean, u.Scheme+"://"+u.Host)
	}
	return clean, nil
}

// SetPortalFrameAncestors sets the origins (https://shop.example) that may embed
// the vendor's portal in a frame; none: no site may.
func (db *DB) SetPortalFrameAncestors(ctx context.Context, vendorID string, origins []string) ([]string, error) {
	clean, err := CleanFrameAncestors(origins)
	if err != nil {
		return nil, err
	}
	err = db.w.do(ctx, func(tx *Tx) error {
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
func (db *DB) PortalFrameAncestors(ctx context.Context, vendorID string) ([]string, error) {
	var s string
	err := db.read.QueryRowContext(ctx, `SELECT frame_ancestors FROM vendor_portal WHERE vendor_id = $1`, vendorID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return []string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return append([]string{}, strings.Fields(s)...), nil
}
