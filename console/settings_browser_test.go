package console_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"orderhub"
	"orderhub/hub"
)

// The forms of vendors, promo codes, OAuth client revocation, quotas and portal
// links (issue 18) in a real browser.

// postAs submits a form to path from the page open in b, with the session's CSRF
// token and the given fields: a user who edits a form's action (or the URL it posts
// to) to name another vendor's record.
func (b *browser) postAs(path string, fields map[string]string) {
	b.t.Helper()
	raw, _ := json.Marshal(fields)
	js := `(function(){var f=document.createElement("form");f.method="post";f.action=` + jsString(path) + `;
var add=function(k,v){var i=document.createElement("input");i.type="hidden";i.name=k;i.value=v;f.appendChild(i);};
add("csrf",document.querySelector("input[name=csrf]").value);var x=` + string(raw) + `;for(var k in x){add(k,x[k]);}
document.body.appendChild(f);f.submit();return true;})()`
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err != nil {
		b.t.Fatal(err)
	}
}

// setValue sets the value of the form field with the given id, as typing would.
func (b *browser) setValue(id, value string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(function(){var e=document.getElementById(`+jsString(id)+`);e.value=`+jsString(value)+`;return true;})()`)); err != nil {
		b.t.Fatal(err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// otherVendor adds vendor "other" with a client and a promo code of its own.
func otherVendor(t *testing.T, bd *bed) (clientID string) {
	t.Helper()
	ctx := context.Background()
	if err := bd.DB.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "other", Name: "Other Media"}); err != nil {
		t.Fatal(err)
	}
	c := &orderhub.Client{ID: "other-shop", VendorID: "other", Scopes: []string{orderhub.ScopeVendorOrders}}
	if _, err := bd.DB.Tenants().CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := bd.DB.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: "other", Code: "OTHER10", ProductName: "Other digital", Price: "10", Currency: "SEK", BillingPeriod: "month", Delivery: "digital"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bd.DB.Admin().CreateScopedConsoleUser(ctx, "acme-ops", testPassword, orderhub.RoleVendorAdmin, "acme"); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// An operator revokes an OAuth client from the credentials page (through the
// confirm dialog); the change is audited; a vendor-admin who posts the revoke form
// of another vendor's client is refused and the client stays active.
func TestClientRevokeInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	other := otherVendor(t, bd)
	cls, err := bd.DB.Tenants().ListClients(ctx, "acme")
	if err != nil || len(cls) != 1 {
		t.Fatalf("acme's clients: %v %v", cls, err)
	}
	id := cls[0].ID

	b := asOperator(t, bd.URL)
	revoke := `form[action="/console/clients/` + id + `/revoke"] button`
	b.do(
		chromedp.Navigate(bd.URL+"/console/credentials"),
		chromedp.WaitVisible(chromedp.CSS(revoke)),
		chromedp.Click(chromedp.CSS(revoke)),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if f := b.text("#flash"); !strings.Contains(f, "Client "+id+" revoked") {
		t.Fatalf("flash after revoke: %q", f)
	}
	if row := b.text("#clients"); !strings.Contains(row, "revoked") {
		t.Fatalf("clients table after revoke: %q", row)
	}
	b.screenshot("60-client-revoked")
	if c, _ := bd.DB.Tenants().GetClient(ctx, id); c.RevokedAt == nil {
		t.Fatal("not revoked")
	}
	e := audited(t, bd, "client.revoke", id)
	if !strings.Contains(string(e.After), "revoked_at") || strings.Contains(string(e.Before)+string(e.After), cls[0].ID+"\",\"secret") || e.VendorID != "acme" {
		t.Fatalf("audit entry of the revoke: %s → %s (vendor %q)", e.Before, e.After, e.VendorID)
	}
	var before map[string]any
	_ = json.Unmarshal(e.Before, &before)
	if before["revoked_at"] != nil || before["secret_hash"] != orderhub.Masked {
		t.Fatalf("audit entry's before: %s", e.Before)
	}

	// A vendor-admin posting the revoke of another vendor's client.
	a := newBrowser(t, bd.URL)
	a.login("acme-ops", testPassword)
	a.do(chromedp.WaitVisible(chromedp.CSS(".who")))
	a.postAs("/console/clients/"+other+"/revoke", nil)
	a.do(chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := a.text("#error"); !strings.Contains(msg, "not found") {
		t.Fatalf("a vendor-admin revoking another vendor's client: %q", msg)
	}
	if c, _ := bd.DB.Tenants().GetClient(ctx, other); c.RevokedAt != nil {
		t.Fatal("another vendor's client was revoked")
	}
}

// An operator edits a vendor: a name and an origin the admin API refuses are shown
// next to their fields (the API's messages) and change nothing; then both are
// saved, each its own audit entry. The page says vendors are never deleted. A
// vendor-admin cannot open or post the form, for its vendor or another.
func TestVendorEditInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	otherVendor(t, bd)
	b := asOperator(t, bd.URL)
	b.openForm(bd.URL+"/console/catalog?vendor=acme", "#edit-vendor", "#vendor-edit-form")
	if note := b.text("#never-deleted"); !strings.Contains(note, "never deleted") {
		t.Fatalf("the page does not say vendors are never deleted: %q", note)
	}
	b.screenshot("61-vendor-edit")
	b.do(
		chromedp.SetValue(chromedp.CSS("#name"), "   "),
		chromedp.SetValue(chromedp.CSS("#frameAncestors"), "https://shop.acme.example"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#name-error")),
	)
	fieldError(t, b, "name", apiError(t, bd, "PATCH", "/admin/v1/vendors/acme", map[string]any{"name": "   "}))
	if v := value(t, b, "#frameAncestors"); v != "https://shop.acme.example" {
		t.Fatalf("the refused form lost its frame ancestors: %q", v)
	}
	b.do(
		chromedp.SetValue(chromedp.CSS("#name"), "Acme Media AB"),
		chromedp.SetValue(chromedp.CSS("#frameAncestors"), "https://shop.acme.example\nshop.acme.example/embed"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#frameAncestors-error")),
	)
	fieldError(t, b, "frameAncestors", apiError(t, bd, "PATCH", "/admin/v1/vendors/acme", map[string]any{"name": "Acme Media AB", "frameAncestors": []string{"https://shop.acme.example", "shop.acme.example/embed"}}))
	b.screenshot("62-vendor-edit-refused")
	if v, _ := bd.DB.Tenants().GetVendor(ctx, "acme"); v.Name != "Acme Media" {
		t.Fatalf("a refused form renamed the vendor: %q", v.Name)
	}
	b.do(
		chromedp.SetValue(chromedp.CSS("#frameAncestors"), "https://shop.acme.example\nhttps://news.acme.example:8443"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if f := b.text("#flash"); !strings.Contains(f, "Vendor acme saved") {
		t.Fatalf("flash: %q", f)
	}
	v, _ := bd.DB.Tenants().GetVendor(ctx, "acme")
	fa, _ := bd.DB.Tenants().PortalFrameAncestors(ctx, "acme")
	if v.Name != "Acme Media AB" || strings.Join(fa, " ") != "https://shop.acme.example https://news.acme.example:8443" {
		t.Fatalf("saved: %q %q", v.Name, fa)
	}
	if e := audited(t, bd, "vendor.update", "acme"); !strings.Contains(string(e.Before), `"Acme Media"`) || !strings.Contains(string(e.After), "Acme Media AB") {
		t.Fatalf("audit entry of the rename: %s → %s", e.Before, e.After)
	}
	if e := audited(t, bd, "portal.set", "acme"); !strings.Contains(string(e.After), "news.acme.example:8443") || e.VendorID != "acme" {
		t.Fatalf("audit entry of the frame ancestors: %s → %s", e.Before, e.After)
	}

	// A vendor-admin: not for its vendor, not for another, however posted.
	a := newBrowser(t, bd.URL)
	a.login("acme-ops", testPassword)
	a.do(chromedp.WaitVisible(chromedp.CSS(".who")))
	for _, p := range []string{"/console/vendors/acme/edit", "/console/vendors/other/edit"} {
		a.wantError(p, "Only operators")
	}
	a.do(chromedp.Navigate(bd.URL+"/console/catalog"), chromedp.WaitVisible(chromedp.CSS("#promos")))
	if n, _ := chromedp.Run(a.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#edit-vendor").length`)); n != 0 {
		t.Fatal("a vendor-admin sees the Edit vendor button")
	}
	a.postAs("/console/vendors/other/edit", map[string]string{"name": "Hacked"})
	a.do(chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := a.text("#error"); !strings.Contains(msg, "Only operators") {
		t.Fatalf("a vendor-admin posting another vendor's form: %q", msg)
	}
	if v, _ := bd.DB.Tenants().GetVendor(ctx, "other"); v.Name != "Other Media" {
		t.Fatalf("another vendor renamed: %q", v.Name)
	}
}

