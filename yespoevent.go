package orderhub

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Order events in Yespo's Generate event format (seed 004): POST /api/v1/event with
// {eventTypeKey, keyValue, params:[{name, value}]}.
//
// Two kinds of problem are told apart:
//   - a malformed request (not JSON, no eventTypeKey, Yespo's transport limits broken)
//     is an error: Yespo rejects it too;
//   - a well-formed event that breaks one of the seed's rules (a required parameter
//     missing, a bad status or date, an unknown contact or order) is *ignored* — Yespo
//     answers 200 and drops it. ParseOrderEvent returns such events with Ignored (or
//     CreateIgnored) set; orderhub records them with the reason instead of dropping
//     them.

// Yespo event types of the order lifecycle (seed 004).
const (
	YespoOrderCreated   = "orderCreated"
	YespoOrderUpdated   = "orderUpdated"
	YespoOrderDelivered = "orderDelivered"
	YespoOrderCancelled = "orderCancelled"
)

// Yespo's limits on a Generate event (protocols.md).
const (
	YespoMaxBody         = 20 << 10 // bytes
	YespoMaxEventTypeKey = 100
	YespoMaxKeyValue     = 300
	// YespoForbiddenChars may not appear in eventTypeKey or keyValue.
	YespoForbiddenChars = "<;'\\/|\"`^?!,>"
)

// YespoDateLayout is the seed's date format, YYYY-MM-ddTHH:mm:ss.
const YespoDateLayout = "2006-01-02T15:04:05"

// Error codes of the order event API. An ignored event carries one of them as its
// reason; with ?strict=true it is answered as that error.
const (
	EOrderEventParamRequired = "OrderEventParamRequiredError" // 400: a required parameter is missing or empty
	EOrderEventParamInvalid  = "OrderEventParamInvalidError"  // 400: a parameter has a value the seed does not allow
	EOrderTotalMismatch      = "OrderTotalMismatchError"      // 422: the items do not add up to totalCost
	EOrderNotFound           = "OrderNotFoundError"           // 404: orderDelivered/orderCancelled for an unknown order
	EContactNotFound         = "ContactNotFoundError"         // 422: no existing contact matches the event
	EUnsupportedEventType    = "UnsupportedEventTypeError"    // 422: not one of the four order event types
)

// YespoContactParams are the parameter names Yespo searches for a contact
// identifier when no custom identification is set up, compared case-insensitively,
// with the kind of identifier each holds.
var YespoContactParams = []struct{ Name, Kind string }{
	{"ContactId", ContactKeyID}, {"Contact_id", ContactKeyID},
	{"Email", ContactKeyEmail}, {"EmailAddress", ContactKeyEmail}, {"UserEmail", ContactKeyEmail}, {"ContactEmail", ContactKeyEmail},
	{"Phone", ContactKeyPhone}, {"SMS", ContactKeyPhone}, {"PhoneNumber", ContactKeyPhone},
	{"PushToken", ContactKeyPushToken},
	{"ContactKey", ContactKeyExternal}, {"Contact_key", ContactKeyExternal},
}

// Kinds of contact identifier.
const (
	ContactKeyID        = "id"         // orderhub's customer id (Yespo's contactId)
	ContactKeyExternal  = "externalId" // the shop's customer id: externalCustomerId, ContactKey
	ContactKeyEmail     = "email"      // matched case-insensitively
	ContactKeyPhone     = "phone"      // matched exactly (after removing separators)
	ContactKeyPushToken = "pushToken"  // a push channel registered with POST /api/v1/contact
)

// ContactKey is one identifier of the contact an event is about.
type ContactKey struct {
	Kind  string `json:"kind"`
	Param string `json:"param"` // the parameter it came from
	Value string `json:"value"`
}

// OrderEvent is a parsed order event.
type OrderEvent struct {
	Type            string
	KeyValue        string
	ExternalOrderID string
	// Contacts lists the contact identifiers in the order they are tried: the order's
	// own externalCustomerId, email and phone, then the default parameters in the
	// order they appear in the body. The first that matches an existing customer wins.
	Contacts []ContactKey
	// Order holds the order fields the event sets (zero values: not sent).
	Order OrderInput
	// HasTotal and HasItems say whether totalCost and items were sent.
	HasTotal, HasItems bool
	// Ignored is set when the event breaks a rule whatever the state: it is to be
	// ignored (and recorded).
	Ignored *Error
	// CreateIgnored is set when the event lacks something orderCreated requires: it
	// is ignored when it would create the order (orderCreated, or orderUpdated of an
	// unknown order).
	CreateIgnored *Error
	// Fingerprint identifies the event's content (canonical JSON, SHA-256 hex).
	Fingerprint string
}

