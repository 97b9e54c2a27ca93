package manage

import (
	"context"

	"orderhub"
)

// CreateVendor creates a vendor.
func (s *Vendors) CreateVendor(ctx context.Context, v *orderhub.Vendor) error {
	return s.Store.Tenants.CreateVendor(ctx, v)
}

// VendorUpdate is a change of a vendor's settings; nil fields stay as they are.
type VendorUpdate struct {
	Name *string `json:"name"`
	// FrameAncestors are the origins that may embed the vendor's portal (empty: none).
	FrameAncestors *[]string `json:"frameAncestors"`
}

// VendorSettings are a vendor and its settings.
type VendorSettings struct {
	*orderhub.Vendor
	FrameAncestors []string `json:"frameAncestors"`
}

// UpdateVendor changes a vendor's name and the origins that may embed its portal
// (PATCH /admin/v1/vendors/{vendorId}, PUT …/portal, the console's vendor form,
// orderhub admin vendors update). Every field is checked before anything is
// written, so a refused change changes nothing. Each part changed is its own entry
// in the audit log: vendor.update (the vendors row) and portal.set (the
// vendor_portal row), by the actor of the change ctx carries. Vendors are never
// deleted, and their id never changes.
func (s *Vendors) UpdateVendor(ctx context.Context, id string, in VendorUpdate) (*VendorSettings, error) {
	if in.Name == nil && in.FrameAncestors == nil {
		return nil, orderhub.Errorf(orderhub.EInvalidRequest, "Nothing to change: give name, frameAncestors or both.")
	}
	if in.Name != nil {
		if _, err := orderhub.ValidVendorName(*in.Name); err != nil {
			return nil, err
		}
	}
	if in.FrameAncestors != nil {
		if _, err := orderhub.CleanFrameAncestors(*in.FrameAncestors); err != nil {
			return nil, err
		}
	}
	v, err := s.Store.Tenants.GetVendor(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Name != nil {
		if v, err = s.Store.Tenants.UpdateVendor(recordAs(ctx, "vendor.update", "vendor", id, id), id, *in.Name); err != nil {
			return nil, err
		}
	}
	var fa []string
	if in.FrameAncestors != nil {
		fa, err = s.Store.Tenants.SetPortalFrameAncestors(recordAs(ctx, "portal.set", "portal", id, id), id, *in.FrameAncestors)
	} else {
		fa, err = s.Store.Tenants.PortalFrameAncestors(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	return &VendorSettings{Vendor: v, FrameAncestors: fa}, nil
}

// recordAs returns ctx for one of several changes a request makes: the change ctx
// carries is recorded as it is when it names this action, and otherwise this
// change gets an entry of its own (action on the resource), by the same actor
// with the same request.
func recordAs(ctx context.Context, action, resourceType, id, vendor string) context.Context {
	c := orderhub.ChangeFrom(ctx)
	if c == nil || c.Action == action {
		return ctx
	}
	return orderhub.WithChange(ctx, &orderhub.Change{Actor: c.Actor, Action: action, ResourceType: resourceType, ResourceID: id, VendorID: vendor, Request: c.Request})
}
