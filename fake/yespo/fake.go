// Package yespo is a fake Yespo (formerly eSputnik) server for tests and the demo.
// It speaks the real API (../shared/docs/protocols.md, Yespo section) and enforces
// what is verified about it:
//
//   - HTTP Basic auth on every call: any user name, the password is the API key
//     (401 otherwise);
//   - GET /api/v1/account/info → {orgId, organisationName, …};
//   - POST /api/v1/contact (Yespo's contact shape) → {id}: upsert by
//     externalCustomerId, then email, then sms channel;
//   - POST /api/v1/event (Generate event): bodies over 20 KB are refused (413), an
//     eventTypeKey over 100 or a keyValue over 300 characters or with one of the
//     forbidden characters < ; ' \ / | " ` ^ ? ! , > is refused (400). Order events
//     follow seed 004: a missing required parameter, a contact the fake does not
//     know, or orderDelivered/orderCancelled of an unknown order is *silently
//     ignored* — answered 200, as Yespo does — but recorded with the reason
//     (Ignored). orderUpdated creates a missing order.
//
// Faults can be injected (Fail: a status, a Retry-After, or a delay long enough to
// time a client out), and every request is recorded (Requests), failed ones too.
// GET /_fake/state (no auth; not part of Yespo's API) shows the contacts, orders,
// accepted and ignored events, for people trying the demo.
package yespo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"orderhub"
	"orderhub/fake/internal/listen"
)

// Request is a request the fake received.
type Request struct {
	Method string
	Path   string
	Body   json.RawMessage
	Status int // what the fake answered
}

// Contact is a contact stored by the fake.
type Contact struct {
	ID                 int      `json:"id"`
	ExternalCustomerID string   `json:"externalCustomerId,omitempty"`
	Email              string   `json:"email,omitempty"`
	Phone              string   `json:"phone,omitempty"`
	FirstName          string   `json:"firstName,omitempty"`
	LastName           string   `json:"lastName,omitempty"`
	PushTokens         []string `json:"pushTokens,omitempty"`
}

// Order is an order stored by the fake.
type Order struct {
	ExternalOrderID string
	ContactID       int
	Status          string
	Total           orderhub.Money
	Currency        string
	Date            string
	Items           []orderhub.OrderItem
}

// Event is a Generate event the fake accepted (and applied).
type Event struct {
	EventTypeKey string
	KeyValue     string
	Params       map[string]json.RawMessage
	ContactID    int
}

// Param returns a parameter's value as text ("" when absent).
func (e Event) Param(name string) string {
	v, ok := e.Params[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// Ignored is an event the fake answered 200 but dropped, as Yespo does, with why.
type Ignored struct {
	EventTypeKey string
	Body         json.RawMessage
	Reason       string // an orderhub error code
	Message      string
}

// Fault is an injected failure: the next Times requests (whose path starts with
// Path, when set) are answered Status (with Retry-After when set) after Delay.
type Fault struct {
	Path       string
	Times      int
	Status     int
	RetryAfter string
	Delay      time.Duration
}

// Server is a fake Yespo server. Create it with New.
type Server struct {
	// APIKey is the password every request must carry.
	APIKey string
	// OrgName is answered by account/info.
	OrgName string

	mu       sync.Mutex
	requests []Request
	contacts []*Contact
	orders   map[string]*Order
	events   []Event
	ignored  []Ignored
	faults   []*Fault

	listen.Base // Start, URL, Close
}

// New returns a fake accepting apiKey.
func New(apiKey string) *Server {
	return &Server{APIKey: apiKey, OrgName: "Fake Yespo organisation", orders: map[string]*Order{}}
}

// Start serves the fake on addr (e.g. 127.0.0.1:0) and returns its base URL.
func (s *Server) Start(addr string) (string, error) { return s.Base.Start(addr, s) }

// Close stops a started fake at once.
func (s *Server) Close() { s.Base.Close(0) }

// Fail queues a fault.
func (s *Server) Fail(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// Requests returns the requests received so far (path "" for all, else those
// whose path is path).
func (s *Server) Requests(path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return listen.ByPath(s.requests, path, func(r Request) string { return r.Path })
}

// Events returns the accepted Generate events, in the order they were applied.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// Ignored returns the events answered 200 but dropped, with the reasons.
func (s *Server) Ignored() []Ignored {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ignored(nil), s.ignored...)
}

// Contacts returns the stored contacts.
func (s *Server) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, 0, len(s.contacts))
	for _, c := range s.contacts {
		out = append(out, *c)
	}
	return out
}