// YespoParam is one {name, value} of a Generate event.
type YespoParam struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

// YespoEvent is the wire shape of a Generate event.
type YespoEvent struct {
	EventTypeKey string       `json:"eventTypeKey"`
	KeyValue     string       `json:"keyValue"`
	Params       []YespoParam `json:"params"`
}

type wireYespoEvent struct {
	EventTypeKey *string           `json:"eventTypeKey"`
	KeyValue     json.RawMessage   `json:"keyValue"`
	Params       []json.RawMessage `json:"params"`
}

// CheckYespoKey validates eventTypeKey or keyValue against Yespo's limits.
func CheckYespoKey(field, v string, max int) error {
	if utf8.RuneCountInString(v) > max {
		return FieldError(EInvalidRequest, field, "%s must be at most %d characters.", field, max)
	}
	if rule := TextRule(v, false); rule != "" {
		return FieldError(EInvalidRequest, field, "%s %s.", field, rule)
	}
	if i := strings.IndexAny(v, YespoForbiddenChars); i >= 0 {
		return FieldError(EInvalidRequest, field, "%s contains the character %q, which Yespo forbids (forbidden: %s).", field, v[i:i+1], YespoForbiddenChars)
	}
	return nil
}

// orderParams are the parameters that become order fields; every other parameter
// (contact parameters included) is kept in the order's metadata.
var orderParams = map[string]bool{
	"externalOrderId": true, "totalCost": true, "status": true, "date": true, "currency": true, "items": true,
	"externalCustomerId": true, "email": true, "phone": true,
	"shipping": true, "taxes": true, "discount": true, "deliveryMethod": true, "paymentMethod": true,
}

