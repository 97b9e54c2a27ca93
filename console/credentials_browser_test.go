package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"orderhub"
)

// A vendor-admin's Credentials page in a real browser: only its vendor's OAuth
// clients and admin tokens, no console users; it creates a client of its vendor
// (first without a scope: refused next to the field) and rotates its secret, both
// in the audit log as its changes; another vendor's client cannot be rotated or
// revoked however the form is posted. A vendor-viewer reads the page without forms.
func TestVendorCredentialsInABrowser(t *testing.T) {
	bd := newBedWithOther(t)
	ctx := context.Background()
	db := bd.DB
	other := &orderhub.Client{VendorID: "other", Name: "Other shop", Scopes: []string{orderhub.ScopeEvents}}
	otherSecret, err := db.Tenants().CreateClient(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []struct{ name, role, vendor string }{{"ci", orderhub.RoleOperator, ""}, {"acme-ci", orderhub.RoleVendorAdmin, "acme"}, {"other-ci", orderhub.RoleVendorViewer, "other"}} {
		if _, _, err := db.Tenants().CreateScopedAdminToken(ctx, tok.name, tok.role, tok.vendor); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Admin().CreateScopedConsoleUser(ctx, "acme-ops", testPassword, orderhub.RoleVendorAdmin, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Admin().CreateScopedConsoleUser(ctx, "acme-look", testPassword, orderhub.RoleVendorViewer, "acme"); err != nil {
		t.Fatal(err)
	}
	byAcmeOps := func(action, id string) *orderhub.AuditEntry {
		t.Helper()
		pg, err := db.Admin().ListAudit(ctx, orderhub.AuditFilter{Action: action, ResourceID: id, Actor: "acme-ops"}, orderhub.Page{})
		if err != nil || len(pg.Data) != 1 || pg.Data[0].VendorID != "acme" || pg.Data[0].Actor.Via != orderhub.ViaConsole {
			t.Fatalf("audit entries %s of %s by acme-ops: %+v %v", action, id, pg, err)
		}
		return pg.Data[0]
	}

	b := newBrowser(t, bd.URL)
	b.login("acme-ops", testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Click(chromedp.CSS(`header nav a[href="/console/credentials"]`)), chromedp.WaitVisible(chromedp.CSS("#clients")))
	page := b.text("main")
	for _, want := range []string{"Credentials of acme", "Webshop", "acme-ci", "vendor-admin of acme"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the vendor-admin's credentials page lacks %q:\n%s", want, page)
		}
	}
	for _, not := range []string{"Other shop", "other-ci", "Console users", testUser + " "} {
		if strings.Contains(page, not) {
			t.Fatalf("the vendor-admin's credentials page shows %q:\n%s", not, page)
		}
	}
	if strings.Contains(page, "\nci\t") || strings.Contains(b.text("#admin-tokens"), "operator") {
		t.Fatalf("the vendor-admin sees the operator's token:\n%s", b.text("#admin-tokens"))
	}
	b.screenshot("46-vendor-admin-credentials")

	// A client of its vendor: without a scope first.
	b.do(chromedp.Click(chromedp.CSS("#new-client")), chromedp.WaitVisible(chromedp.CSS("#client-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Acme newsletter"), chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#scopes-error")))
	if got, want := b.text("#scopes-error"), apiError(t, bd, "POST", "/admin/v1/clients", map[string]any{"vendorId": "acme", "name": "Acme newsletter"}); got != want {
		t.Fatalf("the form says %q, the API %q", got, want)
	}
	if opts := b.text("#vendor"); strings.Contains(opts, "Other") {
		t.Fatalf("the vendor-admin's vendor choice: %q", opts)
	}
	b.do(chromedp.Click(chromedp.CSS(`input[value="events"]`)), chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#client-secret")))
	id := strings.TrimSpace(b.text("h1 .mono"))
	if cl, err := db.Tenants().GetClient(ctx, id); err != nil || cl.VendorID != "acme" {
		t.Fatalf("the vendor-admin's client: %+v %v", cl, err)
	}
	byAcmeOps("client.create", id)
	b.do(chromedp.Navigate(bd.URL+"/console/credentials"),
		chromedp.Click(chromedp.CSS(`form[action="/console/clients/`+id+`/rotate-secret"] button`)), chromedp.WaitVisible(chromedp.CSS("#client-secret")))
	byAcmeOps("client.rotate-secret", id)

	// Another vendor's client, however the form is posted: not found, unchanged.
	c := newClient(t, bd)
	csrf := c.loginAs("acme-ops", testPassword)
	for _, action := range []string{"rotate-secret", "revoke"} {
		if res := c.do("POST", "/console/clients/"+other.ID+"/"+action, url.Values{"csrf": {csrf}}, nil); res.Status != http.StatusNotFound {
			t.Fatalf("a vendor-admin %s another vendor's client: %d", action, res.Status)
		}
	}
	if res := c.do("POST", "/console/clients", url.Values{"csrf": {csrf}, "vendor": {"other"}, "scopes": {"events"}}, nil); res.Status != http.StatusForbidden {
		t.Fatalf("a vendor-admin creates a client of another vendor: %d", res.Status)
	}
	if cl, _ := db.Tenants().GetClient(ctx, other.ID); cl.RevokedAt != nil || !orderhub.SecretMatches(otherSecret, cl.SecretHash) {
		t.Fatalf("another vendor's client changed: %+v", cl)
	}

	// A vendor-viewer reads the page, without forms.
	v := newBrowser(t, bd.URL)
	v.login("acme-look", testPassword)
	v.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Navigate(bd.URL+"/console/credentials"), chromedp.WaitVisible(chromedp.CSS("#clients")))
	forms, err := chromedp.Run(v.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main form, #new-client")).map(e => e.id || e.action)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(forms) != 0 || !strings.Contains(v.text("#clients"), "Webshop") {
		t.Fatalf("the viewer's credentials page has forms %v:\n%s", forms, v.text("main"))
	}
	vc := newClient(t, bd)
	csrf = vc.loginAs("acme-look", testPassword)
	if res := vc.do("POST", "/console/clients/"+id+"/revoke", url.Values{"csrf": {csrf}}, nil); res.Status != http.StatusForbidden {
		t.Fatalf("a viewer revokes: %d", res.Status)
	}
}
