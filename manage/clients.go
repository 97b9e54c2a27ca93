package manage

import (
	"context"
	"strings"

	"orderhub"
)

// OAuth clients of vendors: the admin API (httpapi/admin_core.go), the console
// (console/manage_clients.go) and the CLI (orderhub admin clients …).

// CreateClient creates an OAuth client of c.VendorID and returns its secret (shown
// once; the store keeps a hash).
func (s *Vendors) CreateClient(ctx context.Context, c *orderhub.Client) (string, error) {
	if c.VendorID == "" {
		return "", orderhub.FieldError(orderhub.EInvalidRequest, "vendorId", "vendorId is required.")
	}
	if len(c.Scopes) == 0 {
		return "", orderhub.FieldError(orderhub.EInvalidRequest, "scopes", "scopes is required: one or more of %s.", strings.Join(orderhub.KnownScopes, ", "))
	}
	return s.Store.Tenants.CreateClient(ctx, c)
}

// RotateClientSecret gives an active OAuth client a new secret and returns the
// client and the secret (shown once); the old one stops working at once. A revoked
// client is refused (409).
func (s *Vendors) RotateClientSecret(ctx context.Context, id string) (*orderhub.Client, string, error) {
	secret, err := s.Store.Tenants.RotateClientSecret(ctx, id)
	if err != nil {
		return nil, "", err
	}
	c, err := s.Store.Tenants.GetClient(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return &c.Client, secret, nil
}

// RevokeClient revokes an OAuth client (its secret and its access tokens stop
// working; revoking twice is harmless) and returns it.
func (s *Vendors) RevokeClient(ctx context.Context, id string) (*orderhub.Client, error) {
	if err := s.Store.Tenants.RevokeClient(ctx, id); err != nil {
		return nil, err
	}
	c, err := s.Store.Tenants.GetClient(ctx, id)
	if err != nil {
		return nil, err
	}
	return &c.Client, nil
}
