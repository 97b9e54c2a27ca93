package console_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"orderhub"
)

// TestEndpointDeliveriesPage pages an endpoint's recent deliveries (25 a page) with
// the "Older deliveries" link: every delivery once, in the store's order; a cursor
// that is not the deliveries listing's is a 400, on the dead letters page too.
func TestEndpointDeliveriesPage(t *testing.T) {
	b := newBed(t)
	c := newClient(t, b)
	c.login()
	for i := range 30 {
		if _, err := b.DB.Deliveries().AppendEvent(context.Background(), "acme", "customer-created", "cus_"+strconv.Itoa(i), json.RawMessage(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := b.DB.Deliveries().ListDeliveries(context.Background(), orderhub.DeliveryFilter{EndpointID: b.Endpoint.ID, Limit: 1000})
	if err != nil || len(all) != 32 {
		t.Fatalf("%d deliveries, %v", len(all), err)
	}
	rowRe := regexp.MustCompile(`<tr><td><a href="/console/deliveries/([^"]+)">`)
	nextRe := regexp.MustCompile(`<a href="([^"]+)" id="deliveries-next">`)
	var got []string
	path := "/console/endpoints/" + b.Endpoint.ID
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("no end")
		}
		p := c.do("GET", path, nil, nil)
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, p.Status, p.Body)
		}
		rows := rowRe.FindAllStringSubmatch(p.Body, -1)
		if len(rows) > 25 {
			t.Fatalf("%s: %d rows", path, len(rows))
		}
		for _, m := range rows {
			got = append(got, m[1])
		}
		path = ""
		if m := nextRe.FindStringSubmatch(p.Body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	if len(got) != len(all) {
		t.Fatalf("paged %d deliveries, want %d", len(got), len(all))
	}
	for i := range all {
		if got[i] != all[i].ID {
			t.Fatalf("row %d: %s, want %s", i, got[i], all[i].ID)
		}
	}
	for _, p := range []string{"/console/endpoints/" + b.Endpoint.ID + "?cursor=nonsense", "/console/dead-letters?cursor=nonsense"} {
		if res := c.do("GET", p, nil, nil); res.Status != http.StatusBadRequest {
			t.Fatalf("%s: %d", p, res.Status)
		}
	}
	if p := c.do("GET", "/console/dead-letters", nil, nil); p.Status != http.StatusOK || regexp.MustCompile(`id="dead-next"`).MatchString(p.Body) {
		t.Fatalf("dead letters, one page: %d", p.Status)
	}
}
