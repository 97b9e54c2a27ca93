// Package manage holds the rules and store calls of the changes an operator makes,
// shared by the admin API (httpapi) and the console's forms, so that both refuse the
// same input with the same error code, field and message (issue 18: one service
// call, not a second implementation). Each function checks what the store does not
// (surface-level rules such as the registration check of a target URL) and then
// makes the store call; the store checks the rest.
package manage

import (
	"context"
	"net/http"
	"strings"
	"time"

	"orderhub"
	"orderhub/connector/salesmanago"
	"orderhub/netguard"
	"orderhub/sqlstore"
)

// Service makes the changes; Guard checks target URLs when they are registered.
type Service struct {
	DB    *sqlstore.DB
	Guard *netguard.Guard
	// SMSealer seals SALESmanago account secrets (nil: stored as-is); Yespo saves
	// Yespo accounts (nil: the connector is not configured). See connectors.go.
	SMSealer *salesmanago.Sealer
	Yespo    YespoAccounts
	// SMHTTP calls SALESmanago in connection tests (nil: the default client) and
	// SMTestTimeout bounds each call (0: 10 s).
	SMHTTP        *http.Client
	SMTestTimeout time.Duration
}

// PlainEndpointKind refuses the connector kinds (salesmanago, yespo) where the
// endpoint API creates or changes endpoints: a connector's endpoint comes and goes
// with its account (the SALESmanago and Yespo admin APIs). Lists and reads show
// every kind.
func PlainEndpointKind(kind string) error {
	if kind != sqlstore.EndpointWebhook && kind != sqlstore.EndpointZapier {
		return orderhub.FieldError(orderhub.EInvalidRequest, "kind", "Endpoint kind %q cannot be set here: the endpoint API makes webhook and zapier endpoints; salesmanago and yespo endpoints are made with their account.", kind)
	}
	return nil
}

// CreateEndpoint creates a webhook or zapier endpoint of ep.VendorID (an empty kind
// is webhook; an empty secret is generated). On return ep holds its id and secret.
func (s *Service) CreateEndpoint(ctx context.Context, ep *sqlstore.Endpoint) error {
	if ep.Kind != "" {
		if err := PlainEndpointKind(ep.Kind); err != nil {
			return err
		}
	}
	if err := s.Guard.CheckURL(ctx, "url", ep.URL, false); err != nil {
		return err
	}
	return s.DB.CreateEndpoint(ctx, ep)
}

// UpdateEndpoint changes an endpoint's URL, description, event types or kind (a
// connector's endpoint keeps its kind).
func (s *Service) UpdateEndpoint(ctx context.Context, vendorID, id string, in sqlstore.EndpointUpdate) (*sqlstore.Endpoint, error) {
	if in.URL != nil {
		if err := s.Guard.CheckURL(ctx, "url", *in.URL, false); err != nil {
			return nil, err
		}
	}
	if in.Kind != nil {
		if err := PlainEndpointKind(*in.Kind); err != nil {
			return nil, err
		}
		cur, err := s.DB.GetEndpoint(ctx, vendorID, id)
		if err != nil {
			return nil, err
		}
		if cur.Kind != *in.Kind && PlainEndpointKind(cur.Kind) != nil {
			return nil, orderhub.FieldError(orderhub.EInvalidRequest, "kind", "Endpoint %q is the delivery endpoint of a %s account; its kind cannot change (delete the account instead).", id, cur.Kind)
		}
	}
	return s.DB.UpdateEndpoint(ctx, vendorID, id, in)
}

// RotateEndpointSecret gives an endpoint a new signing secret (secret, or a
// generated one when empty); the old one keeps signing for overlapSeconds (nil: the
// default overlap, 0: it stops at once; at most 30 days). The returned endpoint
// carries the new secret, to be shown once.
func (s *Service) RotateEndpointSecret(ctx context.Context, vendorID, id, secret string, overlapSeconds *int64) (*sqlstore.Endpoint, error) {
	overlap := sqlstore.DefaultSecretOverlap
	if overlapSeconds != nil {
		switch o := *overlapSeconds; {
		case o < 0 || o > 30*24*3600:
			return nil, orderhub.FieldError(orderhub.EInvalidRequest, "overlapSeconds", "overlapSeconds must be 0 to 2592000 (30 days).")
		case o == 0:
			overlap = -1 // the old secret stops at once
		default:
			overlap = time.Duration(o) * time.Second
		}
	}
	return s.DB.RotateEndpointSecret(ctx, vendorID, id, secret, overlap)
}

// DisableEndpoint disables an endpoint with an optional reason (text, at most 500
// characters).
func (s *Service) DisableEndpoint(ctx context.Context, vendorID, id, reason string) (*sqlstore.Endpoint, error) {
	if len(reason) > 500 || !orderhub.IsFreeText(reason) {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "reason", "The reason must be text of at most 500 characters.")
	}
	return s.DB.SetEndpointEnabled(ctx, vendorID, id, false, reason)
}

// CreateVendor creates a vendor.
func (s *Service) CreateVendor(ctx context.Context, v *orderhub.Vendor) error {
	return s.DB.CreateVendor(ctx, v)
}

// CreateClient creates an OAuth client of c.VendorID and returns its secret (shown
// once; the store keeps a hash).
func (s *Service) CreateClient(ctx context.Context, c *orderhub.Client) (string, error) {
	if c.VendorID == "" {
		return "", orderhub.FieldError(orderhub.EInvalidRequest, "vendorId", "vendorId is required.")
	}
	if len(c.Scopes) == 0 {
		return "", orderhub.FieldError(orderhub.EInvalidRequest, "scopes", "scopes is required: one or more of %s.", strings.Join(orderhub.KnownScopes, ", "))
	}
	return s.DB.CreateClient(ctx, c)
}

// CreatePromoCode creates a promo code of p.VendorID.
func (s *Service) CreatePromoCode(ctx context.Context, p *orderhub.PromoCode) error {
	if p.VendorID == "" {
		return orderhub.FieldError(orderhub.EInvalidRequest, "vendorId", "vendorId is required.")
	}
	p.CreatedAt = time.Time{}
	return s.DB.CreatePromoCode(ctx, p)
}

// RotateClientSecret gives an active OAuth client a new secret and returns the
// client and the secret (shown once); the old one stops working at once. A revoked
// client is refused (409).
func (s *Service) RotateClientSecret(ctx context.Context, id string) (*orderhub.Client, string, error) {
	secret, err := s.DB.RotateClientSecret(ctx, id)
	if err != nil {
		return nil, "", err
	}
	c, err := s.DB.GetClient(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return &c.Client, secret, nil
}

// RevokeClient revokes an OAuth client (its secret and its access tokens stop
// working; revoking twice is harmless) and returns it.
func (s *Service) RevokeClient(ctx context.Context, id string) (*orderhub.Client, error) {
	if err := s.DB.RevokeClient(ctx, id); err != nil {
		return nil, err
	}
	c, err := s.DB.GetClient(ctx, id)
	if err != nil {
		return nil, err
	}
	return &c.Client, nil
}