// ParseOrderEvent decodes a Generate event body. A malformed body is an *Error; a
// well-formed event that breaks the seed's rules comes back with Ignored or
// CreateIgnored set. Events of other types than the four order events come back
// ignored with EUnsupportedEventType.
func ParseOrderEvent(body []byte) (*OrderEvent, error) {
	if len(body) > YespoMaxBody {
		return nil, Errorf(EPayloadTooLarge, "The event is %d bytes; Yespo accepts at most %d (20 KB).", len(body), YespoMaxBody)
	}
	var w wireYespoEvent
	if err := ReadJSON(body, &w, JSONOptions{}); err != nil {
		return nil, err
	}
	if !utf8.Valid(body) {
		return nil, Errorf(EInvalidRequest, "The request body is not valid UTF-8.")
	}
	if w.EventTypeKey == nil || strings.TrimSpace(*w.EventTypeKey) == "" {
		return nil, FieldError(EInvalidRequest, "eventTypeKey", "eventTypeKey is required.")
	}
	ev := &OrderEvent{Type: strings.TrimSpace(*w.EventTypeKey)}
	if err := CheckYespoKey("eventTypeKey", ev.Type, YespoMaxEventTypeKey); err != nil {
		return nil, err
	}
	kv, ok := scalarString(w.KeyValue)
	if !ok {
		return nil, FieldError(EInvalidRequest, "keyValue", "keyValue must be a string.")
	}
	ev.KeyValue = strings.TrimSpace(kv)
	if ev.KeyValue == "" {
		return nil, FieldError(EInvalidRequest, "keyValue", "keyValue is required (the event key, e.g. the contact's e-mail or phone).")
	}
	if err := CheckYespoKey("keyValue", ev.KeyValue, YespoMaxKeyValue); err != nil {
		return nil, err
	}
	params := map[string]json.RawMessage{}
	var order []string
	meta := map[string]json.RawMessage{}
	for i, raw := range w.Params {
		var p struct {
			Name  *string         `json:"name"`
			Value json.RawMessage `json:"value"`
		}
		field := "params[" + strconv.Itoa(i) + "]"
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, FieldError(EInvalidRequest, field, "%s must be an object {name, value}.", field)
		}
		if p.Name == nil || strings.TrimSpace(*p.Name) == "" {
			return nil, FieldError(EInvalidRequest, field+".name", "%s.name is required.", field)
		}
		name := strings.TrimSpace(*p.Name)
		if len(name) > 255 {
			return nil, FieldError(EInvalidRequest, field+".name", "%s.name must be at most 255 characters.", field)
		}
		if _, dup := params[name]; dup {
			return nil, FieldError(EInvalidRequest, field+".name", "Parameter %q is sent twice.", name)
		}
		v := p.Value
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		params[name] = v
		order = append(order, name)
		if !orderParams[name] {
			meta[name] = v
		}
	}
	ev.Fingerprint = eventFingerprint(ev.Type, ev.KeyValue, params)

	switch ev.Type {
	case YespoOrderCreated, YespoOrderUpdated, YespoOrderDelivered, YespoOrderCancelled:
	default:
		ev.Ignored = Errorf(EUnsupportedEventType, "Event type %q is not an order event (orderCreated, orderUpdated, orderDelivered, orderCancelled); orderhub keeps only order events.", ev.Type)
		return ev, nil
	}

	str := func(name string) (string, bool, *Error) {
		raw, ok := params[name]
		if !ok || string(raw) == "null" {
			return "", false, nil
		}
		s, ok := scalarString(raw)
		if !ok {
			return "", true, FieldError(EOrderEventParamInvalid, name, "Parameter %s must be a string or a number.", name)
		}
		s = strings.TrimSpace(s)
		if rule := TextRule(s, false); rule != "" {
			return "", true, FieldError(EOrderEventParamInvalid, name, "Parameter %s %s.", name, rule)
		}
		return s, s != "", nil
	}
	fail := func(e *Error) (*OrderEvent, error) { ev.Ignored = e; return ev, nil }

	id, has, e := str("externalOrderId")
	if e != nil {
		return fail(e)
	}
	if !has {
		return fail(FieldError(EOrderEventParamRequired, "externalOrderId", "Parameter externalOrderId is required: it identifies the order."))
	}
	if len(id) > 255 {
		return fail(FieldError(EOrderEventParamInvalid, "externalOrderId", "externalOrderId must be at most 255 characters."))
	}
	ev.ExternalOrderID = id
	ev.Order.ExternalOrderID = id

	// The contact: the order's own identifiers first, then the default parameters.
	var ext, email, phone string
	if ext, _, e = str("externalCustomerId"); e != nil {
		return fail(e)
	}
	if email, _, e = str("email"); e != nil {
		return fail(e)
	}
	if phone, _, e = str("phone"); e != nil {
		return fail(e)
	}
	add := func(kind, param, value string) *Error {
		value = strings.TrimSpace(value)
		if value == "" {
			return nil
		}
		switch kind {
		case ContactKeyEmail:
			n, ok := NormalizeEmail(value)
			if !ok {
				return FieldError(EOrderEventParamInvalid, param, "Parameter %s is not an e-mail address.", param)
			}
			value = n
		case ContactKeyPhone:
			if n, ok := NormalizePhone(value); ok {
				value = n
			}
		}
		for _, k := range ev.Contacts {
			if k.Kind == kind && k.Value == value {
				return nil
			}
		}
		ev.Contacts = append(ev.Contacts, ContactKey{Kind: kind, Param: param, Value: value})
		return nil
	}
	if e := add(ContactKeyExternal, "externalCustomerId", ext); e != nil {
		return fail(e)
	}
	if e := add(ContactKeyEmail, "email", email); e != nil {
		return fail(e)
	}
	if e := add(ContactKeyPhone, "phone", phone); e != nil {
		return fail(e)
	}
	for _, name := range order {
		for _, d := range YespoContactParams {
			if !strings.EqualFold(name, d.Name) || name == "email" || name == "phone" {
				continue
			}
			s, ok := scalarString(params[name])
			if !ok {
				return fail(FieldError(EOrderEventParamInvalid, name, "Parameter %s must be a string or a number.", name))
			}
			if e := add(d.Kind, name, s); e != nil {
				return fail(e)
			}
		}
	}
	ev.Order.Customer = Customer{PublisherUserID: ext, Email: ev.contact(ContactKeyEmail), Phone: ev.contact(ContactKeyPhone)}

	if ev.Type == YespoOrderDelivered || ev.Type == YespoOrderCancelled {
		// Only the order id counts: the order names its customer.
		return ev, nil
	}

	// Values that are checked whenever they are sent.
	if s, has, e := str("status"); e != nil {
		return fail(e)
	} else if has {
		if !ValidOrderStatus(s) {
			return fail(FieldError(EOrderEventParamInvalid, "status", "Status %q is not one of %s.", s, strings.Join(OrderStatuses, ", ")))
		}
		ev.Order.Status = s
	}
	if s, has, e := str("date"); e != nil {
		return fail(e)
	} else if has {
		t, err := time.Parse(YespoDateLayout, s)
		if err != nil || t.Year() < 1900 || t.Year() > 2200 {
			return fail(FieldError(EOrderEventParamInvalid, "date", "Date %q is not of the form YYYY-MM-ddTHH:mm:ss (e.g. 2020-05-14T10:11:00).", s))
		}
		ev.Order.Date = s
	}
	if s, has, e := str("currency"); e != nil {
		return fail(e)
	} else if has {
		u := strings.ToUpper(s)
		if len(u) != 3 || strings.Trim(u, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return fail(FieldError(EOrderEventParamInvalid, "currency", "Currency %q is not a three-letter ISO 4217 code such as UAH or EUR.", s))
		}
		ev.Order.Currency = u
	}
	for _, m := range []struct {
		name string
		dst  *Money
		has  *bool
	}{{"totalCost", &ev.Order.Total, &ev.HasTotal}, {"shipping", &ev.Order.Shipping, nil}, {"taxes", &ev.Order.Taxes, nil}, {"discount", &ev.Order.Discount, nil}} {
		s, has, e := str(m.name)
		if e != nil {
			return fail(e)
		}
		if !has {
			continue
		}
		v, err := ParseMoney(s)
		if err != nil || v < 0 {
			return fail(FieldError(EOrderEventParamInvalid, m.name, "Parameter %s must be a non-negative amount with at most two decimals, got %q.", m.name, s))
		}
		*m.dst = v
		if m.has != nil {
			*m.has = true
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"deliveryMethod", &ev.Order.DeliveryMethod}, {"paymentMethod", &ev.Order.PaymentMethod}} {
		s, _, e := str(f.name)
		if e != nil {
			return fail(e)
		}
		if len(s) > 255 {
			return fail(FieldError(EOrderEventParamInvalid, f.name, "Parameter %s must be at most 255 characters.", f.name))
		}
		*f.dst = s
	}
	if raw, ok := params["items"]; ok && string(raw) != "null" {
		items, e := parseYespoItems(raw)
		if e != nil {
			return fail(e)
		}
		ev.Order.Items, ev.HasItems = items, true
	}
	if len(meta) > 0 {
		b, _ := json.Marshal(meta) // sorted keys
		ev.Order.Metadata = b
	}
	// The total rule on what the event sends alone: always for orderCreated; for
	// orderUpdated only when it creates the order — an update of an existing order is
	// checked merged with the stored order (its shipping, taxes, discount), by the store.
	var mismatch *Error
	if ev.HasItems && ev.HasTotal {
		if e := CheckOrderTotal(ev.Order.Items, ev.Order.Total, ev.Order.Shipping, ev.Order.Taxes, ev.Order.Discount); e != nil {
			if ev.Type == YespoOrderCreated {
				return fail(e)
			}
			mismatch = e
		}
	}

	// What orderCreated requires (and orderUpdated when it creates the order).
	var missing []string
	if !ev.HasTotal {
		missing = append(missing, "totalCost")
	}
	if ev.Order.Status == "" {
		missing = append(missing, "status")
	}
	if ev.Order.Date == "" {
		missing = append(missing, "date")
	}
	// The contact: any identifier counts — the order's externalCustomerId, email or
	// phone, or one of Yespo's default identifier parameters (Email, Phone,
	// ContactKey, …, names in any case), as Yespo itself finds the contact.
	if len(ev.Contacts) == 0 {
		missing = append(missing, "a contact identifier")
	}
	switch {
	case len(missing) == 1 && len(ev.Contacts) == 0:
		ev.CreateIgnored = Errorf(EOrderEventParamRequired, "Creating an order requires a contact identifier, and the event has none: send externalCustomerId, email or phone, or one of Yespo's default identifier parameters (%s; names in any case).", yespoContactParamNames())
	case len(missing) > 0:
		ev.CreateIgnored = FieldError(EOrderEventParamRequired, missing[0], "Creating an order requires the parameters externalOrderId, totalCost, status, date and a contact identifier (externalCustomerId, email, phone or a Yespo default identifier); missing: %s.", strings.Join(missing, ", "))
	}
	if ev.CreateIgnored == nil && mismatch != nil {
		ev.CreateIgnored = mismatch
	}
	if ev.Type == YespoOrderCreated && ev.CreateIgnored != nil {
		ev.Ignored, ev.CreateIgnored = ev.CreateIgnored, nil
	}
	return ev, nil
}

