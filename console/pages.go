package console

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"orderhub"
	"orderhub/throttle"
)

func (c *console) routes() {
	m := c.mux
	v := &pageViews{c}
	const p = Prefix
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+p+"/static/", http.StripPrefix(p+"/static/", http.FileServerFS(static)))
	m.HandleFunc("GET "+p+"/login", v.handleLoginForm)
	m.HandleFunc("POST "+p+"/login", v.handleLogin)
	m.HandleFunc("POST "+p+"/logout", c.auth(v.handleLogout))

	m.HandleFunc("GET "+p+"/{$}", c.auth(v.handleDashboard))
	m.HandleFunc("GET "+p+"/stats.json", c.auth(v.handleStats))
	m.HandleFunc("GET "+p+"/search", c.auth(v.handleSearch))
	m.HandleFunc("GET "+p+"/customers/{id}", c.auth(v.handleCustomer))
	m.HandleFunc("GET "+p+"/orders/{id}", c.auth(v.handleOrder))
	m.HandleFunc("GET "+p+"/contracts/{id}", c.auth(v.handleContract))
	m.HandleFunc("GET "+p+"/events/{id}", c.auth(v.handleEvent))

	m.HandleFunc("GET "+p+"/endpoints", c.auth(v.handleEndpoints))
	m.HandleFunc("GET "+p+"/endpoints/{id}", c.auth(v.handleEndpoint))
	m.HandleFunc("POST "+p+"/endpoints/{id}/{action}", c.auth(v.handleEndpointAction))
	m.HandleFunc("GET "+p+"/deliveries/{id}", c.auth(v.handleDelivery))
	m.HandleFunc("POST "+p+"/deliveries/{id}/replay", c.auth(v.handleReplay))
	m.HandleFunc("GET "+p+"/dead-letters", c.auth(v.handleDeadLetters))
	m.HandleFunc("POST "+p+"/dead-letters/replay", c.auth(v.handleBulkReplay))
	m.HandleFunc("GET "+p+"/ignored", c.auth(v.handleIgnored))

	m.HandleFunc("GET "+p+"/catalog", c.auth(v.handleCatalog))
	m.HandleFunc("GET "+p+"/credentials", c.auth(v.handleCredentials))
	m.HandleFunc("POST "+p+"/clients/{id}/revoke", c.auth(v.handleRevokeClient))
	m.HandleFunc("GET "+p+"/audit", c.auth(v.handleAudit))
	c.manageRoutes() // manage.go: the forms that create and change things

	m.HandleFunc(p+"/", c.auth(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusNotFound, "Not found", "There is no console page at "+r.URL.Path+".")
	}))
}

// ---- login ----

func (c *pageViews) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	c.loginPage(w, r, http.StatusOK, "")
}

func (c *pageViews) loginPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tok := randomToken()
	c.setCookie(w, r, loginCookie, tok, 3600)
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	c.render(w, r, status, "login", &view{Title: "Log in", CSRF: tok, Error: msg, Data: map[string]string{"Next": safeNext(next)}})
}

// safeNext keeps a post-login redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/"
	}
	return next
}

