package console_test

import (
	"context"
	"regexp"
	"testing"

	"orderhub"
)

// The catalog page shows the vendor's quotas read-only: usage, limit, default and
// override (docs/quotas.md).
func TestCatalogShowsQuotas(t *testing.T) {
	b := newBed(t)
	c := newClient(t, b)
	c.login()
	vendor := b.Endpoint.VendorID
	seven := 7
	if _, err := b.DB.Tenants().SetVendorQuotas(context.Background(), vendor, map[string]*int{orderhub.QuotaWebhookEndpoints: &seven}); err != nil {
		t.Fatal(err)
	}
	p := c.do("GET", "/console/catalog?vendor="+vendor, nil, nil)
	if p.Status != 200 {
		t.Fatalf("catalog: %d %s", p.Status, p.Body)
	}
	// webhookEndpoints: used 1 (the bed's endpoint), limit 7, default 50, override 7.
	row := regexp.MustCompile(`<tr><td>webhookEndpoints</td><td>1</td><td>7</td><td>50</td><td>7</td>`)
	if !row.MatchString(p.Body) {
		t.Fatalf("no webhookEndpoints row with usage 1, limit 7, default 50, override 7:\n%s", p.Body)
	}
	for _, d := range orderhub.QuotaDefs {
		if !regexp.MustCompile(`<tr><td>` + d.Name + `</td>`).MatchString(p.Body) {
			t.Errorf("quota %s missing from the catalog page", d.Name)
		}
	}
}
