package sqlstore

import (
	"context"
	"database/sql"

	"orderhub"
)

// requireVendor answers NotFound when the vendor does not exist.
func (tx *Tx) requireVendor(vendorID string) error {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM vendors WHERE id = $1`, vendorID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return orderhub.Errorf(orderhub.ENotFound, "Vendor %q not found.", vendorID)
	}
	return nil
}

// requireVendorQuota answers ENotFound when the vendor does not exist, and the
// quota error when one more of quota would exceed the vendor's limit.
func (tx *Tx) requireVendorQuota(vendorID, quota string) error {
	if err := tx.requireVendor(vendorID); err != nil {
		return err
	}
	return tx.checkQuota(vendorID, quota, "")
}

// changed runs a statement meant to change a row; when it changes none, it answers
// none instead.
func (tx *Tx) changed(none error, q string, args ...any) error {
	res, err := tx.exec(q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return none
	}
	return nil
}

// getProduct returns a vendor's product or ProductNotFound.
func (tx *Tx) getProduct(vendorID, id string) (*orderhub.Product, error) {
	p, err := scanProduct(tx.queryRow(`SELECT `+productColumns+` FROM products WHERE vendor_id = $1 AND id = $2`, vendorID, id))
	if err != nil {
		return nil, notFound(err, orderhub.EProductNotFound, "Product %q is not a product of vendor %q.", id, vendorID)
	}
	return p, nil
}

const productColumns = `vendor_id, id, name, created_at`

func scanProduct(sc interface{ Scan(...any) error }) (*orderhub.Product, error) {
	p := &orderhub.Product{}
	var created int64
	if err := sc.Scan(&p.VendorID, &p.ID, &p.Name, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = fromMicros(created)
	return p, nil
}

// CreateProduct creates a product of a vendor. An empty ID gets a generated one.
func (sub Catalog) CreateProduct(ctx context.Context, p *orderhub.Product) error {
	if err := orderhub.ValidateProduct(p); err != nil {
		return err
	}
	if p.ID == "" {
		p.ID = orderhub.NewID("prd")
	}
	return sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.requireVendorQuota(p.VendorID, orderhub.QuotaProducts); err != nil {
			return err
		}
		p.CreatedAt = tx.now
		return tx.changed(orderhub.Errorf(orderhub.EConflict, "Product %q exists already for vendor %q.", p.ID, p.VendorID),
			`INSERT INTO products (vendor_id, id, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (vendor_id, id) DO NOTHING`,
			p.VendorID, p.ID, p.Name, micros(tx.now))
	})
}

// GetProduct returns one product of a vendor.
func (sub Catalog) GetProduct(ctx context.Context, vendorID, id string) (*orderhub.Product, error) {
	return readOne(ctx, sub.db, scanProduct, `SELECT `+productColumns+` FROM products WHERE vendor_id = $1 AND id = $2`, []any{vendorID, id},
		orderhub.ENotFound, "Product %q not found for vendor %q.", id, vendorID)
}

// ListProducts returns the products of a vendor (all vendors when vendorID is empty).
func (sub Catalog) ListProducts(ctx context.Context, vendorID string) ([]*orderhub.Product, error) {
	return queryAll(ctx, sub.db, `SELECT `+productColumns+` FROM products WHERE ($1 = '' OR vendor_id = $1) ORDER BY vendor_id, created_at, id`, scanProduct, vendorID)
}

// UpdateProduct renames a product of a vendor and returns it.
func (sub Catalog) UpdateProduct(ctx context.Context, vendorID, id, name string) (*orderhub.Product, error) {
	if err := orderhub.ValidateName("name", &name); err != nil {
		return nil, err
	}
	var p *orderhub.Product
	err := sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.changed(orderhub.Errorf(orderhub.ENotFound, "Product %q not found for vendor %q.", id, vendorID),
			`UPDATE products SET name = $3 WHERE vendor_id = $1 AND id = $2`, vendorID, id, name); err != nil {
			return err
		}
		var err error
		p, err = scanProduct(tx.queryRow(`SELECT `+productColumns+` FROM products WHERE vendor_id = $1 AND id = $2`, vendorID, id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeleteProduct deletes a product together with its purchase options and product
// mappings. Purchases and contracts made with it keep their record.
func (sub Catalog) DeleteProduct(ctx context.Context, vendorID, id string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM product_mappings WHERE vendor_id = $1 AND product_id = $2`, vendorID, id); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM purchase_options WHERE vendor_id = $1 AND product_id = $2`, vendorID, id); err != nil {
			return err
		}
		// Nothing else was deleted either: the product's rows cannot exist without it.
		return tx.changed(orderhub.Errorf(orderhub.ENotFound, "Product %q not found for vendor %q.", id, vendorID),
			`DELETE FROM products WHERE vendor_id = $1 AND id = $2`, vendorID, id)
	})
}

const optionColumns = `vendor_id, id, product_id, name, price_minor, currency, billing_period, created_at`

func scanOption(sc interface{ Scan(...any) error }) (*orderhub.PurchaseOption, error) {
	o := &orderhub.PurchaseOption{}
	var price sql.NullInt64
	var created int64
	if err := sc.Scan(&o.VendorID, &o.ID, &o.ProductID, &o.Name, &price, &o.Currency, &o.BillingPeriod, &created); err != nil {
		return nil, err
	}
	if price.Valid {
		o.Price = orderhub.FormatDecimal(price.Int64)
	}
	o.CreatedAt = fromMicros(created)
	return o, nil
}

// CreatePurchaseOption creates a purchase option of one of the vendor's products.
// An empty ID gets a generated one.
func (sub Catalog) CreatePurchaseOption(ctx context.Context, o *orderhub.PurchaseOption) error {
	if err := orderhub.ValidatePurchaseOption(o); err != nil {
		return err
	}
	if o.ID == "" {
		o.ID = orderhub.NewID("po")
	}
	var price sql.NullInt64
	if o.Price != "" {
		minor, _ := orderhub.ParseDecimal(o.Price)
		price = sql.NullInt64{Int64: minor, Valid: true}
	}
	return sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.requireVendor(o.VendorID); err != nil {
			return err
		}
		if _, err := tx.getProduct(o.VendorID, o.ProductID); err != nil {
			return err
		}
		if err := tx.checkQuota(o.VendorID, orderhub.QuotaPurchaseOptions, ""); err != nil {
			return err
		}
		o.CreatedAt = tx.now
		return tx.changed(orderhub.Errorf(orderhub.EConflict, "Purchase option %q exists already for vendor %q.", o.ID, o.VendorID),
			`INSERT INTO purchase_options (`+optionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (vendor_id, id) DO NOTHING`,
			o.VendorID, o.ID, o.ProductID, o.Name, price, o.Currency, o.BillingPeriod, micros(tx.now))
	})
}

