// Package salesmanago is a fake SALESmanago server for tests and the demo. It speaks
// the real API (docs: ../shared/docs/protocols.md, SALESmanago section) and enforces
// what is verified about it:
//
//   - API v2 (POST /api/contact/upsert, /api/contact/delete,
//     /api/contact/addContactExtEvent, /api/contact/basicById, /api/contact/hasContact):
//     JSON bodies carrying clientId, apiKey, requestTime (Unix milliseconds; seconds or
//     a time more than MaxSkew away are refused), sha = lower-case hex
//     SHA1(apiKey + clientId + apiSecret) and owner (the account user's e-mail).
//     Answers are HTTP 200 with {success, message: [...], …}; a refusal is
//     success:false with the reasons in message.
//   - API v3 (POST /v3/product/upsert, GET /v3/product/catalogList): header API-KEY;
//     refusals are {problems: [{reasonCode, message}]} with HTTP 401 (reasonCode 10)
//     or 400 (11 too long, 13 missing, 14 wrong type, 15 not unique).
//
// Beyond the verified protocol, the fake refuses an external event for a contact it
// does not know (success:false, "Contact not found"), so that tests see an event
// that overtook its contact's upsert; such requests are also counted in
// OrderViolations.
//
// Faults can be injected (Fail), and every request is recorded (Requests).
package salesmanago

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"orderhub/fake/internal/listen"
)

// Account is a SALESmanago account known to the fake.
type Account struct {
	ClientID  string
	APISecret string
	Owner     string   // the account user's e-mail, required as owner
	APIKey    string   // API v3 key (API-KEY header)
	Catalogs  []string // product catalog ids
}

// Contact is a contact stored by the fake.
type Contact struct {
	ContactID     string            `json:"contactId"`
	ClientID      string            `json:"-"`
	Email         string            `json:"email"`
	Name          string            `json:"name,omitempty"`
	Phone         string            `json:"phone,omitempty"`
	Fax           string            `json:"fax,omitempty"`
	Company       string            `json:"company,omitempty"`
	ExternalID    string            `json:"externalId,omitempty"`
	State         string            `json:"state,omitempty"`
	Address       map[string]string `json:"address,omitempty"`
	Tags          []string          `json:"tags,omitempty"`
	Properties    map[string]string `json:"properties,omitempty"`
	OptedOut      bool              `json:"optedOut"`
	Deleted       bool              `json:"deleted"`
	CreatedOn     int64             `json:"createdOn"`
	ModifiedOn    int64             `json:"modifiedOn"`
	Upserts       int               `json:"-"`
	LastRequestID int               `json:"-"`
}

// Event is an external event stored by the fake.
type Event struct {
	EventID   string         `json:"eventId"`
	ClientID  string         `json:"-"`
	Email     string         `json:"email"`
	ContactID string         `json:"contactId"`
	Type      string         `json:"contactExtEventType"`
	Fields    map[string]any `json:"contactEvent"`
	RequestID int            `json:"-"`
}

// Product is a product stored by the fake (v3).
type Product struct {
	CatalogID string
	Fields    map[string]any
}

// Request is one recorded request.
type Request struct {
	ID       int
	Method   string
	Path     string
	Header   http.Header
	Body     []byte
	Status   int
	Response []byte
	At       time.Time
	Fault    string // the injected fault that answered it, if any
}

// JSON decodes the request body, numbers as json.Number: amounts exactly as sent.
func (r Request) JSON() map[string]any {
	m, _ := decodeExact(r.Body)
	return m
}

// decodeExact decodes a JSON object with numbers kept exact (json.Number).
func decodeExact(b []byte) (map[string]any, error) {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	err := d.Decode(&m)
	return m, err
}

// Fault is an injected failure, used by the next matching requests.
type Fault struct {
	// Path limits the fault to one API path ("" = any).
	Path string
	// Status answers with this HTTP status (500, 429, 503…) and a short body.
	Status int
	// RetryAfter is sent as Retry-After (seconds) with Status.
	RetryAfter int
	// SuccessFalse answers HTTP 200 {success:false, message:[Message]}.
	SuccessFalse bool
	Message      string
	// Delay holds the answer this long (longer than the client's timeout: a timeout).
	Delay time.Duration
	// Times is how many requests it answers (default 1).
	Times int
}

