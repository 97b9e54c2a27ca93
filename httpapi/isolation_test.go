package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/internal/routescan"
)

// The isolation matrix: every route registered in package httpapi is called with
// no credentials, garbage credentials, expired (or revoked) credentials, credentials
// of the wrong kind or scope, and the credentials of another vendor — and each call
// must be refused (401/403/404) with nothing written to the database. The test
// fails when a registered route has no line in isolationRoutes: a new route must say
// how it is guarded.

// guard is how a route authenticates its caller.
type guard string

const (
	// guardOAuth: an OAuth access token with a scope (requireScope). Its vendor is
	// the {vendorId} of the path (checked by vendorPath) or, without one, the vendor
	// of the token.
	guardOAuth guard = "oauth"
	// guardHook: a HOOK source secret or an OAuth token with externalPurchases.
	guardHook guard = "hook"
	// guardAdmin: an admin token (requireAdmin).
	guardAdmin guard = "admin"
	// guardZapier: a Zapier login token (requireZapier).
	guardZapier guard = "zapier"
	// guardConsole: a console login session (cookie) and, for POST, a CSRF token.
	guardConsole guard = "console"
	// guardNone: no credentials by design (exempt, with a reason).
	guardNone guard = "none"
)

// isoRoute says how one route is guarded and how to call it. Paths and bodies may
// hold placeholders {acme.X} for ids of acme's fixture (see isolationFixture).
type isoRoute struct {
	guard guard
	scope string // guardOAuth: the scope the route requires
	path  string // a concrete path; empty: the pattern's path with acme's ids
	body  string
	ctype string // default application/json when body is set
	// noBody: the route reads no request body (the body-limit test leaves it out).
	noBody bool
	// reason explains a guardNone exemption.
	reason string
}

// acmeSource is the body of a purchase naming acme's source; with the other
// vendor's credentials it must be refused.
const isoPurchase = `{"source":"{acme.source}","vendorId":"acme","productId":"{acme.product}","email":"victim@example.com","publisherPurchaseId":"iso-1"}`

const isoOrder = `{"externalOrderId":"ISO-NEW","paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"victim@example.com","fullName":"Victim"}}`