// ListPurchaseOptions returns a vendor's purchase options, of one product when
// productID is set.
func (sub Catalog) ListPurchaseOptions(ctx context.Context, vendorID, productID string) ([]*orderhub.PurchaseOption, error) {
	return queryAll(ctx, sub.db, `SELECT `+optionColumns+` FROM purchase_options
		WHERE ($1 = '' OR vendor_id = $1) AND ($2 = '' OR product_id = $2) ORDER BY vendor_id, product_id, created_at, id`, scanOption, vendorID, productID)
}

// GetPurchaseOption returns one purchase option of a vendor.
func (sub Catalog) GetPurchaseOption(ctx context.Context, vendorID, id string) (*orderhub.PurchaseOption, error) {
	return readOne(ctx, sub.db, scanOption, `SELECT `+optionColumns+` FROM purchase_options WHERE vendor_id = $1 AND id = $2`, []any{vendorID, id},
		orderhub.ENotFound, "Purchase option %q not found for vendor %q.", id, vendorID)
}

// UpdatePurchaseOption changes the name, price, currency and billing period of the
// purchase option o names (its vendor and id; its product stays). Purchases made
// before keep the price they were made at (their order holds it).
func (sub Catalog) UpdatePurchaseOption(ctx context.Context, o *orderhub.PurchaseOption) error {
	if err := orderhub.ValidatePurchaseOption(o); err != nil {
		return err
	}
	var price sql.NullInt64
	if o.Price != "" {
		minor, _ := orderhub.ParseDecimal(o.Price)
		price = sql.NullInt64{Int64: minor, Valid: true}
	}
	return sub.db.Write(ctx, func(tx *Tx) error {
		return tx.changed(orderhub.Errorf(orderhub.ENotFound, "Purchase option %q not found for vendor %q.", o.ID, o.VendorID),
			`UPDATE purchase_options SET name = $3, price_minor = $4, currency = $5, billing_period = $6 WHERE vendor_id = $1 AND id = $2`,
			o.VendorID, o.ID, o.Name, price, o.Currency, o.BillingPeriod)
	})
}

