package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"orderhub"
)

// fieldError waits for the error shown next to field and checks that it is the
// admin API's message for the same input.
func fieldError(t *testing.T, b *browser, field, api string) {
	t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS("#" + field + "-error")))
	// The refused form is filled again next: wait until its page has loaded.
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.readyState === "complete"`)); err != nil {
		t.Fatal(err)
	}
	if got := b.text("#" + field + "-error"); got != api || api == "" {
		t.Fatalf("the form says %q next to %s, the API %q", got, field, api)
	}
}

// value returns the value of a form field.
func value(t *testing.T, b *browser, css string) string {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(css)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// follow opens the link css names (its href, by navigating: a page that is fully
// loaded before the form on it is filled, which a click does not wait for).
func follow(t *testing.T, b *browser, css string) chromedp.Action[chromedp.Void] {
	t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(css)))
	a, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(css), "href"))
	if err != nil || !a.Exists || !strings.HasPrefix(a.Value, "/console/") {
		t.Fatalf("link %s: %+v %v", css, a, err)
	}
	return chromedp.Navigate(b.base + a.Value)
}

// An operator manages a vendor's HOOK sources in a real browser: creates one (first
// without a name: the API's message next to the field), sees its secret once,
// renames it, rotates the secret (the old one refused at once, the new one shown
// once) and deletes it; each change is in the audit log without the secret.
func TestSourceFormsInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	b := asOperator(t, bd.URL)

	b.do(chromedp.Navigate(bd.URL + "/console/catalog?vendor=acme"))
	b.do(follow(t, b, "#new-source"), chromedp.WaitVisible(chromedp.CSS("#source-form")))
	b.screenshot("60-source-new")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#id"), "acme-zap"),
		chromedp.Click(chromedp.CSS("#save")),
	)
	fieldError(t, b, "name", apiError(t, bd, "POST", "/admin/v1/vendors/acme/sources", map[string]any{"id": "acme-zap", "name": ""}))
	if v := value(t, b, "#id"); v != "acme-zap" {
		t.Fatalf("the refused form lost the id: %q", v)
	}
	b.screenshot("61-source-new-refused")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#name"), "Acme webshop (Zapier)"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#source-secret")),
	)
	secret := b.text("#source-secret code")
	if !strings.HasPrefix(secret, orderhub.SourceSecretPrefix) {
		t.Fatalf("source secret %q", secret)
	}
	b.screenshot("62-source-created")
	if src, err := bd.DB.Catalog().SourceBySecret(ctx, secret); err != nil || src.ID != "acme-zap" || src.VendorID != "acme" || src.Name != "Acme webshop (Zapier)" || src.Type != orderhub.SourceTypeHook {
		t.Fatalf("created source %+v %v", src, err)
	}
	if e := audited(t, bd, "source.create", "acme-zap"); strings.Contains(string(e.After), secret) || !strings.Contains(string(e.After), orderhub.Masked) || e.VendorID != "acme" {
		t.Fatalf("audit entry of the create: %s (vendor %q)", e.After, e.VendorID)
	}
	// Shown once: the catalog lists the source, never its secret.
	b.do(chromedp.Navigate(bd.URL+"/console/catalog?vendor=acme"), chromedp.WaitVisible(chromedp.CSS("#sources")))
	if page := b.text("main"); !strings.Contains(page, "acme-zap") || strings.Contains(page, secret) {
		t.Fatalf("catalog after the create: %q", page)
	}

	// Rename: a control character is refused as by the API, then a good name.
	b.do(
		follow(t, b, "#sources a.edit-source"),
		chromedp.WaitVisible(chromedp.CSS("#source-form")),
		chromedp.SetValue(chromedp.CSS("#name"), "   "),
		chromedp.Click(chromedp.CSS("#save")),
	)
	fieldError(t, b, "name", apiError(t, bd, "PATCH", "/admin/v1/vendors/acme/sources/acme-zap", map[string]any{"name": "   "}))
	b.screenshot("63-source-edit-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#name"), "Acme shop"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if src, _ := bd.DB.Catalog().GetSource(ctx, "acme-zap"); src.Name != "Acme shop" {
		t.Fatalf("renamed source %+v", src)
	}
	if e := audited(t, bd, "source.update", "acme-zap"); !strings.Contains(string(e.Before), "Acme webshop (Zapier)") || !strings.Contains(string(e.After), "Acme shop") {
		t.Fatalf("audit entry of the rename: %s → %s", e.Before, e.After)
	}

	// Rotate (through the confirm dialog): the new secret once, the old one refused.
	b.do(
		chromedp.Navigate(bd.URL+"/console/sources/acme-zap/edit"),
		chromedp.WaitVisible(chromedp.CSS("#rotate")),
	)
	b.screenshot("64-source-edit")
	b.do(chromedp.Click(chromedp.CSS("#rotate")), chromedp.WaitVisible(chromedp.CSS("#source-secret")))
	rotated := b.text("#source-secret code")
	if rotated == secret || !strings.HasPrefix(rotated, orderhub.SourceSecretPrefix) || !strings.Contains(b.text("main"), "old secret stopped working") {
		t.Fatalf("after rotation: %q", b.text("main"))
	}
	b.screenshot("65-source-rotated")
	if _, err := bd.DB.Catalog().SourceBySecret(ctx, secret); orderhub.ErrorCode(err) != orderhub.EUnauthorized {
		t.Fatalf("the old secret after the rotation: %v", err)
	}
	if src, err := bd.DB.Catalog().SourceBySecret(ctx, rotated); err != nil || src.ID != "acme-zap" {
		t.Fatalf("the new secret: %+v %v", src, err)
	}
	if e := audited(t, bd, "source.rotate-secret", "acme-zap"); strings.Contains(string(e.After), rotated) || strings.Contains(string(e.Before), secret) {
		t.Fatalf("the audit entry shows a secret: %s → %s", e.Before, e.After)
	}

	// Delete.
	b.openForm(bd.URL+"/console/sources/acme-zap/edit", "#delete", "#flash")
	if !strings.Contains(b.text("#flash"), "deleted") || strings.Contains(b.text("main"), "acme-zap") && !strings.Contains(b.text("#flash"), "acme-zap") {
		t.Fatalf("after delete: %q", b.text("main"))
	}
	if _, err := bd.DB.Catalog().SourceBySecret(ctx, rotated); err == nil {
		t.Fatal("the deleted source's secret still works")
	}
	audited(t, bd, "source.delete", "acme-zap")
}

// An operator manages the catalog in a real browser: a product (an id the API
// refuses, then created, renamed, deleted), a purchase option (a price the API
// refuses) and a sku + poId mapping (a purchase option of another product, refused
// as by the API; created, pointed elsewhere, deleted), each change audited.
func TestProductFormsInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	if err := bd.DB.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "acme", ID: "weekend", Name: "Weekend"}); err != nil {
		t.Fatal(err)
	}
	if err := bd.DB.Catalog().CreatePurchaseOption(ctx, &orderhub.PurchaseOption{VendorID: "acme", ID: "wk-m", ProductID: "weekend", Name: "Weekend monthly"}); err != nil {
		t.Fatal(err)
	}
	b := asOperator(t, bd.URL)

	// Product: create.
	b.do(chromedp.Navigate(bd.URL + "/console/catalog?vendor=acme"))
	b.do(
		follow(t, b, "#new-product"),
		chromedp.WaitVisible(chromedp.CSS("#product-form")),
		chromedp.SendKeys(chromedp.CSS("#id"), "daily news"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Daily News"),
		chromedp.Click(chromedp.CSS("#save")),
	)
	fieldError(t, b, "id", apiError(t, bd, "POST", "/admin/v1/vendors/acme/products", map[string]any{"id": "daily news", "name": "Daily News"}))
	if v := value(t, b, "#name"); v != "Daily News" {
		t.Fatalf("the refused form lost the name: %q", v)
	}
	b.screenshot("70-product-new-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#id"), "daily"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if list := b.text("#products"); !strings.Contains(list, "Daily News") {
		t.Fatalf("products: %q", list)
	}
	if e := audited(t, bd, "product.create", "daily"); e.VendorID != "acme" || !strings.Contains(string(e.After), "Daily News") {
		t.Fatalf("audit entry of the create: %+v %s", e, e.After)
	}

	// Product: rename (an empty name first).
	b.do(
		follow(t, b, `#products a[href*="/products/daily/"]`),
		chromedp.WaitVisible(chromedp.CSS("#product-form")),
		chromedp.SetValue(chromedp.CSS("#name"), " "),
		chromedp.Click(chromedp.CSS("#save")),
	)
	fieldError(t, b, "name", apiError(t, bd, "PATCH", "/admin/v1/vendors/acme/products/daily", map[string]any{"name": " "}))
	b.do(
		chromedp.SetValue(chromedp.CSS("#name"), "Daily News Digital"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if p, _ := bd.DB.Catalog().GetProduct(ctx, "acme", "daily"); p.Name != "Daily News Digital" {
		t.Fatalf("renamed product %+v", p)
	}
	if e := audited(t, bd, "product.update", "daily"); !strings.Contains(string(e.Before), `"Daily News"`) || !strings.Contains(string(e.After), "Daily News Digital") {
		t.Fatalf("audit entry of the rename: %s → %s", e.Before, e.After)
	}

	// Purchase option of the product, from its page: a price the API refuses first.
	b.do(chromedp.Navigate(bd.URL + "/console/products/daily/edit?vendor=acme"))
	b.do(
		follow(t, b, "#new-option"),
		chromedp.WaitVisible(chromedp.CSS("#option-form")),
		chromedp.SendKeys(chromedp.CSS("#id"), "monthly"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Monthly"),
		chromedp.SendKeys(chromedp.CSS("#price"), "ten"),
		chromedp.SendKeys(chromedp.CSS("#currency"), "SEK"),
		chromedp.Click(chromedp.CSS("#save")),
	)
	fieldError(t, b, "price", apiError(t, bd, "POST", "/admin/v1/vendors/acme/purchase-options",
		map[string]any{"id": "monthly", "productId": "daily", "name": "Monthly", "price": "ten", "currency": "SEK", "billingPeriod": "month"}))
	if v := value(t, b, "#productId"); v != "daily" {
		t.Fatalf("the refused option form lost its product: %q", v)
	}
	b.screenshot("71-option-new-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#price"), "99"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#options")),
	)
	if list := b.text("#options"); !strings.Contains(list, "monthly") || !strings.Contains(list, "99.00 SEK") {
		t.Fatalf("the product's options: %q", list)
	}
	audited(t, bd, "purchase-option.create", "monthly")
	b.screenshot("72-product-edit")

	// Edit the option: a price without a currency is refused as by the API.
	b.do(
		follow(t, b, "#options a.edit-option"),
		chromedp.WaitVisible(chromedp.CSS("#option-form")),
		chromedp.SetValue(chromedp.CSS("#price"), "109"),
		chromedp.SetValue(chromedp.CSS("#currency"), " "),
		chromedp.Click(chromedp.CSS("#save")),
	)
	fieldError(t, b, "currency", apiError(t, bd, "PATCH", "/admin/v1/vendors/acme/purchase-options/monthly", map[string]any{"price": "109", "currency": " "}))
	b.screenshot("77-option-edit-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#currency"), "sek"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if list := b.text("#options"); !strings.Contains(list, "109.00 SEK") {
		t.Fatalf("the product's options after the edit: %q", list)
	}
	if e := audited(t, bd, "purchase-option.update", "monthly"); !strings.Contains(string(e.Before), `"price_minor":9900`) || !strings.Contains(string(e.After), `"price_minor":10900`) {
		t.Fatalf("audit entry of the option edit: %s → %s", e.Before, e.After)
	}

	// Mapping: sku + poId to daily with weekend's option (refused as by the API).
	b.do(chromedp.Navigate(bd.URL + "/console/catalog?vendor=acme"))
	b.do(
		follow(t, b, "#new-mapping"),
		chromedp.WaitVisible(chromedp.CSS("#mapping-form")),
		chromedp.SendKeys(chromedp.CSS("#sku"), "SKU 1/a"),
		chromedp.SendKeys(chromedp.CSS("#poId"), "PO-1"),
		chromedp.SetValue(chromedp.CSS("#productId"), "daily"),
		chromedp.SetValue(chromedp.CSS("#purchaseOptionId"), "wk-m"),
		chromedp.Click(chromedp.CSS("#save")),
	)
	fieldError(t, b, "purchaseOptionId", apiError(t, bd, "POST", "/admin/v1/vendors/acme/product-mappings",
		map[string]any{"sku": "SKU 1/a", "poId": "PO-1", "productId": "daily", "purchaseOptionId": "wk-m"}))
	if v := value(t, b, "#sku"); v != "SKU 1/a" {
		t.Fatalf("the refused mapping form lost its sku: %q", v)
	}
	b.screenshot("73-mapping-new-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#purchaseOptionId"), "monthly"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#mappings")),
	)
	if m, err := bd.DB.Catalog().GetProductMapping(ctx, "acme", "SKU 1/a", "PO-1"); err != nil || m.ProductID != "daily" || m.PurchaseOptionID != "monthly" {
		t.Fatalf("created mapping %+v %v", m, err)
	}
	if e := audited(t, bd, "product-mapping.create", "SKU 1/a/PO-1"); !strings.Contains(string(e.After), `"purchase_option_id":"monthly"`) {
		t.Fatalf("audit entry of the mapping create: %s", e.After)
	}
	b.screenshot("74-catalog")

	// Edit the mapping: to weekend, with daily's option first (refused), then its own.
	b.do(
		follow(t, b, "#mappings a.edit-mapping"),
		chromedp.WaitVisible(chromedp.CSS("#mapping-form")),
		chromedp.SetValue(chromedp.CSS("#productId"), "weekend"),
		chromedp.Click(chromedp.CSS("#save")),
	)
	q := "?" + url.Values{"sku": {"SKU 1/a"}, "poId": {"PO-1"}}.Encode()
	fieldError(t, b, "purchaseOptionId", apiError(t, bd, "PATCH", "/admin/v1/vendors/acme/product-mappings"+q, map[string]any{"productId": "weekend", "purchaseOptionId": "monthly"}))
	b.screenshot("75-mapping-edit-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#purchaseOptionId"), "wk-m"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if m, _ := bd.DB.Catalog().GetProductMapping(ctx, "acme", "SKU 1/a", "PO-1"); m.ProductID != "weekend" || m.PurchaseOptionID != "wk-m" {
		t.Fatalf("edited mapping %+v", m)
	}
	if e := audited(t, bd, "product-mapping.update", "SKU 1/a/PO-1"); !strings.Contains(string(e.Before), `"product_id":"daily"`) || !strings.Contains(string(e.After), `"product_id":"weekend"`) {
		t.Fatalf("audit entry of the mapping edit: %s → %s", e.Before, e.After)
	}

	// Delete the mapping, the option, the product.
	b.do(
		follow(t, b, "#mappings a.edit-mapping"),
		chromedp.WaitVisible(chromedp.CSS("#delete")),
		chromedp.Click(chromedp.CSS("#delete")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if _, err := bd.DB.Catalog().GetProductMapping(ctx, "acme", "SKU 1/a", "PO-1"); err == nil {
		t.Fatal("the mapping is still there")
	}
	audited(t, bd, "product-mapping.delete", "SKU 1/a/PO-1")
	b.openForm(bd.URL+"/console/products/daily/edit?vendor=acme", "#options button.delete-option", "#flash")
	if opts, _ := bd.DB.Catalog().ListPurchaseOptions(ctx, "acme", "daily"); len(opts) != 0 {
		t.Fatalf("options after the delete: %+v", opts)
	}
	audited(t, bd, "purchase-option.delete", "monthly")
	b.submit("#delete", "#flash") // the page it leaves has a #flash too
	if _, err := bd.DB.Catalog().GetProduct(ctx, "acme", "daily"); err == nil {
		t.Fatal("the product is still there")
	}
	if e := audited(t, bd, "product.delete", "daily"); !strings.Contains(string(e.Before), "Daily News Digital") || string(e.After) != "null" {
		t.Fatalf("audit entry of the delete: %s → %s", e.Before, e.After)
	}
}

// A vendor-admin manages its own vendor's sources and catalog, and editing the URL
// (or a form's hidden vendor) to another vendor's record is refused; a
// vendor-viewer sees the catalog without forms and cannot open them.
func TestCatalogFormsRefuseOtherVendors(t *testing.T) {
	bd := newBedWithOther(t)
	ctx := context.Background()
	db := bd.DB
	otherSecret, err := db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: "other", ID: "other-zap", Name: "Other's Zap"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: "other", ID: "other-daily", Name: "Other daily"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Catalog().CreatePurchaseOption(ctx, &orderhub.PurchaseOption{VendorID: "other", ID: "other-m", ProductID: "other-daily", Name: "Other monthly"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: "other", SKU: "O1", POID: "P1", ProductID: "other-daily"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ name, role string }{{"acme-ops", orderhub.RoleVendorAdmin}, {"acme-look", orderhub.RoleVendorViewer}} {
		if _, err := db.Admin().CreateScopedConsoleUser(ctx, u.name, testPassword, u.role, "acme"); err != nil {
			t.Fatal(err)
		}
	}

	a := newBrowser(t, bd.URL)
	a.login("acme-ops", testPassword)
	a.do(chromedp.WaitVisible(chromedp.CSS(".who")))
	// Its own vendor: a source made and renamed by the vendor-admin.
	a.do(chromedp.Navigate(bd.URL + "/console/catalog"))
	a.do(
		follow(t, a, "#new-source"),
		chromedp.WaitVisible(chromedp.CSS("#source-form")),
		chromedp.SendKeys(chromedp.CSS("#id"), "acme-own"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Acme's own Zap"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#source-secret")),
	)
	if src, err := db.Catalog().GetSource(ctx, "acme-own"); err != nil || src.VendorID != "acme" {
		t.Fatalf("the vendor-admin's source %+v %v", src, err)
	}
	pg, err := db.Admin().ListAudit(ctx, orderhub.AuditFilter{Action: "source.create", Actor: "acme-ops"}, orderhub.Page{Limit: 10})
	if err != nil || len(pg.Data) != 1 || pg.Data[0].ResourceID != "acme-own" || pg.Data[0].VendorID != "acme" {
		t.Fatalf("audit of the vendor-admin's create: %+v %v", pg, err)
	}

	// Another vendor's records, however the URL is edited.
	for _, p := range []struct{ path, want string }{
		{"/console/sources/other-zap/edit", "not found"},
		{"/console/products/other-daily/edit", "not found"},
		{"/console/products/other-daily/edit?vendor=other", "You work with vendor acme"},
		{"/console/product-mappings/edit?vendor=other&sku=O1&poId=P1", "You work with vendor acme"},
		{"/console/product-mappings/edit?sku=O1&poId=P1", "No product mapping"},
		{"/console/sources/new?vendor=other", "You work with vendor acme"},
		{"/console/purchase-options/other-m/edit", "not found"},
		{"/console/purchase-options/new?vendor=other", "You work with vendor acme"},
	} {
		a.wantError(p.path, p.want)
		if p.path == "/console/sources/other-zap/edit" {
			a.screenshot("76-vendor-admin-other-source")
		}
	}
	// Forged posts (a form of its own page, pointed at another vendor's record).
	for _, f := range []struct {
		action string
		fields map[string]string
		want   string
	}{
		{"/console/sources/other-zap/rotate-secret", nil, "not found"},
		{"/console/sources/other-zap/delete", nil, "not found"},
		{"/console/products/other-daily/delete", map[string]string{"vendor": "other"}, "this form names vendor other"},
		{"/console/products/other-daily/delete", nil, "not found"},
		{"/console/purchase-options/other-m/edit", map[string]string{"vendor": "other", "name": "Mine"}, "this form names vendor other"},
		{"/console/purchase-options/other-m/edit", map[string]string{"name": "Mine"}, "not found"},
		{"/console/purchase-options/other-m/delete", nil, "not found"},
		{"/console/product-mappings/delete", map[string]string{"vendor": "other", "sku": "O1", "poId": "P1"}, "this form names vendor other"},
		{"/console/product-mappings/edit", map[string]string{"sku": "O1", "poId": "P1", "productId": "other-daily"}, "No product mapping"},
		{"/console/product-mappings", map[string]string{"vendor": "other", "sku": "X", "poId": "Y", "productId": "other-daily"}, "this form names vendor other"},
	} {
		a.do(chromedp.Navigate(bd.URL+"/console/catalog"), chromedp.WaitVisible(chromedp.CSS("#new-source")))
		a.postAs(f.action, f.fields)
		a.do(chromedp.WaitVisible(chromedp.CSS("#error")))
		if msg := a.text("#error"); !strings.Contains(msg, f.want) {
			t.Fatalf("POST %s %v: %q", f.action, f.fields, msg)
		}
	}
	if src, err := db.Catalog().SourceBySecret(ctx, otherSecret); err != nil || src.ID != "other-zap" {
		t.Fatalf("other's source after the forged posts: %+v %v", src, err)
	}
	if _, err := db.Catalog().GetProduct(ctx, "other", "other-daily"); err != nil {
		t.Fatalf("other's product: %v", err)
	}
	if m, err := db.Catalog().GetProductMapping(ctx, "other", "O1", "P1"); err != nil || m.ProductID != "other-daily" {
		t.Fatalf("other's mapping: %+v %v", m, err)
	}

	// A vendor-viewer: the catalog without forms; the form pages and posts refused.
	v := newBrowser(t, bd.URL)
	v.login("acme-look", testPassword)
	v.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Navigate(bd.URL+"/console/catalog"), chromedp.WaitVisible(chromedp.CSS("#sources")))
	if page := v.text("main"); !strings.Contains(page, "acme-own") || strings.Contains(page, "New source") || strings.Contains(page, "Edit") || strings.Contains(page, "New product") {
		t.Fatalf("the viewer's catalog: %q", page)
	}
	for _, p := range []string{"/console/sources/new", "/console/sources/acme-own/edit", "/console/products/new", "/console/product-mappings/new", "/console/purchase-options/new"} {
		v.wantError(p, "vendor-viewer")
	}
	v.do(chromedp.Navigate(bd.URL+"/console/catalog"), chromedp.WaitVisible(chromedp.CSS("#sources")))
	v.postAs("/console/sources/acme-own/rotate-secret", nil)
	v.do(chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := v.text("#error"); !strings.Contains(msg, "vendor-viewer") {
		t.Fatalf("a viewer's rotate: %q", msg)
	}
}
