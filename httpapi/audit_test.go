package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"orderhub"
)

type auditJSON struct {
	ID    string `json:"id"`
	At    time.Time
	Actor struct {
		Kind, ID, Name, Via string
	} `json:"actor"`
	Action       string          `json:"action"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId"`
	VendorID     string          `json:"vendorId"`
	Before       json.RawMessage `json:"before"`
	After        json.RawMessage `json:"after"`
}

func (h *testHub) audit(query string) []auditJSON {
	h.t.Helper()
	var pg pageJSON[auditJSON]
	h.jsonReq("GET", "/admin/v1/audit"+query, h.Admin, nil).expect(200, "").JSON(&pg)
	return pg.Data
}

// Every change through the admin API has its audit entry: who (the token), what
// (action, resource, vendor), the row before and after with secrets masked; a
// change that fails has none.
func TestAuditLogOfAdminAPIChanges(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	tok, err := h.DB.Tenants().CheckAdminToken(ctx, h.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.audit(""); len(got) != 0 {
		t.Fatalf("changes made in the store directly are not API changes: %+v", got)
	}

	h.jsonReq("POST", "/admin/v1/vendors", h.Admin, map[string]string{"id": "globex", "name": "Globex"}).expect(201, "")
	h.jsonReq("POST", "/admin/v1/vendors", h.Admin, map[string]string{"id": "globex", "name": "Again"}).expect(409, orderhub.EConflict)
	h.jsonReq("POST", "/admin/v1/vendors", h.Admin, map[string]string{"id": "bad id!"}).expect(400, orderhub.EInvalidRequest)
	got := h.audit("")
	if len(got) != 1 {
		t.Fatalf("entries after one create and two failed ones: %+v", got)
	}
	e := got[0]
	if e.Action != "vendor.create" || e.ResourceType != "vendor" || e.ResourceID != "globex" || e.VendorID != "globex" ||
		e.Actor.Kind != "token" || e.Actor.ID != tok.ID || e.Actor.Name != "test" || e.Actor.Via != "api" ||
		string(e.Before) != "null" || !strings.Contains(string(e.After), `"name":"Globex"`) {
		t.Fatalf("vendor create entry: %+v before %s after %s", e, e.Before, e.After)
	}

	// A client: created (its id chosen by the store) with its secret shown once; the
	// entry holds the answer with the secret masked.
	var cl struct{ ClientID, ClientSecret string }
	h.jsonReq("POST", "/admin/v1/clients", h.Admin, map[string]any{"vendorId": "globex", "scopes": []string{"events"}}).expect(201, "").JSON(&cl)
	h.jsonReq("POST", "/admin/v1/clients/"+cl.ClientID+"/revoke", h.Admin, nil).expect(200, "")
	got = h.audit("?vendor=globex&action=client.")
	if len(got) != 2 || got[0].Action != "client.revoke" || got[1].Action != "client.create" || got[1].ResourceID != cl.ClientID {
		t.Fatalf("client entries: %+v", got)
	}
	for _, e := range got {
		if strings.Contains(string(e.Before)+string(e.After), cl.ClientSecret) {
			t.Fatalf("entry shows the secret: %s %s", e.Before, e.After)
		}
	}
	if !strings.Contains(string(got[1].After), `"clientSecret":"[masked]"`) {
		t.Fatalf("create entry: %s", got[1].After)
	}
	if !strings.Contains(string(got[0].Before), `"revoked_at":null`) || !strings.Contains(string(got[0].After), `"revoked_at":"20`) ||
		!strings.Contains(string(got[0].After), `"secret_hash":"[masked]"`) {
		t.Fatalf("revoke entry: before %s after %s", got[0].Before, got[0].After)
	}

	// An endpoint: update and rotate; the signing secret is masked before and after.
	base := "/admin/v1/vendors/acme"
	var ep orderhub.Endpoint
	h.jsonReq("POST", base+"/endpoints", h.Admin, map[string]any{"url": "https://hooks.example.com/a", "description": "one"}).expect(201, "").JSON(&ep)
	h.jsonReq("PATCH", base+"/endpoints/"+ep.ID, h.Admin, map[string]any{"description": "two"}).expect(200, "")
	var rot orderhub.Endpoint
	h.jsonReq("POST", base+"/endpoints/"+ep.ID+"/rotate-secret", h.Admin, nil).expect(200, "").JSON(&rot)
	got = h.audit("?resourceId=" + ep.ID)
	if len(got) != 3 || got[0].Action != "endpoint.rotate-secret" || got[1].Action != "endpoint.update" || got[2].Action != "endpoint.create" {
		t.Fatalf("endpoint entries: %+v", got)
	}
	if !strings.Contains(string(got[1].Before), `"description":"one"`) || !strings.Contains(string(got[1].After), `"description":"two"`) {
		t.Fatalf("update entry: %s → %s", got[1].Before, got[1].After)
	}
	for _, e := range got {
		all := string(e.Before) + string(e.After)
		if strings.Contains(all, ep.Secret) || strings.Contains(all, rot.Secret) || strings.Contains(all, "whsec_") {
			t.Fatalf("%s shows a signing secret: %s", e.Action, all)
		}
		if e.VendorID != "acme" {
			t.Fatalf("%s vendor %q", e.Action, e.VendorID)
		}
	}

	// Filters and paging: by actor, by time, cursor pages of one.
	if n := len(h.audit("?actor=" + tok.ID)); n != 6 {
		t.Fatalf("entries by the token: %d", n)
	}
	if n := len(h.audit("?actor=cli")); n != 0 {
		t.Fatalf("entries by cli: %d", n)
	}
	future := url.QueryEscape(h.Clock.Now().Add(time.Hour).Format(time.RFC3339))
	if n := len(h.audit("?from=" + future)); n != 0 {
		t.Fatalf("entries from the future: %d", n)
	}
	seen := map[string]bool{}
	cursor := ""
	for {
		var pg pageJSON[auditJSON]
		h.jsonReq("GET", "/admin/v1/audit?limit=1&cursor="+url.QueryEscape(cursor), h.Admin, nil).expect(200, "").JSON(&pg)
		for _, e := range pg.Data {
			if seen[e.ID] {
				t.Fatalf("entry %s twice", e.ID)
			}
			seen[e.ID] = true
		}
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 6 {
		t.Fatalf("paged %d entries", len(seen))
	}
	var one auditJSON
	h.jsonReq("GET", "/admin/v1/audit/"+got[0].ID, h.Admin, nil).expect(200, "").JSON(&one)
	if one.ID != got[0].ID || one.Action != got[0].Action {
		t.Fatalf("one entry: %+v", one)
	}
	h.jsonReq("GET", "/admin/v1/audit/aud_nope", h.Admin, nil).expect(404, orderhub.ENotFound)
	h.jsonReq("GET", "/admin/v1/audit?actr=x", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("GET", "/admin/v1/audit?from=yesterday", h.Admin, nil).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("GET", "/admin/v1/audit", "", nil).expect(401, orderhub.EUnauthorized)

	// Retention: entries older than the audit limit go; younger ones stay.
	h.Clock.Add(400 * 24 * time.Hour)
	h.jsonReq("POST", "/admin/v1/vendors", h.Admin, map[string]string{"id": "initech"}).expect(201, "")
	st, err := h.DB.Admin().Prune(ctx, orderhub.Retention{Audit: 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.audit(""); st.Audit != 6 || len(got) != 1 || got[0].ResourceID != "initech" {
		t.Fatalf("after pruning %d: %+v", st.Audit, got)
	}
}
