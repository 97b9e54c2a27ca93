package console_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"orderhub"
	"orderhub/sqlstore"
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

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// otherVendor adds vendor "other" with a client and a promo code of its own.
func otherVendor(t *testing.T, bd *bed) (clientID string) {
	t.Helper()
	ctx := context.Background()
	if err := bd.DB.CreateVendor(ctx, &orderhub.Vendor{ID: "other", Name: "Other Media"}); err != nil {
		t.Fatal(err)
	}
	c := &orderhub.Client{ID: "other-shop", VendorID: "other", Scopes: []string{orderhub.ScopeVendorOrders}}
	if _, err := bd.DB.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := bd.DB.CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: "other", Code: "OTHER10", ProductName: "Other digital", Price: "10", Currency: "SEK", BillingPeriod: "month", Delivery: "digital"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bd.DB.CreateScopedConsoleUser(ctx, "acme-ops", testPassword, sqlstore.RoleVendorAdmin, "acme"); err != nil {
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
	cls, err := bd.DB.ListClients(ctx, "acme")
	if err != nil || len(cls) != 1 {
		t.Fatalf("acme's clients: %v %v", cls, err)
	}
	id := cls[0].ID

	b := newBrowser(t, bd.URL)
	b.login(testUser, testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS(".who")))
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
	if c, _ := bd.DB.GetClient(ctx, id); c.RevokedAt == nil {
		t.Fatal("not revoked")
	}
	e := audited(t, bd, "client.revoke", id)
	if !strings.Contains(string(e.After), "revoked_at") || strings.Contains(string(e.Before)+string(e.After), cls[0].ID+"\",\"secret") || e.VendorID != "acme" {
		t.Fatalf("audit entry of the revoke: %s → %s (vendor %q)", e.Before, e.After, e.VendorID)
	}
	var before map[string]any
	_ = json.Unmarshal(e.Before, &before)
	if before["revoked_at"] != nil || before["secret_hash"] != sqlstore.Masked {
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
	if c, _ := bd.DB.GetClient(ctx, other); c.RevokedAt != nil {
		t.Fatal("another vendor's client was revoked")
	}
}
