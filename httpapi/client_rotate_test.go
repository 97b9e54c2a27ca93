package httpapi_test

import (
	"context"
	"net/url"
	"testing"

	"orderhub"
)

// POST /admin/v1/clients/{clientId}/rotate-secret answers a new secret once: the new
// one gets tokens, the old one no longer does; the same Idempotency-Key and request
// answer the same secret again and rotate nothing; a revoked client is 409; a
// vendor-admin token rotates its own vendor's clients only; the audit entry masks
// the secret.
func TestAdminRotateClientSecret(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	path := "/admin/v1/clients/" + h.ClientID + "/rotate-secret"
	type rotated struct {
		ClientID     string `json:"clientId"`
		VendorID     string `json:"vendorId"`
		ClientSecret string `json:"clientSecret"`
	}
	var first rotated
	res := h.keyed("POST", path, h.Admin, "rot-1", nil).expect(200, "")
	res.JSON(&first)
	if first.ClientID != h.ClientID || first.VendorID != "acme" || first.ClientSecret == "" || first.ClientSecret == h.Secret || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("rotation answer: %+v, Cache-Control %q", first, res.Header.Get("Cache-Control"))
	}
	var again rotated
	res = h.keyed("POST", path, h.Admin, "rot-1", nil).expect(200, "")
	res.JSON(&again)
	if again.ClientSecret != first.ClientSecret || res.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %+v (replayed %q)", again, res.Header.Get("Idempotent-Replayed"))
	}
	if c, _ := h.DB.Tenants().GetClient(ctx, h.ClientID); !orderhub.SecretMatches(first.ClientSecret, c.SecretHash) {
		t.Fatal("the replay rotated again")
	}
	h.tokenFor(h.ClientID, first.ClientSecret, "")
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {h.ClientID}, "client_secret": {h.Secret}}
	if res := h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", []byte(form.Encode()), nil); res.Status != 401 {
		t.Fatalf("the old secret after rotation: %d %s", res.Status, res.Body)
	}

	// Roles: a vendor-admin rotates its own clients; another vendor's is not found,
	// a viewer is refused.
	admin, viewer := acmeRoleTokens(t, h)
	h.jsonReq("POST", "/admin/v1/clients/"+h.Other.ClientID+"/rotate-secret", admin, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("POST", path, viewer, nil).expect(403, orderhub.EForbidden)
	h.jsonReq("POST", path, admin, nil).expect(200, "")
	if c, _ := h.DB.Tenants().GetClient(ctx, h.Other.ClientID); !orderhub.SecretMatches(h.Other.Secret, c.SecretHash) {
		t.Fatal("another vendor's client was rotated")
	}
	h.jsonReq("POST", "/admin/v1/clients/nope/rotate-secret", h.Admin, nil).expect(404, orderhub.ENotFound)

	// The audit log records each rotation by its token, the secret masked.
	pg, err := h.DB.Admin().ListAudit(ctx, orderhub.AuditFilter{Action: "client.rotate-secret"}, orderhub.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Data) != 2 || pg.Data[0].Actor.Name != "acme-admin" || pg.Data[1].ResourceID != h.ClientID || pg.Data[1].VendorID != "acme" {
		t.Fatalf("audit entries: %+v", pg.Data)
	}
	for _, e := range pg.Data {
		if s := string(e.Before) + string(e.After); !contains(s, orderhub.Masked) || contains(s, first.ClientSecret) {
			t.Fatalf("audit entry: %s → %s", e.Before, e.After)
		}
	}

	// A revoked client is not rotated.
	h.jsonReq("POST", "/admin/v1/clients/"+h.ClientID+"/revoke", h.Admin, nil).expect(200, "")
	h.jsonReq("POST", path, h.Admin, nil).expect(409, orderhub.EConflict)
}
