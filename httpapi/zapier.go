package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"orderhub"
	"orderhub/netguard"
	"orderhub/throttle"
	"orderhub/zapier"
)

// The Zapier API (seed 003), called by the orderhub Zapier app:
//
//	POST   /api/login                                       e-mail + password → session token
//	GET    /api/check                                       is the token valid?
//	POST   /api/integrations/{integration_uuid}/channels    subscribe a REST hook
//	DELETE /api/channels/{id}                               unsubscribe it
//	GET    /api/zapier/{list}                               perform lists (newest first)
//	POST   /api/zapier/store-customer-order                 lead with customer / order note
//	PUT    /api/zapier/update-shipping-tracking-info/{shipping_uuid}
//	POST   /api/zapier/subscriptions/{subscription_uuid}/cancel
//
// Every call but login sends Authorization: Bearer <token>. The token is an opaque
// random string (ohz_…) stored as a SHA-256 hash; it names a user, hence a vendor,
// and every query is confined to that vendor.

// ZapierSessionTTL is the lifetime of a login (the app logs in again on 401).
const ZapierSessionTTL = 30 * 24 * time.Hour

// Login throttling (package throttle): after maxLoginFailuresPerEmail failures for
// one e-mail from one address within loginWindow, that e-mail is refused from that
// address, and after maxLoginFailuresPerIP failures from one address (whatever the
// e-mails) the address is, with 429 until the window ends. The user, from another
// address, still logs in; unknown e-mails count like wrong passwords.
const (
	maxLoginFailuresPerEmail = 5
	maxLoginFailuresPerIP    = 30
	loginWindow              = time.Minute
)

// ZapierIntegration is the integration name the app logs in with.
const ZapierIntegration = "zapier"

type zapierState struct {
	mapper *zapier.Mapper

	logins *throttle.Limiter
}

const zapierSessionKey ctxKey = 100

// zapierCaller is the authenticated user of a Zapier API request.
type zapierCaller struct {
	session *orderhub.ZapierSession
	user    *orderhub.ZapierUser
}

func zapierFrom(r *http.Request) *zapierCaller {
	c, _ := r.Context().Value(zapierSessionKey).(*zapierCaller)
	return c
}

func (s *Server) zapierRoutes(m *http.ServeMux) {
	z := &zapierAPI{base: &s.base, guard: s.guard, zapier: &zapierState{mapper: &zapier.Mapper{Store: zapierLookups{s.store}, Now: s.now},
		logins: throttle.New(throttle.Config{PerPair: maxLoginFailuresPerEmail, PerSource: maxLoginFailuresPerIP, Window: loginWindow}, s.now)}}
	m.HandleFunc("POST /api/login", s.wrap(z.handleZapierLogin))
	m.HandleFunc("GET /api/check", s.wrap(s.requireZapier(z.handleZapierCheck)))
	m.HandleFunc("POST /api/integrations/{integration_uuid}/channels", s.wrap(s.requireZapier(z.handleZapierSubscribe)))
	m.HandleFunc("DELETE /api/channels/{id}", s.wrap(s.requireZapier(z.handleZapierUnsubscribe)))
	m.HandleFunc("GET /api/zapier/{list}", s.wrap(s.requireZapier(z.handleZapierList)))
	m.HandleFunc("POST /api/zapier/store-customer-order", s.wrap(s.requireZapier(z.handleZapierStoreLead)))
	m.HandleFunc("PUT /api/zapier/update-shipping-tracking-info/{shipping_uuid}", s.wrap(s.requireZapier(z.handleZapierTracking)))
	m.HandleFunc("POST /api/zapier/subscriptions/{subscription_uuid}/cancel", s.wrap(s.requireZapier(z.handleZapierCancel)))
	s.adminZapierRoutes(m)
}

// zapierLookups is what the Zapier items look up (zapier.Store), from the store's
// domains.
type zapierLookups struct{ st orderhub.Store }

func (z zapierLookups) GetCustomer(ctx context.Context, vendorID, id string) (*orderhub.Customer, error) {
	return z.st.Orders.GetCustomer(ctx, vendorID, id)
}

func (z zapierLookups) GetOrder(ctx context.Context, vendorID, id string) (*orderhub.Order, error) {
	return z.st.Orders.GetOrder(ctx, vendorID, id)
}

func (z zapierLookups) GetTransaction(ctx context.Context, vendorID, id string) (*orderhub.Transaction, error) {
	return z.st.Catalog.GetTransaction(ctx, vendorID, id)
}