func (c *pageViews) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.loginPage(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	ck, err := r.Cookie(loginCookie)
	tok := r.PostForm.Get("csrf")
	if !sameOrigin(r) || err != nil || tok == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(tok)) != 1 {
		c.loginPage(w, r, http.StatusForbidden, "The login form's security token is missing or stale (CSRF). Try again.")
		return
	}
	user, src := strings.ToLower(excerpt(r.PostForm.Get("username"), 64)), throttle.Source(r)
	if wait := c.logins.Wait(user, src); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		c.loginPage(w, r, http.StatusTooManyRequests, "Too many failed logins. Try again in "+wait.Round(time.Minute).String()+".")
		return
	}
	// The user, looked up for known and unknown usernames alike: a login is
	// recorded in the audit log with the session (login_audit.go).
	ctx, known := r.Context(), c.loginUser(r)
	if known != nil {
		ctx = orderhub.WithChange(ctx, loginChange(r, actionLogin, known))
	}
	token, _, err := c.store.Admin.ConsoleLogin(ctx, r.PostForm.Get("username"), r.PostForm.Get("password"), SessionTTL)
	if err != nil {
		if orderhub.ErrorCode(err) == orderhub.EUnauthorized {
			c.logins.Failed(user, src) // an unknown user too: no oracle
			if known != nil {
				c.recordFailedLogin(r, known)
			}
			c.log.Warn("console: failed login", "username", excerpt(r.PostForm.Get("username"), 64), "remote", r.RemoteAddr)
			c.loginPage(w, r, http.StatusUnauthorized, "Wrong username or password.")
			return
		}
		c.failErr(w, r, err)
		return
	}
	c.logins.Succeeded(user, src)
	c.setCookie(w, r, loginCookie, "", -1)
	c.setCookie(w, r, sessionCookie, token, int(SessionTTL.Seconds()))
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (c *pageViews) handleLogout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		s := session(r)
		ctx := orderhub.WithChange(r.Context(), loginChange(r, actionLogout, &orderhub.ConsoleUser{ID: s.UserID, Username: s.Username, VendorID: s.VendorID}))
		if err := c.store.Admin.ConsoleLogout(ctx, ck.Value); err != nil {
			c.failErr(w, r, err)
			return
		}
	}
	c.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// ---- dashboard ----

func (c *pageViews) handleDashboard(w http.ResponseWriter, r *http.Request) {
	d, err := c.dash.Get(r.Context(), 15)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "dashboard", &view{Title: "Dashboard", Nav: "dashboard", Data: dashboardView(d)})
}

type dashView struct {
	*orderhub.Dashboard
	OrdersNow, ContractsNow, DeliveriesNow int64
	Max                                    int64
	// Minutes label the per-minute columns, oldest first: each minute's start (UTC,
	// 15:04), the last one "now" (the current, partial minute).
	Minutes []string
}

func dashboardView(d *orderhub.Dashboard) *dashView {
	v := &dashView{Dashboard: d, Max: 1}
	last := func(s []int64) int64 {
		if len(s) == 0 {
			return 0
		}
		return s[len(s)-1]
	}
	v.OrdersNow, v.ContractsNow, v.DeliveriesNow = last(d.OrdersPerMinute), last(d.ContractsPerMinute), last(d.DeliveriesPerMinute)
	n := len(d.OrdersPerMinute)
	cur := d.Now.UTC().Truncate(time.Minute)
	for i := range n {
		label := cur.Add(-time.Duration(n-1-i) * time.Minute).Format("15:04")
		if i == n-1 {
			label = "now"
		}
		v.Minutes = append(v.Minutes, label)
	}
	for _, s := range [][]int64{d.OrdersPerMinute, d.ContractsPerMinute, d.DeliveriesPerMinute} {
		for _, n := range s {
			v.Max = max(v.Max, n)
		}
	}
	return v
}

