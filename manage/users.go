package manage

import (
	"context"
	"orderhub"
)

// Admin API tokens (orderhub admin token …; there is no API route or console form
// that makes one).

// CreateAdminToken creates an admin API token of a role (operator, or a vendor role
// of vendorID) and returns it with its secret, shown once.
func (s *Users) CreateAdminToken(ctx context.Context, name, role, vendorID string) (*orderhub.AdminToken, string, error) {
	return s.Store.Tenants.CreateScopedAdminToken(ctx, name, role, vendorID)
}

// RevokeAdminToken revokes an admin API token.
func (s *Users) RevokeAdminToken(ctx context.Context, id string) error {
	return s.Store.Tenants.RevokeAdminToken(ctx, id)
}