func (z zapierLookups) GetPromoCode(ctx context.Context, vendorID, code string) (*orderhub.PromoCode, error) {
	return z.st.Tenants.GetPromoCode(ctx, vendorID, code)
}

func (z zapierLookups) CustomerStats(ctx context.Context, vendorID, customerID string) (orderhub.Money, int, error) {
	return z.st.Catalog.CustomerStats(ctx, vendorID, customerID)
}

// ZapierBody returns the delivery body builder of zapier endpoints (for
// delivery.Config.Bodies["zapier"]): the hook body of an event is its item. When st
// has a clock (Now, as the store has), the items are computed at its time.
func ZapierBody(st zapier.Store) func(*orderhub.ClaimedDelivery) ([]byte, error) {
	m := &zapier.Mapper{Store: st}
	if c, ok := st.(interface{ Now() time.Time }); ok {
		m.Now = c.Now
	}
	return func(c *orderhub.ClaimedDelivery) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return m.Body(ctx, c.VendorID, c.EventType, c.EventData)
	}
}

// requireZapier wraps h with Zapier session authentication.
func (s *Server) requireZapier(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		tok, ok := bearer(r)
		if !ok || tok == "" {
			return orderhub.Errorf(orderhub.EUnauthorized, "Missing token: log in with POST /api/login and send Authorization: Bearer <token>.")
		}
		sess, user, err := s.store.Catalog.ZapierSessionByToken(r.Context(), tok)
		if err != nil {
			return err
		}
		c := &zapierCaller{session: sess, user: user}
		ctx := context.WithValue(r.Context(), zapierSessionKey, c)
		ctx = context.WithValue(ctx, principalKey, &Principal{VendorID: sess.VendorID, UserID: user.ID})
		return h(w, r.WithContext(ctx))
	}
}

// ---- login ----

// ZapierUserBody is the `user` of the login and check answers.
type ZapierUserBody struct {
	ID     string                `json:"id"`
	Email  string                `json:"email"`
	Name   string                `json:"name"`
	Vendor orderhub.DropdownItem `json:"vendor"`
}

// ZapierSessionData is the `data` of the login and check answers.
type ZapierSessionData struct {
	User            ZapierUserBody `json:"user"`
	Token           string         `json:"token,omitempty"`
	Expires         int64          `json:"expires"`
	SetupFinished   bool           `json:"setup_finished"`
	IntegrationUUID string         `json:"integration_uuid"`
}

// zapierAPI serves the Zapier API (seed 003).
type zapierAPI struct {
	*base
	zapier *zapierState
	guard  *netguard.Guard
}

func (s *zapierAPI) sessionData(ctx context.Context, u *orderhub.ZapierUser, sess *orderhub.ZapierSession, token string) (*ZapierSessionData, error) {
	v, err := s.store.Tenants.GetVendor(ctx, u.VendorID)
	if err != nil {
		return nil, err
	}
	return &ZapierSessionData{
		User:  ZapierUserBody{ID: u.ID, Email: u.Email, Name: u.Name, Vendor: orderhub.DropdownItem{ID: v.ID, Name: v.Name}},
		Token: token, Expires: sess.ExpiresAt.Unix(), SetupFinished: true, IntegrationUUID: sess.IntegrationUUID,
	}, nil
}

func (s *zapierAPI) handleZapierLogin(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Email       *string `json:"email"`
		Password    *string `json:"password"`
		Integration *string `json:"integration"`
	}
	if err := readJSON(w, r, &req, orderhub.JSONOptions{}); err != nil {
		return err
	}
	if err := requireText(textField{"email", req.Email}, textField{"password", req.Password}, textField{"integration", req.Integration}); err != nil {
		return err
	}
	if *req.Integration != ZapierIntegration {
		return orderhub.FieldError(orderhub.EUnprocessable, "integration", "Unknown integration %q; the Zapier app logs in with %q.", *req.Integration, ZapierIntegration)
	}
	email := strings.ToLower(strings.TrimSpace(*req.Email))
	ip := throttle.Source(r)
	if wait := s.zapier.logins.Wait(email, ip); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
		return orderhub.Errorf(orderhub.ETooManyRequests, "Too many failed logins; wait before trying again.")
	}
	u, token, sess, err := s.store.Catalog.ZapierLogin(r.Context(), email, *req.Password, ZapierIntegration, ZapierSessionTTL)
	if err != nil {
		if orderhub.ErrorCode(err) == orderhub.EUnauthorized {
			s.zapier.logins.Failed(email, ip)
		}
		return err
	}
	s.zapier.logins.Succeeded(email, ip)
	data, err := s.sessionData(r.Context(), u, sess, token)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
	return nil
}