// isolationRoutes lists every registered route by its pattern.
var isolationRoutes = map[string]isoRoute{
	// Ops and login: public by design.
	"GET /healthz":      {guard: guardNone, reason: "liveness probe for load balancers; answers only ok"},
	"GET /readyz":       {guard: guardNone, reason: "readiness probe; answers only the database's reachability"},
	"GET /openapi.json": {guard: guardNone, reason: "the public API contract"},
	"GET /favicon.ico":  {guard: guardNone, reason: "the console's icon, which browsers fetch at the root of the host; a static image"},
	"/portal/":          {guard: guardNone, reason: "vendor portals: each request carries a signed, expiring link token in its path (console/portal.go), not a credential the matrix knows; forged, tampered and expired links, read-only links posting, and another vendor's endpoints are refused in portal_test.go"},
	"GET /metrics":      {guard: guardNone, reason: "Prometheus scrape; counters by route and status, no tenant data (bind the listener privately or filter at the proxy)"},
	"POST /oauth/token": {guard: guardNone, reason: "the login endpoint of OAuth clients: it authenticates by client secret itself (oauth_test.go, abuse_test.go)"},
	"POST /api/login":   {guard: guardNone, reason: "the Zapier login endpoint: it authenticates by e-mail and password itself, with failure throttling (abuse_test.go)"},
	"/":                 {guard: guardNone, reason: "the catch-all answering 404/405 for unknown paths; reaches no data"},

	// Vendor Order API (seed 001).
	"POST /payments/vendor/{vendorId}/promos/code/{promoCode}": {guard: guardOAuth, scope: orderhub.ScopeVendorOrders, path: "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", body: isoOrder},
	"GET /payments/vendor/{vendorId}/contracts":                {guard: guardOAuth, scope: orderhub.ScopeVendorOrders},
	"GET /payments/vendor/{vendorId}/contracts/{contractId}":   {guard: guardOAuth, scope: orderhub.ScopeVendorOrders},

	// Purchase hooks (seed 000) and their Zapier dropdowns.
	"POST /hooks/purchases": {guard: guardHook, body: isoPurchase},
	"GET /hooks/sources":    {guard: guardHook},
	"GET /hooks/vendors":    {guard: guardHook},

	// Order events and contacts (seed 004).
	"POST /api/v1/event":   {guard: guardOAuth, scope: orderhub.ScopeEvents, body: `{"eventTypeKey":"orderCancelled","keyValue":"victim@example.com","params":[{"name":"externalOrderId","value":"{acme.externalOrder}"},{"name":"EmailAddress","value":"victim@example.com"}]}`},
	"POST /api/v1/contact": {guard: guardOAuth, scope: orderhub.ScopeEvents, body: `{"externalCustomerId":"victim","firstName":"Evil","channels":[{"type":"email","value":"victim@example.com"}]}`},

	// SALESmanago API (seed 002): the vendor is the token's; group_key picks one of
	// its accounts, and acme's group_key with another vendor's token is refused.
	"POST /salesmanago/contacts":            {guard: guardOAuth, scope: orderhub.ScopeSalesmanago, body: `{"data":{"email":"victim@example.com","name":"Evil"},"group_key":"{acme.groupKey}"}`},
	"DELETE /salesmanago/contacts":          {guard: guardOAuth, scope: orderhub.ScopeSalesmanago, body: `{"email":"victim@example.com","group_key":"{acme.groupKey}"}`},
	"POST /salesmanago/events":              {guard: guardOAuth, scope: orderhub.ScopeSalesmanago, body: `{"data":{"email":"victim@example.com","contactExtEventType":"PURCHASE","value":1},"group_key":"{acme.groupKey}"}`},
	"POST /salesmanago/products":            {guard: guardOAuth, scope: orderhub.ScopeSalesmanago, body: `{"data":[{"id":"EVIL","name":"Evil","price":1}],"group_key":"{acme.groupKey}"}`},
	"GET /salesmanago/contact/{smId}":       {guard: guardOAuth, scope: orderhub.ScopeSalesmanago, path: "/salesmanago/contact/victim-sm-id?group_key={acme.groupKey}"},
	"GET /salesmanago/requests/{requestId}": {guard: guardOAuth, scope: orderhub.ScopeSalesmanago, path: "/salesmanago/requests/{acme.smRequest}"},

	// Web console: its own cookie sessions and CSRF tokens (console package);
	// isolationConsolePaths lists the pages and actions called.
	"/console/": {guard: guardConsole},

	// Zapier API (seed 003).
	"GET /api/check": {guard: guardZapier},
	"POST /api/integrations/{integration_uuid}/channels":            {guard: guardZapier, path: "/api/integrations/{acme.integration}/channels", body: `{"url":"https://hooks.zapier.com/hooks/standard/1/evil","method":"zapier","alias":"evil","event":"order-created"}`},
	"DELETE /api/channels/{id}":                                     {guard: guardZapier, path: "/api/channels/{acme.channel}"},
	"GET /api/zapier/{list}":                                        {guard: guardZapier, path: "/api/zapier/orders"},
	"POST /api/zapier/store-customer-order":                         {guard: guardZapier, body: `{"event":"customer","source":"zapier","contact":{"email":"victim@example.com","first_name":"Evil","last_name":"Doe"},"phone":{"country":"SE","number":"+46701234567"}}`},
	"PUT /api/zapier/update-shipping-tracking-info/{shipping_uuid}": {guard: guardZapier, path: "/api/zapier/update-shipping-tracking-info/{acme.shipping}", body: `{"carrier":"dhl","tracking_number":"EVIL"}`},
	"POST /api/zapier/subscriptions/{subscription_uuid}/cancel":     {guard: guardZapier, path: "/api/zapier/subscriptions/{acme.contract}/cancel", noBody: true},
}