// Server is the fake. Create it with New; it is an http.Handler, or call Start to
// listen on a loopback port.
type Server struct {
	// MaxSkew is how far requestTime may be from the fake's clock (default 10 min).
	MaxSkew time.Duration
	// Now is the fake's clock (default time.Now).
	Now func() time.Time

	mu         sync.Mutex
	accounts   map[string]*Account // by clientId
	contacts   map[string]*Contact // by clientId + "\x00" + email
	byID       map[string]*Contact // by contactId
	events     []*Event
	products   map[string]*Product // by catalogId + "\x00" + productId
	requests   []Request
	faults     []*Fault
	violations int
	seq        int

	listen.Base // Start, URL, Close
}

// New returns a fake with the given accounts.
func New(accounts ...Account) *Server {
	s := &Server{accounts: map[string]*Account{}, contacts: map[string]*Contact{}, byID: map[string]*Contact{}, products: map[string]*Product{}}
	for _, a := range accounts {
		s.AddAccount(a)
	}
	return s
}

// AddAccount adds (or replaces) an account.
func (s *Server) AddAccount(a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.Catalogs = slices.Clone(a.Catalogs)
	s.accounts[a.ClientID] = &a
}

// Start listens on addr ("127.0.0.1:0" when empty) and serves until Close.
func (s *Server) Start(addr string) (string, error) { return s.Base.Start(addr, s) }

// Close stops a started server, letting requests in flight finish for up to a second.
func (s *Server) Close() { s.Base.Close(time.Second) }

// Fail queues a fault for the next matching requests.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Requests returns every recorded request (optionally only those to path).
func (s *Server) Requests(path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return listen.ByPath(s.requests, path, func(r Request) string { return r.Path })
}

// Contact returns a stored contact of an account by e-mail.
func (s *Server) Contact(clientID, email string) (*Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.contacts[clientID+"\x00"+strings.ToLower(email)]
	if !ok || c.Deleted {
		return nil, false
	}
	cp := *c
	return &cp, true
}

// Contacts returns an account's live contacts.
func (s *Server) Contacts(clientID string) []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Contact
	for _, c := range s.contacts {
		if c.ClientID == clientID && !c.Deleted {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b Contact) int { return strings.Compare(a.Email, b.Email) })
	return out
}

// Events returns an account's external events in arrival order.
func (s *Server) Events(clientID string) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for _, e := range s.events {
		if e.ClientID == clientID {
			out = append(out, *e)
		}
	}
	return out
}

// Products returns a catalog's products by id.
func (s *Server) Products(catalogID string) map[string]map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string]any{}
	for _, p := range s.products {
		if p.CatalogID == catalogID {
			out[fmt.Sprint(p.Fields["productId"])] = p.Fields
		}
	}
	return out
}

// OrderViolations counts external events refused because their contact was unknown.
func (s *Server) OrderViolations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	s.mu.Lock()
	s.seq++
	rec := Request{ID: s.seq, Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, At: s.now()}
	f := s.takeFault(r.URL.Path)
	s.mu.Unlock()

	if r.URL.Path == "/_fake/requests" && r.Method == http.MethodGet {
		s.serveInspect(w)
		return
	}
	if f != nil {
		rec.Fault = describe(f)
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
			}
		}
		switch {
		case f.Status != 0:
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			}
			s.answer(w, &rec, f.Status, map[string]any{"success": false, "message": []string{http.StatusText(f.Status)}})
			return
		case f.SuccessFalse:
			msg := f.Message
			if msg == "" {
				msg = "Internal error"
			}
			s.answer(w, &rec, http.StatusOK, map[string]any{"success": false, "message": []string{msg}})
			return
		}
		if f.Delay > 0 && r.Context().Err() != nil {
			s.record(rec)
			return
		}
	}
	status, resp := s.route(r, body, rec.ID)
	s.answer(w, &rec, status, resp)
}

func describe(f *Fault) string {
	switch {
	case f.Status != 0:
		return "status " + strconv.Itoa(f.Status)
	case f.SuccessFalse:
		return "success:false"
	case f.Delay > 0:
		return "delay " + f.Delay.String()
	}
	return "fault"
}

