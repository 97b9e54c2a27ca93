package manage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"orderhub"
)

// Portal links (issue 18; the portal itself is console/portal.go): a signed link
// that expires, for one vendor, opening its webhooks without a console account.

// Portal access levels.
const (
	PortalRead   = "read"
	PortalManage = "manage"
)

// Portal link lifetimes.
const (
	DefaultPortalTTL = time.Hour
	MaxPortalTTL     = 7 * 24 * time.Hour
)

// PortalPrefix is where portals are served.
const PortalPrefix = "/portal"

// PortalLink is a made link. URL is its credential: shown once, never stored or logged.
type PortalLink struct {
	URL       string    `json:"url"` // the path, /portal/{token}/
	VendorID  string    `json:"vendorId"`
	Access    string    `json:"access"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// PortalClaims are what a link's token signs.
type PortalClaims struct {
	V string `json:"v"`
	A string `json:"a"`
	E int64  `json:"e"` // Unix seconds
}

// PortalMAC is the signature of a link's payload under key.
func PortalMAC(key, payload string) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("orderhub portal link\n" + payload))
	return m.Sum(nil)
}

// CreatePortalLink makes a link to the vendor's portal (POST
// /admin/v1/vendors/{vendorId}/portal-links, the console's portal link form):
// access read (the default) or manage, living ttlSeconds (0: an hour; 60 seconds to
// 7 days). Nothing per link is stored; the making is recorded in the audit log
// (portal-link.create: the vendor, access and expiry — never the link) when ctx
// carries a change.
func (s *Vendors) CreatePortalLink(ctx context.Context, vendorID, access string, ttlSeconds int64, now time.Time) (*PortalLink, error) {
	if access == "" {
		access = PortalRead
	}
	if access != PortalRead && access != PortalManage {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "access", "access must be read or manage, got %q.", access)
	}
	ttl := DefaultPortalTTL
	if ttlSeconds != 0 {
		ttl = time.Duration(ttlSeconds) * time.Second
	}
	if ttlSeconds < 0 || ttlSeconds > int64(MaxPortalTTL/time.Second) || ttl < time.Minute {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "ttlSeconds", "A portal link lives from 60 seconds to 7 days (604800 seconds).")
	}
	quiet := orderhub.WithChange(ctx, nil) // the signing key, made on first use, is no change of the caller's
	if _, err := s.Store.Tenants.GetVendor(quiet, vendorID); err != nil {
		return nil, err
	}
	key, err := s.Store.Tenants.PortalKey(quiet)
	if err != nil {
		return nil, err
	}
	exp := now.Add(ttl).Truncate(time.Second)
	payload, _ := json.Marshal(PortalClaims{V: vendorID, A: access, E: exp.Unix()})
	p := base64.RawURLEncoding.EncodeToString(payload)
	tok := p + "." + base64.RawURLEncoding.EncodeToString(PortalMAC(key, p))
	link := &PortalLink{URL: PortalPrefix + "/" + tok + "/", VendorID: vendorID, Access: access, ExpiresAt: exp.UTC()}
	if c := orderhub.ChangeFrom(ctx); c != nil {
		rec := &orderhub.Change{Actor: c.Actor, Action: "portal-link.create", ResourceType: "portal-link", ResourceID: vendorID, VendorID: vendorID,
			Request: map[string]any{"vendorId": vendorID, "access": access, "expiresAt": link.ExpiresAt}}
		if err := s.Store.Admin.RecordChange(orderhub.WithChange(ctx, rec)); err != nil {
			return nil, err
		}
	}
	return link, nil
}