// handleStats feeds the dashboard's live counters (static/console.js polls it).
func (c *pageViews) handleStats(w http.ResponseWriter, r *http.Request) {
	d, err := c.dash.Get(r.Context(), 15)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	out := map[string]any{
		"ordersPerMinute": d.OrdersPerMinute, "contractsPerMinute": d.ContractsPerMinute, "deliveriesPerMinute": d.DeliveriesPerMinute,
		"queueDepth": d.QueueDepth, "dead": d.Dead, "failing": len(d.Failing), "oldestPending": ago(d.OldestPending),
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

// ---- search ----

type searchView struct {
	Q         string
	Customers []*orderhub.Customer
	Orders    []*orderhub.Order
	Contracts []*orderhub.Contract
}

// handleSearch finds customers, orders and contracts by e-mail, externalOrderId, or
// an order, contract or customer id. A single hit opens its page.
func (c *pageViews) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	v := &searchView{Q: q}
	if q == "" || len(q) > 300 || !orderhub.IsLineText(q) {
		if q != "" {
			v.Q = ""
		}
		c.render(w, r, http.StatusOK, "search", &view{Title: "Search", Nav: "search", Data: v})
		return
	}
	ctx := r.Context()
	page := orderhub.Page{Limit: 50}
	add := func(err error) bool {
		if err != nil {
			c.failErr(w, r, err)
			return false
		}
		return true
	}
	if strings.Contains(q, "@") {
		cs, err := c.store.Admin.AdminListCustomers(ctx, orderhub.AdminFilter{Email: q, VendorID: scopeVendor(r)}, page)
		if !add(err) {
			return
		}
		v.Customers = cs.Data
		os, err := c.store.Admin.AdminListOrders(ctx, orderhub.AdminFilter{Email: q, VendorID: scopeVendor(r)}, page)
		if !add(err) {
			return
		}
		v.Orders = os.Data
		cts, err := c.store.Admin.AdminListContracts(ctx, orderhub.AdminFilter{Email: q, VendorID: scopeVendor(r)}, page)
		if !add(err) {
			return
		}
		v.Contracts = cts.Data
	} else {
		os, err := c.store.Admin.AdminListOrders(ctx, orderhub.AdminFilter{ExternalOrderID: q, VendorID: scopeVendor(r)}, page)
		if !add(err) {
			return
		}
		v.Orders = os.Data
		cts, err := c.store.Admin.AdminListContracts(ctx, orderhub.AdminFilter{ExternalOrderID: q, VendorID: scopeVendor(r)}, page)
		if !add(err) {
			return
		}
		v.Contracts = cts.Data
		if o, err := c.store.Admin.AdminGetOrder(ctx, q); err == nil && mayShow(r, o.VendorID) {
			v.Orders = append(v.Orders, o)
		}
		if ct, err := c.store.Admin.AdminGetContract(ctx, q); err == nil && mayShow(r, ct.VendorID) {
			v.Contracts = append(v.Contracts, ct)
		}
		if cu, err := c.store.Admin.AdminGetCustomer(ctx, q); err == nil && mayShow(r, cu.VendorID) {
			v.Customers = append(v.Customers, cu)
		}
	}
	c.render(w, r, http.StatusOK, "search", &view{Title: "Search: " + q, Nav: "search", Data: v})
}

// pathID returns the {id} path value, or renders not found.
func (c *console) pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if id == "" || len(id) > 200 || !orderhub.IsLineText(id) {
		c.fail(w, r, http.StatusNotFound, "Not found", "No such record.")
		return "", false
	}
	return id, true
}

// ---- customers, orders, contracts, events ----

type customerView struct {
	Customer  *orderhub.Customer
	Timeline  []orderhub.TimelineEntry
	Orders    []*orderhub.Order
	Contracts []*orderhub.Contract
}

func (c *pageViews) handleCustomer(w http.ResponseWriter, r *http.Request) {
	cu, ok := shownRecord(c.console, w, r, "Customer", c.store.Admin.AdminGetCustomer, func(v *orderhub.Customer) string { return v.VendorID })
	if !ok {
		return
	}
	ctx := r.Context()
	id := cu.ID
	tl, err := c.store.Admin.CustomerTimeline(ctx, id, 300)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	os, err := c.store.Admin.AdminListOrders(ctx, orderhub.AdminFilter{CustomerID: id}, orderhub.Page{Limit: 100})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	cts, err := c.store.Admin.AdminListContracts(ctx, orderhub.AdminFilter{CustomerID: id}, orderhub.Page{Limit: 100})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	// Deliveries name their endpoint as the operator does.
	var ds []*orderhub.Delivery
	for _, e := range tl {
		if e.Kind == "delivery" && e.Ref != "" {
			ds = append(ds, &orderhub.Delivery{EndpointID: e.Ref})
		}
	}
	names := c.endpointNames(ctx, ds)
	for i, e := range tl {
		if n := names[e.Ref]; e.Kind == "delivery" && n != "" {
			tl[i].Title = strings.Replace(e.Title, " to "+e.Ref+" ", " to "+n+" ", 1)
		}
	}
	title := cu.Email
	if title == "" {
		title = cu.ID
	}
	c.render(w, r, http.StatusOK, "customer", &view{Title: "Customer " + title, Nav: "search", Data: &customerView{Customer: cu, Timeline: tl, Orders: os.Data, Contracts: cts.Data}})
}

