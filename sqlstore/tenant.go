package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"orderhub"
)

// CreateVendor creates a vendor. An empty ID gets a generated one.
func (sub Tenants) CreateVendor(ctx context.Context, v *orderhub.Vendor) error {
	if v.ID == "" {
		v.ID = orderhub.NewID("ven")
	}
	if err := validSlug("vendor id", v.ID); err != nil {
		return err
	}
	if strings.TrimSpace(v.Name) == "" {
		v.Name = v.ID
	}
	name, err := orderhub.ValidVendorName(v.Name)
	if err != nil {
		return err
	}
	v.Name = name
	return sub.db.Write(ctx, func(tx *Tx) error {
		v.CreatedAt = tx.now
		return tx.changed(orderhub.Errorf(orderhub.EConflict, "A vendor with id %q exists already.", v.ID),
			`INSERT INTO vendors (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
			v.ID, v.Name, micros(tx.now))
	})
}

// validSlug checks an identifier chosen by an operator: 1–64 characters of letters,
// digits, '-', '_' and '.'.
func validSlug(what, s string) error {
	if len(s) == 0 || len(s) > 64 {
		return orderhub.Errorf(orderhub.EInvalidRequest, "The %s must be 1 to 64 characters long.", what)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return orderhub.Errorf(orderhub.EInvalidRequest, "The %s %q may contain only letters, digits, '-', '_' and '.'.", what, s)
		}
	}
	return nil
}

// GetVendor returns one vendor.
func (sub Tenants) GetVendor(ctx context.Context, id string) (*orderhub.Vendor, error) {
	return readOne(ctx, sub.db, scanVendor, `SELECT `+vendorColumns+` FROM vendors WHERE id = $1`, []any{id},
		orderhub.ENotFound, "Vendor %q not found.", id)
}

const vendorColumns = `id, name, created_at`

func scanVendor(sc interface{ Scan(...any) error }) (*orderhub.Vendor, error) {
	v := &orderhub.Vendor{}
	var created int64
	if err := sc.Scan(&v.ID, &v.Name, &created); err != nil {
		return nil, err
	}
	v.CreatedAt = fromMicros(created)
	return v, nil
}

// ListVendors returns all vendors, oldest first.
func (sub Tenants) ListVendors(ctx context.Context) ([]*orderhub.Vendor, error) {
	return queryAll(ctx, sub.db, `SELECT `+vendorColumns+` FROM vendors ORDER BY created_at, id`, scanVendor)
}

// CreateClient creates an OAuth client of a vendor and returns its secret, which is
// stored only as a hash.
func (sub Tenants) CreateClient(ctx context.Context, c *orderhub.Client) (secret string, err error) {
	if c.ID == "" {
		c.ID = orderhub.NewID("cli")
	}
	if err := validSlug("client id", c.ID); err != nil {
		return "", err
	}
	if len(c.Scopes) == 0 {
		return "", orderhub.Errorf(orderhub.EInvalidRequest, "A client needs at least one scope (%s).", strings.Join(orderhub.KnownScopes, ", "))
	}
	for i, s := range c.Scopes {
		s = orderhub.NormalizeScope(s)
		c.Scopes[i] = s
		known := false
		for _, k := range orderhub.KnownScopes {
			known = known || s == k
		}
		if !known {
			return "", orderhub.Errorf(orderhub.EInvalidRequest, "Unknown scope %q; known scopes: %s.", s, strings.Join(orderhub.KnownScopes, ", "))
		}
	}
	secret = orderhub.NewSecret("ohs_")
	err = sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.requireVendorQuota(c.VendorID, orderhub.QuotaOAuthClients); err != nil {
			return err
		}
		c.CreatedAt = tx.now
		return tx.changed(orderhub.Errorf(orderhub.EConflict, "A client with id %q exists already.", c.ID),
			`INSERT INTO oauth_clients (id, vendor_id, name, secret_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.VendorID, c.Name, orderhub.HashSecret(secret), strings.Join(c.Scopes, " "), micros(tx.now))
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

const clientColumns = `id, vendor_id, name, secret_hash, scopes, created_at, revoked_at`

func scanClient(sc interface{ Scan(...any) error }) (*orderhub.ClientWithSecret, error) {
	c := &orderhub.ClientWithSecret{}
	var scopes string
	var created int64
	var revoked sql.NullInt64
	if err := sc.Scan(&c.ID, &c.VendorID, &c.Name, &c.SecretHash, &scopes, &created, &revoked); err != nil {
		return nil, err
	}
	c.Scopes = strings.Fields(scopes)
	c.CreatedAt = fromMicros(created)
	c.RevokedAt = fromNullMicros(revoked)
	return c, nil
}

// scanPublicClient scans a client without its secret hash.
var scanPublicClient = scanPart(scanClient, func(c *orderhub.ClientWithSecret) *orderhub.Client { return &c.Client })

// GetClient returns a client with its secret hash.
func (sub Tenants) GetClient(ctx context.Context, id string) (*orderhub.ClientWithSecret, error) {
	c, err := scanClient(sub.db.read.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM oauth_clients WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "Client %q not found.", id)
	}
	return c, nil
}

// ListClients returns the clients of a vendor (all vendors when vendorID is empty).
func (sub Tenants) ListClients(ctx context.Context, vendorID string) ([]*orderhub.Client, error) {
	return queryAll(ctx, sub.db, `SELECT `+clientColumns+` FROM oauth_clients WHERE ($1 = '' OR vendor_id = $1) ORDER BY created_at, id`, scanPublicClient, vendorID)
}

// RevokeClient revokes a client: its secret stops working and its tokens are refused.
func (sub Tenants) RevokeClient(ctx context.Context, id string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		return tx.changed(orderhub.Errorf(orderhub.ENotFound, "Client %q not found.", id),
			`UPDATE oauth_clients SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, id, micros(tx.now))
	})
}

// CreatePromoCode creates a promo code of a vendor.
func (sub Tenants) CreatePromoCode(ctx context.Context, p *orderhub.PromoCode) error {
	if err := orderhub.ValidatePromoCode(p); err != nil {
		return err
	}
	minor, _ := orderhub.ParseDecimal(p.Price)
	return sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.requireVendorQuota(p.VendorID, orderhub.QuotaPromoCodes); err != nil {
			return err
		}
		p.CreatedAt, p.Active, p.DeactivatedAt = tx.now, true, nil
		return tx.changed(orderhub.Errorf(orderhub.EConflict, "Promo code %q exists already for vendor %q.", p.Code, p.VendorID),
			`INSERT INTO promo_codes (vendor_id, code, product_name, price_minor, currency, billing_period, binding_months, delivery, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (vendor_id, code) DO NOTHING`,
			p.VendorID, p.Code, p.ProductName, minor, p.Currency, p.BillingPeriod, p.BindingMonths, p.Delivery, micros(tx.now))
	})
}

const promoColumns = `vendor_id, code, product_name, price_minor, currency, billing_period, binding_months, delivery, created_at, deactivated_at`

func scanPromo(sc interface{ Scan(...any) error }) (*orderhub.PromoCode, error) {
	p := &orderhub.PromoCode{}
	var minor, created int64
	var deactivated sql.NullInt64
	if err := sc.Scan(&p.VendorID, &p.Code, &p.ProductName, &minor, &p.Currency, &p.BillingPeriod, &p.BindingMonths, &p.Delivery, &created, &deactivated); err != nil {
		return nil, err
	}
	p.Price = orderhub.FormatDecimal(minor)
	p.CreatedAt = fromMicros(created)
	p.DeactivatedAt = fromNullMicros(deactivated)
	p.Active = p.DeactivatedAt == nil
	return p, nil
}

// GetPromoCode returns a vendor's promo code.
func (sub Tenants) GetPromoCode(ctx context.Context, vendorID, code string) (*orderhub.PromoCode, error) {
	p, err := scanPromo(sub.db.read.QueryRowContext(ctx, `SELECT `+promoColumns+` FROM promo_codes WHERE vendor_id = $1 AND code = $2`, vendorID, code))
	if err != nil {
		return nil, notFound(err, orderhub.EPromoCodeNotFound, "Promo code %q is not configured for vendor %q.", code, vendorID)
	}
	return p, nil
}

// ListPromoCodes returns the promo codes of a vendor (all when vendorID is empty).
func (sub Tenants) ListPromoCodes(ctx context.Context, vendorID string) ([]*orderhub.PromoCode, error) {
	return queryAll(ctx, sub.db, `SELECT `+promoColumns+` FROM promo_codes WHERE ($1 = '' OR vendor_id = $1) ORDER BY vendor_id, code`, scanPromo, vendorID)
}

// Setting returns a stored setting, creating it with create() when absent. Used for
// the token signing key, so that every process and restart signs with the same key.
func (sub Tenants) Setting(ctx context.Context, key string, create func() (string, error)) (string, error) {
	var v string
	err := sub.db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if err == nil {
		return v, nil
	}
	if err != sql.ErrNoRows {
		return "", err
	}
	nv, err := create()
	if err != nil {
		return "", err
	}
	err = sub.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, nv); err != nil {
			return err
		}
		return tx.queryRow(`SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	})
	return v, err
}

// CreateAdminToken creates an operator admin token and returns its secret (stored as
// a hash).
func (sub Tenants) CreateAdminToken(ctx context.Context, name string) (*orderhub.AdminToken, string, error) {
	return sub.CreateScopedAdminToken(ctx, name, orderhub.RoleOperator, "")
}

// CreateScopedAdminToken creates an admin token of a role (vendorID: the vendor of a
// vendor role) and returns its secret (stored as a hash).
func (sub Tenants) CreateScopedAdminToken(ctx context.Context, name, role, vendorID string) (*orderhub.AdminToken, string, error) {
	if err := ValidateRole(role, vendorID); err != nil {
		return nil, "", err
	}
	t := &orderhub.AdminToken{ID: orderhub.NewID("adm"), Name: strings.TrimSpace(name), Role: role, VendorID: vendorID}
	if t.Name == "" {
		t.Name = "admin"
	}
	if !orderhub.IsLineText(t.Name) || len(t.Name) > 200 {
		return nil, "", orderhub.FieldError(orderhub.EInvalidRequest, "name", "A token name must be at most 200 characters of text.")
	}
	secret := orderhub.NewSecret("oha_")
	err := sub.db.Write(ctx, func(tx *Tx) error {
		if vendorID != "" {
			if err := tx.requireVendor(vendorID); err != nil {
				return err
			}
		}
		t.CreatedAt = tx.now
		_, err := tx.exec(`INSERT INTO admin_tokens (id, name, token_hash, created_at, role, vendor_id) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, t.Name, orderhub.HashSecret(secret), micros(tx.now), role, nullString(vendorID))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// CheckAdminToken returns the valid, unrevoked admin token of secret.
func (sub Tenants) CheckAdminToken(ctx context.Context, secret string) (*orderhub.AdminToken, error) {
	t, err := scanAdminToken(sub.db.read.QueryRowContext(ctx, `SELECT `+adminTokenColumns+` FROM admin_tokens WHERE token_hash = $1`, orderhub.HashSecret(secret)))
	if err != nil {
		return nil, notFound(err, orderhub.EUnauthorized, "Invalid admin token.")
	}
	if t.RevokedAt != nil {
		return nil, orderhub.Errorf(orderhub.EUnauthorized, "This admin token was revoked.")
	}
	return t, nil
}

// adminTokenColumns are what scanAdminToken reads (never the token's hash).
const adminTokenColumns = `id, name, role, vendor_id, created_at, revoked_at`

func scanAdminToken(sc interface{ Scan(...any) error }) (*orderhub.AdminToken, error) {
	t := &orderhub.AdminToken{}
	var created int64
	var revoked sql.NullInt64
	var vendor sql.NullString
	if err := sc.Scan(&t.ID, &t.Name, &t.Role, &vendor, &created, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.RevokedAt, t.VendorID = fromMicros(created), fromNullMicros(revoked), vendor.String
	return t, nil
}

// ListAdminTokens lists admin tokens (never their secrets).
func (sub Tenants) ListAdminTokens(ctx context.Context) ([]*orderhub.AdminToken, error) {
	return queryAll(ctx, sub.db, `SELECT `+adminTokenColumns+` FROM admin_tokens ORDER BY created_at`, scanAdminToken)
}

// RevokeAdminToken revokes an admin token by id.
func (sub Tenants) RevokeAdminToken(ctx context.Context, id string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		return tx.changed(orderhub.Errorf(orderhub.ENotFound, "Admin token %q not found.", id),
			`UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, id, micros(tx.now))
	})
}

// ValidateRole checks a role and its vendor: an operator has none, a vendor role one.
func ValidateRole(role, vendorID string) error {
	switch role {
	case orderhub.RoleOperator:
		if vendorID != "" {
			return orderhub.FieldError(orderhub.EInvalidRequest, "vendorId", "An operator works for every vendor; give a vendor only with the role vendor-admin or vendor-viewer.")
		}
	case orderhub.RoleVendorAdmin, orderhub.RoleVendorViewer:
		if vendorID == "" {
			return orderhub.FieldError(orderhub.EInvalidRequest, "vendorId", "The role %s needs a vendor.", role)
		}
	default:
		return orderhub.FieldError(orderhub.EInvalidRequest, "role", "role must be one of %s, got %q.", strings.Join(orderhub.Roles, ", "), role)
	}
	return nil
}
