package httpapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"orderhub"
)

// The catalog's edits (issue 18: what an operator needs besides create and delete):
// renaming a product or source, rotating a source's secret (shown once, the old one
// refused at once), pointing a mapping at another product or option — each with the
// create's checks, each in the audit log with its before and after, and a
// vendor-admin token confined to its vendor.
func TestAdminCatalogEdits(t *testing.T) {
	h := newPurchaseHub(t)
	ctx := context.Background()
	const v = "/admin/v1/vendors/acme"

	// Products: rename.
	var p orderhub.Product
	h.admin("PATCH", v+"/products/daily", map[string]any{"name": "  Daily digital "}).expect(200, "").JSON(&p)
	if p.ID != "daily" || p.Name != "Daily digital" || p.VendorID != "acme" {
		t.Fatalf("renamed product %+v", p)
	}
	h.admin("PATCH", v+"/products/daily", map[string]any{"name": ""}).expect(400, orderhub.EInvalidRequest)
	h.admin("PATCH", v+"/products/daily", map[string]any{"name": strings.Repeat("x", 201)}).expect(400, orderhub.EInvalidRequest)
	h.admin("PATCH", v+"/products/daily", `{"name": 5}`).expect(400, orderhub.EInvalidRequest)
	h.admin("PATCH", v+"/products/nope", map[string]any{"name": "x"}).expect(404, orderhub.ENotFound)
	h.admin("PATCH", v+"/products/%00", map[string]any{"name": "x"}).expect(404, orderhub.ENotFound)
	h.admin("PATCH", v+"/products/daily", map[string]any{}).expect(200, "").JSON(&p)
	if p.Name != "Daily digital" {
		t.Fatalf("an empty PATCH changed the product: %+v", p)
	}
	if other, _ := h.DB.Catalog().GetProduct(ctx, "other", "daily"); other.Name != "Other daily" {
		t.Fatalf("other's product of the same id changed: %+v", other)
	}
	e := lastAudit(t, h, "product.update")
	if e.ResourceID != "daily" || e.VendorID != "acme" || !contains(string(e.Before), `"Daily"`) || !contains(string(e.After), "Daily digital") {
		t.Fatalf("audit of the rename: %+v %s → %s", e, e.Before, e.After)
	}

	// Purchase options: change the price (the create's checks), the product stays.
	h.admin("POST", v+"/purchase-options", map[string]any{"id": "d-m", "productId": "daily", "name": "Monthly", "price": "99", "currency": "SEK", "billingPeriod": "month"}).expect(201, "")
	var o orderhub.PurchaseOption
	h.admin("PATCH", v+"/purchase-options/d-m", map[string]any{"price": "109.5", "name": "Monthly (2027)", "productId": "weekend"}).expect(200, "").JSON(&o)
	if o.Price != "109.50" || o.Currency != "SEK" || o.Name != "Monthly (2027)" || o.ProductID != "daily" || o.BillingPeriod != "month" {
		t.Fatalf("updated option %+v", o)
	}
	h.admin("PATCH", v+"/purchase-options/d-m", map[string]any{"price": "ten"}).expect(400, orderhub.EInvalidRequest)
	h.admin("PATCH", v+"/purchase-options/d-m", map[string]any{"currency": ""}).expect(400, orderhub.EInvalidRequest) // a price needs one
	h.admin("PATCH", v+"/purchase-options/d-m", map[string]any{"billingPeriod": "decade"}).expect(400, orderhub.EInvalidRequest)
	h.admin("PATCH", v+"/purchase-options/nope", map[string]any{"name": "x"}).expect(404, orderhub.ENotFound)
	h.admin("PATCH", "/admin/v1/vendors/vendor-id-1234/purchase-options/d-m", map[string]any{"name": "x"}).expect(404, orderhub.ENotFound)
	o = orderhub.PurchaseOption{}
	h.admin("PATCH", v+"/purchase-options/d-m", map[string]any{"price": "", "billingPeriod": ""}).expect(200, "").JSON(&o)
	if o.Price != "" || o.BillingPeriod != "" || o.Name != "Monthly (2027)" {
		t.Fatalf("option without a price %+v", o)
	}
	if e := lastAudit(t, h, "purchase-option.update"); e.ResourceID != "d-m" || !contains(string(e.Before), `"price_minor":10950`) || !contains(string(e.After), `"price_minor":null`) {
		t.Fatalf("audit of the option update: %+v %s → %s", e, e.Before, e.After)
	}

	// Mappings: point SKU-D/PO-1 at weekend, then back with an option; refusals.
	h.admin("POST", v+"/purchase-options", map[string]any{"id": "wk-m", "productId": "weekend", "name": "Monthly"}).expect(201, "")
	h.admin("POST", v+"/purchase-options", map[string]any{"id": "d-y", "productId": "daily", "name": "Yearly"}).expect(201, "")
	q := "?" + url.Values{"sku": {"SKU-D"}, "poId": {"PO-1"}}.Encode()
	var m orderhub.ProductMapping
	h.admin("PATCH", v+"/product-mappings"+q, map[string]any{"productId": "weekend", "purchaseOptionId": "wk-m"}).expect(200, "").JSON(&m)
	if m.SKU != "SKU-D" || m.POID != "PO-1" || m.ProductID != "weekend" || m.PurchaseOptionID != "wk-m" || m.CreatedAt.IsZero() {
		t.Fatalf("updated mapping %+v", m)
	}
	res := h.hook(h.AcmeSecret, acmePurchase(map[string]any{"publisherPurchaseId": "P-remapped", "sku": "SKU-D", "poId": "PO-1", "productId": nil}))
	var bought purchaseAnswer
	res.expect(201, "").JSON(&bought)
	if bought.ProductID != "weekend" || bought.PurchaseOptionID != "wk-m" {
		t.Fatalf("the hook after the remap: %s", res.Body)
	}
	// The option must be the product's; the product the vendor's; the pair mapped.
	h.admin("PATCH", v+"/product-mappings"+q, map[string]any{"productId": "daily"}).expect(400, orderhub.EInvalidRequest)
	h.admin("PATCH", v+"/product-mappings"+q, map[string]any{"productId": "nope"}).expect(422, orderhub.EProductNotFound)
	h.admin("PATCH", v+"/product-mappings"+q, map[string]any{"purchaseOptionId": "gone"}).expect(404, orderhub.ENotFound)
	h.admin("PATCH", v+"/product-mappings?sku=SKU-X&poId=PO-1", map[string]any{"productId": "daily"}).expect(404, orderhub.ENotFound)
	h.admin("PATCH", v+"/product-mappings?sku=SKU-D", map[string]any{"productId": "daily"}).expect(400, orderhub.EInvalidRequest)
	h.admin("PATCH", v+"/product-mappings?sku=%00&poId=x", map[string]any{"productId": "daily"}).expect(404, orderhub.ENotFound)
	m = orderhub.ProductMapping{}
	h.admin("PATCH", v+"/product-mappings"+q, map[string]any{"productId": "daily", "purchaseOptionId": ""}).expect(200, "").JSON(&m)
	if m.ProductID != "daily" || m.PurchaseOptionID != "" {
		t.Fatalf("mapping after clearing the option %+v", m)
	}
	e = lastAudit(t, h, "product-mapping.update")
	if e.ResourceID != "SKU-D/PO-1" || e.VendorID != "acme" || !contains(string(e.Before), `"wk-m"`) || !contains(string(e.After), `"product_id":"daily"`) {
		t.Fatalf("audit of the mapping update: %+v %s → %s", e, e.Before, e.After)
	}
	// Creates and deletes of mappings name the pair too, with the row.
	h.admin("POST", v+"/product-mappings", map[string]any{"sku": "S 9", "poId": "P/9", "productId": "daily"}).expect(201, "")
	if e = lastAudit(t, h, "product-mapping.create"); e.ResourceID != "S 9/P/9" || !contains(string(e.After), `"sku":"S 9"`) || string(e.Before) != "null" {
		t.Fatalf("audit of the mapping create: %+v %s → %s", e, e.Before, e.After)
	}
	h.admin("DELETE", v+"/product-mappings?"+url.Values{"sku": {"S 9"}, "poId": {"P/9"}}.Encode(), nil).expect(204, "")
	if e = lastAudit(t, h, "product-mapping.delete"); e.ResourceID != "S 9/P/9" || !contains(string(e.Before), `"po_id":"P/9"`) || string(e.After) != "null" {
		t.Fatalf("audit of the mapping delete: %+v %s → %s", e, e.Before, e.After)
	}

	// Sources: rename, rotate.
	var src orderhub.Source
	h.admin("PATCH", v+"/sources/acme-shop", map[string]any{"name": "Acme webshop (Zapier)"}).expect(200, "").JSON(&src)
	if src.ID != "acme-shop" || src.Name != "Acme webshop (Zapier)" || src.Type != "HOOK" {
		t.Fatalf("renamed source %+v", src)
	}
	res = h.jsonReq("GET", "/hooks/sources", h.AcmeSecret, nil).expect(200, "")
	if !contains(string(res.Body), "Acme webshop (Zapier)") {
		t.Fatalf("Zapier's dropdown after the rename: %s", res.Body)
	}
	h.admin("PATCH", v+"/sources/acme-shop", map[string]any{"name": "\x01"}).expect(400, orderhub.EInvalidRequest)
	h.admin("PATCH", v+"/sources/other-shop", map[string]any{"name": "mine"}).expect(404, orderhub.ENotFound)
	h.admin("POST", v+"/sources/other-shop/rotate-secret", nil).expect(404, orderhub.ENotFound)
	h.admin("POST", v+"/sources/%FF/rotate-secret", nil).expect(404, orderhub.ENotFound)

	res = h.admin("POST", v+"/sources/acme-shop/rotate-secret", nil).expect(200, "")
	var rotated struct{ ID, Name, Secret string }
	res.JSON(&rotated)
	if rotated.ID != "acme-shop" || !strings.HasPrefix(rotated.Secret, orderhub.SourceSecretPrefix) || rotated.Secret == h.AcmeSecret {
		t.Fatalf("rotated %s", res.Body)
	}
	if cc := res.Header.Get("Cache-Control"); !contains(cc, "no-store") {
		t.Fatalf("rotate answer Cache-Control %q", cc)
	}
	h.jsonReq("GET", "/hooks/sources", h.AcmeSecret, nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", "/hooks/sources", rotated.Secret, nil).expect(200, "")
	h.hook(rotated.Secret, acmePurchase(map[string]any{"publisherPurchaseId": "P-rotated"})).expect(201, "")
	e = lastAudit(t, h, "source.rotate-secret")
	if e.ResourceID != "acme-shop" || e.VendorID != "acme" || contains(string(e.After), rotated.Secret) || !contains(string(e.After), orderhub.Masked) {
		t.Fatalf("audit of the rotation: %+v %s", e, e.After)
	}
	// A create's answer is not cached either.
	res = h.admin("POST", v+"/sources", map[string]any{"name": "Another"}).expect(201, "")
	if cc := res.Header.Get("Cache-Control"); !contains(cc, "no-store") {
		t.Fatalf("create answer Cache-Control %q", cc)
	}

	// A vendor-admin token: its vendor only.
	_, tok, err := h.DB.Tenants().CreateScopedAdminToken(ctx, "acme-admin", orderhub.RoleVendorAdmin, "acme")
	if err != nil {
		t.Fatal(err)
	}
	h.jsonReq("PATCH", "/admin/v1/vendors/other/products/daily", tok, map[string]any{"name": "x"}).expect(403, orderhub.EForbidden)
	h.jsonReq("POST", "/admin/v1/vendors/other/sources/other-shop/rotate-secret", tok, nil).expect(403, orderhub.EForbidden)
	h.jsonReq("PATCH", "/admin/v1/vendors/other/product-mappings?sku=a&poId=b", tok, map[string]any{"productId": "daily"}).expect(403, orderhub.EForbidden)
	h.jsonReq("PATCH", v+"/sources/acme-shop", tok, map[string]any{"name": "By the vendor"}).expect(200, "")
	_, viewer, err := h.DB.Tenants().CreateScopedAdminToken(ctx, "acme-viewer", orderhub.RoleVendorViewer, "acme")
	if err != nil {
		t.Fatal(err)
	}
	h.jsonReq("POST", v+"/sources/acme-shop/rotate-secret", viewer, nil).expect(403, orderhub.EForbidden)
	if got, _ := h.DB.Catalog().GetSource(ctx, "other-shop"); got.Name != "Other shop" {
		t.Fatalf("other's source changed: %+v", got)
	}
}

// lastAudit returns the newest audit entry of action.
func lastAudit(t *testing.T, h *purchaseHub, action string) *orderhub.AuditEntry {
	t.Helper()
	pg, err := h.DB.Admin().ListAudit(context.Background(), orderhub.AuditFilter{Action: action}, orderhub.Page{Limit: 1})
	if err != nil || len(pg.Data) == 0 {
		t.Fatalf("no audit entry %s: %v", action, err)
	}
	return pg.Data[0]
}