type recordView struct {
	Kind     string
	ID       string
	VendorID string
	Customer string
	JSON     string
	Events   []*orderhub.Event
}

func prettyJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func (c *pageViews) handleOrder(w http.ResponseWriter, r *http.Request) {
	o, ok := shownRecord(c.console, w, r, "Order", c.store.Admin.AdminGetOrder, func(v *orderhub.Order) string { return v.VendorID })
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "record", &view{Title: "Order " + o.ID, Nav: "search", Data: &recordView{Kind: "Order", ID: o.ID, VendorID: o.VendorID, Customer: o.CustomerID, JSON: prettyJSON(o)}})
}

func (c *pageViews) handleContract(w http.ResponseWriter, r *http.Request) {
	ct, ok := shownRecord(c.console, w, r, "Contract", c.store.Admin.AdminGetContract, func(v *orderhub.Contract) string { return v.VendorID })
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "record", &view{Title: "Contract " + ct.ID, Nav: "search", Data: &recordView{Kind: "Contract", ID: ct.ID, VendorID: ct.VendorID, Customer: ct.UserID, JSON: prettyJSON(ct)}})
}

func (c *pageViews) handleEvent(w http.ResponseWriter, r *http.Request) {
	ev, ok := shownRecord(c.console, w, r, "Event", c.store.Admin.AdminGetEvent, func(v *orderhub.Event) string { return v.VendorID })
	if !ok {
		return
	}
	ds, err := c.store.Deliveries.ListDeliveries(r.Context(), orderhub.DeliveryFilter{EventID: ev.ID, VendorID: ev.VendorID})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "event", &view{Title: "Event " + ev.Type, Nav: "search", Data: map[string]any{"Event": ev, "JSON": prettyJSON(ev.Data), "Deliveries": ds,
		"Names": c.endpointNames(r.Context(), ds)}})
}

// ---- endpoints and connectors ----

// endpointNames maps the endpoints of ds to their descriptions, for pages that would
// otherwise show bare ids ("CRM webhook" rather than ep_01a2…). Endpoints without a
// description, or that cannot be read, are left out: the page shows their id.
func (c *pageViews) endpointNames(ctx context.Context, ds []*orderhub.Delivery) map[string]string {
	names := map[string]string{}
	for _, d := range ds {
		if _, seen := names[d.EndpointID]; seen || len(names) >= 100 {
			continue
		}
		names[d.EndpointID] = ""
		if e, err := c.store.Deliveries.GetEndpoint(ctx, "", d.EndpointID); err == nil {
			names[d.EndpointID] = e.Description
		}
	}
	return names
}

// endpointTitle is how a page heading names an endpoint.
func endpointTitle(e *orderhub.Endpoint) string {
	if e.Description != "" {
		return e.Description
	}
	return e.ID
}

type endpointRow struct {
	*orderhub.Endpoint
	Health    string
	Connector bool
}

func health(e *orderhub.Endpoint) string {
	switch {
	case e.DeletedAt != nil:
		return "deleted"
	case !e.Enabled:
		return "disabled"
	case e.FailingSince != nil:
		return "failing"
	}
	return "healthy"
}

func isConnector(kind string) bool {
	return kind != orderhub.EndpointWebhook && kind != orderhub.EndpointZapier
}

func (c *pageViews) handleEndpoints(w http.ResponseWriter, r *http.Request) {
	vendor := r.URL.Query().Get("vendor")
	if !orderhub.IsLineText(vendor) {
		vendor = ""
	}
	eps, err := c.store.Deliveries.ListEndpoints(r.Context(), orderhub.EndpointFilter{VendorID: vendor})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	var hooks, conns []endpointRow
	for _, e := range eps {
		row := endpointRow{Endpoint: e, Health: health(e), Connector: isConnector(e.Kind)}
		if row.Connector {
			conns = append(conns, row)
		} else {
			hooks = append(hooks, row)
		}
	}
	c.render(w, r, http.StatusOK, "endpoints", &view{Title: "Endpoints and connectors", Nav: "endpoints", Data: map[string]any{"Endpoints": hooks, "Connectors": conns, "Vendor": vendor}})
}