// Order returns a stored order.
func (s *Server) Order(externalOrderID string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[externalOrderID]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	rec := Request{Method: r.Method, Path: r.URL.Path}
	if json.Valid(body) {
		rec.Body = body
	} else if len(body) > 0 {
		rec.Body, _ = json.Marshal(string(body))
	}
	if r.Method == http.MethodGet && r.URL.Path == "/_fake/state" {
		s.serveState(w)
		return
	}
	if f := s.takeFault(r.URL.Path); f != nil {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
			}
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		s.answer(w, &rec, f.Status, map[string]string{"error": "injected fault"})
		return
	}
	if _, pass, ok := r.BasicAuth(); !ok || pass != s.APIKey || s.APIKey == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="Yespo"`)
		s.answer(w, &rec, http.StatusUnauthorized, map[string]string{"error": "Unauthorized"})
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/account/info":
		s.answer(w, &rec, http.StatusOK, map[string]any{"orgId": 4242, "organisationName": s.OrgName, "userEmail": "owner@example.com"})
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/contact":
		status, v := s.contact(body)
		s.answer(w, &rec, status, v)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/event":
		status, v := s.event(body)
		s.answer(w, &rec, status, v)
	default:
		s.answer(w, &rec, http.StatusNotFound, map[string]string{"error": "Not found"})
	}
}

func (s *Server) takeFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Path == "" || strings.HasPrefix(path, f.Path) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			c := *f
			return &c
		}
	}
	return nil
}

func (s *Server) answer(w http.ResponseWriter, rec *Request, status int, v any) {
	rec.Status = status
	s.mu.Lock()
	s.requests = append(s.requests, *rec)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func (s *Server) contact(body []byte) (int, any) {
	p, err := orderhub.ParseYespoContact(body)
	if err != nil {
		return http.StatusBadRequest, map[string]string{"error": orderhub.ErrorMessage(err)}
	}
	in := p.Customer
	s.mu.Lock()
	defer s.mu.Unlock()
	var c *Contact
	for _, k := range []struct{ kind, v string }{{"ext", in.PublisherUserID}, {"email", in.Email}, {"phone", in.Phone}} {
		if k.v == "" || c != nil {
			continue
		}
		for _, x := range s.contacts {
			if (k.kind == "ext" && x.ExternalCustomerID == k.v) || (k.kind == "email" && x.Email == k.v) || (k.kind == "phone" && x.Phone == k.v) {
				c = x
				break
			}
		}
	}
	if c == nil {
		c = &Contact{ID: 1000 + len(s.contacts)}
		s.contacts = append(s.contacts, c)
	}
	set := func(d *string, v string) {
		if v != "" {
			*d = v
		}
	}
	set(&c.ExternalCustomerID, in.PublisherUserID)
	set(&c.Email, in.Email)
	set(&c.Phone, in.Phone)
	set(&c.FirstName, in.FirstName)
	set(&c.LastName, in.LastName)
	for _, t := range p.PushTokens {
		c.PushTokens = append(c.PushTokens, t)
	}
	return http.StatusOK, map[string]any{"id": c.ID}
}

func (s *Server) event(body []byte) (int, any) {
	if len(body) > orderhub.YespoMaxBody {
		return http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("request body exceeds %d bytes", orderhub.YespoMaxBody)}
	}
	ev, err := orderhub.ParseOrderEvent(body)
	if err != nil {
		return http.StatusBadRequest, map[string]string{"error": orderhub.ErrorMessage(err)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ignore := func(code, format string, args ...any) (int, any) {
		s.ignored = append(s.ignored, Ignored{EventTypeKey: ev.Type, Body: append(json.RawMessage(nil), body...), Reason: code, Message: fmt.Sprintf(format, args...)})
		return http.StatusOK, nil // Yespo answers 200 and drops it
	}
	if ev.Ignored != nil {
		return ignore(ev.Ignored.Code, "%s", ev.Ignored.Message)
	}
	var raw struct {
		Params []struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		} `json:"params"`
	}
	_ = json.Unmarshal(body, &raw)
	params := map[string]json.RawMessage{}
	for _, p := range raw.Params {
		params[p.Name] = p.Value
	}
	o := s.orders[ev.ExternalOrderID]
	contact := s.findContact(ev.Contacts)
	switch ev.Type {
	case orderhub.YespoOrderDelivered, orderhub.YespoOrderCancelled:
		if o == nil {
			return ignore(orderhub.EOrderNotFound, "order %q does not exist", ev.ExternalOrderID)
		}
		o.Status = orderhub.OrderDelivered
		if ev.Type == orderhub.YespoOrderCancelled {
			o.Status = orderhub.OrderCancelled
		}
		s.events = append(s.events, Event{EventTypeKey: ev.Type, KeyValue: ev.KeyValue, Params: params, ContactID: o.ContactID})
		return http.StatusOK, nil
	}
	if contact == nil {
		return ignore(orderhub.EContactNotFound, "no contact matches the event; send it only for an existing contact")
	}
	if o == nil {
		if ev.CreateIgnored != nil {
			return ignore(ev.CreateIgnored.Code, "%s", ev.CreateIgnored.Message)
		}
		o = &Order{ExternalOrderID: ev.ExternalOrderID}
	} else if ev.HasItems || ev.HasTotal {
		items, total := o.Items, o.Total
		if ev.HasItems {
			items = ev.Order.Items
		}
		if ev.HasTotal {
			total = ev.Order.Total
		}
		if e := orderhub.CheckOrderTotal(items, total, ev.Order.Shipping, ev.Order.Taxes, ev.Order.Discount); e != nil {
			return ignore(e.Code, "%s", e.Message)
		}
	}
	o.ContactID = contact.ID
	if ev.Order.Status != "" {
		o.Status = ev.Order.Status
	}
	if ev.HasTotal {
		o.Total = ev.Order.Total
	}
	if ev.HasItems {
		o.Items = ev.Order.Items
	}
	if ev.Order.Currency != "" {
		o.Currency = ev.Order.Currency
	}
	if ev.Order.Date != "" {
		o.Date = ev.Order.Date
	}
	s.orders[o.ExternalOrderID] = o
	s.events = append(s.events, Event{EventTypeKey: ev.Type, KeyValue: ev.KeyValue, Params: params, ContactID: contact.ID})
	return http.StatusOK, nil
}

// findContact matches Yespo's identification: the contact's numeric id, its
// externalCustomerId (or ContactKey), e-mail (case-insensitive), phone, push token.
func (s *Server) findContact(keys []orderhub.ContactKey) *Contact {
	for _, k := range keys {
		for _, c := range s.contacts {
			switch k.Kind {
			case orderhub.ContactKeyID:
				if strconv.Itoa(c.ID) == k.Value {
					return c
				}
			case orderhub.ContactKeyExternal:
				if c.ExternalCustomerID == k.Value {
					return c
				}
			case orderhub.ContactKeyEmail:
				if strings.EqualFold(c.Email, k.Value) {
					return c
				}
			case orderhub.ContactKeyPhone:
				if c.Phone == k.Value {
					return c
				}
			case orderhub.ContactKeyPushToken:
				for _, t := range c.PushTokens {
					if t == k.Value {
						return c
					}
				}
			}
		}
	}
	return nil
}

// Summary is a compact description of the accepted events, e.g. for test failures:
// "orderCreated:O-1 orderCancelled:O-1".
func (s *Server) Summary() string {
	var b bytes.Buffer
	for i, e := range s.Events() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.EventTypeKey + ":" + e.Param("externalOrderId"))
	}
	return b.String()
}

func (s *Server) serveState(w http.ResponseWriter) {
	s.mu.Lock()
	type ev struct {
		EventTypeKey string                     `json:"eventTypeKey"`
		KeyValue     string                     `json:"keyValue"`
		Params       map[string]json.RawMessage `json:"params"`
		ContactID    int                        `json:"contactId"`
	}
	type ign struct {
		EventTypeKey string          `json:"eventTypeKey"`
		Reason       string          `json:"reason"`
		Message      string          `json:"message"`
		Body         json.RawMessage `json:"body"`
	}
	st := struct {
		Contacts []*Contact        `json:"contacts"`
		Orders   map[string]*Order `json:"orders"`
		Events   []ev              `json:"events"`
		Ignored  []ign             `json:"ignored"`
	}{Contacts: s.contacts, Orders: s.orders}
	for _, e := range s.events {
		st.Events = append(st.Events, ev{e.EventTypeKey, e.KeyValue, e.Params, e.ContactID})
	}
	for _, i := range s.ignored {
		st.Ignored = append(st.Ignored, ign{i.EventTypeKey, i.Reason, i.Message, i.Body})
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
