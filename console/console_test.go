package console_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub"
	"orderhub/console"
	"orderhub/manage"
)

// client is a browser-like HTTP client: a cookie jar, no redirects followed.
type client struct {
	t   *testing.T
	b   *bed
	hc  *http.Client
	jar *cookiejar.Jar
}

func newClient(t *testing.T, b *bed) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, b: b, jar: jar, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resPage struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(method, path string, form url.Values, hdr map[string]string) *resPage {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.b.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &resPage{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (p *resPage) csrfOrEmpty() string {
	if m := csrfField.FindStringSubmatch(p.Body); m != nil {
		return m[1]
	}
	return ""
}

func (p *resPage) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF token in the page: %s", p.Body)
	}
	return m[1]
}

func cookie(p *resPage, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// login logs in and returns the dashboard's CSRF token.
func (c *client) login() string {
	c.t.Helper()
	lp := c.do("GET", "/console/login", nil, nil)
	res := c.do("POST", "/console/login", url.Values{"csrf": {lp.csrf(c.t)}, "username": {testUser}, "password": {testPassword}, "next": {"/console/"}}, nil)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
		c.t.Fatalf("login: %d %v %s", res.Status, res.Header, res.Body)
	}
	dash := c.do("GET", "/console/", nil, nil)
	if dash.Status != 200 || !strings.Contains(dash.Body, "Dashboard") {
		c.t.Fatalf("dashboard: %d %s", dash.Status, dash.Body)
	}
	return dash.csrf(c.t)
}

func TestConsoleLoginSessionAndLogout(t *testing.T) {
	b := newBed(t)
	c := newClient(t, b)

	// Without a session, pages redirect to the login page, and POSTs are refused.
	res := c.do("GET", "/console/customers/x", nil, nil)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/login?next=%2Fconsole%2Fcustomers%2Fx" {
		t.Fatalf("anonymous page: %d %v", res.Status, res.Header)
	}
	if res := c.do("POST", "/console/logout", url.Values{}, nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous POST: %d", res.Status)
	}
	if res := c.do("GET", "/console", nil, nil); res.Status/100 != 3 || res.Header.Get("Location") != "/console/" {
		t.Fatalf("/console: %d %v", res.Status, res.Header)
	}

	lp := c.do("GET", "/console/login", nil, nil)
	lc := cookie(lp, "orderhub_console_login")
	if lp.Status != 200 || lc == nil || !lc.HttpOnly || lc.SameSite != http.SameSiteLaxMode || lc.Path != "/console/" {
		t.Fatalf("login page: %d %+v", lp.Status, lc)
	}
	if csp := lp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || lp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("security headers: %v", lp.Header)
	}
	tok := lp.csrf(t)

	// A wrong password, an unknown user and a missing or wrong login token are refused.
	for _, tc := range []struct{ name, user, password, csrf string }{
		{"wrong password", testUser, "not the password", "page"},
		{"unknown user", "mallory", testPassword, "page"},
		{"no csrf", testUser, testPassword, ""},
		{"wrong csrf", testUser, testPassword, "forged"},
	} {
		name := tc.name
		form := url.Values{"username": {tc.user}, "password": {tc.password}}
		switch tc.csrf {
		case "page":
			form.Set("csrf", tok)
		case "forged":
			form.Set("csrf", tc.csrf)
		}
		res := c.do("POST", "/console/login", form, nil)
		want := http.StatusUnauthorized
		if strings.Contains(name, "csrf") {
			want = http.StatusForbidden
		}
		if res.Status != want || cookie(res, "orderhub_console") != nil {
			t.Fatalf("%s: %d %s", name, res.Status, res.Body)
		}
		if want == http.StatusUnauthorized && !strings.Contains(res.Body, "Wrong username or password.") {
			t.Fatalf("%s: %s", name, res.Body)
		}
		tok = res.csrf(t) // each login page has a fresh token
	}

	res = c.do("POST", "/console/login", url.Values{"csrf": {tok}, "username": {testUser}, "password": {testPassword}, "next": {"https://evil.example/"}}, nil)
	sc := cookie(res, "orderhub_console")
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/" || sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Secure {
		t.Fatalf("login: %d %v %+v", res.Status, res.Header, sc)
	}
	dash := c.do("GET", "/console/", nil, nil)
	if dash.Status != 200 || !strings.Contains(dash.Body, "queue depth") || !strings.Contains(dash.Body, testUser) {
		t.Fatalf("dashboard: %d %s", dash.Status, dash.Body)
	}
	stats := c.do("GET", "/console/stats.json", nil, nil)
	if stats.Status != 200 || !strings.Contains(stats.Body, `"dead":2`) {
		t.Fatalf("stats: %d %s", stats.Status, stats.Body)
	}

	// Behind a TLS proxy the session cookie is Secure.
	c2 := newClient(t, b)
	lp = c2.do("GET", "/console/login", nil, map[string]string{"X-Forwarded-Proto": "https"})
	res = c2.do("POST", "/console/login", url.Values{"csrf": {lp.csrf(t)}, "username": {testUser}, "password": {testPassword}}, map[string]string{"X-Forwarded-Proto": "https"})
	if sc := cookie(res, "orderhub_console"); sc == nil || !sc.Secure {
		t.Fatalf("secure cookie: %+v", sc)
	}

	// Logging out needs the CSRF token, and ends the session on the server.
	if res := c.do("POST", "/console/logout", url.Values{}, nil); res.Status != http.StatusForbidden {
		t.Fatalf("logout without csrf: %d", res.Status)
	}
	res = c.do("POST", "/console/logout", url.Values{"csrf": {dash.csrf(t)}}, nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.Status)
	}
	if _, err := b.DB.Admin().ConsoleSessionByToken(context.Background(), sc.Value); err == nil {
		t.Fatal("the session survived logout")
	}
	if res := c.do("GET", "/console/", nil, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("after logout: %d", res.Status)
	}
}