type deliveryRow struct {
	*orderhub.Delivery
	Last *orderhub.Attempt
}

func (c *pageViews) handleEndpoint(w http.ResponseWriter, r *http.Request) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	c.endpointPage(w, r, id, "")
}

// endpointPage renders an endpoint; secret is a just-rotated secret, shown once.
func (c *console) endpointPage(w http.ResponseWriter, r *http.Request, id, secret string) {
	ctx := r.Context()
	e, err := c.store.Deliveries.GetEndpoint(ctx, scopeVendor(r), id)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	// Recent deliveries, 25 a page: ?cursor= (the "Older deliveries" link) pages on.
	pg, err := c.store.Deliveries.ListDeliveryPage(ctx, orderhub.DeliveryFilter{EndpointID: id}, orderhub.Page{Cursor: r.URL.Query().Get("cursor"), Limit: 25})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	rows := make([]deliveryRow, 0, len(pg.Data))
	for _, d := range pg.Data {
		row := deliveryRow{Delivery: d}
		if d.Attempts > 0 {
			as, err := c.store.Deliveries.ListAttempts(ctx, "", d.ID)
			if err != nil {
				c.failErr(w, r, err)
				return
			}
			if len(as) > 0 {
				row.Last = as[len(as)-1]
			}
		}
		rows = append(rows, row)
	}
	dead, err := c.store.Deliveries.ListDeliveries(ctx, orderhub.DeliveryFilter{EndpointID: id, Status: orderhub.DeliveryDead, Limit: 1000})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "endpoint", &view{Title: "Endpoint " + endpointTitle(e), Nav: "endpoints", Data: map[string]any{
		"Endpoint": endpointRow{Endpoint: e, Health: health(e), Connector: isConnector(e.Kind)}, "Deliveries": rows, "Dead": len(dead), "Secret": secret,
		"Account": c.connectorAccount(r, e), "Next": nextPageURL(Prefix+"/endpoints/"+url.PathEscape(id), nil, pg.NextCursor),
	}})
}

func (c *pageViews) handleEndpointAction(w http.ResponseWriter, r *http.Request) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var err error
	flash := ""
	switch r.PathValue("action") {
	case "enable":
		_, err = c.manage.Endpoints().EnableEndpoint(ctx, scopeVendor(r), id)
		flash = "Endpoint enabled."
	case "disable":
		_, err = c.manage.Endpoints().DisableEndpoint(ctx, scopeVendor(r), id, "disabled by "+session(r).Username+" in the console")
		flash = "Endpoint disabled; its pending deliveries are dead and can be replayed after enabling it."
	case "rotate":
		e, err := c.manage.Endpoints().RotateEndpointSecret(ctx, scopeVendor(r), id, "", nil)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		c.endpointPage(w, r, id, e.Secret)
		return
	case "test":
		var d *orderhub.Delivery
		d, err = c.manage.Endpoints().SendTestEvent(ctx, scopeVendor(r), id)
		if err == nil {
			c.back(w, r, "/deliveries/"+url.PathEscape(d.ID), "Test event queued.")
			return
		}
	case "replay-dead":
		var n int
		n, err = c.manage.Endpoints().ReplayDead(ctx, scopeVendor(r), id)
		flash = strconv.Itoa(n) + " dead deliveries queued again."
	default:
		c.fail(w, r, http.StatusNotFound, "Not found", "Unknown endpoint action.")
		return
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.back(w, r, "/endpoints/"+url.PathEscape(id), flash)
}

// connectorAccount describes the third-party account behind a connector endpoint
// (never its credentials), or nil.
func (c *console) connectorAccount(r *http.Request, e *orderhub.Endpoint) [][2]string {
	switch e.Kind {
	case "salesmanago":
		a, err := c.store.Connectors.GetSalesmanagoAccount(r.Context(), e.VendorID, e.ID)
		if err != nil {
			return nil
		}
		return [][2]string{{"SALESmanago account", a.Name}, {"Group key", a.GroupKey}, {"Server", a.BaseURL}, {"Client id", a.ClientID}, {"Owner", a.Owner}}
	case "yespo":
		a, err := c.store.Connectors.YespoAccountByEndpoint(r.Context(), e.ID)
		if err != nil {
			return nil
		}
		return [][2]string{{"Yespo account of", a.VendorID}, {"Server", a.BaseURL}}
	}
	return nil
}

