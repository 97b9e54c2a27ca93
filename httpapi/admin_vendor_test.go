package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"orderhub"
	"orderhub/sqlstore"
)

// PATCH /admin/v1/vendors/{vendorId} renames a vendor and sets who may embed its
// portal: a refused field changes nothing (not even the valid one), each part
// changed is its own audit entry, vendor tokens are refused, and PUT …/portal
// shares the rule.
func TestAdminUpdateVendor(t *testing.T) {
	h := newTestHub(t)
	h.ValidateSpec = true
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
	if v, _ := h.DB.GetVendor(ctx, "acme"); v.Name == "Acme Media AB" {
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
	pg, err := h.DB.ListAudit(ctx, sqlstore.AuditFilter{VendorID: "acme"}, sqlstore.Page{Limit: 10})
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
	if e := pg.Data[0]; !contains(string(e.Before), "Acme Media AB") || !contains(string(e.After), `"Acme"`) || e.Actor.Kind != sqlstore.ActorToken {
		t.Fatalf("rename entry: %+v %s → %s", e.Actor, e.Before, e.After)
	}

	// PUT …/portal checks the same way, through the same function.
	h.jsonReq("PUT", path+"/portal", h.Admin, map[string]any{"frameAncestors": []string{"shop.acme.example"}}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PUT", path+"/portal", h.Admin, map[string]any{"frameAncestors": []string{}}).expect(200, "")
	if fa, _ := h.DB.PortalFrameAncestors(ctx, "acme"); len(fa) != 0 {
		t.Fatalf("frame ancestors after PUT []: %q", fa)
	}

	// Vendor tokens: a vendor-admin may not rename its vendor, nor another.
	_, admin, err := h.DB.CreateScopedAdminToken(ctx, "acme-admin", sqlstore.RoleVendorAdmin, "acme")
	if err != nil {
		t.Fatal(err)
	}
	h.jsonReq("PATCH", path, admin, map[string]any{"name": "Mine"}).expect(403, orderhub.EForbidden)
	h.jsonReq("PATCH", "/admin/v1/vendors/other", admin, map[string]any{"name": "Mine"}).expect(403, orderhub.EForbidden)
	if v, _ := h.DB.GetVendor(ctx, "other"); v.Name == "Mine" {
		t.Fatal("a vendor token renamed another vendor")
	}
}
