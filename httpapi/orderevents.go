package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/manage"
	"orderhub/throttle"
)

// Order events (seed 004), in Yespo's own format so that a shop sending them to
// Yespo can point at orderhub instead. Auth: an OAuth access token with the scope
// events, or — as Yespo's clients send it — HTTP Basic with the client id as the
// user name and the client secret as the password (Yespo: any user, the API key):
//
//	POST /api/v1/event     {eventTypeKey, keyValue, params:[{name, value}]}
//	POST /api/v1/contact   a contact in Yespo's shape (created or updated)
//
// Yespo answers 200 to an event it ignores (a required parameter missing, an unknown
// contact or order). orderhub answers 200 too, for compatibility, but says so in the
// body ({"status":"ignored","reason":…}), keeps the event with its reason (admin:
// GET /admin/v1/vendors/{vendorId}/ignored-events) and counts it
// (orderhub_order_events_ignored_total). With ?strict=true an ignored event is
// answered as an error instead (4xx, the reason as the error code).
//
// The Yespo account of a vendor (where orderhub forwards its order changes) is
// managed by the admin API:
//
//	GET, PUT, DELETE /admin/v1/vendors/{vendorId}/yespo
//	POST             /admin/v1/vendors/{vendorId}/yespo/test   (Yespo's account/info)

// YespoAdmin is what the Yespo account admin API needs from connector/yespo (set in
// Config.Yespo by cmd/orderhub): sealing the API key and calling Yespo.
type YespoAdmin interface {
	// SaveAccount creates or updates a vendor's account (an empty apiKey keeps the
	// stored one).
	SaveAccount(ctx context.Context, vendorID, baseURL, apiKey string) (*orderhub.YespoAccount, error)
	// TestAccount calls Yespo's GET /api/v1/account/info with the vendor's key and
	// returns its answer.
	TestAccount(ctx context.Context, vendorID string) (json.RawMessage, error)
	// KeyEncrypted reports whether a stored key is sealed (AES-GCM) rather than
	// stored as-is.
	KeyEncrypted(sealed string) bool
}

// OrderEventAnswer is the 200 answer of POST /api/v1/event.
type OrderEventAnswer struct {
	Status          string `json:"status"`            // accepted or ignored
	Outcome         string `json:"outcome,omitempty"` // created, updated, unchanged (accepted)
	EventTypeKey    string `json:"eventTypeKey"`
	ExternalOrderID string `json:"externalOrderId,omitempty"`
	OrderID         string `json:"orderId,omitempty"`
	OrderStatus     string `json:"orderStatus,omitempty"`
	Reason          string `json:"reason,omitempty"` // an error code (ignored)
	Message         string `json:"message,omitempty"`
	Field           string `json:"field,omitempty"`
	IgnoredEventID  string `json:"ignoredEventId,omitempty"`
}

type orderEventMetrics struct {
	events  *prometheus.CounterVec
	ignored *prometheus.CounterVec
}

func (s *Server) orderEventRoutes(m *http.ServeMux) {
	oe := &orderEventAPI{base: &s.base, yespo: s.yespo, manage: s.manage}
	om := &orderEventMetrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_order_events_total", Help: "Order events (POST /api/v1/event) by event type and outcome (created, updated, unchanged, ignored).",
		}, []string{"type", "outcome"}),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_order_events_ignored_total", Help: "Order events ignored as Yespo would (and kept), by reason.",
		}, []string{"reason"}),
	}
	s.reg.MustRegister(om.events, om.ignored)
	m.HandleFunc("POST /api/v1/event", s.wrap(s.requireEventsAuth(oe.handleOrderEvent(om))))
	m.HandleFunc("POST /api/v1/contact", s.wrap(s.requireEventsAuth(oe.handleYespoContact)))
	const a = "/admin/v1/vendors/{vendorId}"
	m.HandleFunc("GET "+a+"/ignored-events", s.requireAdmin(s.wrap(oe.handleIgnoredEvents)))
	m.HandleFunc("GET "+a+"/yespo", s.requireAdmin(s.wrap(oe.handleGetYespo)))
	m.HandleFunc("PUT "+a+"/yespo", s.requireAdmin(s.wrap(oe.handlePutYespo)))
	m.HandleFunc("DELETE "+a+"/yespo", s.requireAdmin(s.wrap(oe.handleDeleteYespo)))
	m.HandleFunc("POST "+a+"/yespo/test", s.requireAdmin(s.wrap(oe.handleTestYespo)))
}