// ---- deliveries ----

func (c *pageViews) handleDelivery(w http.ResponseWriter, r *http.Request) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	d, err := c.store.Deliveries.GetDelivery(ctx, scopeVendor(r), id)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	as, err := c.store.Deliveries.ListAttempts(ctx, "", id)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	e, err := c.store.Deliveries.GetEndpoint(ctx, "", d.EndpointID)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	ev, err := c.store.Admin.AdminGetEvent(ctx, d.EventID)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	sort.SliceStable(as, func(i, j int) bool { return as[i].StartedAt.After(as[j].StartedAt) })
	c.render(w, r, http.StatusOK, "delivery", &view{Title: "Delivery " + d.ID, Nav: "endpoints", Data: map[string]any{
		"Delivery": d, "Attempts": as, "Endpoint": e, "Event": ev, "Payload": prettyJSON(ev.Data),
		"Replayable": d.Status != orderhub.DeliveryCanceled,
	}})
}

func (c *pageViews) handleReplay(w http.ResponseWriter, r *http.Request) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	if _, err := c.manage.Endpoints().ReplayDelivery(r.Context(), scopeVendor(r), id); err != nil {
		c.failErr(w, r, err)
		return
	}
	c.back(w, r, "/deliveries/"+url.PathEscape(id), "Delivery queued again.")
}

func (c *pageViews) handleDeadLetters(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := orderhub.DeliveryFilter{Status: orderhub.DeliveryDead}
	q := url.Values{}
	if v := r.URL.Query().Get("vendor"); orderhub.IsLineText(v) {
		f.VendorID = v
		if v != "" {
			q.Set("vendor", v)
		}
	}
	// 200 a page; ?cursor= (the "Older dead letters" link) pages on.
	pg, err := c.store.Deliveries.ListDeliveryPage(ctx, f, orderhub.Page{Cursor: r.URL.Query().Get("cursor"), Limit: 200})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	ds := pg.Data
	c.render(w, r, http.StatusOK, "dead", &view{Title: "Dead letters", Nav: "dead", Data: map[string]any{"Deliveries": ds, "Names": c.endpointNames(ctx, ds),
		"Next": nextPageURL(Prefix+"/dead-letters", q, pg.NextCursor)}})
}

// nextPageURL is the link to the page after a listing's page (path with q and the
// cursor), or "" on the last page.
func nextPageURL(path string, q url.Values, next string) string {
	if next == "" {
		return ""
	}
	nq := url.Values{}
	for k, v := range q {
		nq[k] = v
	}
	nq.Set("cursor", next)
	return path + "?" + nq.Encode()
}

// handleBulkReplay replays the selected dead deliveries (the "id" fields).
func (c *pageViews) handleBulkReplay(w http.ResponseWriter, r *http.Request) {
	ids := r.PostForm["id"]
	if len(ids) == 0 {
		c.back(w, r, "/dead-letters", "Nothing selected.")
		return
	}
	if len(ids) > 1000 {
		c.fail(w, r, http.StatusBadRequest, "Too many", "Replay at most 1000 deliveries at once.")
		return
	}
	n := 0
	var problems []string
	for _, id := range ids {
		if !orderhub.IsLineText(id) || len(id) > 200 {
			continue
		}
		if _, err := c.manage.Endpoints().ReplayDelivery(r.Context(), scopeVendor(r), id); err != nil {
			var e *orderhub.Error
			if !errors.As(err, &e) {
				c.failErr(w, r, err)
				return
			}
			problems = append(problems, id+": "+e.Message)
			continue
		}
		n++
	}
	msg := strconv.Itoa(n) + " deliveries queued again."
	if len(problems) > 0 {
		msg += " Not replayed: " + strings.Join(problems, "; ")
	}
	c.back(w, r, "/dead-letters", msg)
}

