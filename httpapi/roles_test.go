package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"orderhub"
	"orderhub/hub"
)

// Admin tokens with a vendor role reach only their vendor: another vendor's paths
// are 403, its records 404, cross-vendor lists are filtered, cross-vendor
// operations 403; a vendor-viewer only reads. Tokens made before roles are operators.
func TestScopedAdminTokens(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	op, err := h.DB.Tenants().CheckAdminToken(ctx, h.Admin)
	if err != nil || op.Role != orderhub.RoleOperator || op.VendorID != "" {
		t.Fatalf("a token made without a role: %+v %v", op, err)
	}
	if _, _, err := h.DB.Tenants().CreateScopedAdminToken(ctx, "x", orderhub.RoleOperator, "acme"); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
		t.Fatalf("operator with a vendor: %v", err)
	}
	if _, _, err := h.DB.Tenants().CreateScopedAdminToken(ctx, "x", orderhub.RoleVendorAdmin, ""); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
		t.Fatalf("vendor-admin without a vendor: %v", err)
	}
	if _, _, err := h.DB.Tenants().CreateScopedAdminToken(ctx, "x", "root", ""); orderhub.ErrorCode(err) != orderhub.EInvalidRequest {
		t.Fatalf("unknown role: %v", err)
	}
	if _, _, err := h.DB.Tenants().CreateScopedAdminToken(ctx, "x", orderhub.RoleVendorViewer, "nope"); err == nil {
		t.Fatal("a token of an unknown vendor")
	}
	admin, viewer := acmeRoleTokens(t, h)
	// Orders of both vendors.
	for _, v := range []string{"acme", "other"} {
		if _, _, err := hub.NewOrders(h.DB).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: v, ExternalOrderID: "E-" + v, Source: "test", Status: orderhub.OrderInitialized, Customer: orderhub.Customer{Email: "anna@example.com"}}); err != nil {
			t.Fatal(err)
		}
	}
	var others pageJSON[orderhub.Order]
	h.jsonReq("GET", "/admin/v1/orders?vendor=other", h.Admin, nil).expect(200, "").JSON(&others)

	for _, tok := range []string{admin, viewer} {
		// Its vendor's paths; another vendor's are refused however the URL is edited.
		h.jsonReq("GET", "/admin/v1/vendors/acme/endpoints", tok, nil).expect(200, "")
		h.jsonReq("GET", "/admin/v1/vendors/acme", tok, nil).expect(200, "")
		h.jsonReq("GET", "/admin/v1/vendors/other/endpoints", tok, nil).expect(403, orderhub.EForbidden)
		h.jsonReq("GET", "/admin/v1/vendors/other", tok, nil).expect(403, orderhub.EForbidden)
		h.jsonReq("GET", "/admin/v1/vendors/other/deliveries", tok, nil).expect(403, orderhub.EForbidden)
		// Lists: filtered to the vendor; asking for another is refused.
		var orders pageJSON[orderhub.Order]
		h.jsonReq("GET", "/admin/v1/orders", tok, nil).expect(200, "").JSON(&orders)
		if len(orders.Data) != 1 || orders.Data[0].VendorID != "acme" {
			t.Fatalf("orders seen by a vendor token: %+v", orders.Data)
		}
		h.jsonReq("GET", "/admin/v1/orders?vendor=other", tok, nil).expect(403, orderhub.EForbidden)
		var vendors pageJSON[orderhub.Vendor]
		h.jsonReq("GET", "/admin/v1/vendors", tok, nil).expect(200, "").JSON(&vendors)
		if len(vendors.Data) != 1 || vendors.Data[0].ID != "acme" {
			t.Fatalf("vendors seen: %+v", vendors.Data)
		}
		// Another vendor's records by id: not found.
		h.jsonReq("GET", "/admin/v1/orders/"+others.Data[0].ID, tok, nil).expect(404, orderhub.ENotFound)
		h.jsonReq("GET", "/admin/v1/customers/"+others.Data[0].CustomerID, tok, nil).expect(404, orderhub.ENotFound)
		h.jsonReq("GET", "/admin/v1/customers/"+others.Data[0].CustomerID+"/timeline", tok, nil).expect(404, orderhub.ENotFound)
		h.jsonReq("GET", "/admin/v1/clients/"+h.Other.ClientID, tok, nil).expect(404, orderhub.ENotFound)
		h.jsonReq("GET", "/admin/v1/orders/"+orders.Data[0].ID, tok, nil).expect(200, "")
		h.jsonReq("GET", "/admin/v1/clients/"+h.ClientID, tok, nil).expect(200, "")
		// Cross-vendor operations.
		h.jsonReq("GET", "/admin/v1/dashboard", tok, nil).expect(403, orderhub.EForbidden)
		h.jsonReq("POST", "/admin/v1/vendors", tok, map[string]string{"id": "mine"}).expect(403, orderhub.EForbidden)
	}

	// The viewer reads only.
	h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", viewer, map[string]any{"url": "https://hooks.example.com/v"}).expect(403, orderhub.EForbidden)
	h.jsonReq("POST", "/admin/v1/clients/"+h.ClientID+"/revoke", viewer, nil).expect(403, orderhub.EForbidden)

	// The vendor-admin changes its vendor, and only its vendor.
	h.jsonReq("POST", "/admin/v1/vendors/acme/endpoints", admin, map[string]any{"url": "https://hooks.example.com/a"}).expect(201, "")
	h.jsonReq("POST", "/admin/v1/vendors/other/endpoints", admin, map[string]any{"url": "https://hooks.example.com/a"}).expect(403, orderhub.EForbidden)
	h.jsonReq("POST", "/admin/v1/clients", admin, map[string]any{"vendorId": "other", "scopes": []string{"events"}}).expect(403, orderhub.EForbidden)
	h.jsonReq("POST", "/admin/v1/clients", admin, map[string]any{"vendorId": "acme", "scopes": []string{"events"}}).expect(201, "")
	h.jsonReq("POST", "/admin/v1/clients/"+h.Other.ClientID+"/revoke", admin, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("PUT", "/admin/v1/vendors/acme/quotas", admin, map[string]any{"webhookEndpoints": 1000}).expect(403, orderhub.EForbidden)
	h.jsonReq("GET", "/admin/v1/vendors/acme/quotas", admin, nil).expect(200, "")
	if c, _ := h.DB.Tenants().GetClient(ctx, h.Other.ClientID); c.RevokedAt != nil {
		t.Fatal("another vendor's client was revoked")
	}

	// The audit log: a vendor token sees its vendor's entries, made by whom.
	h.jsonReq("POST", "/admin/v1/vendors", h.Admin, map[string]string{"id": "globex"}).expect(201, "")
	var pg pageJSON[auditJSON]
	h.jsonReq("GET", "/admin/v1/audit", viewer, nil).expect(200, "").JSON(&pg)
	if len(pg.Data) != 2 {
		t.Fatalf("audit entries seen by the viewer: %+v", pg.Data)
	}
	for _, e := range pg.Data {
		if e.VendorID != "acme" || e.Actor.Name != "acme-admin" || !strings.HasSuffix(e.Action, ".create") {
			t.Fatalf("entry: %+v", e)
		}
	}
	h.jsonReq("GET", "/admin/v1/audit?vendor=globex", viewer, nil).expect(403, orderhub.EForbidden)
}

// acmeRoleTokens are a vendor-admin and a vendor-viewer admin token of vendor acme.
func acmeRoleTokens(t *testing.T, h *testHub) (admin, viewer string) {
	t.Helper()
	_, admin, err := h.DB.Tenants().CreateScopedAdminToken(t.Context(), "acme-admin", orderhub.RoleVendorAdmin, "acme")
	if err != nil {
		t.Fatal(err)
	}
	_, viewer, err = h.DB.Tenants().CreateScopedAdminToken(t.Context(), "acme-viewer", orderhub.RoleVendorViewer, "acme")
	if err != nil {
		t.Fatal(err)
	}
	return admin, viewer
}
