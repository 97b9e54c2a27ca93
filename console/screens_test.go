package console_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"orderhub"
	"orderhub/console"
	"orderhub/hub"
	"orderhub/internal/routescan"
)

// TestEveryPageInABrowser walks the console in a real browser as an operator and as
// a vendor-admin, following every link from the first page (GET only: forms are not
// submitted), and checks every page it reaches: no link leads to an error page (a
// broken or forbidden link), the vendor-admin never sees another vendor's records,
// and every page of the console (every GET route in console/*.go) is reachable from
// the navigation by the operator. With ORDERHUB_SCREENSHOTS=DIR it takes a
// screenshot of each page (each route once per role) to look at:
// ORDERHUB_SCREENSHOTS=/tmp/shots go test ./console -run TestEveryPageInABrowser.
func TestEveryPageInABrowser(t *testing.T) {
	chromiumPath(t)
	cb := newConnectorBed(t)
	bd := cb.bed
	ctx := context.Background()
	db := bd.DB
	seed := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// acme: a promo code with a contract, an order, an endpoint (the order's
	// deliveries), a catalog, a source, connectors, a Zapier user, an OAuth client,
	// an admin token, console users; other: its own of each that a vendor-admin of
	// acme must never see.
	for _, v := range []string{"acme", "other"} {
		name := map[string]string{"acme": "Acme", "other": "Other"}[v]
		seed(db.Tenants().CreatePromoCode(ctx, &orderhub.PromoCode{VendorID: v, Code: strings.ToUpper(v) + "12", ProductName: name + " digital 12 months", Price: "99", Currency: "SEK", BillingPeriod: "month", BindingMonths: 12, Delivery: "digital"}))
		seed(db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{VendorID: v, URL: "https://hooks." + v + ".example/orderhub", Description: name + " CRM"}))
		_, _, err := hub.NewOrders(db).UpsertOrder(ctx, &orderhub.OrderInput{VendorID: v, ExternalOrderID: strings.ToUpper(v) + "-1001", Source: "webshop", Status: orderhub.OrderInitialized, Currency: "SEK",
			Customer: orderhub.Customer{Email: "anna@" + v + ".example", FullName: name + " Anna"}, Total: 19900,
			Items: []orderhub.OrderItem{{ExternalItemID: "SKU-1", Name: name + " annual", Quantity: 1, Cost: 19900}}})
		seed(err)
		promo, err := db.Tenants().GetPromoCode(ctx, v, strings.ToUpper(v)+"12")
		seed(err)
		o, err := orderhub.ParseVendorOrder(v, promo.Code, true, []byte(`{"externalOrderId":"`+strings.ToUpper(v)+`-C1","paymentMethod":"INVOICE","paymentProvider":"BILLOGRAM","userData":{"email":"bo@`+v+`.example","fullName":"`+name+` Bo"}}`), time.Now())
		seed(err)
		_, err = hub.NewOrders(db).PlaceVendorOrder(ctx, o, promo)
		seed(err)
		seed(db.Catalog().CreateProduct(ctx, &orderhub.Product{VendorID: v, ID: v + "-weekend", Name: name + " weekend"}))
		seed(db.Catalog().CreatePurchaseOption(ctx, &orderhub.PurchaseOption{VendorID: v, ID: v + "-wk-m", ProductID: v + "-weekend", Name: name + " weekend monthly"}))
		seed(db.Catalog().CreateProductMapping(ctx, &orderhub.ProductMapping{VendorID: v, SKU: strings.ToUpper(v) + "-SKU", POID: "PO1", ProductID: v + "-weekend"}))
		_, err = db.Catalog().CreateSource(ctx, &orderhub.Source{VendorID: v, ID: v + "-zap", Name: name + " Zap"})
		seed(err)
		_, err = db.Tenants().CreateClient(ctx, &orderhub.Client{VendorID: v, Name: name + " webshop", Scopes: []string{orderhub.ScopeVendorOrders}})
		seed(err)
		_, _, err = db.Tenants().CreateScopedAdminToken(ctx, v+"-ci", orderhub.RoleVendorAdmin, v)
		seed(err)
	}
	_, err := cb.Manage.Connectors().CreateSalesmanagoAccount(ctx, "acme", &orderhub.SalesmanagoAccountInput{GroupKey: "acme-main", BaseURL: "https://app3.salesmanago.com",
		ClientID: "acme-client", APISecret: "acme-secret", Owner: "owner@acme.example"})
	seed(err)
	base, key := "https://yespo.io", "acme-yespo-key"
	_, err = cb.Manage.Connectors().SaveYespoAccount(ctx, "acme", &base, &key)
	seed(err)
	_, err = cb.Manage.Connectors().CreateZapierUser(ctx, &orderhub.ZapierUser{VendorID: "acme", Email: "zap@acme.example", Name: "Acme Zap"}, "")
	seed(err)
	_, _, err = db.Tenants().CreateAdminToken(ctx, "ops-ci")
	seed(err)
	// What acme's vendor-admin must never see.
	otherOnly := []string{"Other Media", "Other CRM", "OTHER-1001", "anna@other.example", "Other weekend", "Other Zap", "other-main", "Other webshop", "other-ci", "OTHER12", "ops-ci"}

	pages := consolePages(t)
	dir := os.Getenv("ORDERHUB_SCREENSHOTS")
	for _, role := range []struct{ user, name string }{{testUser, "operator"}, {"acme-ops", "vendor-admin"}} {
		b := newBrowser(t, bd.URL)
		if dir != "" {
			b.shot = dir
		}
		b.login(role.user, testPassword)
		b.do(chromedp.WaitVisible(chromedp.CSS(".who")))
		seen := map[string]string{} // route pattern → the first URL of it
		from := map[string]string{}
		queue := []string{b.location()}
		visits := map[string]int{}
		for len(queue) > 0 && len(seen) < 200 {
			u := queue[0]
			queue = queue[1:]
			pat := pages.pattern(u)
			if pat == "" || visits[pat] >= 3 {
				continue
			}
			visits[pat]++
			b.do(chromedp.Navigate(bd.URL+strings.TrimPrefix(u, bd.URL)), chromedp.WaitReady(chromedp.CSS("body")))
			body := b.text("body")
			if errs, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#error").length`)); errs > 0 {
				t.Errorf("%s: the link from %s to %s leads to an error page: %q", role.name, from[u], u, b.text("#error"))
			}
			if role.name == "vendor-admin" {
				for _, s := range otherOnly {
					if strings.Contains(body, s) {
						t.Errorf("vendor-admin: %s shows another vendor's %q", u, s)
					}
				}
			}
			if _, ok := seen[pat]; !ok {
				seen[pat] = u
				if dir != "" { // screenshots are slow: only when they are kept
					b.screenshot(role.name + "-" + shotName(pat))
				}
			}
			hrefs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("a[href]")).map(a => a.getAttribute("href"))`))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hrefs {
				h, _, _ = strings.Cut(h, "#")
				if !strings.HasPrefix(h, "/console/") || strings.HasPrefix(h, "/console/static/") {
					continue
				}
				if _, ok := from[h]; !ok {
					from[h] = u
					queue = append(queue, h)
				}
			}
		}
		var got []string
		for p := range seen {
			got = append(got, p)
		}
		sort.Strings(got)
		t.Logf("%s reached %d pages: %s", role.name, len(got), strings.Join(got, ", "))
		if role.name == "operator" {
			for _, p := range pages.patterns {
				if _, ok := seen[p]; !ok && !unlinkedPages[p] {
					t.Errorf("the operator cannot reach %s by following links from the navigation", p)
				}
			}
		}
	}
	// The pages not reached by links: the login page and a portal link's page.
	b := newBrowser(t, bd.URL)
	if dir != "" {
		b.shot = dir
	}
	b.do(chromedp.Navigate(bd.URL+"/console/login"), chromedp.WaitVisible(chromedp.CSS("#login-button")))
	if dir != "" {
		b.screenshot("login")
	}
	link, err := console.NewPortalLink(ctx, hub.Wrap(db.Store(), db), "acme", console.PortalManage, time.Hour, time.Now())
	seed(err)
	b.do(chromedp.Navigate(bd.URL+link.URL), chromedp.WaitVisible(chromedp.CSS("#portal-endpoints")))
	if dir != "" {
		b.screenshot("portal")
	}
}

// unlinkedPages are the console's GET routes that no page links to, by design.
var unlinkedPages = map[string]bool{
	"GET /console/login": true, "GET /console/stats.json": true, "GET /console/static/": true,
}

// pageSet finds the console route of a URL.
type pageSet struct {
	patterns []string
	mux      *http.ServeMux
}

func (s *pageSet) pattern(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	_, pat := s.mux.Handler(&http.Request{Method: "GET", URL: p, Host: "x"})
	return pat
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

func shotName(pattern string) string {
	n := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(strings.TrimPrefix(pattern, "GET /console")), "-"), "-")
	if n == "" {
		return "dashboard"
	}
	return n
}

// consolePages reads the GET routes of the console (not the portal) from the
// package's source: a ServeMux cannot list its patterns.
func consolePages(t *testing.T) *pageSet {
	t.Helper()
	s := &pageSet{mux: http.NewServeMux()}
	for _, pat := range routescan.Patterns(t, "*.go") {
		if strings.HasPrefix(pat, "GET "+console.Prefix+"/") {
			s.patterns = append(s.patterns, pat)
			s.mux.HandleFunc(pat, func(http.ResponseWriter, *http.Request) {})
		}
	}
	if len(s.patterns) < 20 {
		t.Fatalf("only %d console pages found: is the extraction broken?", len(s.patterns))
	}
	return s
}