// isolationConsolePaths are the console pages and actions the matrix calls (the
// console's routes live in package console, behind the one /console/ route).
var isolationConsolePaths = []string{
	"GET /console/", "GET /console/stats.json", "GET /console/search?q=victim", "GET /console/customers/{acme.customer}",
	"GET /console/orders/{acme.order}", "GET /console/contracts/{acme.contract}", "GET /console/events/{acme.event}",
	"GET /console/endpoints", "GET /console/dead-letters", "GET /console/ignored", "GET /console/catalog", "GET /console/credentials", "GET /console/audit",
	"GET /console/endpoints/victim", "GET /console/deliveries/victim", "GET /console/no-such-page",
	"POST /console/logout", "POST /console/endpoints/victim/disable", "POST /console/deliveries/victim/replay",
	"POST /console/dead-letters/replay", "POST /console/clients/{acme.client}/revoke",
	// The forms that create and change things (console/manage.go).
	"GET /console/endpoints/new", "POST /console/endpoints", "GET /console/endpoints/victim/edit", "POST /console/endpoints/victim/edit",
	"POST /console/endpoints/victim/delete",
	"GET /console/clients/new", "POST /console/clients", "POST /console/clients/{acme.client}/rotate-secret",
	"GET /console/vendors/new", "POST /console/vendors", "GET /console/promo-codes/new", "POST /console/promo-codes",
	"GET /console/users", "GET /console/users/new", "POST /console/users", "GET /console/users/victim", "POST /console/users/victim/disable",
	// Connector accounts and Zapier users (console/manage_connectors.go).
	"GET /console/connectors", "GET /console/salesmanago/new", "POST /console/salesmanago", "GET /console/salesmanago/victim/edit",
	"POST /console/salesmanago/victim/edit", "POST /console/salesmanago/victim/mapping", "POST /console/salesmanago/victim/delete",
	"POST /console/salesmanago/victim/test", "POST /console/yespo/test",
	"GET /console/yespo?vendor=acme", "POST /console/yespo", "POST /console/yespo/delete",
	"GET /console/zapier-users/new", "POST /console/zapier-users", "POST /console/zapier-users/victim/reset-password", "POST /console/zapier-users/victim/delete",
	"GET /console/zapier-users/victim/edit", "POST /console/zapier-users/victim/edit",
	"POST /console/zapier-users/victim/disable", "POST /console/zapier-users/victim/enable",
	// Vendor settings (console/manage_vendor.go).
	"GET /console/vendors/acme/edit", "POST /console/vendors/acme/edit", "GET /console/vendors/acme/quotas", "POST /console/vendors/acme/quotas",
	"GET /console/vendors/acme/portal-links/new", "POST /console/vendors/acme/portal-links",
	// Catalog products, purchase options, sku/poId mappings and HOOK sources (console/manage_products.go).
	"GET /console/products/new", "POST /console/products", "GET /console/products/victim/edit", "POST /console/products/victim/edit",
	"POST /console/products/victim/delete", "GET /console/purchase-options/new", "POST /console/purchase-options",
	"POST /console/purchase-options/victim/delete", "GET /console/purchase-options/victim/edit", "POST /console/purchase-options/victim/edit", "GET /console/product-mappings/new", "POST /console/product-mappings",
	"GET /console/product-mappings/edit?sku=victim&poId=victim", "POST /console/product-mappings/edit", "POST /console/product-mappings/delete",
	"GET /console/sources/new", "POST /console/sources", "GET /console/sources/{acme.source}/edit", "POST /console/sources/{acme.source}/edit",
	"POST /console/sources/{acme.source}/rotate-secret", "POST /console/sources/{acme.source}/delete",
	"GET /console/vendors/acme/promo-codes/PROMOCODE/edit", "POST /console/vendors/acme/promo-codes/PROMOCODE/edit",
	"POST /console/vendors/acme/promo-codes/PROMOCODE/active", "POST /console/vendors/acme/promo-codes/PROMOCODE/delete",
}

// consoleExempt are the console's routes that need no session, with the reason.
var consoleExempt = map[string]string{
	"GET /console/static/":                         "the console's CSS and JavaScript, public by design",
	"GET /console/login":                           "the login form",
	"POST /console/login":                          "the login itself: it authenticates by password, with failure throttling (package throttle)",
	"GET /portal/{token}/{$}":                      "a vendor portal page: authenticated by the signed link in its path (portal_test.go)",
	"POST /portal/{token}/endpoints/{id}/{action}": "a vendor portal action: authenticated by the signed link in its path, manage links only (portal_test.go)",
	"/portal/": "the portal's 404 page",
}