func (s *zapierAPI) handleZapierCheck(w http.ResponseWriter, r *http.Request) error {
	c := zapierFrom(r)
	data, err := s.sessionData(r.Context(), c.user, c.session, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
	return nil
}

// ---- channels ----

// ChannelMetadata is the `metadata` of a channel answer.
type ChannelMetadata struct {
	Alias  string `json:"alias"`
	Method string `json:"method"`
	URL    string `json:"url"`
	Event  string `json:"event"`
}

func (s *zapierAPI) handleZapierSubscribe(w http.ResponseWriter, r *http.Request) error {
	c := zapierFrom(r)
	integ := r.PathValue("integration_uuid")
	if !orderhub.IsLineText(integ) {
		return orderhub.Errorf(orderhub.ENotFound, "Integration %q not found.", integ)
	}
	var req struct {
		URL    *string `json:"url"`
		Method *string `json:"method"`
		Alias  *string `json:"alias"`
		Event  *string `json:"event"`
	}
	if err := readJSON(w, r, &req, orderhub.JSONOptions{}); err != nil {
		return err
	}
	if err := requireText(textField{"url", req.URL}, textField{"method", req.Method}, textField{"alias", req.Alias}, textField{"event", req.Event}); err != nil {
		return err
	}
	if *req.Method != "zapier" {
		return orderhub.FieldError(orderhub.EInvalidRequest, "method", "The method must be \"zapier\", got %q.", *req.Method)
	}
	ev, ok := zapier.LookupEvent(strings.TrimSpace(*req.Event))
	if !ok {
		return orderhub.FieldError(orderhub.EInvalidRequest, "event", "Unknown event %q; the events are %s.", *req.Event, strings.Join(zapier.EventNames(), ", "))
	}
	alias := strings.TrimSpace(*req.Alias)
	if len(alias) > 255 || !orderhub.IsLineText(alias) {
		return orderhub.FieldError(orderhub.EUnprocessable, "alias", "The alias must be text of at most 255 characters.")
	}
	url := strings.TrimSpace(*req.URL)
	if !orderhub.IsLineText(url) {
		return orderhub.FieldError(orderhub.EInvalidRequest, "url", "The url must be an absolute http:// or https:// URL.")
	}
	if err := s.guard.CheckURL(r.Context(), "url", url, false); err != nil {
		return err
	}
	ch := &orderhub.ZapierChannel{
		VendorID: c.session.VendorID, IntegrationUUID: integ, UserID: c.user.ID, Alias: alias, Event: ev.Name,
		URL: url, EventTypes: ev.Types,
	}
	if err := s.store.Catalog.CreateZapierChannel(r.Context(), ch); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"data":    map[string]any{"id": ch.ID, "metadata": ChannelMetadata{Alias: ch.Alias, Method: "zapier", URL: ch.URL, Event: ch.Event}},
		"message": "Integration Channel created",
	})
	return nil
}

func (s *zapierAPI) handleZapierUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	c := zapierFrom(r)
	id, err := pathID(r, "id", "Channel")
	if err == nil {
		err = s.store.Catalog.DeleteZapierChannel(r.Context(), c.session.VendorID, id)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": "Integration Channel deleted", "data": nil})
	return nil
}

// ---- perform lists ----

// zapierListLimit bounds perform lists (Zapier shows a few samples).
const (
	zapierListDefault = 25
	zapierListMax     = 100
)

