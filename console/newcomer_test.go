package console_test

import (
	"bytes"
	"image/png"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"orderhub"
)

// TestConsoleNamesEndpointsAndLabelsTheChart: wherever the console links an
// endpoint it names it by its description (the bed's "CRM webhook"), not its id;
// the activity chart labels its minutes; /favicon.ico is an icon.
func TestConsoleNamesEndpointsAndLabelsTheChart(t *testing.T) {
	b := newBed(t)
	c := newClient(t, b)
	c.login()
	dead := b.deliveries(orderhub.DeliveryDead)
	ep := b.Endpoint.ID
	link := `<a href="/console/endpoints/` + ep + `"[^>]*>CRM webhook</a>`
	for _, path := range []string{
		"/console/",
		"/console/endpoints",
		"/console/dead-letters",
		"/console/deliveries/" + dead[0].ID,
		"/console/events/" + dead[0].EventID,
	} {
		p := c.do("GET", path, nil, nil)
		if p.Status != 200 || !regexp.MustCompile(link).MatchString(p.Body) {
			t.Errorf("%s (%d) does not link the endpoint by its description:\n%s", path, p.Status, p.Body)
		}
		if regexp.MustCompile(`>` + ep + `</a>`).MatchString(p.Body) {
			t.Errorf("%s still links the endpoint by its bare id", path)
		}
	}
	if p := c.do("GET", "/console/endpoints/"+ep, nil, nil); !strings.Contains(p.Body, "<h1>Endpoint CRM webhook") || !strings.Contains(p.Body, ep) {
		t.Errorf("endpoint page heading:\n%s", p.Body)
	}
	if p := c.do("GET", "/console/customers/"+b.Order.CustomerID, nil, nil); !strings.Contains(p.Body, "delivery of order-created to CRM webhook (") {
		t.Errorf("customer timeline:\n%s", p.Body)
	}

	// The chart: one label per minute column, the last "now", the others HH:MM in
	// UTC ending with the minute before this one.
	dash := c.do("GET", "/console/", nil, nil).Body
	labels := regexp.MustCompile(`<th class="minute">([^<]*)</th>`).FindAllStringSubmatch(dash, -1)
	if len(labels) != 15 || labels[14][1] != "now" {
		t.Fatalf("chart labels %v:\n%s", labels, dash)
	}
	now := time.Now().UTC()
	prev := []string{now.Add(-time.Minute).Format("15:04"), now.Add(-2 * time.Minute).Format("15:04")} // the minute may turn meanwhile
	if got := labels[13][1]; got != prev[0] && got != prev[1] {
		t.Errorf("the column before now is %q, want %v", got, prev)
	}
	if !strings.Contains(dash, "minute (UTC)") {
		t.Error("the chart does not say its times are UTC")
	}

	// The icon: at the root, without a login, as browsers ask for it; and linked.
	res, err := http.Get(b.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	ico, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/x-icon" || !bytes.HasPrefix(ico, []byte{0, 0, 1, 0, 1, 0}) {
		t.Fatalf("/favicon.ico: %d %s % x", res.StatusCode, res.Header.Get("Content-Type"), ico[:min(len(ico), 8)])
	}
	img, err := png.Decode(bytes.NewReader(ico[22:]))
	if err != nil || img.Bounds().Dx() != 32 {
		t.Fatalf("the icon's image: %v", err)
	}
	if !strings.Contains(dash, `<link rel="icon" href="/console/static/favicon.svg"`) {
		t.Error("pages do not link the icon")
	}
	if p := c.do("GET", "/console/static/favicon.svg", nil, nil); p.Status != 200 || !strings.Contains(p.Body, "<svg") {
		t.Errorf("favicon.svg: %d", p.Status)
	}
}