// DeletePurchaseOption deletes a purchase option. One that a product mapping
// points at is a conflict: delete or change the mapping first.
func (sub Catalog) DeletePurchaseOption(ctx context.Context, vendorID, id string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		var sku, poID string
		err := tx.queryRow(`SELECT sku, po_id FROM product_mappings WHERE vendor_id = $1 AND purchase_option_id = $2 ORDER BY sku, po_id LIMIT 1`, vendorID, id).Scan(&sku, &poID)
		switch {
		case err == nil:
			return orderhub.Errorf(orderhub.EConflict, "Purchase option %q is used by the product mapping sku %q, poId %q; delete that mapping first.", id, sku, poID)
		case err != sql.ErrNoRows:
			return err
		}
		return tx.changed(orderhub.Errorf(orderhub.ENotFound, "Purchase option %q not found for vendor %q.", id, vendorID),
			`DELETE FROM purchase_options WHERE vendor_id = $1 AND id = $2`, vendorID, id)
	})
}

const mappingColumns = `vendor_id, sku, po_id, product_id, purchase_option_id, created_at`

func scanMapping(sc interface{ Scan(...any) error }) (*orderhub.ProductMapping, error) {
	m := &orderhub.ProductMapping{}
	var option sql.NullString
	var created int64
	if err := sc.Scan(&m.VendorID, &m.SKU, &m.POID, &m.ProductID, &option, &created); err != nil {
		return nil, err
	}
	m.PurchaseOptionID = option.String
	m.CreatedAt = fromMicros(created)
	return m, nil
}

// checkMappingTarget checks that a mapping's product is the vendor's, and its
// purchase option (if any) one of that product's.
func (tx *Tx) checkMappingTarget(m *orderhub.ProductMapping) error {
	if _, err := tx.getProduct(m.VendorID, m.ProductID); err != nil {
		return err
	}
	if m.PurchaseOptionID != "" {
		var product string
		err := tx.queryRow(`SELECT product_id FROM purchase_options WHERE vendor_id = $1 AND id = $2`, m.VendorID, m.PurchaseOptionID).Scan(&product)
		if err != nil {
			return notFound(err, orderhub.ENotFound, "Purchase option %q not found for vendor %q.", m.PurchaseOptionID, m.VendorID)
		}
		if product != m.ProductID {
			return orderhub.FieldError(orderhub.EInvalidRequest, "purchaseOptionId", "Purchase option %q belongs to product %q, not %q.", m.PurchaseOptionID, product, m.ProductID)
		}
	}
	return nil
}

// mappingChange names the mapping of (sku, poId) as the resource of the change ctx
// carries (if it is about product mappings): a mapping has no id of its own, so the
// audit entry's resource id is "sku/poId" and its row is read by both columns.
func mappingChange(ctx context.Context, vendorID, sku, poID string) {
	if c := orderhub.ChangeFrom(ctx); c != nil && c.ResourceType == "product-mapping" {
		c.SetKey(sku+"/"+poID, sku, poID)
		if c.VendorID == "" {
			c.VendorID = vendorID
		}
	}
}

// CreateProductMapping maps a (sku, poId) pair onto a product of the vendor (and
// optionally one of the product's purchase options).
func (sub Catalog) CreateProductMapping(ctx context.Context, m *orderhub.ProductMapping) error {
	if err := orderhub.ValidateProductMapping(m); err != nil {
		return err
	}
	mappingChange(ctx, m.VendorID, m.SKU, m.POID)
	return sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.requireVendor(m.VendorID); err != nil {
			return err
		}
		if err := tx.checkMappingTarget(m); err != nil {
			return err
		}
		if err := tx.checkQuota(m.VendorID, orderhub.QuotaProductMappings, ""); err != nil {
			return err
		}
		m.CreatedAt = tx.now
		return tx.changed(orderhub.Errorf(orderhub.EConflict, "sku %q, poId %q is mapped already for vendor %q; delete that mapping first.", m.SKU, m.POID, m.VendorID),
			`INSERT INTO product_mappings (`+mappingColumns+`) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (vendor_id, sku, po_id) DO NOTHING`,
			m.VendorID, m.SKU, m.POID, m.ProductID, nullString(m.PurchaseOptionID), micros(tx.now))
	})
}