// consoleRoutes returns the patterns the console package registers on its own mux
// (behind httpapi's one /console/ route), scanned like registeredRoutes.
func consoleRoutes(t testing.TB) []string {
	t.Helper()
	return routescan.Patterns(t, "../console/*.go")
}

// checkConsoleCoverage fails for every console route that no path of
// isolationConsolePaths reaches and that is not exempt.
func checkConsoleCoverage(t *testing.T) {
	t.Helper()
	routes := consoleRoutes(t)
	if !slices.Contains(routes, "POST /console/login") {
		t.Errorf("found no route POST /console/login among %q: the console route scan is broken", routes)
	}
	for _, p := range routes {
		if _, ok := consoleExempt[p]; ok {
			continue
		}
		m := http.NewServeMux()
		m.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
		covered := false
		for _, cp := range isolationConsolePaths {
			method, path, _ := strings.Cut(cp, " ")
			req := httptest.NewRequest(method, path, nil)
			if _, pat := m.Handler(req); pat == p {
				covered = true
				break
			}
		}
		if !covered {
			t.Errorf("console route %q is not in the isolation matrix: add a path that reaches it to isolationConsolePaths (httpapi/isolation_test.go), or exempt it in consoleExempt with a reason", p)
		}
	}
}

// adminRoutePrefix: every /admin/v1 route is guarded by requireAdmin; the matrix
// derives their lines (with a body that would write, were it accepted) instead of
// listing each.
const adminRoutePrefix = "/admin/v1/"

// isolationFixture creates acme's data through the API and returns the ids the
// placeholders name.
func isolationFixture(t testing.TB, h *testHub) map[string]string {
	t.Helper()
	ids := map[string]string{"externalOrder": "ISO-1"}
	tok := h.token("")
	res := h.jsonReq("POST", "/payments/vendor/acme/promos/code/PROMOCODE?confirm=true", tok,
		`{"externalOrderId":"ISO-1","paymentMethod":"CARD","paymentProvider":"STRIPE","userData":{"email":"victim@example.com","fullName":"Victim"}}`).expect(200, "")
	var oc struct {
		ContractID string `json:"contractId"`
	}
	res.JSON(&oc)
	ids["contract"] = oc.ContractID
	var p struct {
		ID string `json:"id"`
	}
	h.jsonReq("POST", "/admin/v1/vendors/acme/products", h.Admin, `{"id":"iso-product","name":"Isolation product"}`).expect(201, "").JSON(&p)
	ids["product"] = p.ID
	var src struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	h.jsonReq("POST", "/admin/v1/vendors/acme/sources", h.Admin, `{"id":"iso-source","name":"Isolation source","type":"HOOK"}`).expect(201, "").JSON(&src)
	ids["source"], ids["sourceSecret"] = src.ID, src.Secret
	var osrc struct {
		Secret string `json:"secret"`
	}
	h.jsonReq("POST", "/admin/v1/vendors/other/sources", h.Admin, `{"id":"other-source","name":"Other source","type":"HOOK"}`).expect(201, "").JSON(&osrc)
	ids["otherSourceSecret"] = osrc.Secret

	// Ids the admin API knows: customer, order, event of acme.
	var evs struct {
		Data []struct {
			ID          string `json:"id"`
			OrderingKey string `json:"orderingKey"`
		} `json:"data"`
	}
	if r := h.jsonReq("GET", "/admin/v1/events?vendor=acme", h.Admin, nil); r.Status == 200 {
		r.JSON(&evs)
		if len(evs.Data) > 0 {
			ids["event"], ids["customer"] = evs.Data[0].ID, evs.Data[0].OrderingKey
		}
	}
	var ords struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if r := h.jsonReq("GET", "/admin/v1/orders?vendor=acme", h.Admin, nil); r.Status == 200 {
		r.JSON(&ords)
		if len(ords.Data) > 0 {
			ids["order"] = ords.Data[0].ID
		}
	}

	ids["client"] = h.ClientID
	// A SALESmanago account of acme (its server a closed loopback port: nothing
	// here may reach the real SALESmanago), and a request id of it.
	ids["groupKey"], ids["smRequest"] = "acme-main", "00000000-0000-4000-8000-000000000001"
	if r := h.jsonReq("POST", "/admin/v1/vendors/acme/salesmanago/accounts", h.Admin,
		`{"groupKey":"acme-main","name":"Acme SM","baseUrl":"http://127.0.0.1:9","v3BaseUrl":"http://127.0.0.1:9","clientId":"acme-client","apiSecret":"s3cret","owner":"owner@acme.example"}`); r.Status == 201 {
		var rq struct {
			RequestID string `json:"requestId"`
		}
		if r := h.jsonReq("POST", "/salesmanago/contacts", tok, `{"data":{"email":"victim@example.com"},"group_key":"acme-main"}`); r.Status == 202 {
			r.JSON(&rq)
			ids["smRequest"] = rq.RequestID
		} else {
			t.Logf("SALESmanago fixture request: %d %s", r.Status, r.Body)
		}
	} else if r.Status != 404 && r.Status != 405 {
		t.Logf("SALESmanago fixture account: %d %s", r.Status, r.Body)
	}

	// Zapier users and sessions, when the surface is registered.
	if r := h.jsonReq("POST", "/admin/v1/vendors/acme/zapier-users", h.Admin, `{"email":"zap@acme.example","name":"Zap","password":"correct horse battery"}`); r.Status == 201 {
		ids["zapier"], ids["integration"] = zapierLogin(t, h, "zap@acme.example", "correct horse battery")
		h.jsonReq("POST", "/admin/v1/vendors/other/zapier-users", h.Admin, `{"email":"zap@other.example","name":"Zap","password":"correct horse battery"}`).expect(201, "")
		ids["otherZapier"], _ = zapierLogin(t, h, "zap@other.example", "correct horse battery")
		var ch struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		h.jsonReq("POST", "/api/integrations/"+ids["integration"]+"/channels", ids["zapier"],
			`{"url":"https://hooks.zapier.com/hooks/standard/1/acme","method":"zapier","alias":"acme","event":"order-created"}`).expect(200, "").JSON(&ch)
		ids["channel"] = ch.Data.ID
		if ids["order"] != "" {
			var sh struct {
				ID string `json:"id"`
			}
			if r := h.jsonReq("POST", "/admin/v1/vendors/acme/orders/"+ids["order"]+"/shippings", h.Admin, `{"carrier":"dhl","trackingNumber":"1"}`); r.Status == 201 {
				r.JSON(&sh)
				ids["shipping"] = sh.ID
			}
		}
	}
	for _, k := range []string{"customer", "order", "event", "shipping", "channel", "integration"} {
		if ids[k] == "" {
			ids[k] = "00000000-0000-4000-8000-000000000000"
		}
	}
	return ids
}

