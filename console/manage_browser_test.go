package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"orderhub"
)

// apiError posts body to the admin API (method, path) and returns the error message
// it answers: the console's forms must show the same one.
func apiError(t *testing.T, bd *bed, method, path string, body any) string {
	t.Helper()
	_, tok, err := bd.DB.Tenants().CreateAdminToken(context.Background(), "forms-"+strings.ReplaceAll(strings.Trim(path, "/"), "/", "-"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, bd.URL+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
		Message string `json:"message"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode < 400 {
		t.Fatalf("%s %s: %d, want an error", method, path, res.StatusCode)
	}
	if out.Error.Message != "" {
		return out.Error.Message
	}
	return out.Message
}

// audited reports whether the audit log holds action on id by the console user.
func audited(t *testing.T, bd *bed, action, id string) *orderhub.AuditEntry {
	t.Helper()
	pg, err := bd.DB.Admin().ListAudit(context.Background(), orderhub.AuditFilter{Action: action}, orderhub.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pg.Data {
		if (id == "" || e.ResourceID == id) && e.Actor.Via == orderhub.ViaConsole && e.Actor.Name == testUser {
			return e
		}
	}
	t.Fatalf("no audit entry %s of %s by %s in %d entries", action, id, testUser, len(pg.Data))
	return nil
}

// An operator creates, edits and deletes a webhook endpoint in a real browser; a
// refused form shows the admin API's own message for the same input next to the
// field, and every change is in the audit log. A vendor-viewer sees no forms.
func TestEndpointFormsInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	b := asOperator(t, bd.URL)

	// Create: a URL the API refuses first.
	b.openForm(bd.URL+"/console/endpoints", "#new-endpoint", "#endpoint-form")
	b.screenshot("30-endpoint-new")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#url"), "ftp://crm.example.com/hooks"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Billing system"),
		chromedp.SendKeys(chromedp.CSS("#eventTypes"), "order-created, contract-created"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#url-error")),
	)
	fieldError(t, b, "url", apiError(t, bd, "POST", "/admin/v1/vendors/acme/endpoints", map[string]any{"url": "ftp://crm.example.com/hooks"}))
	if v := value(t, b, "#description"); v != "Billing system" {
		t.Fatalf("the refused form lost its description: %q", v)
	}
	b.screenshot("31-endpoint-new-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#url"), "https://billing.example.com/hooks/orderhub"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#new-secret")),
	)
	secret := b.text("#new-secret code")
	if !strings.HasPrefix(secret, "whsec_") || !strings.Contains(b.text("#flash"), "Endpoint created") {
		t.Fatalf("after create: secret %q, flash %q", secret, b.text("#flash"))
	}
	b.screenshot("32-endpoint-created")
	eps, err := bd.DB.Deliveries().ListEndpoints(ctx, orderhub.EndpointFilter{VendorID: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	var ep *orderhub.Endpoint
	for _, e := range eps {
		if e.Description == "Billing system" {
			ep = e
		}
	}
	if ep == nil || ep.URL != "https://billing.example.com/hooks/orderhub" || strings.Join(ep.EventTypes, ",") != "order-created,contract-created" {
		t.Fatalf("created endpoint: %+v", ep)
	}
	if e := audited(t, bd, "endpoint.create", ep.ID); strings.Contains(string(e.After), secret) || e.VendorID != "acme" {
		t.Fatalf("audit entry of the create: %s (vendor %q)", e.After, e.VendorID)
	}

	// Edit: an event type the API refuses, then a good one.
	b.do(
		chromedp.Click(chromedp.CSS("#edit")),
		chromedp.WaitVisible(chromedp.CSS("#endpoint-form")),
		chromedp.SetValue(chromedp.CSS("#eventTypes"), "order created"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#eventTypes-error")),
	)
	fieldError(t, b, "eventTypes", apiError(t, bd, "PATCH", "/admin/v1/vendors/acme/endpoints/"+ep.ID, map[string]any{"eventTypes": []string{"order created"}}))
	b.screenshot("33-endpoint-edit-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#eventTypes"), "order-created"),
		chromedp.SetValue(chromedp.CSS("#description"), "Billing (orders only)"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if e, _ := bd.DB.Deliveries().GetEndpoint(ctx, "acme", ep.ID); e.Description != "Billing (orders only)" || strings.Join(e.EventTypes, ",") != "order-created" {
		t.Fatalf("edited endpoint: %+v", e)
	}
	if e := audited(t, bd, "endpoint.update", ep.ID); !strings.Contains(string(e.After), "orders only") || !strings.Contains(string(e.Before), "Billing system") {
		t.Fatalf("audit entry of the edit: %s → %s", e.Before, e.After)
	}
	// The actions already on the page: disable, enable, send a test event, rotate.
	b.submit("#disable", "#enable")
	b.submit("#enable", "#send-test")
	b.do(chromedp.Click(chromedp.CSS("#send-test")))
	bd.waitFor("the test event's delivery page", func() bool { return strings.Contains(b.location(), "/console/deliveries/") })
	b.do(chromedp.WaitVisible(chromedp.CSS("#flash")))
	if !strings.Contains(b.text("#flash"), "Test event queued") {
		t.Fatalf("send test: %q", b.text("#flash"))
	}
	for _, a := range []string{"endpoint.disable", "endpoint.enable", "endpoint.test"} {
		audited(t, bd, a, ep.ID)
	}

	// Delete.
	b.do(
		chromedp.Navigate(bd.URL+"/console/endpoints/"+ep.ID+"/edit"),
		chromedp.WaitVisible(chromedp.CSS("#delete")),
	)
	b.screenshot("34-endpoint-edit")
	b.do(chromedp.Click(chromedp.CSS("#delete")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if list, flash := b.text("table.endpoints"), b.text("#flash"); strings.Contains(list, "orders only") || !strings.Contains(flash, "deleted") {
		t.Fatalf("after delete: %q, %q", flash, list)
	}
	if e, err := bd.DB.Deliveries().GetEndpoint(ctx, "acme", ep.ID); err == nil && e.DeletedAt == nil {
		t.Fatal("the endpoint is still there")
	}
	audited(t, bd, "endpoint.delete", ep.ID)

	// A vendor-viewer sees no forms and cannot open them.
	if _, err := bd.DB.Admin().CreateScopedConsoleUser(ctx, "acme-viewer", testPassword, orderhub.RoleVendorViewer, "acme"); err != nil {
		t.Fatal(err)
	}
	v := newBrowser(t, bd.URL)
	v.login("acme-viewer", testPassword)
	v.do(chromedp.WaitVisible(chromedp.CSS(".who")))
	v.do(chromedp.Navigate(bd.URL+"/console/endpoints/"+bd.Endpoint.ID), chromedp.WaitVisible(chromedp.CSS("#health")))
	if main := v.text("main"); strings.Contains(main, "Edit or delete") || strings.Contains(main, "Rotate secret") || strings.Contains(main, "Disable") {
		t.Fatalf("a viewer sees forms: %q", main)
	}
	for _, p := range []string{"/console/endpoints/new", "/console/endpoints/" + bd.Endpoint.ID + "/edit"} {
		v.wantError(p, "vendor-viewer")
	}
}

// An operator creates an OAuth client (first without a scope: the admin API's
// message next to the scopes) and rotates its secret; both secrets are shown once
// and both changes are in the audit log.
func TestClientFormsInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	b := asOperator(t, bd.URL)
	b.do(
		chromedp.Navigate(bd.URL+"/console/credentials"),
		chromedp.WaitVisible(chromedp.CSS("#new-client")),
		chromedp.Click(chromedp.CSS("#new-client")),
		chromedp.WaitVisible(chromedp.CSS("#client-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Newsletter shop"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#scopes-error")),
	)
	fieldError(t, b, "scopes", apiError(t, bd, "POST", "/admin/v1/clients", map[string]any{"vendorId": "acme", "name": "Newsletter shop"}))
	b.screenshot("40-client-new-refused")
	b.do(
		chromedp.Click(chromedp.CSS(`input[value="events"]`)),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#client-secret")),
	)
	secret := b.text("#client-secret code")
	if !strings.HasPrefix(secret, "ohs_") {
		t.Fatalf("client secret %q", secret)
	}
	b.screenshot("41-client-created")
	id := strings.TrimSpace(b.text("h1 .mono"))
	cl, err := bd.DB.Tenants().GetClient(ctx, id)
	if err != nil || cl.Name != "Newsletter shop" || strings.Join(cl.Scopes, " ") != "events" || !orderhub.SecretMatches(secret, cl.SecretHash) {
		t.Fatalf("created client %s: %+v %v", id, cl, err)
	}
	if e := audited(t, bd, "client.create", id); strings.Contains(string(e.After), secret) {
		t.Fatalf("the audit entry shows the secret: %s", e.After)
	}

	// Rotate it from the credentials page.
	b.do(
		chromedp.Navigate(bd.URL+"/console/credentials"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/clients/`+id+`/rotate-secret"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/console/clients/`+id+`/rotate-secret"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#client-secret")),
	)
	rotated := b.text("#client-secret code")
	cl, _ = bd.DB.Tenants().GetClient(ctx, id)
	if rotated == secret || !orderhub.SecretMatches(rotated, cl.SecretHash) || orderhub.SecretMatches(secret, cl.SecretHash) {
		t.Fatalf("after rotation: old %q new %q", secret, rotated)
	}
	b.screenshot("42-client-rotated")
	if e := audited(t, bd, "client.rotate-secret", id); strings.Contains(string(e.After), rotated) {
		t.Fatalf("the audit entry shows the secret: %s", e.After)
	}
}

// An operator creates a vendor (first with an id the admin API refuses) and a promo
// code of it (first with a price the API refuses); a vendor-admin cannot create
// vendors.
func TestVendorAndPromoFormsInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	b := asOperator(t, bd.URL)
	b.do(
		chromedp.Navigate(bd.URL+"/console/catalog"),
		chromedp.WaitVisible(chromedp.CSS("#new-vendor")),
		chromedp.Click(chromedp.CSS("#new-vendor")),
		chromedp.WaitVisible(chromedp.CSS("#vendor-form")),
		chromedp.SendKeys(chromedp.CSS("#id"), "Nord Media!"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Nord Media"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")),
	)
	want := apiError(t, bd, "POST", "/admin/v1/vendors", map[string]any{"id": "Nord Media!", "name": "Nord Media"})
	if got := b.text("#form-error"); !strings.HasSuffix(got, want) || want == "" {
		t.Fatalf("the form says %q, the API %q", got, want)
	}
	b.screenshot("50-vendor-new-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#id"), "nord"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if v, err := bd.DB.Tenants().GetVendor(ctx, "nord"); err != nil || v.Name != "Nord Media" {
		t.Fatalf("vendor: %+v %v", v, err)
	}
	audited(t, bd, "vendor.create", "nord")

	b.do(
		chromedp.WaitVisible(chromedp.CSS("#new-promo")),
		chromedp.Click(chromedp.CSS("#new-promo")),
		chromedp.WaitVisible(chromedp.CSS("#promo-form")),
		chromedp.SendKeys(chromedp.CSS("#code"), "SUMMER"),
		chromedp.SendKeys(chromedp.CSS("#productName"), "Digital 6 months"),
		chromedp.SendKeys(chromedp.CSS("#price"), "12,50"),
		chromedp.SendKeys(chromedp.CSS("#currency"), "SEK"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")),
	)
	want = apiError(t, bd, "POST", "/admin/v1/promo-codes", map[string]any{"vendorId": "nord", "code": "SUMMER", "productName": "Digital 6 months",
		"price": "12,50", "currency": "SEK", "billingPeriod": "month", "bindingMonths": 0, "delivery": "digital"})
	if got := b.text("#form-error"); !strings.HasSuffix(got, want) || want == "" {
		t.Fatalf("the form says %q, the API %q", got, want)
	}
	b.screenshot("51-promo-new-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#price"), "12.50"),
		chromedp.Click(chromedp.CSS("#save")),
		chromedp.WaitVisible(chromedp.CSS("#promos")),
	)
	if list := b.text("#promos"); !strings.Contains(list, "SUMMER") {
		t.Fatalf("promo codes: %q", list)
	}
	audited(t, bd, "promo-code.create", "SUMMER")

	// A vendor-admin creates no vendors.
	if _, err := bd.DB.Admin().CreateScopedConsoleUser(ctx, "acme-ops", testPassword, orderhub.RoleVendorAdmin, "acme"); err != nil {
		t.Fatal(err)
	}
	a := newBrowser(t, bd.URL)
	a.login("acme-ops", testPassword)
	a.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Navigate(bd.URL+"/console/vendors/new"), chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := a.text("#error"); !strings.Contains(msg, "Only operators") {
		t.Fatalf("vendor form for a vendor-admin: %q", msg)
	}
}