// requireEventsAuth accepts a bearer access token with the scope events, or HTTP
// Basic client credentials (client id, client secret) of a client holding that
// scope — what a Yespo client sends. Failed secrets count towards the token
// endpoint's per-client lockout.
func (s *Server) requireEventsAuth(h handler) handler {
	withBearer := s.requireScope(orderhub.ScopeEvents, h)
	return func(w http.ResponseWriter, r *http.Request) error {
		id, secret, ok := r.BasicAuth()
		if !ok {
			return withBearer(w, r)
		}
		p, err := s.basicClient(r.Context(), id, secret, throttle.Source(r))
		if err != nil {
			if orderhub.ErrorCode(err) == orderhub.EUnauthorized {
				w.Header().Set("WWW-Authenticate", `Basic realm="orderhub", Bearer realm="orderhub"`)
			}
			return err
		}
		return h(w, withPrincipal(r, p))
	}
}

func (s *Server) basicClient(ctx context.Context, id, secret, source string) (*Principal, error) {
	bad := orderhub.Errorf(orderhub.EUnauthorized, "Invalid client credentials: send HTTP Basic with your client id and client secret, or a bearer access token.")
	if id == "" || secret == "" || len(id) > 255 || !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		return nil, bad
	}
	fails := s.tokens.fails
	if wait := fails.Wait(id, source); wait > 0 {
		return nil, orderhub.Errorf(orderhub.ETooManyRequests, "Too many failed authentication attempts from this address; retry in %d seconds.", int(wait.Seconds())+1)
	}
	c, err := s.store.Tenants.GetClient(ctx, id)
	if err != nil {
		if orderhub.ErrorCode(err) == orderhub.ENotFound {
			fails.Failed(id, source) // as a wrong secret: no oracle
			return nil, bad
		}
		return nil, err
	}
	if !orderhub.SecretMatches(secret, c.SecretHash) {
		fails.Failed(id, source)
		return nil, bad
	}
	fails.Succeeded(id, source)
	if c.RevokedAt != nil {
		return nil, orderhub.Errorf(orderhub.EUnauthorized, "This client has been revoked.")
	}
	p := &Principal{ClientID: c.ID, VendorID: c.VendorID, Scopes: c.Scopes}
	if !p.HasScope(orderhub.ScopeEvents) {
		return nil, orderhub.Errorf(orderhub.EForbidden, "The client lacks the scope %q.", orderhub.ScopeEvents)
	}
	return p, nil
}

func eventTypeLabel(t string) string {
	switch t {
	case orderhub.YespoOrderCreated, orderhub.YespoOrderUpdated, orderhub.YespoOrderDelivered, orderhub.YespoOrderCancelled:
		return t
	}
	return "other"
}

// orderEventAPI serves order events and contacts (seed 004) and the Yespo account admin API.
type orderEventAPI struct {
	*base
	yespo  YespoAdmin
	manage func() *manage.Service // Server.manage
}

// handleOrderEvent serves POST /api/v1/event. Checks: token (401/403), strict flag,
// body (413 over Yespo's 20 KB, 415, 400 for malformed JSON or Yespo's limits on
// eventTypeKey and keyValue); then the event is applied or ignored in one
// transaction.
func (s *orderEventAPI) handleOrderEvent(om *orderEventMetrics) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := principalFrom(r)
		strict, err := boolQuery(r, "strict")
		if err != nil {
			return err
		}
		body, err := readJSONBody(w, r)
		if err != nil {
			return err
		}
		ev, err := orderhub.ParseOrderEvent(body)
		if err != nil {
			return err
		}
		res, err := s.store.Connectors.ApplyOrderEvent(r.Context(), p.VendorID, ev, body)
		if err != nil {
			return err
		}
		om.events.WithLabelValues(eventTypeLabel(ev.Type), res.Outcome).Inc()
		ans := OrderEventAnswer{EventTypeKey: ev.Type, ExternalOrderID: ev.ExternalOrderID}
		if res.Outcome == orderhub.OrderEventIgnored {
			om.ignored.WithLabelValues(res.Reason.Code).Inc()
			s.log.InfoContext(r.Context(), "order event ignored", "vendor", p.VendorID, "type", ev.Type, "reason", res.Reason.Code, "ignored_event", res.Ignored.ID)
			if strict {
				return res.Reason
			}
			ans.Status, ans.Reason, ans.Message, ans.Field, ans.IgnoredEventID = "ignored", res.Reason.Code, res.Reason.Message, res.Reason.Field, res.Ignored.ID
			writeJSON(w, http.StatusOK, ans)
			return nil
		}
		ans.Status, ans.Outcome, ans.OrderID, ans.OrderStatus = "accepted", res.Outcome, res.Order.ID, res.Order.Status
		writeJSON(w, http.StatusOK, ans)
		return nil
	}
}