// ListProductMappings returns a vendor's product mappings (all vendors when vendorID
// is empty).
func (sub Catalog) ListProductMappings(ctx context.Context, vendorID string) ([]*orderhub.ProductMapping, error) {
	return queryAll(ctx, sub.db, `SELECT `+mappingColumns+` FROM product_mappings WHERE ($1 = '' OR vendor_id = $1) ORDER BY vendor_id, sku, po_id`, scanMapping, vendorID)
}

// UpdateProductMapping points the existing mapping of (m.SKU, m.POID) at another
// product and purchase option (m.ProductID, m.PurchaseOptionID; empty: none). The
// same checks as a create; NotFound when the pair is not mapped.
func (sub Catalog) UpdateProductMapping(ctx context.Context, m *orderhub.ProductMapping) error {
	if err := orderhub.ValidateProductMapping(m); err != nil {
		return err
	}
	mappingChange(ctx, m.VendorID, m.SKU, m.POID)
	return sub.db.Write(ctx, func(tx *Tx) error {
		cur, err := scanMapping(tx.queryRow(`SELECT `+mappingColumns+` FROM product_mappings WHERE vendor_id = $1 AND sku = $2 AND po_id = $3`, m.VendorID, m.SKU, m.POID))
		if err != nil {
			return notFound(err, orderhub.ENotFound, "No product mapping for sku %q, poId %q of vendor %q.", m.SKU, m.POID, m.VendorID)
		}
		if err := tx.checkMappingTarget(m); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE product_mappings SET product_id = $4, purchase_option_id = $5 WHERE vendor_id = $1 AND sku = $2 AND po_id = $3`,
			m.VendorID, m.SKU, m.POID, m.ProductID, nullString(m.PurchaseOptionID)); err != nil {
			return err
		}
		m.CreatedAt = cur.CreatedAt
		return nil
	})
}

// GetProductMapping returns the mapping of (sku, poId) of a vendor.
func (sub Catalog) GetProductMapping(ctx context.Context, vendorID, sku, poID string) (*orderhub.ProductMapping, error) {
	return readOne(ctx, sub.db, scanMapping, `SELECT `+mappingColumns+` FROM product_mappings WHERE vendor_id = $1 AND sku = $2 AND po_id = $3`, []any{vendorID, sku, poID},
		orderhub.ENotFound, "No product mapping for sku %q, poId %q of vendor %q.", sku, poID, vendorID)
}

// DeleteProductMapping deletes the mapping of (sku, poId).
func (sub Catalog) DeleteProductMapping(ctx context.Context, vendorID, sku, poID string) error {
	mappingChange(ctx, vendorID, sku, poID)
	return sub.db.Write(ctx, func(tx *Tx) error {
		return tx.changed(orderhub.Errorf(orderhub.ENotFound, "No product mapping for sku %q, poId %q of vendor %q.", sku, poID, vendorID),
			`DELETE FROM product_mappings WHERE vendor_id = $1 AND sku = $2 AND po_id = $3`, vendorID, sku, poID)
	})
}

const sourceColumns = `id, vendor_id, type, name, created_at`

func scanSource(sc interface{ Scan(...any) error }) (*orderhub.Source, error) {
	s := &orderhub.Source{}
	var created int64
	if err := sc.Scan(&s.ID, &s.VendorID, &s.Type, &s.Name, &created); err != nil {
		return nil, err
	}
	s.CreatedAt = fromMicros(created)
	return s, nil
}

// CreateSource creates an external source of a vendor and returns its secret, which
// is stored only as a hash and cannot be shown again. An empty ID gets a generated
// one; ids are unique across vendors, and stay taken after a delete.
func (sub Catalog) CreateSource(ctx context.Context, s *orderhub.Source) (secret string, err error) {
	if err := orderhub.ValidateSource(s); err != nil {
		return "", err
	}
	if s.ID == "" {
		s.ID = orderhub.NewID("src")
	}
	secret = orderhub.NewSecret(orderhub.SourceSecretPrefix)
	err = sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.requireVendorQuota(s.VendorID, orderhub.QuotaSources); err != nil {
			return err
		}
		s.CreatedAt = tx.now
		return tx.changed(orderhub.Errorf(orderhub.EConflict, "A source with id %q exists (or existed) already; choose another id.", s.ID),
			`INSERT INTO sources (id, vendor_id, type, name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
			s.ID, s.VendorID, s.Type, s.Name, orderhub.HashSecret(secret), micros(tx.now))
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// GetSource returns a live (not deleted) source.
func (sub Catalog) GetSource(ctx context.Context, id string) (*orderhub.Source, error) {
	return readOne(ctx, sub.db, scanSource, `SELECT `+sourceColumns+` FROM sources WHERE id = $1 AND deleted_at IS NULL`, []any{id},
		orderhub.ENotFound, "Source %q not found.", id)
}

// SourceBySecret returns the live source whose secret is secret, or Unauthorized.
func (sub Catalog) SourceBySecret(ctx context.Context, secret string) (*orderhub.Source, error) {
	s, err := scanSource(sub.db.read.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM sources WHERE secret_hash = $1 AND deleted_at IS NULL`, orderhub.HashSecret(secret)))
	if err != nil {
		return nil, notFound(err, orderhub.EUnauthorized, "Invalid source secret.")
	}
	return s, nil
}

// ListSources returns the live sources of a vendor (all vendors when vendorID is
// empty), of one type when typ is set.
func (sub Catalog) ListSources(ctx context.Context, vendorID, typ string) ([]*orderhub.Source, error) {
	return queryAll(ctx, sub.db, `SELECT `+sourceColumns+` FROM sources
		WHERE deleted_at IS NULL AND ($1 = '' OR vendor_id = $1) AND ($2 = '' OR type = $2) ORDER BY vendor_id, created_at, id`, scanSource, vendorID, typ)
}

// UpdateSource renames a live source of a vendor and returns it.
func (sub Catalog) UpdateSource(ctx context.Context, vendorID, id, name string) (*orderhub.Source, error) {
	if err := orderhub.ValidateName("name", &name); err != nil {
		return nil, err
	}
	var s *orderhub.Source
	err := sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.changed(orderhub.Errorf(orderhub.ENotFound, "Source %q not found.", id),
			`UPDATE sources SET name = $3 WHERE id = $1 AND vendor_id = $2 AND deleted_at IS NULL`, id, vendorID, name); err != nil {
			return err
		}
		var err error
		s, err = scanSource(tx.queryRow(`SELECT `+sourceColumns+` FROM sources WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// RotateSourceSecret gives a live source of a vendor a new secret and returns the
// source and the secret (stored only as a hash: shown once). The old secret stops
// working at once.
func (sub Catalog) RotateSourceSecret(ctx context.Context, vendorID, id string) (*orderhub.Source, string, error) {
	secret := orderhub.NewSecret(orderhub.SourceSecretPrefix)
	var s *orderhub.Source
	err := sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.changed(orderhub.Errorf(orderhub.ENotFound, "Source %q not found.", id),
			`UPDATE sources SET secret_hash = $3 WHERE id = $1 AND vendor_id = $2 AND deleted_at IS NULL`, id, vendorID, orderhub.HashSecret(secret)); err != nil {
			return err
		}
		var err error
		s, err = scanSource(tx.queryRow(`SELECT `+sourceColumns+` FROM sources WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return s, secret, nil
}

// DeleteSource deletes a source of a vendor (of any vendor when vendorID is empty):
// its secret stops working at once. Its purchases keep their record, so the id
// stays taken.
func (sub Catalog) DeleteSource(ctx context.Context, vendorID, id string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		return tx.changed(orderhub.Errorf(orderhub.ENotFound, "Source %q not found.", id),
			`UPDATE sources SET deleted_at = $3 WHERE id = $1 AND ($2 = '' OR vendor_id = $2) AND deleted_at IS NULL`, id, vendorID, micros(tx.now))
	})
}