func TestConsoleRefusesPostsWithoutTheCSRFToken(t *testing.T) {
	b := newBed(t)
	c := newClient(t, b)
	tok := c.login()
	dead := b.deliveries(orderhub.DeliveryDead)[0]
	path := "/console/deliveries/" + dead.ID + "/replay"
	for name, try := range map[string]struct {
		form url.Values
		hdr  map[string]string
	}{
		"missing":      {url.Values{}, nil},
		"wrong":        {url.Values{"csrf": {tok + "x"}}, nil},
		"cross-origin": {url.Values{"csrf": {tok}}, map[string]string{"Origin": "https://evil.example"}},
	} {
		res := c.do("POST", path, try.form, try.hdr)
		if res.Status != http.StatusForbidden {
			t.Fatalf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	// Another session's token does not work either.
	other := newClient(t, b).login()
	if res := c.do("POST", path, url.Values{"csrf": {other}}, nil); res.Status != http.StatusForbidden {
		t.Fatalf("another session's token: %d", res.Status)
	}
	if d, _ := b.DB.Deliveries().GetDelivery(context.Background(), "", dead.ID); d.Status != orderhub.DeliveryDead {
		t.Fatalf("a refused replay changed the delivery: %+v", d)
	}
	// Every form of every page carries the token.
	for _, p := range []string{"/console/", "/console/endpoints/" + b.Endpoint.ID, "/console/deliveries/" + dead.ID, "/console/dead-letters", "/console/credentials"} {
		pg := c.do("GET", p, nil, nil)
		forms := strings.Count(pg.Body, `method="post"`)
		if pg.Status != 200 || forms == 0 || strings.Count(pg.Body, `name="csrf" value="`+tok+`"`) != forms {
			t.Fatalf("%s: %d, %d POST forms, tokens: %d", p, pg.Status, forms, strings.Count(pg.Body, `name="csrf"`))
		}
	}
	// With the token the replay is accepted, and the receiver (now up) gets it.
	b.ReceiverStatus.Store(200)
	res := c.do("POST", path, url.Values{"csrf": {tok}}, map[string]string{"Origin": b.URL})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/deliveries/"+dead.ID || cookie(res, "orderhub_console_flash") == nil {
		t.Fatalf("replay: %d %v %s", res.Status, res.Header, res.Body)
	}
	// The next page shows the message once; a crafted URL shows none.
	if p := c.do("GET", "/console/deliveries/"+dead.ID+"?flash=Call+us", nil, nil); !strings.Contains(p.Body, "Delivery queued again.") || strings.Contains(p.Body, "Call us") {
		t.Fatalf("flash after the replay:\n%s", p.Body)
	}
	if p := c.do("GET", "/console/deliveries/"+dead.ID, nil, nil); strings.Contains(p.Body, "Delivery queued again.") {
		t.Fatal("the flash message is shown twice")
	}
	b.waitFor("the replayed delivery delivered", func() bool {
		d, _ := b.DB.Deliveries().GetDelivery(context.Background(), "", dead.ID)
		return d.Status == orderhub.DeliveryDelivered
	})
}

func TestConsolePages(t *testing.T) {
	b := newBed(t)
	c := newClient(t, b)
	tok := c.login()
	ctx := context.Background()
	cust := b.Order.CustomerID
	dead := b.deliveries(orderhub.DeliveryDead)
	for _, tc := range []struct {
		path   string
		status int
		want   []string
	}{
		{"/console/search?q=ANNA%40example.com", 200, []string{testOrder, cust, "Anna &lt;b&gt;Andersson&lt;/b&gt;"}},
		{"/console/search?q=" + testOrder, 200, []string{"/console/orders/" + b.Order.ID}},
		{"/console/search?q=" + b.Order.ID, 200, []string{testOrder}},
		{"/console/search?q=%3Cscript%3E", 200, []string{"&lt;script&gt;", "No orders."}},
		{"/console/customers/" + cust, 200, []string{"Timeline", "order-created", "customer-created", "delivery of order-created", "dead"}},
		{"/console/orders/" + b.Order.ID, 200, []string{testOrder, "Annual subscription"}},
		{"/console/endpoints", 200, []string{b.Endpoint.ID, "failing", "CRM webhook"}},
		{"/console/endpoints/" + b.Endpoint.ID, 200, []string{"Recent deliveries", "HTTP 500", "Replay 2 dead", "Send test event"}},
		{"/console/deliveries/" + dead[0].ID, 200, []string{"crm is down for maintenance", "HTTP 500", "ms", "Replay"}},
		{"/console/dead-letters", 200, []string{dead[0].ID, dead[1].ID, "Replay selected"}},
		{"/console/ignored", 200, []string{"Nothing ignored."}},
		{"/console/catalog", 200, []string{"PROMOCODE", "Digital 12 months"}},
		{"/console/credentials", 200, []string{"Webshop", "paymentsContractThirdPartyOnboarding", testUser}},
		{"/console/customers/nope", 404, []string{"not found"}},
		{"/console/nowhere", 404, []string{"There is no console page"}},
		{"/console/static/console.css", 200, []string{"--accent"}},
	} {
		p := c.do("GET", tc.path, nil, nil)
		if p.Status != tc.status {
			t.Fatalf("%s: %d %s", tc.path, p.Status, p.Body)
		}
		for _, w := range tc.want {
			if !strings.Contains(p.Body, w) {
				t.Fatalf("%s lacks %q:\n%s", tc.path, w, p.Body)
			}
		}
	}

	// Endpoint actions: rotate shows the new secret once; disable, enable, test event.
	post := func(path string) *resPage {
		t.Helper()
		return c.do("POST", path, url.Values{"csrf": {tok}}, nil)
	}
	before, _ := b.DB.Deliveries().EndpointSecret(ctx, "", b.Endpoint.ID)
	rot := post("/console/endpoints/" + b.Endpoint.ID + "/rotate")
	after, _ := b.DB.Deliveries().EndpointSecret(ctx, "", b.Endpoint.ID)
	if rot.Status != 200 || after == before || !strings.Contains(html.UnescapeString(rot.Body), after) {
		t.Fatalf("rotate: %d", rot.Status)
	}
	if p := c.do("GET", "/console/endpoints/"+b.Endpoint.ID, nil, nil); strings.Contains(html.UnescapeString(p.Body), after) {
		t.Fatal("the secret is shown again")
	}
	if p := post("/console/endpoints/" + b.Endpoint.ID + "/disable"); p.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", p.Status, p.Body)
	}
	if e, _ := b.DB.Deliveries().GetEndpoint(ctx, "", b.Endpoint.ID); e.Enabled {
		t.Fatal("not disabled")
	}
	if p := post("/console/endpoints/" + b.Endpoint.ID + "/test"); p.Status != http.StatusConflict {
		t.Fatalf("test event to a disabled endpoint: %d", p.Status)
	}
	if p := post("/console/endpoints/" + b.Endpoint.ID + "/enable"); p.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.Status)
	}
	b.ReceiverStatus.Store(204)
	p := post("/console/endpoints/" + b.Endpoint.ID + "/test")
	loc := p.Header.Get("Location")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/deliveries/") {
		t.Fatalf("test event: %d %v", p.Status, p.Header)
	}
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/console/deliveries/")
	b.waitFor("the test event delivered", func() bool {
		d, _ := b.DB.Deliveries().GetDelivery(ctx, "", id)
		return d.Status == orderhub.DeliveryDelivered && d.EventType == orderhub.EventEndpointTest
	})
	if p := post("/console/endpoints/" + b.Endpoint.ID + "/explode"); p.Status != http.StatusNotFound {
		t.Fatalf("unknown action: %d", p.Status)
	}

	// Bulk replay of the dead letters (disabling made none dead: both were dead already).
	ids := url.Values{"csrf": {tok}}
	for _, d := range b.deliveries(orderhub.DeliveryDead) {
		ids.Add("id", d.ID)
	}
	ids.Add("id", "dlv_nope")
	res := c.do("POST", "/console/dead-letters/replay", ids, nil)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/dead-letters" {
		t.Fatalf("bulk replay: %d %v", res.Status, res.Header)
	}
	if p := c.do("GET", "/console/dead-letters", nil, nil); !strings.Contains(p.Body, "2 deliveries queued again. Not replayed: dlv_nope") {
		t.Fatalf("bulk replay message:\n%s", p.Body)
	}
	b.waitFor("every delivery delivered", func() bool {
		return len(b.deliveries(orderhub.DeliveryDead)) == 0 && len(b.deliveries(orderhub.DeliveryDelivered)) == 3
	})

	// A SALESmanago account is a connector: listed as one, with its account (never
	// its secrets) on its page.
	in := &orderhub.SalesmanagoAccountInput{ID: "sm_main", GroupKey: "acme-main", Name: "Main shop", BaseURL: "https://app3.salesmanago.com",
		ClientID: "cid-123", APISecret: "api-secret-value", Owner: "owner@shop.example"}
	in.VendorID = "acme"
	if err := orderhub.ValidateSalesmanagoAccount(in); err != nil {
		t.Fatal(err)
	}
	if _, err := b.DB.Connectors().CreateSalesmanagoAccount(ctx, in, "v1:sealed-secret", ""); err != nil {
		t.Fatal(err)
	}
	eps := c.do("GET", "/console/endpoints", nil, nil)
	if i := strings.Index(eps.Body, "Connectors (SALESmanago"); i < 0 || !strings.Contains(eps.Body[i:], "sm_main") {
		t.Fatalf("connectors:\n%s", eps.Body)
	}
	smp := c.do("GET", "/console/endpoints/sm_main", nil, nil)
	if smp.Status != 200 || !strings.Contains(smp.Body, "Main shop") || !strings.Contains(smp.Body, "cid-123") || strings.Contains(smp.Body, "sealed") || strings.Contains(smp.Body, "api-secret-value") {
		t.Fatalf("connector page: %d\n%s", smp.Status, smp.Body)
	}

	// Revoking a client from the credentials page.
	cls, _ := b.DB.Tenants().ListClients(ctx, "acme")
	if p := post("/console/clients/" + cls[0].ID + "/revoke"); p.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.Status)
	}
	if cl, _ := b.DB.Tenants().GetClient(ctx, cls[0].ID); cl.RevokedAt == nil {
		t.Fatal("not revoked")
	}
}