func (s *Server) takeFault(path string) *Fault {
	for i, f := range s.faults {
		if f.Path == "" || f.Path == path {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) record(rec Request) {
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
}

func (s *Server) answer(w http.ResponseWriter, rec *Request, status int, v any) {
	b, _ := json.Marshal(v)
	rec.Status, rec.Response = status, b
	s.record(*rec)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// serveInspect lists the recorded requests (for the demo: GET /_fake/requests).
func (s *Server) serveInspect(w http.ResponseWriter) {
	s.mu.Lock()
	type item struct {
		ID       int             `json:"id"`
		Method   string          `json:"method"`
		Path     string          `json:"path"`
		Status   int             `json:"status"`
		Body     json.RawMessage `json:"body,omitempty"`
		Response json.RawMessage `json:"response,omitempty"`
		At       time.Time       `json:"at"`
	}
	out := []item{}
	for _, r := range s.requests {
		it := item{ID: r.ID, Method: r.Method, Path: r.Path, Status: r.Status, At: r.At}
		if json.Valid(r.Body) {
			it.Body = redactBody(r.Body)
		}
		if json.Valid(r.Response) {
			it.Response = r.Response
		}
		out = append(out, it)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// redactBody hides the signature fields of a recorded v2 body; every other value,
// amounts included, is shown exactly as it was sent.
func redactBody(b []byte) json.RawMessage {
	m, err := decodeExact(b)
	if err != nil {
		return b
	}
	for _, k := range []string{"sha", "apiKey"} {
		if _, ok := m[k]; ok {
			m[k] = "…"
		}
	}
	out, _ := json.Marshal(m)
	return out
}

// ---- routing ----

type v2Error struct{ msgs []string }

func (e *v2Error) Error() string { return strings.Join(e.msgs, "; ") }

func fail(format string, args ...any) error { return &v2Error{[]string{fmt.Sprintf(format, args...)}} }

type problem struct {
	ReasonCode int    `json:"reasonCode"`
	Message    string `json:"message"`
}

func (s *Server) route(r *http.Request, body []byte, reqID int) (int, any) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/v3/") {
		return s.v3(r, body)
	}
	if !strings.HasPrefix(p, "/api/") {
		return http.StatusNotFound, map[string]any{"success": false, "message": []string{"Not found"}}
	}
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, map[string]any{"success": false, "message": []string{"Only POST is supported"}}
	}
	var req map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&req); err != nil || req == nil {
		return http.StatusBadRequest, map[string]any{"success": false, "message": []string{"Request body is not a JSON object"}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acct, err := s.auth(req)
	if err != nil {
		return http.StatusOK, map[string]any{"success": false, "message": err.(*v2Error).msgs}
	}
	var out map[string]any
	switch p {
	case "/api/contact/upsert":
		out, err = s.upsert(acct, req, reqID)
	case "/api/contact/delete":
		out, err = s.delete(acct, req)
	case "/api/contact/addContactExtEvent":
		out, err = s.addEvent(acct, req, reqID)
	case "/api/contact/basicById":
		out, err = s.basicByID(acct, req)
	case "/api/contact/hasContact":
		out, err = s.hasContact(acct, req)
	default:
		return http.StatusNotFound, map[string]any{"success": false, "message": []string{"Unknown method " + p}}
	}
	if err != nil {
		var ve *v2Error
		if errors.As(err, &ve) {
			return http.StatusOK, map[string]any{"success": false, "message": ve.msgs}
		}
		return http.StatusInternalServerError, map[string]any{"success": false, "message": []string{err.Error()}}
	}
	out["success"] = true
	if _, ok := out["message"]; !ok {
		out["message"] = []string{}
	}
	return http.StatusOK, out
}

func str(m map[string]any, k string) (string, bool) {
	v, ok := m[k]
	if !ok || v == nil {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

// auth checks the v2 body authentication.
func (s *Server) auth(req map[string]any) (*Account, error) {
	clientID, _ := str(req, "clientId")
	apiKey, _ := str(req, "apiKey")
	sha, _ := str(req, "sha")
	if clientID == "" || apiKey == "" || sha == "" {
		return nil, fail("Not authenticated: clientId, apiKey and sha are required")
	}
	acct := s.accounts[clientID]
	if acct == nil {
		return nil, fail("Not authenticated: unknown clientId")
	}
	sum := sha1.Sum([]byte(apiKey + clientID + acct.APISecret))
	want := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(sha), []byte(want)) != 1 {
		return nil, fail("Not authenticated: wrong sha")
	}
	rt, ok := req["requestTime"].(json.Number)
	if !ok {
		return nil, fail("requestTime is required (Unix time in milliseconds)")
	}
	ms, err := rt.Int64()
	if err != nil {
		return nil, fail("requestTime must be an integer number of milliseconds")
	}
	if ms < 1e12 {
		return nil, fail("requestTime must be in milliseconds, got %d (seconds?)", ms)
	}
	skew := s.MaxSkew
	if skew <= 0 {
		skew = 10 * time.Minute
	}
	if d := s.now().Sub(time.UnixMilli(ms)); d > skew || d < -skew {
		return nil, fail("requestTime %d is too far from the server time", ms)
	}
	return acct, nil
}

func (s *Server) owner(acct *Account, req map[string]any) error {
	o, _ := str(req, "owner")
	if o == "" {
		return fail("owner is required")
	}
	if !strings.EqualFold(o, acct.Owner) {
		return fail("Owner %s is not a user of this account", o)
	}
	return nil
}

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func (s *Server) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%08x-%04d", prefix, time.Now().UnixNano()&0xffffffff, s.seq)
}

func (s *Server) upsert(acct *Account, req map[string]any, reqID int) (map[string]any, error) {
	if err := s.owner(acct, req); err != nil {
		return nil, err
	}
	c, ok := req["contact"].(map[string]any)
	if !ok {
		return nil, fail("contact is required")
	}
	email, _ := str(c, "email")
	if email == "" || !emailPattern.MatchString(email) {
		return nil, fail("contact.email is required and must be a valid e-mail address")
	}
	for _, k := range []string{"name", "phone", "fax", "company", "externalId", "state"} {
		if v, ok := c[k]; ok && v != nil {
			if _, isStr := v.(string); !isStr {
				return nil, fail("contact.%s must be a string", k)
			}
		}
	}
	var addr map[string]string
	if a, ok := c["address"]; ok && a != nil {
		am, ok := a.(map[string]any)
		if !ok {
			return nil, fail("contact.address must be an object")
		}
		addr = map[string]string{}
		for k, v := range am {
			sv, ok := v.(string)
			if !ok {
				return nil, fail("contact.address.%s must be a string", k)
			}
			addr[k] = sv
		}
	}
	var tags []string
	if t, ok := req["tags"]; ok && t != nil {
		ta, ok := t.([]any)
		if !ok {
			return nil, fail("tags must be an array of strings")
		}
		for _, x := range ta {
			sx, ok := x.(string)
			if !ok {
				return nil, fail("tags must be an array of strings")
			}
			tags = append(tags, sx)
		}
	}
	props := map[string]string{}
	if p, ok := req["properties"]; ok && p != nil {
		pm, ok := p.(map[string]any)
		if !ok {
			return nil, fail("properties must be an object")
		}
		for k, v := range pm {
			sv, ok := v.(string)
			if !ok {
				return nil, fail("properties.%s must be a string", k)
			}
			props[k] = sv
		}
	}
	for _, k := range []string{"forceOptIn", "forceOptOut", "forcePhoneOptIn", "forcePhoneOptOut", "async"} {
		if v, ok := req[k]; ok && v != nil {
			if _, isBool := v.(bool); !isBool {
				return nil, fail("%s must be a boolean", k)
			}
		}
	}
	key := acct.ClientID + "\x00" + strings.ToLower(email)
	now := s.now().UnixMilli()
	cur := s.contacts[key]
	if cur == nil || cur.Deleted {
		cur = &Contact{ContactID: s.newID("c"), ClientID: acct.ClientID, Email: strings.ToLower(email), CreatedOn: now, Properties: map[string]string{}}
		s.contacts[key] = cur
		s.byID[cur.ContactID] = cur
	}
	set := func(dst *string, k string) {
		if v, _ := str(c, k); v != "" {
			*dst = v
		}
	}
	set(&cur.Name, "name")
	set(&cur.Phone, "phone")
	set(&cur.Fax, "fax")
	set(&cur.Company, "company")
	set(&cur.ExternalID, "externalId")
	set(&cur.State, "state")
	if addr != nil {
		cur.Address = addr
	}
	for _, t := range tags {
		if !slices.Contains(cur.Tags, t) {
			cur.Tags = append(cur.Tags, t)
		}
	}
	if rt, ok := req["removeTags"].([]any); ok {
		for _, x := range rt {
			if sx, ok := x.(string); ok {
				cur.Tags = slices.DeleteFunc(cur.Tags, func(t string) bool { return t == sx })
			}
		}
	}
	for k, v := range props {
		cur.Properties[k] = v
	}
	if ne, _ := str(req, "newEmail"); ne != "" {
		delete(s.contacts, key)
		cur.Email = strings.ToLower(ne)
		s.contacts[acct.ClientID+"\x00"+cur.Email] = cur
	}
	cur.Deleted = false
	cur.ModifiedOn = now
	cur.Upserts++
	cur.LastRequestID = reqID
	return map[string]any{"contactId": cur.ContactID}, nil
}

func (s *Server) delete(acct *Account, req map[string]any) (map[string]any, error) {
	if err := s.owner(acct, req); err != nil {
		return nil, err
	}
	email, _ := str(req, "email")
	if email == "" {
		return nil, fail("email is required")
	}
	c := s.contacts[acct.ClientID+"\x00"+strings.ToLower(email)]
	if c == nil || c.Deleted {
		return map[string]any{"result": false}, nil
	}
	c.Deleted = true
	return map[string]any{"result": true}, nil
}

// realEventTypes is SALESmanago's list of external event types.
var realEventTypes = []string{"PURCHASE", "CART", "VISIT", "PHONE_CALL", "OTHER", "RESERVATION", "CANCELLED", "ACTIVATION", "MEETING",
	"OFFER", "DOWNLOAD", "LOGIN", "TRANSACTION", "CANCELLATION", "RETURN", "SURVEY", "APP_STATUS", "APP_TYPE_WEB", "APP_TYPE_MANUAL",
	"APP_TYPE_RETENTION", "APP_TYPE_UPSALE", "LOAN_STATUS", "LOAN_ORDER", "FIRST_LOAN", "REPEATED_LOAN"}

var locationPattern = regexp.MustCompile(`^[a-z0-9/_.-]*$`)

func (s *Server) addEvent(acct *Account, req map[string]any, reqID int) (map[string]any, error) {
	if err := s.owner(acct, req); err != nil {
		return nil, err
	}
	email, _ := str(req, "email")
	contactID, _ := str(req, "contactId")
	if email == "" && contactID == "" {
		return nil, fail("email or contactId is required")
	}
	ev, ok := req["contactEvent"].(map[string]any)
	if !ok {
		return nil, fail("contactEvent is required")
	}
	typ, _ := str(ev, "contactExtEventType")
	if !slices.Contains(realEventTypes, typ) {
		return nil, fail("contactEvent.contactExtEventType %q is not a valid event type", typ)
	}
	date, ok := ev["date"].(json.Number)
	if !ok {
		return nil, fail("contactEvent.date is required (Unix time in milliseconds)")
	}
	if ms, err := date.Int64(); err != nil || ms < 1e12 {
		return nil, fail("contactEvent.date must be in milliseconds")
	}
	limits := map[string]int{"description": 2048, "products": 512, "location": 36, "externalId": 255}
	for k, v := range ev {
		switch k {
		case "date", "value":
			continue
		}
		if v == nil {
			continue
		}
		sv, ok := v.(string)
		if !ok {
			return nil, fail("contactEvent.%s must be a string", k)
		}
		if max, ok := limits[k]; ok && len([]rune(sv)) > max {
			return nil, fail("contactEvent.%s is longer than %d characters", k, max)
		}
		if !strings.HasPrefix(k, "detail") && limits[k] == 0 && k != "contactExtEventType" && k != "shopDomain" {
			return nil, fail("contactEvent.%s is not a field of an external event", k)
		}
	}
	if loc, _ := str(ev, "location"); !locationPattern.MatchString(loc) {
		return nil, fail("contactEvent.location may contain only a-z, 0-9, /, _, - and .")
	}
	if v, ok := ev["value"]; ok && v != nil {
		n, ok := v.(json.Number)
		if !ok {
			return nil, fail("contactEvent.value must be a number")
		}
		ip, fp, _ := strings.Cut(strings.TrimPrefix(n.String(), "-"), ".")
		if _, err := n.Float64(); err != nil || len(ip) > 19 || len(fp) > 2 || strings.ContainsAny(n.String(), "eE") {
			return nil, fail("contactEvent.value must have at most 19 digits and 2 decimals")
		}
	}
	var c *Contact
	if contactID != "" {
		c = s.byID[contactID]
		if c != nil && c.ClientID != acct.ClientID {
			c = nil
		}
	} else {
		c = s.contacts[acct.ClientID+"\x00"+strings.ToLower(email)]
	}
	if c == nil || c.Deleted {
		s.violations++
		return nil, fail("Contact not found")
	}
	e := &Event{EventID: s.newID("e"), ClientID: acct.ClientID, Email: c.Email, ContactID: c.ContactID, Type: typ, Fields: ev, RequestID: reqID}
	s.events = append(s.events, e)
	return map[string]any{"eventId": e.EventID}, nil
}

func (s *Server) basicByID(acct *Account, req map[string]any) (map[string]any, error) {
	if err := s.owner(acct, req); err != nil {
		return nil, err
	}
	ids, ok := req["id"].([]any)
	if !ok || len(ids) == 0 {
		return nil, fail("id is required: an array of contact ids")
	}
	out := []map[string]any{}
	for _, x := range ids {
		id, _ := x.(string)
		c := s.byID[id]
		if c == nil || c.ClientID != acct.ClientID || c.Deleted {
			continue
		}
		out = append(out, map[string]any{
			"contactId": c.ContactID, "name": c.Name, "email": c.Email, "phone": c.Phone, "fax": c.Fax, "company": c.Company,
			"externalId": c.ExternalID, "state": c.State, "score": 0, "optedOut": c.OptedOut, "deleted": c.Deleted,
			"createdOn": c.CreatedOn, "modifiedOn": c.ModifiedOn, "address": c.Address,
		})
	}
	return map[string]any{"contacts": out}, nil
}

func (s *Server) hasContact(acct *Account, req map[string]any) (map[string]any, error) {
	if err := s.owner(acct, req); err != nil {
		return nil, err
	}
	email, _ := str(req, "email")
	c := s.contacts[acct.ClientID+"\x00"+strings.ToLower(email)]
	res := map[string]any{"result": c != nil && !c.Deleted}
	if c != nil && !c.Deleted {
		res["contactId"] = c.ContactID
	}
	return res, nil
}

// ---- API v3 ----

func problems(status int, ps ...problem) (int, any) { return status, map[string]any{"problems": ps} }

func (s *Server) v3(r *http.Request, body []byte) (int, any) {
	key := r.Header.Get("API-KEY")
	s.mu.Lock()
	defer s.mu.Unlock()
	var acct *Account
	for _, a := range s.accounts {
		if a.APIKey != "" && subtle.ConstantTimeCompare([]byte(a.APIKey), []byte(key)) == 1 {
			acct = a
		}
	}
	if acct == nil {
		return problems(http.StatusUnauthorized, problem{10, "Invalid or missing API-KEY"})
	}
	switch {
	case r.URL.Path == "/v3/product/catalogList" && r.Method == http.MethodGet:
		cats := []map[string]any{}
		for _, c := range acct.Catalogs {
			cats = append(cats, map[string]any{"catalogId": c, "name": c})
		}
		return http.StatusOK, map[string]any{"catalogs": cats}
	case r.URL.Path == "/v3/product/upsert" && r.Method == http.MethodPost:
		return s.productUpsert(acct, body)
	}
	return problems(http.StatusNotFound, problem{13, "Unknown method " + r.Method + " " + r.URL.Path})
}

// v3 product field limits.
var v3Limits = map[string]int{"productId": 255, "name": 255, "mainCategory": 255, "categoryExternalId": 255, "description": 16384,
	"productUrl": 2048, "mainImageUrl": 2048}

func (s *Server) productUpsert(acct *Account, body []byte) (int, any) {
	var req map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&req); err != nil || req == nil {
		return problems(http.StatusBadRequest, problem{14, "Request body is not a JSON object"})
	}
	cat, _ := str(req, "catalogId")
	if cat == "" {
		return problems(http.StatusBadRequest, problem{13, "catalogId is required"})
	}
	if !slices.Contains(acct.Catalogs, cat) {
		return problems(http.StatusBadRequest, problem{13, "catalogId " + cat + " not found"})
	}
	ps, ok := req["products"].([]any)
	if !ok || len(ps) == 0 {
		return problems(http.StatusBadRequest, problem{13, "products is required"})
	}
	if len(ps) > 100 {
		return problems(http.StatusBadRequest, problem{11, fmt.Sprintf("products holds %d products; at most 100 per request", len(ps))})
	}
	seen := map[string]bool{}
	var ids []string
	var warnings []problem
	for i, x := range ps {
		p, ok := x.(map[string]any)
		if !ok {
			return problems(http.StatusBadRequest, problem{14, fmt.Sprintf("products[%d] must be an object", i)})
		}
		id, _ := str(p, "productId")
		if id == "" {
			return problems(http.StatusBadRequest, problem{13, fmt.Sprintf("products[%d].productId is required", i)})
		}
		if n, _ := str(p, "name"); n == "" {
			return problems(http.StatusBadRequest, problem{13, fmt.Sprintf("products[%d].name is required", i)})
		}
		if seen[id] {
			return problems(http.StatusBadRequest, problem{15, fmt.Sprintf("productId %s is not unique", id)})
		}
		seen[id] = true
		for k, max := range v3Limits {
			if v, ok := p[k]; ok && v != nil {
				sv, ok := v.(string)
				if !ok {
					return problems(http.StatusBadRequest, problem{14, fmt.Sprintf("products[%d].%s must be a string", i, k)})
				}
				if len([]rune(sv)) > max {
					return problems(http.StatusBadRequest, problem{11, fmt.Sprintf("products[%d].%s is longer than %d", i, k, max)})
				}
			}
		}
		for _, k := range []string{"price", "discountPrice", "unitPrice"} {
			if v, ok := p[k]; ok && v != nil {
				if _, ok := v.(json.Number); !ok {
					return problems(http.StatusBadRequest, problem{14, fmt.Sprintf("products[%d].%s must be a number", i, k)})
				}
			}
		}
		if v, ok := p["quantity"]; ok && v != nil {
			n, ok := v.(json.Number)
			if _, err := n.Int64(); !ok || err != nil {
				return problems(http.StatusBadRequest, problem{14, fmt.Sprintf("products[%d].quantity must be an integer", i)})
			}
		}
		for _, k := range []string{"available", "active"} {
			if v, ok := p[k]; ok && v != nil {
				if _, ok := v.(bool); !ok {
					return problems(http.StatusBadRequest, problem{14, fmt.Sprintf("products[%d].%s must be a boolean", i, k)})
				}
			}
		}
		for _, k := range []string{"categories", "imageUrls"} {
			if v, ok := p[k]; ok && v != nil {
				arr, ok := v.([]any)
				if !ok || len(arr) > 5 {
					return problems(http.StatusBadRequest, problem{14, fmt.Sprintf("products[%d].%s must be an array of at most 5 strings", i, k)})
				}
			}
		}
		if sd, ok := p["systemDetails"]; ok && sd != nil {
			m, ok := sd.(map[string]any)
			if !ok {
				return problems(http.StatusBadRequest, problem{14, fmt.Sprintf("products[%d].systemDetails must be an object", i)})
			}
			for k, v := range m {
				if !slices.Contains([]string{"brand", "manufacturer", "popularity", "gender", "season", "color", "bestseller", "newProduct"}, k) {
					return problems(http.StatusBadRequest, problem{14, fmt.Sprintf("products[%d].systemDetails.%s is not a system detail", i, k)})
				}
				if _, ok := v.(string); !ok && v != nil {
					return problems(http.StatusBadRequest, problem{14, fmt.Sprintf("products[%d].systemDetails.%s must be a string", i, k)})
				}
			}
		}
		s.products[cat+"\x00"+id] = &Product{CatalogID: cat, Fields: p}
		ids = append(ids, id)
	}
	return http.StatusOK, map[string]any{"catalogId": cat, "productIds": ids, "problems": append([]problem{}, warnings...)}
}