// YespoContactAnswer is the answer of POST /api/v1/contact.
type YespoContactAnswer struct {
	ID                 string `json:"id"` // orderhub's customer id; matches the ContactId parameter of events
	ExternalCustomerID string `json:"externalCustomerId,omitempty"`
	Created            bool   `json:"created"`
}

// handleYespoContact serves POST /api/v1/contact: a contact in Yespo's shape becomes
// (or updates) a customer of the caller's vendor.
func (s *orderEventAPI) handleYespoContact(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	c, err := parseBody(w, r, orderhub.ParseYespoContact)
	if err != nil {
		return err
	}
	cust, created, err := s.store.Connectors.UpsertYespoContact(r.Context(), p.VendorID, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, YespoContactAnswer{ID: cust.ID, ExternalCustomerID: cust.PublisherUserID, Created: created})
	return nil
}

// handleIgnoredEvents serves GET /admin/v1/vendors/{vendorId}/ignored-events
// (?reason=<error code>&cursor=&limit=1..1000): {"data": [...], "next_cursor"}, the
// most recently seen first, paged with the keyset cursor of the other lists.
func (s *orderEventAPI) handleIgnoredEvents(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	if err != nil {
		return err
	}
	f := orderhub.IgnoredEventFilter{VendorID: vendorID}
	q := r.URL.Query()
	for k, vs := range q {
		if k != "reason" && k != "limit" && k != "cursor" {
			return orderhub.FieldError(orderhub.EInvalidRequest, k, "Unknown query parameter %q (reason, cursor, limit).", k)
		}
		if len(vs) > 1 {
			return orderhub.FieldError(orderhub.EInvalidRequest, k, "Query parameter %q given more than once.", k)
		}
	}
	f.Reason = q.Get("reason")
	p := orderhub.Page{Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return orderhub.FieldError(orderhub.EInvalidRequest, "limit", "limit must be 1 to 1000.")
		}
		p.Limit = n
	}
	pg, err := s.store.Connectors.ListIgnoredEventPage(r.Context(), f, p)
	if err != nil {
		return PageError(err)
	}
	writeJSON(w, http.StatusOK, pg)
	return nil
}

// YespoAccountView is a Yespo account as the admin API shows it: never the key.
type YespoAccountView struct {
	VendorID        string    `json:"vendorId"`
	BaseURL         string    `json:"baseUrl"`
	EndpointID      string    `json:"endpointId"`
	APIKeySet       bool      `json:"apiKeySet"`
	APIKeyEncrypted bool      `json:"apiKeyEncrypted"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

func (s *orderEventAPI) yespoView(a *orderhub.YespoAccount) YespoAccountView {
	v := YespoAccountView{VendorID: a.VendorID, BaseURL: a.BaseURL, EndpointID: a.EndpointID, APIKeySet: a.SealedKey != "", CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	if s.yespo != nil {
		v.APIKeyEncrypted = s.yespo.KeyEncrypted(a.SealedKey)
	}
	return v
}

func (s *orderEventAPI) handleGetYespo(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	if err != nil {
		return err
	}
	a, err := s.store.Connectors.GetYespoAccount(r.Context(), vendorID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.yespoView(a))
	return nil
}

func (s *orderEventAPI) yespoConfigured() error { return s.manage().Connectors().YespoConfigured() }

// handlePutYespo serves PUT /admin/v1/vendors/{vendorId}/yespo with {baseUrl,
// apiKey}: creates or updates the account (apiKey may be left out on updates).
func (s *orderEventAPI) handlePutYespo(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	if err == nil {
		err = s.yespoConfigured()
	}
	if err != nil {
		return err
	}
	var in struct {
		BaseURL *string `json:"baseUrl"`
		APIKey  *string `json:"apiKey"`
	}
	if err := readJSON(w, r, &in, orderhub.JSONOptions{}); err != nil {
		return err
	}
	a, err := s.manage().Connectors().SaveYespoAccount(r.Context(), vendorID, in.BaseURL, in.APIKey)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.yespoView(a))
	return nil
}

func (s *orderEventAPI) handleDeleteYespo(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	if err == nil {
		err = s.manage().Connectors().DeleteYespoAccount(r.Context(), vendorID)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleTestYespo serves POST /admin/v1/vendors/{vendorId}/yespo/test: {ok: true,
// accountInfo} when Yespo accepts the key, {ok: false, message} otherwise.
func (s *orderEventAPI) handleTestYespo(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	var info json.RawMessage
	var failed error
	if err == nil {
		info, failed, err = s.manage().Connectors().TestYespoAccount(r.Context(), vendorID)
	}
	if err != nil {
		return err
	}
	if failed != nil {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "message": failed.Error()})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "accountInfo": info})
	return nil
}
