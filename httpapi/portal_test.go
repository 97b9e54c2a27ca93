package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"orderhub"
)

type portalLinkJSON struct {
	URL, VendorID, Access string
	ExpiresAt             time.Time
}

// get fetches a portal page (HTML) without credentials.
func (h *testHub) page(method, path string) (int, http.Header, string) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.URL+path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// Portal links: a signed link opens the vendor's portal (its endpoints, deliveries,
// dead letters, event types) without an account until it expires; a tampered link
// is refused; a read link cannot change anything; a manage link can enable and
// disable only its vendor's endpoints (audited as the portal); frame-ancestors follow
// the vendor's settings.
func TestPortalLinks(t *testing.T) {
	h := newTestHub(t)
	ctx := context.Background()
	mine := &orderhub.Endpoint{VendorID: "acme", URL: "https://hooks.example.com/acme", Description: "Acme CRM"}
	theirs := &orderhub.Endpoint{VendorID: "other", URL: "https://hooks.example.com/other", Description: "Other CRM"}
	for _, e := range []*orderhub.Endpoint{mine, theirs} {
		if err := h.DB.Deliveries().CreateEndpoint(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	base := "/admin/v1/vendors/acme"
	h.jsonReq("POST", base+"/portal-links", h.Admin, map[string]any{"access": "write"}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", base+"/portal-links", h.Admin, map[string]any{"ttlSeconds": 10}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", base+"/portal-links", h.Admin, map[string]any{"ttlSeconds": 8 * 24 * 3600}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("POST", "/admin/v1/vendors/nope/portal-links", h.Admin, map[string]any{}).expect(404, "")
	var read, manage portalLinkJSON
	h.jsonReq("POST", base+"/portal-links", h.Admin, map[string]any{"ttlSeconds": 600}).expect(201, "").JSON(&read)
	h.jsonReq("POST", base+"/portal-links", h.Admin, map[string]any{"access": "manage"}).expect(201, "").JSON(&manage)
	if read.Access != "read" || manage.Access != "manage" || !strings.HasPrefix(read.URL, "/portal/") || read.ExpiresAt.Sub(h.Clock.Now()) > 601*time.Second {
		t.Fatalf("links: %+v %+v", read, manage)
	}

	st, hd, body := h.page("GET", read.URL)
	if st != 200 || !strings.Contains(body, "Acme CRM") || strings.Contains(body, "Other CRM") || !strings.Contains(body, "order-created") {
		t.Fatalf("portal page %d: %s", st, body)
	}
	if csp := hd.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || hd.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("headers: %v", hd)
	}
	if strings.Contains(body, "/disable") {
		t.Fatal("a read link shows the manage forms")
	}
	// A tampered link (another vendor in the claims, same signature) is refused.
	tok := strings.TrimSuffix(strings.TrimPrefix(read.URL, "/portal/"), "/")
	p, sig, _ := strings.Cut(tok, ".")
	if st, _, _ := h.page("GET", "/portal/"+p+"x."+sig+"/"); st != 404 {
		t.Fatalf("tampered link: %d", st)
	}
	if st, _, _ := h.page("GET", "/portal/garbage/"); st != 404 {
		t.Fatalf("garbage link: %d", st)
	}
	// A read link posts nothing.
	if st, _, _ := h.page("POST", read.URL+"endpoints/"+mine.ID+"/disable"); st != 403 {
		t.Fatalf("read link disabling: %d", st)
	}
	// A manage link disables its vendor's endpoint, not another's.
	mtok := strings.TrimSuffix(manage.URL, "/")
	if st, _, _ := h.page("POST", mtok+"/endpoints/"+theirs.ID+"/disable"); st != 404 {
		t.Fatalf("manage link on another vendor's endpoint: %d", st)
	}
	req, _ := http.NewRequest("POST", h.URL+mtok+"/endpoints/"+mine.ID+"/disable", nil)
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil || res.StatusCode != 303 {
		t.Fatalf("manage link disabling: %v %v", res, err)
	}
	res.Body.Close()
	if e, _ := h.DB.Deliveries().GetEndpoint(ctx, "", mine.ID); e.Enabled {
		t.Fatal("not disabled")
	}
	if e, _ := h.DB.Deliveries().GetEndpoint(ctx, "", theirs.ID); !e.Enabled {
		t.Fatal("another vendor's endpoint disabled")
	}
	got := h.audit("?action=endpoint.disable")
	if len(got) != 1 || got[0].Actor.Kind != "portal" || got[0].VendorID != "acme" || got[0].ResourceID != mine.ID {
		t.Fatalf("audit: %+v", got)
	}

	// Frame ancestors.
	h.jsonReq("PUT", base+"/portal", h.Admin, map[string]any{"frameAncestors": []string{"javascript:alert(1)"}}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PUT", base+"/portal", h.Admin, map[string]any{"frameAncestors": []string{"https://shop.example; script-src *"}}).expect(400, orderhub.EInvalidRequest)
	h.jsonReq("PUT", base+"/portal", h.Admin, map[string]any{"frameAncestors": []string{"https://shop.example", "https://www.shop.example:8443/"}}).expect(200, "")
	var ps struct{ FrameAncestors []string }
	h.jsonReq("GET", base+"/portal", h.Admin, nil).expect(200, "").JSON(&ps)
	if strings.Join(ps.FrameAncestors, " ") != "https://shop.example https://www.shop.example:8443" {
		t.Fatalf("frame ancestors: %v", ps.FrameAncestors)
	}
	_, hd, _ = h.page("GET", read.URL)
	if csp := hd.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://shop.example https://www.shop.example:8443") || hd.Get("X-Frame-Options") != "" {
		t.Fatalf("embeddable headers: %v", hd)
	}

	// Expiry: the read link ends after its 10 minutes; the manage link lives on.
	h.Clock.Add(11 * time.Minute)
	if st, _, body := h.page("GET", read.URL); st != 410 || !strings.Contains(body, "expired") {
		t.Fatalf("expired link: %d %s", st, body)
	}
	if st, _, _ := h.page("GET", manage.URL); st != 200 {
		t.Fatalf("live link: %d", st)
	}
}