// Promo codes in a real browser: an unused code is edited (a price the admin API
// refuses first, shown next to the field), a used code's terms are fixed and it is
// deactivated instead of deleted, an unused code is deleted; each change is
// audited; a vendor-admin is refused another vendor's code however the URL is
// edited, and a vendor-viewer sees no edit link.
func TestPromoCodeFormsInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	otherVendor(t, bd)
	b := asOperator(t, bd.URL)
	edit := `a[href="/console/vendors/acme/promo-codes/PROMOCODE/edit"]`
	b.do(
		chromedp.Navigate(bd.URL+"/console/catalog?vendor=acme"),
		chromedp.WaitVisible(chromedp.CSS(edit)),
		chromedp.Click(chromedp.CSS(edit)),
		chromedp.WaitVisible(chromedp.CSS("#promo-edit-form")),
		chromedp.SetValue(chromedp.CSS("#price"), "12,50"),
		chromedp.SetValue(chromedp.CSS("#productName"), "Digital 12 months plus"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#price-error")),
	)
	fieldError(t, b, "price", apiError(t, bd, "PATCH", "/admin/v1/vendors/acme/promo-codes/PROMOCODE", map[string]any{"price": "12,50", "productName": "Digital 12 months plus"}))
	if v := value(t, b, "#productName"); v != "Digital 12 months plus" {
		t.Fatalf("the refused form lost its product name: %q", v)
	}
	b.screenshot("63-promo-edit-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#price"), "109"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if p, _ := bd.DB.Tenants().GetPromoCode(ctx, "acme", "PROMOCODE"); p.Price != "109.00" || p.ProductName != "Digital 12 months plus" {
		t.Fatalf("saved: %+v", p)
	}
	if e := audited(t, bd, "promo-code.update", "PROMOCODE"); !strings.Contains(string(e.Before), `"price_minor":9900`) || !strings.Contains(string(e.After), `"price_minor":10900`) {
		t.Fatalf("audit entry of the edit: %s → %s", e.Before, e.After)
	}

	// A contract is sold with it: its terms are fixed, it is deactivated, not deleted.
	promo, _ := bd.DB.Tenants().GetPromoCode(ctx, "acme", "PROMOCODE")
	o, err := orderhub.ParseVendorOrder("acme", "PROMOCODE", true, []byte(`{"externalOrderId":"VO-1","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"vo@example.com","fullName":"V O"}}`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hub.NewOrders(bd.DB).PlaceVendorOrder(ctx, o, promo); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(bd.URL+"/console/vendors/acme/promo-codes/PROMOCODE/edit"), chromedp.WaitVisible(chromedp.CSS("#terms-fixed")))
	if uses, nodel := b.text("#promo-uses"), b.text("#no-delete"); uses != "1" || !strings.Contains(nodel, "deactivate it instead") {
		t.Fatalf("a used code's page: uses %q, %q", uses, nodel)
	}
	if n, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#delete").length`)); n != 0 {
		t.Fatal("a used code has a delete button")
	}
	b.screenshot("64-promo-used")
	b.do(chromedp.Click(chromedp.CSS("#deactivate")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if f := b.text("#flash"); !strings.Contains(f, "deactivated") {
		t.Fatalf("flash: %q", f)
	}
	if row := b.text("#promos"); !strings.Contains(row, "deactivated") {
		t.Fatalf("catalog after deactivation: %q", row)
	}
	b.screenshot("65-catalog-promo-deactivated")
	if p, _ := bd.DB.Tenants().GetPromoCode(ctx, "acme", "PROMOCODE"); p.Active {
		t.Fatal("not deactivated")
	}
	var entries []*orderhub.AuditEntry
	pg, _ := bd.DB.Admin().ListAudit(ctx, orderhub.AuditFilter{Action: "promo-code.update", ResourceID: "PROMOCODE"}, orderhub.Page{Limit: 10})
	entries = pg.Data
	if len(entries) != 2 || !strings.Contains(string(entries[0].Before), `"deactivated_at":null`) || strings.Contains(string(entries[0].After), `"deactivated_at":null`) {
		t.Fatalf("audit entry of the deactivation: %+v", entries)
	}

	// An unused code is deleted.
	if err := bd.DB.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: "acme", Code: "TYPO", ProductName: "Typo", Price: "1", Currency: "SEK", BillingPeriod: "month", Delivery: "digital"}); err != nil {
		t.Fatal(err)
	}
	b.openForm(bd.URL+"/console/vendors/acme/promo-codes/TYPO/edit", "#delete", "#flash")
	if f, list := b.text("#flash"), b.text("#promos"); !strings.Contains(f, "TYPO deleted") || strings.Contains(list, "TYPO") {
		t.Fatalf("after delete: %q, %q", f, list)
	}
	if e := audited(t, bd, "promo-code.delete", "TYPO"); !strings.Contains(string(e.Before), "Typo") || string(e.After) != "null" {
		t.Fatalf("audit entry of the delete: %s → %s", e.Before, e.After)
	}

	// A vendor-admin: another vendor's code is not found, however the URL is edited.
	a := newBrowser(t, bd.URL)
	a.login("acme-ops", testPassword)
	a.do(chromedp.WaitVisible(chromedp.CSS(".who")))
	a.wantError("/console/vendors/other/promo-codes/OTHER10/edit", "not found")
	a.postAs("/console/vendors/other/promo-codes/OTHER10/delete", nil)
	a.do(chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := a.text("#error"); !strings.Contains(msg, "not found") {
		t.Fatalf("a vendor-admin deleting another vendor's code: %q", msg)
	}
	if _, err := bd.DB.Tenants().GetPromoCode(ctx, "other", "OTHER10"); err != nil {
		t.Fatal("another vendor's code was deleted")
	}
	// Its own vendor's code: activated again.
	a.do(chromedp.Navigate(bd.URL+"/console/vendors/acme/promo-codes/PROMOCODE/edit"), chromedp.WaitVisible(chromedp.CSS("#activate")),
		chromedp.Click(chromedp.CSS("#activate")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if p, _ := bd.DB.Tenants().GetPromoCode(ctx, "acme", "PROMOCODE"); !p.Active {
		t.Fatal("the vendor-admin did not activate its code")
	}

	// A vendor-viewer sees no edit link and cannot open the form.
	if _, err := bd.DB.Admin().CreateScopedConsoleUser(ctx, "acme-viewer", testPassword, orderhub.RoleVendorViewer, "acme"); err != nil {
		t.Fatal(err)
	}
	v := newBrowser(t, bd.URL)
	v.login("acme-viewer", testPassword)
	v.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Navigate(bd.URL+"/console/catalog"), chromedp.WaitVisible(chromedp.CSS("#promos")))
	if n, _ := chromedp.Run(v.ctx, chromedp.Evaluate[int](`document.querySelectorAll("a.edit-promo").length`)); n != 0 {
		t.Fatal("a viewer sees edit links")
	}
	v.wantError("/console/vendors/acme/promo-codes/PROMOCODE/edit", "vendor-viewer")
}

// An operator edits a vendor's quotas: a limit the admin API refuses is shown next
// to its field with the API's message; then one override is set and one cleared;
// the audit entry holds the change. A vendor-admin sees no form and is refused it.
func TestQuotaFormInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	otherVendor(t, bd)
	five := 5
	if _, err := bd.DB.Tenants().SetVendorQuotas(ctx, "acme", map[string]*int{orderhub.QuotaPromoCodes: &five}); err != nil {
		t.Fatal(err)
	}
	b := asOperator(t, bd.URL)
	b.openForm(bd.URL+"/console/catalog?vendor=acme", "#edit-quotas", "#quota-form")
	if v := value(t, b, "#promoCodes"); v != "5" {
		t.Fatalf("the promoCodes override shown: %q", v)
	}
	b.do(
		chromedp.SetValue(chromedp.CSS("#webhookEndpoints"), "lots"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#webhookEndpoints-error")),
	)
	fieldError(t, b, "webhookEndpoints", apiError(t, bd, "PUT", "/admin/v1/vendors/acme/quotas", map[string]any{"webhookEndpoints": "lots"}))
	b.screenshot("66-quotas-refused")
	b.setValue("webhookEndpoints", "-1")
	b.submit("#save", "#webhookEndpoints-error")
	fieldError(t, b, "webhookEndpoints", apiError(t, bd, "PUT", "/admin/v1/vendors/acme/quotas", map[string]any{"webhookEndpoints": -1}))
	b.setValue("webhookEndpoints", "1000")
	b.setValue("promoCodes", "")
	b.submit("#save", "#flash")
	if f := b.text("#flash"); !strings.Contains(f, "Quotas of acme saved") {
		t.Fatalf("flash: %q", f)
	}
	q, _ := bd.DB.Tenants().GetVendorQuotas(ctx, "acme")
	for _, x := range q.Quotas {
		switch x.Name {
		case orderhub.QuotaWebhookEndpoints:
			if x.Override == nil || *x.Override != 1000 {
				t.Fatalf("webhookEndpoints: %+v", x)
			}
		case orderhub.QuotaPromoCodes:
			if x.Override != nil {
				t.Fatalf("promoCodes override not cleared: %+v", x)
			}
		default:
			if x.Override != nil {
				t.Fatalf("%s changed: %+v", x.Name, x)
			}
		}
	}
	if row := b.text("#quotas"); !strings.Contains(row, "1000") {
		t.Fatalf("the catalog's quotas: %q", row)
	}
	b.screenshot("67-quotas-saved")
	if e := audited(t, bd, "quota.set", "acme"); !strings.Contains(string(e.After), `"webhookEndpoints":1000`) || !strings.Contains(string(e.After), `"promoCodes":null`) || e.VendorID != "acme" {
		t.Fatalf("audit entry: %s → %s", e.Before, e.After)
	}

	a := newBrowser(t, bd.URL)
	a.login("acme-ops", testPassword)
	a.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Navigate(bd.URL+"/console/catalog"), chromedp.WaitVisible(chromedp.CSS("#quotas")))
	if n, _ := chromedp.Run(a.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#edit-quotas").length`)); n != 0 {
		t.Fatal("a vendor-admin sees Edit quotas")
	}
	for _, p := range []string{"/console/vendors/acme/quotas", "/console/vendors/other/quotas"} {
		a.wantError(p, "Only operators")
	}
	a.postAs("/console/vendors/acme/quotas", map[string]string{"webhookEndpoints": "100000"})
	a.do(chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := a.text("#error"); !strings.Contains(msg, "Only operators") {
		t.Fatalf("a vendor-admin posting its quotas: %q", msg)
	}
	q, _ = bd.DB.Tenants().GetVendorQuotas(ctx, "acme")
	for _, x := range q.Quotas {
		if x.Name == orderhub.QuotaWebhookEndpoints && (x.Override == nil || *x.Override != 1000) {
			t.Fatalf("a vendor-admin changed its quota: %+v", x)
		}
	}
}

// Portal links made in the console: a lifetime the admin API refuses is shown next
// to its field; a made link is shown once, opens the vendor's portal, and its making
// is audited without the link. A vendor-admin makes links for its vendor only; a
// vendor-viewer makes none.
func TestPortalLinkFormInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	otherVendor(t, bd)
	b := asOperator(t, bd.URL)
	b.openForm(bd.URL+"/console/catalog?vendor=acme", "#new-portal-link", "#portal-link-form")
	b.screenshot("68-portal-link-new")
	b.setValue("ttlSeconds", "30")
	b.setValue("access", "manage")
	b.submit("#save", "#ttlSeconds-error")
	fieldError(t, b, "ttlSeconds", apiError(t, bd, "POST", "/admin/v1/vendors/acme/portal-links", map[string]any{"access": "manage", "ttlSeconds": 30}))
	if v := value(t, b, "#access"); v != "manage" {
		t.Fatalf("the refused form lost its access: %q", v)
	}
	b.setValue("ttlSeconds", "600")
	b.submit("#save", "#portal-link")
	link := b.text("#portal-link code")
	if !strings.HasPrefix(link, bd.URL+"/portal/") || !strings.Contains(b.text("#portal-access"), "manage") {
		t.Fatalf("the link %q (base %s), access %q", link, bd.URL, b.text("#portal-access"))
	}
	b.screenshot("69-portal-link-made")
	e := audited(t, bd, "portal-link.create", "acme")
	token := strings.TrimSuffix(strings.TrimPrefix(link, bd.URL+"/portal/"), "/")
	if all := string(e.Before) + string(e.After); strings.Contains(all, token) || strings.Contains(all, "/portal/") || !strings.Contains(all, `"access":"manage"`) || !strings.Contains(all, "expiresAt") || e.VendorID != "acme" {
		t.Fatalf("audit entry of the link: %s → %s", e.Before, e.After)
	}
	// Shown once: the catalog and the audit page do not show it.
	b.do(chromedp.Navigate(bd.URL+"/console/audit"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	if page := b.text("body"); strings.Contains(page, token) || !strings.Contains(page, "portal-link.create") {
		t.Fatalf("the audit page: %q", page)
	}
	// The link opens the portal, with manage access.
	b.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#portal-endpoints")))
	if page := b.text("body"); !strings.Contains(page, "CRM webhook") {
		t.Fatalf("the portal: %q", page)
	}

	// A vendor-admin: its vendor's links, not another's.
	a := newBrowser(t, bd.URL)
	a.login("acme-ops", testPassword)
	a.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Navigate(bd.URL+"/console/catalog"), chromedp.WaitVisible(chromedp.CSS("#new-portal-link")),
		chromedp.Click(chromedp.CSS("#new-portal-link")), chromedp.WaitVisible(chromedp.CSS("#portal-link-form")))
	a.submit("#save", "#portal-link")
	if l := a.text("#portal-link code"); !strings.Contains(l, "/portal/") || !strings.Contains(a.text("#portal-access"), "read") {
		t.Fatalf("a vendor-admin's link: %q", l)
	}
	a.wantError("/console/vendors/other/portal-links/new", "not found")
	a.postAs("/console/vendors/other/portal-links", map[string]string{"access": "manage", "ttlSeconds": "604800"})
	a.do(chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := a.text("#error"); !strings.Contains(msg, "not found") || strings.Contains(a.text("body"), "/portal/") {
		t.Fatalf("a vendor-admin making another vendor's link: %q", msg)
	}
	pg, _ := bd.DB.Admin().ListAudit(ctx, orderhub.AuditFilter{Action: "portal-link.create"}, orderhub.Page{Limit: 10})
	for _, e := range pg.Data {
		if e.VendorID != "acme" {
			t.Fatalf("a link of %s was made", e.VendorID)
		}
	}

	// A vendor-viewer makes none.
	if _, err := bd.DB.Admin().CreateScopedConsoleUser(ctx, "acme-viewer", testPassword, orderhub.RoleVendorViewer, "acme"); err != nil {
		t.Fatal(err)
	}
	v := newBrowser(t, bd.URL)
	v.login("acme-viewer", testPassword)
	v.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Navigate(bd.URL+"/console/vendors/acme/portal-links/new"), chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := v.text("#error"); !strings.Contains(msg, "vendor-viewer") {
		t.Fatalf("the link form for a viewer: %q", msg)
	}
}