func zapierLogin(t testing.TB, h *testHub, email, password string) (token, integration string) {
	t.Helper()
	var lr struct {
		Data struct {
			Token           string `json:"token"`
			IntegrationUUID string `json:"integration_uuid"`
		} `json:"data"`
	}
	h.jsonReq("POST", "/api/login", "", fmt.Sprintf(`{"email":%q,"password":%q,"integration":"zapier"}`, email, password)).expect(200, "").JSON(&lr)
	return lr.Data.Token, lr.Data.IntegrationUUID
}

// expand replaces {acme.X} placeholders, and the pattern's own wildcards with
// acme's ids.
func expand(s string, ids map[string]string) string {
	for k, v := range ids {
		s = strings.ReplaceAll(s, "{acme."+k+"}", v)
	}
	return s
}

// pathOf returns the concrete path to call for a pattern: acme and acme's ids in
// place of the wildcards.
func pathOf(pattern string, rt isoRoute, ids map[string]string) string {
	if rt.path != "" {
		return expand(rt.path, ids)
	}
	_, p, _ := strings.Cut(pattern, " ")
	r := strings.NewReplacer(
		"{vendorId}", "acme", "{contractId}", ids["contract"], "{customerId}", ids["customer"], "{orderId}", ids["order"],
		"{eventId}", ids["event"], "{productId}", ids["product"], "{sourceId}", ids["source"], "{clientId}", "victim-client",
		"{optionId}", "victim-option", "{userId}", "victim-user", "{promoCode}", "PROMOCODE")
	p = r.Replace(p)
	return wildcard.ReplaceAllString(p, "victim")
}

