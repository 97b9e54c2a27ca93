package manage

import (
	"context"

	"orderhub"
)

// The catalog and external sources of seed 000: products, purchase options, sku +
// poId mappings and HOOK sources with their secrets. The admin API
// (httpapi/admin_catalog.go), the console (console/manage_sources.go,
// console/manage_products.go) and the CLI call these.

// named answers NotFound for a value no record can have (text.go's line text: NUL
// or invalid UTF-8, which PostgreSQL refuses in text parameters), before it reaches
// the store.
func named(what, v string) error {
	if v == "" || !orderhub.IsLineText(v) {
		return orderhub.Errorf(orderhub.ENotFound, "%s %q not found.", what, v)
	}
	return nil
}

func requireVendor(vendorID string) error {
	if vendorID == "" {
		return orderhub.FieldError(orderhub.EInvalidRequest, "vendorId", "vendorId is required.")
	}
	return named("Vendor", vendorID)
}

// CreateSource creates an external source of src.VendorID (an empty id is
// generated, an empty type is HOOK) and returns its secret, shown once.
func (s *Catalog) CreateSource(ctx context.Context, src *orderhub.Source) (string, error) {
	if err := requireVendor(src.VendorID); err != nil {
		return "", err
	}
	return s.Store.Catalog.CreateSource(ctx, src)
}

// UpdateSource renames a source of vendorID (nil name: unchanged).
func (s *Catalog) UpdateSource(ctx context.Context, vendorID, id string, name *string) (*orderhub.Source, error) {
	if err := named("Source", id); err != nil {
		return nil, err
	}
	if name == nil {
		src, err := s.Store.Catalog.GetSource(ctx, id)
		if err == nil && src.VendorID != vendorID {
			err = orderhub.Errorf(orderhub.ENotFound, "Source %q not found.", id)
		}
		return src, err
	}
	return s.Store.Catalog.UpdateSource(ctx, vendorID, id, *name)
}

// RotateSourceSecret gives a source of vendorID a new secret and returns it (shown
// once); the old one stops working at once.
func (s *Catalog) RotateSourceSecret(ctx context.Context, vendorID, id string) (*orderhub.Source, string, error) {
	if err := named("Source", id); err != nil {
		return nil, "", err
	}
	return s.Store.Catalog.RotateSourceSecret(ctx, vendorID, id)
}

// DeleteSource deletes a source of vendorID; its secret stops working at once.
func (s *Catalog) DeleteSource(ctx context.Context, vendorID, id string) error {
	if err := named("Source", id); err != nil {
		return err
	}
	return s.Store.Catalog.DeleteSource(ctx, vendorID, id)
}

// CreateProduct creates a product of p.VendorID (an empty id is generated).
func (s *Catalog) CreateProduct(ctx context.Context, p *orderhub.Product) error {
	if err := requireVendor(p.VendorID); err != nil {
		return err
	}
	return s.Store.Catalog.CreateProduct(ctx, p)
}

// UpdateProduct renames a product of vendorID (nil name: unchanged).
func (s *Catalog) UpdateProduct(ctx context.Context, vendorID, id string, name *string) (*orderhub.Product, error) {
	if err := named("Product", id); err != nil {
		return nil, err
	}
	if name == nil {
		return s.Store.Catalog.GetProduct(ctx, vendorID, id)
	}
	return s.Store.Catalog.UpdateProduct(ctx, vendorID, id, *name)
}

// DeleteProduct deletes a product of vendorID with its purchase options and mappings.
func (s *Catalog) DeleteProduct(ctx context.Context, vendorID, id string) error {
	if err := named("Product", id); err != nil {
		return err
	}
	return s.Store.Catalog.DeleteProduct(ctx, vendorID, id)
}

// CreatePurchaseOption creates a purchase option of one of o.VendorID's products.
func (s *Catalog) CreatePurchaseOption(ctx context.Context, o *orderhub.PurchaseOption) error {
	if err := requireVendor(o.VendorID); err != nil {
		return err
	}
	return s.Store.Catalog.CreatePurchaseOption(ctx, o)
}

// OptionUpdate changes a purchase option: nil fields stay; an empty price removes
// the price. Its product does not change.
type OptionUpdate struct {
	Name, Price, Currency, BillingPeriod *string
}

// UpdatePurchaseOption changes a purchase option of vendorID (the create's checks)
// and returns it.
func (s *Catalog) UpdatePurchaseOption(ctx context.Context, vendorID, id string, in OptionUpdate) (*orderhub.PurchaseOption, error) {
	if err := named("Purchase option", id); err != nil {
		return nil, err
	}
	o, err := s.Store.Catalog.GetPurchaseOption(ctx, vendorID, id)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		in  *string
		out *string
	}{{in.Name, &o.Name}, {in.Price, &o.Price}, {in.Currency, &o.Currency}, {in.BillingPeriod, &o.BillingPeriod}} {
		if f.in != nil {
			*f.out = *f.in
		}
	}
	if err := s.Store.Catalog.UpdatePurchaseOption(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

// DeletePurchaseOption deletes a purchase option no mapping uses.
func (s *Catalog) DeletePurchaseOption(ctx context.Context, vendorID, id string) error {
	if err := named("Purchase option", id); err != nil {
		return err
	}
	return s.Store.Catalog.DeletePurchaseOption(ctx, vendorID, id)
}

// CreateProductMapping maps m.SKU + m.POID to a product (and purchase option) of
// m.VendorID.
func (s *Catalog) CreateProductMapping(ctx context.Context, m *orderhub.ProductMapping) error {
	if err := requireVendor(m.VendorID); err != nil {
		return err
	}
	return s.Store.Catalog.CreateProductMapping(ctx, m)
}

// MappingUpdate changes a mapping: nil fields stay; an empty PurchaseOptionID
// clears the mapping's purchase option.
type MappingUpdate struct {
	ProductID        *string
	PurchaseOptionID *string
}

// UpdateProductMapping points the mapping of sku + poId of vendorID at another
// product or purchase option and returns it.
func (s *Catalog) UpdateProductMapping(ctx context.Context, vendorID, sku, poID string, in MappingUpdate) (*orderhub.ProductMapping, error) {
	if err := mappingNamed(vendorID, sku, poID); err != nil {
		return nil, err
	}
	m, err := s.Store.Catalog.GetProductMapping(ctx, vendorID, sku, poID)
	if err != nil {
		return nil, err
	}
	if in.ProductID != nil {
		m.ProductID = *in.ProductID
	}
	if in.PurchaseOptionID != nil {
		m.PurchaseOptionID = *in.PurchaseOptionID
	}
	if err := s.Store.Catalog.UpdateProductMapping(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// DeleteProductMapping deletes the mapping of sku + poId of vendorID.
func (s *Catalog) DeleteProductMapping(ctx context.Context, vendorID, sku, poID string) error {
	if err := mappingNamed(vendorID, sku, poID); err != nil {
		return err
	}
	return s.Store.Catalog.DeleteProductMapping(ctx, vendorID, sku, poID)
}

// mappingNamed checks the sku + poId that name a mapping: both are needed (400), and
// a value no mapping can have is not found.
func mappingNamed(vendorID, sku, poID string) error {
	if sku == "" || poID == "" {
		return orderhub.Errorf(orderhub.EInvalidRequest, "Name the mapping with its sku and poId.")
	}
	if !orderhub.IsLineText(sku) || !orderhub.IsLineText(poID) {
		return orderhub.Errorf(orderhub.ENotFound, "No product mapping for sku %q, poId %q of vendor %q.", sku, poID, vendorID)
	}
	return nil
}