// ---- catalog and credentials ----

func (c *console) vendors(r *http.Request) ([]*orderhub.Vendor, error) {
	if v := scopeVendor(r); v != "" {
		one, err := c.store.Tenants.GetVendor(r.Context(), v)
		if err != nil {
			return nil, err
		}
		return []*orderhub.Vendor{one}, nil
	}
	return orderhub.AllPages(func(p orderhub.Page) (*orderhub.PageOf[*orderhub.Vendor], error) {
		return c.store.Admin.AdminListVendors(r.Context(), p)
	})
}

// vendorParam returns the ?vendor= of the request, or the first vendor.
func vendorParam(r *http.Request, vs []*orderhub.Vendor) string {
	v := r.URL.Query().Get("vendor")
	for _, x := range vs {
		if x.ID == v {
			return v
		}
	}
	if len(vs) > 0 {
		return vs[len(vs)-1].ID
	}
	return ""
}

func (c *pageViews) handleCatalog(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	vs, err := c.vendors(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	vendor := vendorParam(r, vs)
	data := map[string]any{"Vendor": vendor}
	if vendor != "" {
		promos, err := orderhub.AllPages(func(p orderhub.Page) (*orderhub.PageOf[*orderhub.PromoCode], error) {
			return c.store.Admin.AdminListPromoCodes(ctx, orderhub.AdminFilter{VendorID: vendor}, p)
		})
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		products, err := c.store.Catalog.ListProducts(ctx, vendor)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		options, err := c.store.Catalog.ListPurchaseOptions(ctx, vendor, "")
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		mappings, err := c.store.Catalog.ListProductMappings(ctx, vendor)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		sources, err := c.store.Catalog.ListSources(ctx, vendor, "")
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		data["Promos"], data["Products"], data["Options"], data["Mappings"], data["Sources"] = promos, products, options, mappings, sources
		quotas, err := c.store.Tenants.GetVendorQuotas(ctx, vendor)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		data["Quotas"] = quotas.Quotas
	}
	c.render(w, r, http.StatusOK, "catalog", &view{Title: "Catalog", Nav: "catalog", Vendors: vs, Data: data})
}

func (c *pageViews) handleCredentials(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	vs, err := c.vendors(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	// A vendor-scoped session sees its vendor's clients and admin tokens, and no
	// console users (operators manage those).
	scope := scopeVendor(r)
	clients, err := orderhub.AllPages(func(p orderhub.Page) (*orderhub.PageOf[*orderhub.Client], error) {
		return c.store.Admin.AdminListClients(ctx, orderhub.AdminFilter{VendorID: scope}, p)
	})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	all, err := c.store.Tenants.ListAdminTokens(ctx)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	tokens := all[:0]
	for _, t := range all {
		if scope == "" || t.VendorID == scope {
			tokens = append(tokens, t)
		}
	}
	var users []*orderhub.ConsoleUser
	if scope == "" {
		if users, err = c.store.Admin.ListConsoleUsers(ctx); err != nil {
			c.failErr(w, r, err)
			return
		}
	}
	var zapier []*orderhub.ZapierUser
	for _, v := range vs {
		zs, err := c.store.Catalog.ListZapierUsers(ctx, v.ID)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		zapier = append(zapier, zs...)
	}
	c.render(w, r, http.StatusOK, "credentials", &view{Title: "Credentials", Nav: "credentials", Vendors: vs, Data: map[string]any{
		"Clients": clients, "Tokens": tokens, "Users": users, "Zapier": zapier,
	}})
}

func (c *pageViews) handleRevokeClient(w http.ResponseWriter, r *http.Request) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	cl, err := c.store.Tenants.GetClient(r.Context(), id)
	if err == nil && !mayShow(r, cl.VendorID) {
		err = orderhub.Errorf(orderhub.ENotFound, "Client %q not found.", id)
	}
	if err == nil {
		_, err = c.manage.Vendors().RevokeClient(change(r, "client.revoke", id, cl.VendorID), id)
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.back(w, r, "/credentials", "Client "+id+" revoked.")
}
