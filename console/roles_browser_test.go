package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"orderhub"
	"orderhub/console"
	"orderhub/hub"
)

// wantError opens path and fails the test unless the page's error says want.
func (b *browser) wantError(path, want string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := b.text("#error"); !strings.Contains(msg, want) {
		b.t.Fatalf("%s: %q", path, msg)
	}
}

// newBedWithOther is a browser test's bed (the test is skipped without Chromium)
// with a second vendor, "other".
func newBedWithOther(t *testing.T) *bed {
	chromiumPath(t)
	bd := newBed(t)
	if err := bd.DB.Tenants().CreateVendor(context.Background(), &orderhub.Vendor{ID: "other", Name: "Other Media"}); err != nil {
		t.Fatal(err)
	}
	return bd
}

// A vendor-admin in a real browser: the console starts at its vendor's endpoints,
// shows only its vendor, and refuses another vendor's pages however the URL is
// edited; its change (disabling its endpoint) is in the audit log page next to an
// operator's admin API change and a CLI change.
func TestVendorAdminAndAuditLogInABrowser(t *testing.T) {
	bd := newBedWithOther(t)
	ctx := context.Background()
	db := bd.DB
	otherEP := &orderhub.Endpoint{VendorID: "other", URL: "https://hooks.other.example/x", Description: "Other's CRM"}
	if err := db.Deliveries().CreateEndpoint(ctx, otherEP); err != nil {
		t.Fatal(err)
	}
	otherOrder, _, err := hub.NewOrders(db).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: "other", ExternalOrderID: "OTHER-1", Source: "webshop",
		Status: orderhub.OrderInitialized, Customer: orderhub.Customer{Email: "olle@other.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Admin().CreateScopedConsoleUser(ctx, "acme-ops", testPassword, orderhub.RoleVendorAdmin, "acme"); err != nil {
		t.Fatal(err)
	}
	// An operator's change through the admin API, and one through the CLI.
	_, tok, err := db.Tenants().CreateAdminToken(ctx, "ci")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"vendorId": "acme", "name": "Newsletter shop", "scopes": []string{"events"}})
	req, _ := http.NewRequest("POST", bd.URL+"/admin/v1/clients", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("admin API client create: %v %v", res, err)
	}
	var created struct{ ClientSecret string }
	_ = json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	if created.ClientSecret == "" {
		t.Fatal("no client secret")
	}
	cliCtx := orderhub.WithChange(ctx, &orderhub.Change{Actor: orderhub.CLIActor, Action: "retention.set", ResourceType: "retention", ResourceID: "acme", VendorID: "acme"})
	dead := 30 * 24 * time.Hour
	if err := db.Admin().SetVendorRetention(cliCtx, "acme", nil, &dead); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, bd.URL)
	b.login("acme-ops", testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS("table.endpoints")))
	if loc := b.location(); !strings.HasSuffix(loc, "/console/endpoints?vendor=acme") && !strings.HasSuffix(loc, "/console/endpoints") {
		t.Fatalf("a vendor-admin starts at %s", loc)
	}
	if list := b.text("main"); !strings.Contains(list, "CRM webhook") || strings.Contains(list, "Other's CRM") {
		t.Fatalf("endpoints seen by acme-ops: %q", list)
	}
	if who := b.text(".who"); !strings.Contains(who, "acme-ops · acme") {
		t.Fatalf("header: %q", who)
	}
	b.screenshot("20-vendor-admin-endpoints")

	// Editing the URL to another vendor's pages is refused.
	for _, p := range []struct{ path, want string }{
		{"/console/endpoints/" + otherEP.ID, "not found"},
		{"/console/orders/" + otherOrder.ID, "not found"},
		{"/console/customers/" + otherOrder.CustomerID, "not found"},
		{"/console/catalog?vendor=other", "You work with vendor acme"},
		{"/console/endpoints?vendor=other", "You work with vendor acme"},
		{"/console/audit?vendor=other", "You work with vendor acme"},
		{"/console/credentials?vendor=other", "You work with vendor acme"},
	} {
		b.wantError(p.path, p.want)
		if p.path == "/console/catalog?vendor=other" {
			b.screenshot("21-vendor-admin-refused")
		}
	}
	if e, _ := db.Deliveries().GetEndpoint(ctx, "", otherEP.ID); !e.Enabled {
		t.Fatal("other's endpoint changed")
	}
	// Its own endpoint: disable it (through the confirm dialog).
	b.openForm(bd.URL+"/console/endpoints/"+bd.Endpoint.ID, "#disable", "#flash")

	// The audit log page: the console change, the API change and the CLI change.
	b.do(chromedp.Navigate(bd.URL+"/console/audit"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	log := strings.ToLower(b.text("#audit"))
	for _, w := range []string{"endpoint.disable", "acme-ops", "console", "client.create", "ci", "api", "retention.set", "cli", "enabled", "disabled by acme-ops", "dead_s"} {
		if !strings.Contains(log, w) {
			t.Fatalf("the audit page lacks %q:\n%s", w, log)
		}
	}
	if strings.Contains(log, "whsec_") || strings.Contains(log, strings.ToLower(created.ClientSecret)) || !strings.Contains(log, "[masked]") {
		t.Fatalf("the audit page shows a secret:\n%s", log)
	}
	b.screenshot("22-audit-log")
	// Filtered by action.
	b.do(chromedp.Navigate(bd.URL+"/console/audit?action=endpoint."), chromedp.WaitVisible(chromedp.CSS("#audit")))
	if log := b.text("#audit"); strings.Contains(log, "client.create") || !strings.Contains(log, "endpoint.disable") {
		t.Fatalf("filtered audit page:\n%s", log)
	}
}

// A portal link in a real browser: it opens the vendor's portal (endpoints,
// deliveries, dead letters, event types) without logging in; a manage link disables
// the endpoint from the page; once the link has expired the page says so.
func TestPortalLinkInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	link, err := console.NewPortalLink(context.Background(), hub.Wrap(bd.DB.Store(), bd.DB), "acme", console.PortalManage, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, bd.URL)
	b.do(chromedp.Navigate(bd.URL+link.URL), chromedp.WaitVisible(chromedp.CSS("#portal-endpoints")))
	if s := b.text("main"); !strings.Contains(s, "CRM webhook") || !strings.Contains(s, "order-created") || !strings.Contains(s, "HTTP 500") {
		t.Fatalf("portal page: %q", s)
	}
	b.screenshot("23-portal")
	b.do(chromedp.Click(chromedp.CSS("#portal-endpoints button.disable")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if e, _ := bd.DB.Deliveries().GetEndpoint(context.Background(), "", bd.Endpoint.ID); e.Enabled {
		t.Fatal("the portal's disable did not disable")
	}
	bd.Skew.Store(int64(2 * time.Hour))
	b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#error")))
	if s := b.text("#error"); !strings.Contains(s, "expired") {
		t.Fatalf("expired link: %q", s)
	}
	b.screenshot("24-portal-expired")
}