// yespoContactParamNames lists YespoContactParams' names.
func yespoContactParamNames() string {
	names := make([]string, 0, len(YespoContactParams))
	for _, p := range YespoContactParams {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func (ev *OrderEvent) contact(kind string) string {
	for _, k := range ev.Contacts {
		if k.Kind == kind {
			return k.Value
		}
	}
	return ""
}

// CheckOrderTotal applies seed 004's "the price of the products must match
// totalCost": Σ quantity × cost + shipping + taxes − discount must equal total to the
// cent. items.cost is the unit price after the item's discount (as the seed says);
// discount is an order-level discount on top. Amounts are exact minor units, so no
// rounding tolerance is needed: anything with more than two decimals is rejected
// before. An order without items is not checked.
func CheckOrderTotal(items []OrderItem, total, shipping, taxes, discount Money) *Error {
	if len(items) == 0 {
		return nil
	}
	sum := ItemsSubtotal(items)
	if got := sum + shipping + taxes - discount; got != total {
		extra := ""
		if shipping != 0 || taxes != 0 || discount != 0 {
			extra = " + shipping + taxes − discount"
		}
		return FieldError(EOrderTotalMismatch, "totalCost", "totalCost is %s but the items add up to %s (Σ quantity × cost%s = %s); they must match to the cent, with discounts already in items.cost.", total, sum, extra, got)
	}
	return nil
}

// Item fields the seed requires.
var yespoItemRequired = []string{"externalItemId", "name", "quantity", "cost", "url", "imageUrl"}

// MaxOrderItems bounds the items of one order.
const MaxOrderItems = 1000

// parseYespoItems reads items sent as a JSON array or as a JSON string holding one.
func parseYespoItems(raw json.RawMessage) ([]OrderItem, *Error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, FieldError(EOrderEventParamInvalid, "items", "Parameter items must be an array of items or a JSON string holding one.")
		}
		raw = json.RawMessage(strings.TrimSpace(s))
		if len(raw) == 0 {
			return nil, nil
		}
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, FieldError(EOrderEventParamInvalid, "items", "Parameter items must be an array of item objects (or a JSON string holding one).")
	}
	if len(list) > MaxOrderItems {
		return nil, FieldError(EOrderEventParamInvalid, "items", "An order has at most %d items.", MaxOrderItems)
	}
	out := make([]OrderItem, 0, len(list))
	var sum Money
	for i, m := range list {
		f := "items[" + strconv.Itoa(i) + "]"
		if m == nil {
			return nil, FieldError(EOrderEventParamInvalid, f, "%s must be an object.", f)
		}
		for _, k := range yespoItemRequired {
			v, ok := m[k]
			if s, isStr := scalarString(v); !ok || string(v) == "null" || (isStr && strings.TrimSpace(s) == "") {
				return nil, FieldError(EOrderEventParamRequired, f+"."+k, "%s.%s is required (items need externalItemId, name, quantity, cost, url and imageUrl).", f, k)
			}
		}
		it := OrderItem{}
		var e *Error
		text := func(k string, max int) string {
			if e != nil {
				return ""
			}
			v, ok := m[k]
			if !ok || string(v) == "null" {
				return ""
			}
			s, ok := scalarString(v)
			if !ok {
				e = FieldError(EOrderEventParamInvalid, f+"."+k, "%s.%s must be a string.", f, k)
				return ""
			}
			s = strings.TrimSpace(s)
			if len(s) > max {
				e = FieldError(EOrderEventParamInvalid, f+"."+k, "%s.%s must be at most %d characters.", f, k, max)
			} else if rule := TextRule(s, k == "description"); rule != "" {
				e = FieldError(EOrderEventParamInvalid, f+"."+k, "%s.%s %s.", f, k, rule)
			}
			return s
		}
		it.ExternalItemID = text("externalItemId", 255)
		it.Name = text("name", 1024)
		it.Category = text("category", 1024)
		it.Description = text("description", 16384)
		it.URL = text("url", 2048)
		it.ImageURL = text("imageUrl", 2048)
		if e != nil {
			return nil, e
		}
		for _, k := range []string{"url", "imageUrl"} {
			s := it.URL
			if k == "imageUrl" {
				s = it.ImageURL
			}
			if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, FieldError(EOrderEventParamInvalid, f+"."+k, "%s.%s must be an absolute http or https URL.", f, k)
			}
		}
		q, ok := scalarString(m["quantity"])
		qn, whole := WholeNumber(q, 1_000_000)
		if !ok || !whole {
			return nil, FieldError(EOrderEventParamInvalid, f+".quantity", "%s.quantity must be a whole number from 1 to 1000000.", f)
		}
		it.Quantity = qn
		c, _ := scalarString(m["cost"])
		cost, err := ParseMoney(c)
		if err != nil || cost < 0 || cost > 1e13 {
			return nil, FieldError(EOrderEventParamInvalid, f+".cost", "%s.cost must be a non-negative amount with at most two decimals (the unit price after discounts).", f)
		}
		it.Cost = cost
		// Σ quantity × cost must stay a Money amount (and an int64).
		if sum, ok = AddLine(sum, it.Quantity, cost); !ok {
			return nil, FieldError(EOrderEventParamInvalid, f+".cost", "The items add up to more than %s, the largest amount orderhub keeps.", MaxMoney)
		}
		// Other fields are kept; nested arrays and objects stay serialized, as in
		// Yespo ("nesting up to the second level").
		extra := map[string]any{}
		for k, v := range m {
			switch k {
			case "externalItemId", "name", "category", "description", "quantity", "cost", "url", "imageUrl":
				continue
			}
			if t := bytes.TrimSpace(v); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
				extra[k] = string(t)
			} else {
				extra[k] = v
			}
		}
		if len(extra) > 0 {
			it.Extra, _ = json.Marshal(extra)
		}
		out = append(out, it)
	}
	return out, nil
}