// adminBody is a body for an admin route that would write, were it accepted.
func adminBody(method string) string {
	if method == "POST" || method == "PUT" || method == "PATCH" {
		return `{"id":"evil","name":"Evil","email":"evil@example.com","password":"correct horse battery","type":"HOOK","vendorId":"acme","scopes":["paymentsContractThirdPartyOnboarding"],"code":"EVIL","productName":"Evil","price":"1","currency":"SEK","carrier":"dhl","trackingNumber":"1"}`
	}
	return ""
}

// openFingerprintDB opens the hub's database (SQLite read-only), for dbFingerprint
// and dbVersion.
func openFingerprintDB(t testing.TB, h *testHub) *sql.DB {
	t.Helper()
	if onPostgres() {
		return rawDB(t, h)
	}
	fp, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(h.dsn, "sqlite:")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	fp.SetMaxOpenConns(1) // one connection: PRAGMA data_version is per connection
	t.Cleanup(func() { fp.Close() })
	return fp
}

// dbVersion changes whenever the hub commits a change: SQLite's data_version of the
// watching connection, or on PostgreSQL the next transaction id (a transaction gets
// one when it first writes; reading takes none). Cheap enough to ask around every
// call; dbFingerprint says what changed.
func dbVersion(t testing.TB, fp *sql.DB) int64 {
	t.Helper()
	q := `PRAGMA data_version`
	if onPostgres() {
		q = `SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint`
	}
	var v int64
	if err := fp.QueryRow(q).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// dbFingerprint hashes the rows of every table (vendor == ""), or only the rows of
// one vendor in the tables that have a vendor_id column.
func dbFingerprint(t testing.TB, db *sql.DB, vendor string) string {
	t.Helper()
	tablesQ := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	columnQ := `SELECT count(*) FROM pragma_table_info($1) WHERE name = 'vendor_id'`
	if onPostgres() {
		tablesQ = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`
		columnQ = `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'vendor_id'`
	}
	rows, err := db.Query(tablesQ)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	sum := sha256.New()
	for _, tb := range tables {
		q := `SELECT * FROM "` + tb + `"`
		if vendor != "" {
			var n int
			if err := db.QueryRow(columnQ, tb).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				continue
			}
			q += ` WHERE vendor_id = '` + vendor + `'`
		}
		q += ` ORDER BY 1`
		rs, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rs.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		fmt.Fprintf(sum, "%s\n", tb)
		for rs.Next() {
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(sum, "%v\n", vals)
		}
		rs.Close()
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// noRedirect does not follow redirects: the console answers 303 to its login page.
var noRedirect = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// isoDo sends one request of the matrix.
func isoDo(t *testing.T, h *testHub, method, path, ct string, body []byte, hdr map[string]string) *response {
	t.Helper()
	req, err := http.NewRequest(method, h.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{t: t, Status: res.StatusCode, Header: res.Header, Body: b, Req: req}
}

// attempt is one call of the matrix.
type attempt struct {
	name   string
	auth   string // Authorization header value ("" for none)
	path   string
	status []int  // acceptable statuses
	method string // overrides the pattern's method
	cookie string // a Cookie header
	// ownData: the credential's vendor may act on its own data (a 2xx is allowed);
	// acme's rows must not change and the answer must not name acme.
	ownData bool
}

func TestIsolationMatrix(t *testing.T) {
	h := newTestHub(t)
	ids := isolationFixture(t, h)
	fp := openFingerprintDB(t, h)

	patterns := registeredRoutes(t)
	sort.Strings(patterns)
	for _, p := range patterns {
		if _, ok := isolationRoutes[p]; ok {
			continue
		}
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, adminRoutePrefix) {
			continue
		}
		t.Errorf("route %q is not in the isolation matrix: add a line to isolationRoutes (httpapi/isolation_test.go) saying how it is guarded", p)
	}
	if slices.Contains(patterns, "/console/") {
		checkConsoleCoverage(t)
	}
	for p := range isolationRoutes {
		if !slices.Contains(patterns, p) {
			t.Logf("isolationRoutes lists %q, which is not registered (yet)", p)
		}
	}

	// Credentials.
	acmeAll := h.token("")
	otherAll := h.tokenFor(h.Other.ClientID, h.Other.Secret, "")
	scoped := map[string]string{}
	for _, sc := range orderhub.KnownScopes {
		if sc == orderhub.ScopeVendorOrdersLegacy {
			continue
		}
		scoped[sc] = h.token(sc)
	}
	wrongScope := func(need string) string {
		if need == orderhub.ScopeEvents {
			return scoped[orderhub.ScopeVendorOrders]
		}
		return scoped[orderhub.ScopeEvents]
	}
	// A revoked admin token stands for an expired one: admin tokens do not expire.
	var revoked struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	if _, tok, err := h.DB.Tenants().CreateAdminToken(t.Context(), "to-revoke"); err == nil {
		revoked.Token = tok
		toks, _ := h.DB.Tenants().ListAdminTokens(t.Context())
		for _, at := range toks {
			if at.Name == "to-revoke" {
				if err := h.DB.Tenants().RevokeAdminToken(t.Context(), at.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
	} else {
		t.Fatal(err)
	}
	bearerOf := func(tok string) string {
		if tok == "" {
			return ""
		}
		return "Bearer " + tok
	}
	const garbage = "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJldmlsIn0.c2lnbmF0dXJl"

	attemptsOf := func(pattern string, rt isoRoute, phase string) []attempt {
		method, _, _ := strings.Cut(pattern, " ")
		path := pathOf(pattern, rt, ids)
		refused := []int{401}
		var as []attempt
		if phase == "expired" {
			switch rt.guard {
			case guardOAuth, guardHook:
				as = append(as, attempt{name: "expired access token", auth: bearerOf(acmeAll), path: path, status: refused})
			case guardZapier:
				as = append(as, attempt{name: "expired Zapier session", auth: bearerOf(ids["zapier"]), path: path, status: refused})
			}
			return as
		}
		as = append(as,
			attempt{name: "no credentials", path: path, status: refused},
			attempt{name: "garbage token", auth: garbage, path: path, status: refused})
		switch rt.guard {
		case guardOAuth:
			as = append(as,
				attempt{name: "wrong scope", auth: bearerOf(wrongScope(rt.scope)), path: path, status: []int{403}},
				attempt{name: "admin token", auth: bearerOf(h.Admin), path: path, status: refused},
				attempt{name: "source secret", auth: bearerOf(ids["sourceSecret"]), path: path, status: refused})
			if strings.Contains(path, "/vendor/acme/") {
				as = append(as, attempt{name: "other vendor on acme's path", auth: bearerOf(otherAll), path: path, status: []int{403, 404}})
				if op := strings.Replace(path, "/vendor/acme/", "/vendor/other/", 1); strings.Contains(pattern, "}/") || method == "POST" {
					as = append(as, attempt{name: "other vendor, own path, acme's ids", auth: bearerOf(otherAll), path: op, status: []int{200, 201, 404, 409, 422}, ownData: true})
				}
			} else {
				as = append(as, attempt{name: "other vendor", auth: bearerOf(otherAll), path: path, status: []int{200, 201, 202, 403, 404, 409, 422}, ownData: true})
			}
		case guardHook:
			as = append(as,
				attempt{name: "wrong scope", auth: bearerOf(scoped[orderhub.ScopeVendorOrders]), path: path, status: []int{403}},
				attempt{name: "admin token", auth: bearerOf(h.Admin), path: path, status: refused},
				attempt{name: "other vendor's token", auth: bearerOf(otherAll), path: path, status: []int{200, 403}, ownData: true},
				attempt{name: "other vendor's source secret", auth: bearerOf(ids["otherSourceSecret"]), path: path, status: []int{200, 403}, ownData: true})
		case guardAdmin:
			as = append(as,
				attempt{name: "revoked admin token", auth: bearerOf(revoked.Token), path: path, status: refused},
				attempt{name: "vendor access token", auth: bearerOf(acmeAll), path: path, status: refused},
				attempt{name: "source secret", auth: bearerOf(ids["sourceSecret"]), path: path, status: refused})
			if ids["zapier"] != "" {
				as = append(as, attempt{name: "Zapier token", auth: bearerOf(ids["zapier"]), path: path, status: refused})
			}
		case guardConsole:
			as = as[:0]
			for _, cp := range isolationConsolePaths {
				m, p, _ := strings.Cut(cp, " ")
				p = expand(p, ids)
				st := []int{401, 403}
				if m == "GET" {
					st = []int{303}
				}
				for _, c := range []struct{ name, auth string }{{"console: no session", ""}, {"console: admin token", bearerOf(h.Admin)}, {"console: vendor token", bearerOf(acmeAll)}} {
					as = append(as, attempt{name: c.name, method: m, auth: c.auth, path: p, status: st})
				}
				as = append(as, attempt{name: "console: forged session cookie", method: m, cookie: "orderhub_console=forged", path: p, status: st})
			}
		case guardZapier:
			as = append(as,
				attempt{name: "vendor access token", auth: bearerOf(acmeAll), path: path, status: refused},
				attempt{name: "admin token", auth: bearerOf(h.Admin), path: path, status: refused},
				attempt{name: "other vendor's Zapier token", auth: bearerOf(ids["otherZapier"]), path: path, status: []int{200, 201, 404, 422}, ownData: true})
		}
		return as
	}

	run := func(pattern string, rt isoRoute, a attempt) {
		t.Helper()
		method, _, _ := strings.Cut(pattern, " ")
		if a.method != "" {
			method = a.method
		}
		body := expand(rt.body, ids)
		if rt.guard == guardAdmin {
			body = adminBody(method)
		}
		hdr := map[string]string{}
		if a.auth != "" {
			hdr["Authorization"] = a.auth
		}
		if a.cookie != "" {
			hdr["Cookie"] = a.cookie
		}
		ct := rt.ctype
		if ct == "" && body != "" {
			ct = "application/json"
		}
		v0 := dbVersion(t, fp)
		var beforeAcme string
		if a.ownData {
			beforeAcme = dbFingerprint(t, fp, "acme")
		}
		res := isoDo(t, h, method, a.path, ct, []byte(body), hdr)
		changed := dbVersion(t, fp) != v0
		where := fmt.Sprintf("%s %s (%s)", method, a.path, a.name)
		if !slices.Contains(a.status, res.Status) {
			t.Errorf("%s: status %d, want one of %v; body %s", where, res.Status, a.status, res.Body)
		}
		if res.Status >= 200 && res.Status < 300 {
			if !a.ownData {
				t.Errorf("%s: accepted (%d) %s", where, res.Status, res.Body)
			}
			if strings.Contains(strings.ToLower(string(res.Body)), "acme") || (ids["contract"] != "" && strings.Contains(string(res.Body), ids["contract"])) {
				t.Errorf("%s: the answer names acme's data: %s", where, res.Body)
			}
		}
		if changed && a.ownData && beforeAcme != dbFingerprint(t, fp, "acme") {
			t.Errorf("%s: acme's rows changed (status %d, body %s)", where, res.Status, res.Body)
		}
		if changed && !(a.ownData && res.Status >= 200 && res.Status < 300) {
			t.Errorf("%s: refused with %d but the database changed", where, res.Status)
		}
	}

	routeOf := func(p string) (isoRoute, bool) {
		if rt, ok := isolationRoutes[p]; ok {
			return rt, true
		}
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, adminRoutePrefix) {
			return isoRoute{guard: guardAdmin}, true
		}
		return isoRoute{}, false
	}
	checked := 0
	for _, p := range patterns {
		rt, ok := routeOf(p)
		if !ok || rt.guard == guardNone {
			if ok && rt.reason == "" {
				t.Errorf("route %q is exempt without a reason", p)
			}
			continue
		}
		for _, a := range attemptsOf(p, rt, "") {
			run(p, rt, a)
			checked++
		}
	}
	// Expired credentials: move the clock past every token's and session's life.
	h.Clock.Add(31 * 24 * time.Hour)
	for _, p := range patterns {
		rt, ok := routeOf(p)
		if !ok || rt.guard == guardNone {
			continue
		}
		for _, a := range attemptsOf(p, rt, "expired") {
			run(p, rt, a)
			checked++
		}
	}
	t.Logf("%d routes, %d refused calls checked", len(patterns), checked)
}