func (s *zapierAPI) handleZapierList(w http.ResponseWriter, r *http.Request) error {
	c := zapierFrom(r)
	name := r.PathValue("list")
	kind, ok := zapier.Lists[name]
	if !ok {
		return orderhub.Errorf(orderhub.ENotFound, "Unknown list %q; the lists are %s.", name, strings.Join(zapier.ListNames, ", "))
	}
	limit := zapierListDefault
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > zapierListMax {
			return orderhub.FieldError(orderhub.EInvalidRequest, "limit", "limit must be a whole number from 1 to %d.", zapierListMax)
		}
		limit = n
	}
	items, err := s.zapierList(r.Context(), c.session.VendorID, name, kind, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

// zapierList returns a list's items: each record marshalled and mapped exactly as
// a hook body is (zapier.Mapper.Item).
func (s *zapierAPI) zapierList(ctx context.Context, vendorID, name, kind string, limit int) ([]any, error) {
	f := orderhub.ListFilter{VendorID: vendorID, Limit: limit}
	var records []any
	var err error
	switch name {
	case "customers":
		records, err = recordsOf(s.store.Orders.ListCustomers(ctx, f))
	case "orders":
		records, err = recordsOf(s.store.Orders.ListOrders(ctx, f))
	case "shippings":
		records, err = recordsOf(s.store.Orders.ListShippings(ctx, f))
	case "subscriptions":
		records, err = recordsOf(s.store.Orders.ListContracts(ctx, orderhub.ContractFilter{VendorID: vendorID, Limit: limit}))
	case "surveys":
		records, err = recordsOf(s.store.Orders.ListSurveys(ctx, f))
	case "transactions":
		records, err = recordsOf(s.store.Orders.ListTransactions(ctx, f))
	case "transaction-histories":
		records, err = recordsOf(s.store.Orders.ListTransactionHistories(ctx, f))
	}
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(records))
	for _, rec := range records {
		it, err := s.zapierItem(ctx, vendorID, kind, rec)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// recordsOf returns what a store list answered as records of any type.
func recordsOf[T any](l []T, err error) ([]any, error) {
	if err != nil {
		return nil, err
	}
	records := make([]any, len(l))
	for i, rec := range l {
		records[i] = rec
	}
	return records, nil
}

// zapierItem maps one record through its JSON, as the delivery of its event does.
func (s *zapierAPI) zapierItem(ctx context.Context, vendorID, kind string, rec any) (any, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return s.zapier.mapper.Item(ctx, vendorID, kind, b)
}

// answerItem answers rec as the kind's item (zapierItem).
func (s *zapierAPI) answerItem(w http.ResponseWriter, r *http.Request, vendorID, kind string, rec any) error {
	it, err := s.zapierItem(r.Context(), vendorID, kind, rec)
	return answer(w, http.StatusOK, it, err)
}

// ---- actions ----

// leadContact and leadPhone echo the seed's contact and phone objects.
type leadContact struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

type leadPhone struct {
	Country string `json:"country"`
	Number  string `json:"number"`
}

type leadOrder struct {
	ID       json.RawMessage `json:"id"`
	Type     string          `json:"type"`
	UserID   json.RawMessage `json:"user_id"`
	Date     string          `json:"date"`
	Shipping orderhub.Money  `json:"shipping"`
	Taxes    orderhub.Money  `json:"taxes"`
	Total    orderhub.Money  `json:"total"`
	Items    []leadItem      `json:"items"`
}

type leadItem struct {
	Name     string         `json:"name"`
	Title    string         `json:"title"`
	Quantity int            `json:"quantity"`
	Price    orderhub.Money `json:"price"`
}

func (s *zapierAPI) handleZapierStoreLead(w http.ResponseWriter, r *http.Request) error {
	c := zapierFrom(r)
	vendorID := c.session.VendorID
	l, err := parseBody(w, r, orderhub.ParseZapierLead)
	if err != nil {
		return err
	}
	cust := orderhub.Customer{
		Email: l.Email, FirstName: l.FirstName, LastName: l.LastName, FullName: l.FirstName + " " + l.LastName, Phone: l.PhoneNumber,
	}
	contact := leadContact{Email: l.Email, FirstName: l.FirstName, LastName: l.LastName}
	phone := leadPhone{Country: l.PhoneCountry, Number: l.PhoneNumber}
	if l.Event == orderhub.LeadCustomer {
		saved, err := s.store.Orders.UpsertCustomer(r.Context(), vendorID, orderhub.CustomerMatch{Email: l.Email}, &cust)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, struct {
			Event      string      `json:"event"`
			Source     string      `json:"source"`
			Contact    leadContact `json:"contact"`
			Phone      leadPhone   `json:"phone"`
			CustomerID string      `json:"customer_id"`
		}{l.Event, l.Source, contact, phone, saved.ID})
		return nil
	}
	o := l.Order
	meta, _ := json.Marshal(map[string]any{"type": o.Type, "user_id": o.UserID})
	cust.BillingAddress = l.BillingAddress
	cust.Address = l.ShippingAddress
	if cust.Address == nil {
		cust.Address = l.BillingAddress
	}
	saved, _, err := s.store.Orders.UpsertOrder(r.Context(), &orderhub.OrderInput{
		VendorID: vendorID, ExternalOrderID: o.ExternalID, Customer: cust, Source: l.Source, Date: o.Date,
		Shipping: o.Shipping, Taxes: o.Taxes, Total: o.Total, Items: o.Items,
		BillingAddress: l.BillingAddress, ShippingAddress: l.ShippingAddress, Metadata: meta,
	})
	if err != nil {
		return err
	}
	echo := leadOrder{ID: o.ID, Type: o.Type, UserID: o.UserID, Date: o.Date, Shipping: o.Shipping, Taxes: o.Taxes, Total: o.Total}
	for _, it := range o.Items {
		echo.Items = append(echo.Items, leadItem{Name: it.Name, Title: it.Title, Quantity: it.Quantity, Price: it.Cost})
	}
	addr := func(a *orderhub.Address) *zapier.AddressItem {
		if a == nil {
			return nil
		}
		return &zapier.AddressItem{FirstName: a.FirstName, LastName: a.LastName, Line1: a.Street, Line2: a.Street2, City: a.City, State: a.State, ZipCode: a.Zip, Country: a.Country}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"success": true, "msg": "received successfully", "err": "",
		"data": struct {
			Event           string              `json:"event"`
			Source          string              `json:"source"`
			Contact         leadContact         `json:"contact"`
			Phone           leadPhone           `json:"phone"`
			BillingAddress  *zapier.AddressItem `json:"billing_address"`
			ShippingAddress *zapier.AddressItem `json:"shipping_address"`
			Order           leadOrder           `json:"order"`
			CustomerID      string              `json:"customer_id"`
			OrderUUID       string              `json:"order_uuid"`
		}{l.Event, l.Source, contact, phone, addr(l.BillingAddress), addr(l.ShippingAddress), echo, saved.CustomerID, saved.ID},
	})
	return nil
}