// scalarString reads a JSON string, number or boolean as text (jsonScalar; a
// boolean as true or false).
func scalarString(raw json.RawMessage) (string, bool) {
	if t := bytes.TrimSpace(raw); len(t) > 0 && (t[0] == 't' || t[0] == 'f') {
		return string(t), string(t) == "true" || string(t) == "false"
	}
	s, isNum, _, err := jsonScalar(raw)
	if isNum && !json.Valid([]byte(s)) {
		return "", false
	}
	return s, err == nil
}

// eventFingerprint hashes an event's type, key and parameters (sorted by name, values
// compacted), so the same event sent twice — in any parameter order — has one
// fingerprint.
func eventFingerprint(typ, key string, params map[string]json.RawMessage) string {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	h.Write([]byte(typ + "\x00" + key + "\x00"))
	var buf bytes.Buffer
	for _, n := range names {
		buf.Reset()
		if err := json.Compact(&buf, params[n]); err != nil {
			buf.Write(params[n])
		}
		h.Write([]byte(n + "\x00"))
		h.Write(buf.Bytes())
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// YespoContact is a contact in Yespo's shape (POST /api/v1/contact).
type YespoContact struct {
	ID                 string              `json:"id,omitempty"`
	ExternalCustomerID string              `json:"externalCustomerId,omitempty"`
	FirstName          string              `json:"firstName,omitempty"`
	LastName           string              `json:"lastName,omitempty"`
	Channels           []YespoChannel      `json:"channels,omitempty"`
	Address            *YespoAddress       `json:"address,omitempty"`
	Fields             []YespoContactField `json:"fields,omitempty"`
}

// YespoChannel is a channel of a Yespo contact: email, sms, mobilepush, webpush, ….
type YespoChannel struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// YespoAddress is a Yespo contact's address.
type YespoAddress struct {
	Town     string `json:"town,omitempty"`
	Region   string `json:"region,omitempty"`
	Address  string `json:"address,omitempty"`
	Postcode string `json:"postcode,omitempty"`
}

// YespoContactField is an additional field of a Yespo contact.
type YespoContactField struct {
	ID    json.RawMessage `json:"id"`
	Value json.RawMessage `json:"value"`
}

// ParsedYespoContact is a validated contact: the customer it describes and its push
// tokens (matched by the PushToken parameter of events).
type ParsedYespoContact struct {
	Customer   Customer
	PushTokens []string
}

// ParseYespoContact validates a POST /api/v1/contact body. A contact needs at least
// one identifier: externalCustomerId, an email or an sms channel.
func ParseYespoContact(body []byte) (*ParsedYespoContact, error) {
	var w YespoContact
	if err := ReadJSON(body, &w, JSONOptions{}); err != nil {
		return nil, err
	}
	out := &ParsedYespoContact{}
	c := &out.Customer
	c.PublisherUserID = strings.TrimSpace(w.ExternalCustomerID)
	c.FirstName, c.LastName = strings.TrimSpace(w.FirstName), strings.TrimSpace(w.LastName)
	c.FullName = strings.TrimSpace(c.FirstName + " " + c.LastName)
	for _, f := range []struct{ name, v string }{{"externalCustomerId", c.PublisherUserID}, {"firstName", c.FirstName}, {"lastName", c.LastName}} {
		if len(f.v) > 255 {
			return nil, FieldError(EInvalidRequest, f.name, "%s must be at most 255 characters.", f.name)
		}
		if rule := TextRule(f.v, false); rule != "" {
			return nil, FieldError(EInvalidRequest, f.name, "%s %s.", f.name, rule)
		}
	}
	for i, ch := range w.Channels {
		f := "channels[" + strconv.Itoa(i) + "]"
		v := strings.TrimSpace(ch.Value)
		switch strings.ToLower(ch.Type) {
		case "email":
			n, ok := NormalizeEmail(v)
			if !ok {
				return nil, FieldError(EInvalidEmail, f+".value", "%q is not an e-mail address.", ch.Value)
			}
			if c.Email == "" {
				c.Email = n
			}
		case "sms":
			n, ok := NormalizePhone(v)
			if !ok {
				return nil, FieldError(EInvalidPhone, f+".value", "%q is not a phone number.", ch.Value)
			}
			if c.Phone == "" {
				c.Phone = n
			}
		case "mobilepush", "webpush", "push":
			if v == "" || len(v) > 4096 {
				return nil, FieldError(EInvalidRequest, f+".value", "A push token must be 1 to 4096 characters.")
			}
			out.PushTokens = append(out.PushTokens, v)
		case "":
			return nil, FieldError(EInvalidRequest, f+".type", "%s.type is required (email, sms, mobilepush, webpush, …).", f)
		default:
			// Other channels (viber, telegram, …) are kept with the contact's data.
		}
	}
	if c.PublisherUserID == "" && c.Email == "" && c.Phone == "" {
		return nil, FieldError(EInvalidRequest, "channels", "A contact needs externalCustomerId or an email or sms channel.")
	}
	if a := w.Address; a != nil && (*a != YespoAddress{}) {
		c.Address = &Address{City: strings.TrimSpace(a.Town), State: strings.TrimSpace(a.Region), Street: strings.TrimSpace(a.Address), Zip: strings.TrimSpace(a.Postcode)}
		for _, f := range []struct {
			name, v string
			free    bool
		}{{"town", c.Address.City, false}, {"region", c.Address.State, false}, {"address", c.Address.Street, true}, {"postcode", c.Address.Zip, false}} {
			if rule := TextRule(f.v, f.free); rule != "" {
				return nil, FieldError(EInvalidRequest, "address."+f.name, "address.%s %s.", f.name, rule)
			}
		}
	}
	extra := map[string]any{}
	if len(w.Fields) > 0 {
		extra["yespoFields"] = w.Fields
	}
	var others []YespoChannel
	for _, ch := range w.Channels {
		switch strings.ToLower(ch.Type) {
		case "email", "sms", "mobilepush", "webpush", "push":
		default:
			others = append(others, ch)
		}
	}
	if len(others) > 0 {
		extra["yespoChannels"] = others
	}
	if len(extra) > 0 {
		c.ExtraData, _ = json.Marshal(extra)
	}
	return out, nil
}

// DescribeContactKeys names contact keys in a message ("externalCustomerId=AV1,
// email=a@example.com").
func DescribeContactKeys(keys []ContactKey) string {
	if len(keys) == 0 {
		return "the event (it names no contact)"
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, k.Param+"="+k.Value)
	}
	return strings.Join(parts, ", ")
}
