package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"orderhub"
)

// PATCH /admin/v1/vendors/{vendorId} renames a vendor and sets who may embed its
// portal: a refused field changes nothing (not even the valid one), each part
// changed is its own audit entry, vendor tokens are refused, and PUT …/portal
// shares the rule.
func TestAdminUpdateVendor(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	const path = "/admin/v1/vendors/acme"
	res := h.jsonReq("PATCH", path, h.Admin, map[string]any{"name": "Acme Media AB", "frameAncestors": []string{"shop.acme.example"}}).expect(400, orderhub.EInvalidRequest)
	if !contains(string(res.Body), `"field":"frameAncestors"`) {
		t.Fatalf("refusal: %s", res.Body)
	}
	h.jsonReq("PATCH", path, h.Admin, map[string]any{"name": strings.Repeat("x", 201)}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PATCH", path, h.Admin, map[string]any{"name": "a\nb"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PATCH", path, h.Admin, map[string]any{}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PATCH", path, h.Admin, map[string]any{"id": "renamed"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PATCH", "/admin/v1/vendors/nope", h.Admin, map[string]any{"name": "x"}).expect(404, orderhub.ENotFound)
	if v, _ := h.DB.Tenants().GetVendor(ctx, "acme"); v.Name == "Acme Media AB" {
		t.Fatal("a refused change renamed the vendor")
	}

	var out struct {
		ID             string   `json:"id"`
		Name           string   `json:"name"`
		FrameAncestors []string `json:"frameAncestors"`
	}
	h.jsonReq("PATCH", path, h.Admin, map[string]any{"name": " Acme Media AB ", "frameAncestors": []string{"https://shop.acme.example/"}}).expect(200, "").JSON(&out)
	if out.ID != "acme" || out.Name != "Acme Media AB" || len(out.FrameAncestors) != 1 || out.FrameAncestors[0] != "https://shop.acme.example" {
		t.Fatalf("answer: %+v", out)
	}
	h.jsonReq("PATCH", path, h.Admin, map[string]any{"name": "Acme"}).expect(200, "").JSON(&out)
	if out.Name != "Acme" || len(out.FrameAncestors) != 1 {
		t.Fatalf("a rename alone: %+v", out)
	}
	pg, err := h.DB.Admin().ListAudit(ctx, orderhub.AuditFilter{VendorID: "acme"}, orderhub.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range pg.Data {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, " "); !strings.HasPrefix(got, "vendor.update portal.set vendor.update") {
		t.Fatalf("audit entries: %s", got)
	}
	if e := pg.Data[0]; !contains(string(e.Before), "Acme Media AB") || !contains(string(e.After), `"Acme"`) || e.Actor.Kind != orderhub.ActorToken {
		t.Fatalf("rename entry: %+v %s → %s", e.Actor, e.Before, e.After)
	}

	// PUT …/portal checks the same way, through the same function.
	h.jsonReq("PUT", path+"/portal", h.Admin, map[string]any{"frameAncestors": []string{"shop.acme.example"}}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PUT", path+"/portal", h.Admin, map[string]any{"frameAncestors": []string{}}).expect(200, "")
	if fa, _ := h.DB.Tenants().PortalFrameAncestors(ctx, "acme"); len(fa) != 0 {
		t.Fatalf("frame ancestors after PUT []: %q", fa)
	}

	// Vendor tokens: a vendor-admin may not rename its vendor, nor another.
	_, admin, err := h.DB.Tenants().CreateScopedAdminToken(ctx, "acme-admin", orderhub.RoleVendorAdmin, "acme")
	if err != nil {
		t.Fatal(err)
	}
	h.jsonReq("PATCH", path, admin, map[string]any{"name": "Mine"}).expect(403, orderhub.EForbidden)
	h.jsonReq("PATCH", "/admin/v1/vendors/other", admin, map[string]any{"name": "Mine"}).expect(403, orderhub.EForbidden)
	if v, _ := h.DB.Tenants().GetVendor(ctx, "other"); v.Name == "Mine" {
		t.Fatal("a vendor token renamed another vendor")
	}
}

// Promo codes through the admin API: GET, PATCH and DELETE by vendor and code; an
// unused code's terms change and it is deleted; a used one's terms are 409 and so is
// deleting it, but it is deactivated, after which orders with it are refused (404
// PromoCodeNotFoundError) and its contract is unchanged; a vendor-admin token works
// on its own vendor's codes only.
func TestAdminPromoCodeChanges(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	const path = "/admin/v1/vendors/acme/promo-codes/"
	h.jsonReq("POST", "/admin/v1/promo-codes", h.Admin, map[string]any{"vendorId": "acme", "code": "SPRING", "productName": "Digital 3 months",
		"price": "49", "currency": "SEK", "billingPeriod": "month", "bindingMonths": 3, "delivery": "digital"}).expect(201, "")
	var p struct {
		Code, Price, ProductName string
		Active                   bool
		DeactivatedAt            *string
	}
	h.jsonReq("GET", path+"SPRING", h.Admin, nil).expect(200, "").JSON(&p)
	if !p.Active || p.Price != "49.00" {
		t.Fatalf("GET: %+v", p)
	}
	h.jsonReq("GET", path+"NOPE", h.Admin, nil).expect(404, orderhub.ENotFound)
	res := h.jsonReq("PATCH", path+"SPRING", h.Admin, map[string]any{"price": "12,50"}).expect(400, orderhub.EInvalidRequest)
	if !contains(string(res.Body), `"field":"price"`) {
		t.Fatalf("refusal: %s", res.Body)
	}
	h.jsonReq("PATCH", path+"SPRING", h.Admin, map[string]any{}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PATCH", path+"SPRING", h.Admin, map[string]any{"code": "SUMMER"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PATCH", path+"SPRING", h.Admin, map[string]any{"price": "59", "bindingMonths": 6}).expect(200, "").JSON(&p)
	if p.Price != "59.00" {
		t.Fatalf("PATCH: %+v", p)
	}
	h.jsonReq("DELETE", path+"SPRING", h.Admin, nil).expect(204, "")
	h.jsonReq("GET", path+"SPRING", h.Admin, nil).expect(404, orderhub.ENotFound)

	// PROMOCODE (the hub's) is used by an order.
	tok := h.token("")
	const order = "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true"
	h.jsonReq("POST", order, tok, `{"externalOrderId":"P-1","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"p1@example.com","fullName":"P One"}}`).expect(200, "")
	h.jsonReq("PATCH", path+"PROMOCODE", h.Admin, map[string]any{"price": "1"}).expect(409, orderhub.EConflict)
	h.jsonReq("DELETE", path+"PROMOCODE", h.Admin, nil).expect(409, orderhub.EConflict)
	h.jsonReq("PATCH", path+"PROMOCODE", h.Admin, map[string]any{"active": false}).expect(200, "").JSON(&p)
	if p.Active || p.DeactivatedAt == nil {
		t.Fatalf("deactivated: %+v", p)
	}
	h.Clock.Add(31 * time.Second) // past the order path's promo cache
	h.jsonReq("POST", order, tok, `{"externalOrderId":"P-2","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"p2@example.com","fullName":"P Two"}}`).
		expect(404, orderhub.EPromoCodeNotFound)
	if n, _ := h.DB.Tenants().PromoCodeUses(ctx, "acme", "PROMOCODE"); n != 1 {
		t.Fatalf("contracts of the deactivated code: %d", n)
	}
	h.jsonReq("PATCH", path+"PROMOCODE", h.Admin, map[string]any{"active": true}).expect(200, "")
	h.Clock.Add(31 * time.Second)
	h.jsonReq("POST", order, tok, `{"externalOrderId":"P-3","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"p3@example.com","fullName":"P Three"}}`).expect(200, "")

	// Audit entries by the token, with the row before and after.
	pg, err := h.DB.Admin().ListAudit(ctx, orderhub.AuditFilter{Action: "promo-code."}, orderhub.Page{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range pg.Data {
		actions = append(actions, e.Action+":"+e.ResourceID)
	}
	if got := strings.Join(actions, " "); got != "promo-code.update:PROMOCODE promo-code.update:PROMOCODE promo-code.delete:SPRING promo-code.update:SPRING promo-code.create:SPRING" {
		t.Fatalf("audit entries: %s", got)
	}
	if e := pg.Data[2]; !contains(string(e.Before), "59") || string(e.After) != "null" || e.VendorID != "acme" {
		t.Fatalf("delete entry: %s → %s", e.Before, e.After)
	}

	// Vendor tokens: its own vendor's codes only; a viewer reads.
	admin, viewer := acmeRoleTokens(t, h)
	h.jsonReq("POST", "/admin/v1/promo-codes", h.Admin, map[string]any{"vendorId": "other", "code": "OTHER", "productName": "x", "price": "1",
		"currency": "SEK", "billingPeriod": "month", "delivery": "digital"}).expect(201, "")
	h.jsonReq("PATCH", "/admin/v1/vendors/other/promo-codes/OTHER", admin, map[string]any{"active": false}).expect(403, orderhub.EForbidden)
	h.jsonReq("DELETE", "/admin/v1/vendors/other/promo-codes/OTHER", admin, nil).expect(403, orderhub.EForbidden)
	h.jsonReq("PATCH", path+"PROMOCODE", viewer, map[string]any{"active": false}).expect(403, orderhub.EForbidden)
	h.jsonReq("GET", path+"PROMOCODE", viewer, nil).expect(200, "")
	h.jsonReq("PATCH", path+"PROMOCODE", admin, map[string]any{"active": false}).expect(200, "")
	if o, _ := h.DB.Tenants().AdminGetPromoCode(ctx, "other", "OTHER"); !o.Active {
		t.Fatal("a vendor token deactivated another vendor's code")
	}
}

// Making a portal link through the admin API is audited (portal-link.create: who,
// the vendor, access and expiry) without the link itself, in the entry or its
// completion; a refused lifetime records nothing.
func TestAdminPortalLinkAudited(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	h.jsonReq("POST", "/admin/v1/vendors/acme/portal-links", h.Admin, map[string]any{"access": "manage", "ttlSeconds": 30}).expect(400, orderhub.EInvalidRequest)
	var link struct{ URL, Access string }
	h.jsonReq("POST", "/admin/v1/vendors/acme/portal-links", h.Admin, map[string]any{"access": "manage", "ttlSeconds": 600}).expect(201, "").JSON(&link)
	pg, err := h.DB.Admin().ListAudit(ctx, orderhub.AuditFilter{Action: "portal-link.create"}, orderhub.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Data) != 1 {
		t.Fatalf("entries: %+v", pg.Data)
	}
	e := pg.Data[0]
	token := strings.Trim(strings.TrimPrefix(link.URL, "/portal/"), "/")
	if all := string(e.Before) + string(e.After); token == "" || contains(all, token) || !contains(all, `"access":"manage"`) || e.VendorID != "acme" || e.Actor.Kind != orderhub.ActorToken {
		t.Fatalf("entry: %+v %s → %s", e.Actor, e.Before, e.After)
	}
}