func (s *zapierAPI) handleZapierTracking(w http.ResponseWriter, r *http.Request) error {
	vendorID := zapierFrom(r).session.VendorID
	id, err := pathID(r, "shipping_uuid", "Shipping")
	if err != nil {
		return err
	}
	var req struct {
		Carrier        *string `json:"carrier"`
		TrackingNumber *string `json:"tracking_number"`
		TrackingURL    *string `json:"tracking_url"`
	}
	if err := readJSON(w, r, &req, orderhub.JSONOptions{}); err != nil {
		return err
	}
	vals := map[string]string{}
	for _, f := range []struct {
		name string
		v    *string
		req  bool
		max  int
	}{{"carrier", req.Carrier, true, 100}, {"tracking_number", req.TrackingNumber, true, 200}, {"tracking_url", req.TrackingURL, false, 2048}} {
		v := ""
		if f.v != nil {
			v = strings.TrimSpace(*f.v)
		}
		switch {
		case f.req && v == "":
			return orderhub.FieldError(orderhub.EUnprocessable, f.name, "The %s field is required.", f.name)
		case len(v) > f.max || !orderhub.IsLineText(v):
			return orderhub.FieldError(orderhub.EUnprocessable, f.name, "The %s field must be text of at most %d characters.", f.name, f.max)
		}
		vals[f.name] = v
	}
	if u := vals["tracking_url"]; u != "" {
		if err := orderhub.ValidateEndpointURL(u); err != nil {
			return orderhub.FieldError(orderhub.EUnprocessable, "tracking_url", "The tracking_url field must be an absolute http:// or https:// URL.")
		}
	}
	sh, err := s.store.Orders.UpdateShippingTracking(r.Context(), vendorID, id, vals["carrier"], vals["tracking_number"], vals["tracking_url"])
	if err != nil {
		return err
	}
	return s.answerItem(w, r, vendorID, zapier.KindShipping, sh)
}

func (s *zapierAPI) handleZapierCancel(w http.ResponseWriter, r *http.Request) error {
	vendorID := zapierFrom(r).session.VendorID
	id, err := pathID(r, "subscription_uuid", "Subscription")
	if err != nil {
		return err
	}
	// The seed's call has no body; an empty JSON object is accepted too.
	body, err := readJSONBody(w, r)
	if err == nil && len(strings.TrimSpace(string(body))) > 0 {
		var empty struct{}
		err = orderhub.ReadJSON(body, &empty, orderhub.JSONOptions{})
	}
	if err != nil {
		return err
	}
	ct, err := s.store.Orders.CancelContract(r.Context(), vendorID, id)
	if err != nil {
		if orderhub.ErrorCode(err) == orderhub.EContractNotFound {
			err = orderhub.Errorf(orderhub.ENotFound, "Subscription %q not found.", id)
		}
		return err
	}
	return s.answerItem(w, r, vendorID, zapier.KindSubscription, ct)
}