func TestConsoleThrottlesFailedLogins(t *testing.T) {
	b := newBed(t)
	c := newClient(t, b)
	tok := c.do("GET", "/console/login", nil, nil).csrf(t)
	try := func(password string) *resPage {
		t.Helper()
		res := c.do("POST", "/console/login", url.Values{"csrf": {tok}, "username": {testUser}, "password": {password}}, nil)
		tok = res.csrfOrEmpty()
		return res
	}
	for i := range 10 {
		if res := try("guess " + strconv.Itoa(i)); res.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, res.Status)
		}
	}
	// Blocked now, even with the right password, and for other users from the address.
	res := try(testPassword)
	if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, "Too many failed logins") || cookie(res, "orderhub_console") != nil {
		t.Fatalf("11th attempt: %d %v", res.Status, res.Header)
	}
	// After the window the right password works again.
	b.Skew.Store(int64(16 * time.Minute))
	if res := try(testPassword); res.Status != http.StatusSeeOther || cookie(res, "orderhub_console") == nil {
		t.Fatalf("after the window: %d %s", res.Status, res.Body)
	}
}

// An order event that orderhub ignored (Yespo's rules) is listed with its reason.
func TestConsoleShowsIgnoredEvents(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()
	cl := &orderhub.Client{VendorID: "acme", Scopes: []string{orderhub.ScopeEvents}}
	secret, err := b.DB.Tenants().CreateClient(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{}
	res, err := hc.PostForm(b.URL+"/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {cl.ID}, "client_secret": {secret}, "scope": {orderhub.ScopeEvents}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	body := `{"eventTypeKey":"orderCreated","keyValue":"380501234567","params":[{"name":"phone","value":"380501234567"}]}`
	req, _ := http.NewRequest("POST", b.URL+"/api/v1/event", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	for range 2 { // the same event twice: counted, not listed twice
		res, err := hc.Do(req.Clone(ctx))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		req.Body = io.NopCloser(strings.NewReader(body))
		if res.StatusCode != 200 {
			t.Fatalf("event: %d", res.StatusCode)
		}
	}
	c := newClient(t, b)
	c.login()
	p := c.do("GET", "/console/ignored?vendor=acme", nil, nil)
	if p.Status != 200 || !strings.Contains(p.Body, orderhub.EOrderEventParamRequired) || !strings.Contains(p.Body, "<td>2</td>") || !strings.Contains(p.Body, "orderCreated") {
		t.Fatalf("ignored events page: %d\n%s", p.Status, p.Body)
	}
	if p := c.do("GET", "/console/ignored?vendor=acme&reason=NoSuchReason", nil, nil); !strings.Contains(p.Body, "Nothing ignored.") {
		t.Fatalf("reason filter:\n%s", p.Body)
	}
}

// Issue 15: a stranger's failed logins, from one address, do not lock the user
// out from another; an unknown username answers exactly like a real one.
func TestConsoleLockoutIsPerAddress(t *testing.T) {
	b := newBed(t)
	fromAddr := func(ip string) *client {
		c := newClient(t, b)
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		c.hc.Transport = &http.Transport{DialContext: d.DialContext}
		return c
	}
	attempts := func(c *client, user string, n int) string {
		tok := c.do("GET", "/console/login", nil, nil).csrf(t)
		var s []string
		for i := range n {
			res := c.do("POST", "/console/login", url.Values{"csrf": {tok}, "username": {user}, "password": {"guess " + strconv.Itoa(i)}}, nil)
			tok = res.csrfOrEmpty()
			if tok == "" {
				tok = c.do("GET", "/console/login", nil, nil).csrf(t)
			}
			s = append(s, strconv.Itoa(res.Status))
		}
		return strings.Join(s, " ")
	}
	known := attempts(fromAddr("127.0.0.2"), testUser, 12)
	if !strings.HasSuffix(known, "401 429 429") {
		t.Fatalf("a real username: %s", known)
	}
	if unknown := attempts(fromAddr("127.0.0.3"), "nobody", 12); unknown != known {
		t.Fatalf("an unknown username answers %s, a real one %s", unknown, known)
	}
	victim := fromAddr("127.0.0.4")
	tok := victim.do("GET", "/console/login", nil, nil).csrf(t)
	res := victim.do("POST", "/console/login", url.Values{"csrf": {tok}, "username": {testUser}, "password": {testPassword}}, nil)
	if res.Status != http.StatusSeeOther || cookie(res, "orderhub_console") == nil {
		t.Fatalf("the real user, from another address, got %d while an attacker was throttled", res.Status)
	}
}

func TestPortalPrefixIsManages(t *testing.T) {
	if console.PortalPrefix != manage.PortalPrefix {
		t.Fatalf("console.PortalPrefix %q, manage.PortalPrefix %q", console.PortalPrefix, manage.PortalPrefix)
	}
}
