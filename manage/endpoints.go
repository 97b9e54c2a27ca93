package manage

import (
	"context"
	"time"

	"orderhub"
)

// Webhook and Zapier endpoints and their deliveries: the admin API
// (httpapi/admin_delivery.go), the console's endpoint pages and forms
// (console/manage.go, console/pages.go) and the CLI (orderhub admin endpoints …,
// deliveries replay) make these changes here.

// PlainEndpointKind refuses the connector kinds (salesmanago, yespo) where the
// endpoint API creates or changes endpoints: a connector's endpoint comes and goes
// with its account (the SALESmanago and Yespo admin APIs). Lists and reads show
// every kind.
func PlainEndpointKind(kind string) error {
	if kind != orderhub.EndpointWebhook && kind != orderhub.EndpointZapier {
		return orderhub.FieldError(orderhub.EInvalidRequest, "kind", "Endpoint kind %q cannot be set here: the endpoint API makes webhook and zapier endpoints; salesmanago and yespo endpoints are made with their account.", kind)
	}
	return nil
}

// CreateEndpoint creates a webhook or zapier endpoint of ep.VendorID (an empty kind
// is webhook; an empty secret is generated). On return ep holds its id and secret.
func (s *Endpoints) CreateEndpoint(ctx context.Context, ep *orderhub.Endpoint) error {
	if ep.Kind != "" {
		if err := PlainEndpointKind(ep.Kind); err != nil {
			return err
		}
	}
	if err := s.Guard.CheckURL(ctx, "url", ep.URL, false); err != nil {
		return err
	}
	return s.Store.Deliveries.CreateEndpoint(ctx, ep)
}

// UpdateEndpoint changes an endpoint's URL, description, event types or kind (a
// connector's endpoint keeps its kind).
func (s *Endpoints) UpdateEndpoint(ctx context.Context, vendorID, id string, in orderhub.EndpointUpdate) (*orderhub.Endpoint, error) {
	if in.URL != nil {
		if err := s.Guard.CheckURL(ctx, "url", *in.URL, false); err != nil {
			return nil, err
		}
	}
	if in.Kind != nil {
		if err := PlainEndpointKind(*in.Kind); err != nil {
			return nil, err
		}
		cur, err := s.Store.Deliveries.GetEndpoint(ctx, vendorID, id)
		if err != nil {
			return nil, err
		}
		if cur.Kind != *in.Kind && PlainEndpointKind(cur.Kind) != nil {
			return nil, orderhub.FieldError(orderhub.EInvalidRequest, "kind", "Endpoint %q is the delivery endpoint of a %s account; its kind cannot change (delete the account instead).", id, cur.Kind)
		}
	}
	return s.Store.Deliveries.UpdateEndpoint(ctx, vendorID, id, in)
}

// RotateEndpointSecret gives an endpoint a new signing secret (secret, or a
// generated one when empty); the old one keeps signing for overlapSeconds (nil: the
// default overlap, 0: it stops at once; at most 30 days). The returned endpoint
// carries the new secret, to be shown once.
func (s *Endpoints) RotateEndpointSecret(ctx context.Context, vendorID, id, secret string, overlapSeconds *int64) (*orderhub.Endpoint, error) {
	overlap := orderhub.DefaultSecretOverlap
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
	return s.Store.Deliveries.RotateEndpointSecret(ctx, vendorID, id, secret, overlap)
}

// DisableEndpoint disables an endpoint with an optional reason (text, at most 500
// characters).
func (s *Endpoints) DisableEndpoint(ctx context.Context, vendorID, id, reason string) (*orderhub.Endpoint, error) {
	if len(reason) > 500 || !orderhub.IsFreeText(reason) {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "reason", "The reason must be text of at most 500 characters.")
	}
	return s.Store.Deliveries.SetEndpointEnabled(ctx, vendorID, id, false, reason)
}

// EnableEndpoint enables an endpoint again.
func (s *Endpoints) EnableEndpoint(ctx context.Context, vendorID, id string) (*orderhub.Endpoint, error) {
	return s.Store.Deliveries.SetEndpointEnabled(ctx, vendorID, id, true, "")
}

// DeleteEndpoint deletes an endpoint; its active deliveries are canceled.
func (s *Endpoints) DeleteEndpoint(ctx context.Context, vendorID, id string) error {
	return s.Store.Deliveries.DeleteEndpoint(ctx, vendorID, id, "")
}

// SendTestEvent queues a test event to an endpoint and returns its delivery.
func (s *Endpoints) SendTestEvent(ctx context.Context, vendorID, id string) (*orderhub.Delivery, error) {
	return s.Store.Admin.SendTestEvent(ctx, vendorID, id)
}

// ReplayDelivery queues one delivery again.
func (s *Endpoints) ReplayDelivery(ctx context.Context, vendorID, id string) (*orderhub.Delivery, error) {
	return s.Store.Deliveries.ReplayDelivery(ctx, vendorID, id)
}

// ReplayDead queues an endpoint's dead deliveries again and says how many.
func (s *Endpoints) ReplayDead(ctx context.Context, vendorID, endpointID string) (int, error) {
	return s.Store.Deliveries.ReplayDead(ctx, vendorID, endpointID)
}

// ReplaySince queues again everything since t: of one endpoint, or (endpointID
// empty) of every enabled endpoint of the vendor; it says how many.
func (s *Endpoints) ReplaySince(ctx context.Context, vendorID, endpointID string, t time.Time) (int, error) {
	return s.Store.Deliveries.ReplaySince(ctx, vendorID, endpointID, t)
}
