package orderhub

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Zapier actions (seed 003): POST /api/zapier/store-customer-order, "Create lead
// with customer note" (event "customer") and "Create lead with order note" (event
// "order"). ParseZapierLead validates the body: every field the seed marks Required
// must be there (a 422 naming the field otherwise). Zapier sends most values as
// strings, so numbers are accepted as JSON numbers or numeric strings, and strings
// as strings or numbers.

// ZapierLead is a validated store-customer-order request.
type ZapierLead struct {
	Event           string // "customer" or "order"
	Source          string
	Email           string // normalized (lower case)
	FirstName       string
	LastName        string
	PhoneCountry    string // ISO 3166-1 alpha-2
	PhoneNumber     string // normalized
	BillingAddress  *Address
	ShippingAddress *Address
	Order           *ZapierLeadOrder
}

// ZapierLeadOrder is the order of an "order" lead.
type ZapierLeadOrder struct {
	// ID is the order id as sent (a JSON number or string); ExternalID is its text,
	// the order's external order id.
	ID         json.RawMessage
	ExternalID string
	Type       string
	UserID     json.RawMessage
	Date       string
	Shipping   Money
	Taxes      Money
	Total      Money
	Items      []OrderItem
}

// Lead events.
const (
	LeadCustomer = "customer"
	LeadOrder    = "order"
)

// scalar is a JSON string or number; set reports whether the key was present.
type scalar struct {
	set   bool
	null  bool
	s     string
	isNum bool
}

func (v *scalar) UnmarshalJSON(b []byte) error {
	v.set = true
	var err error
	v.s, v.isNum, v.null, err = jsonScalar(b)
	return err
}

func (v *scalar) text() string { return strings.TrimSpace(v.s) }

type rawLeadAddress struct {
	FirstName scalar `json:"first_name"`
	LastName  scalar `json:"last_name"`
	Line1     scalar `json:"line1"`
	Line2     scalar `json:"line2"`
	City      scalar `json:"city"`
	State     scalar `json:"state"`
	ZipCode   scalar `json:"zip_code"`
	Country   scalar `json:"country"`
}

type rawLead struct {
	Event   scalar `json:"event"`
	Source  scalar `json:"source"`
	Contact *struct {
		Email     scalar `json:"email"`
		FirstName scalar `json:"first_name"`
		LastName  scalar `json:"last_name"`
	} `json:"contact"`
	Phone *struct {
		Country scalar `json:"country"`
		Number  scalar `json:"number"`
	} `json:"phone"`
	BillingAddress  *rawLeadAddress `json:"billing_address"`
	ShippingAddress *rawLeadAddress `json:"shipping_address"`
	Order           *struct {
		ID       scalar `json:"id"`
		Type     scalar `json:"type"`
		UserID   scalar `json:"user_id"`
		Date     scalar `json:"date"`
		Shipping scalar `json:"shipping"`
		Taxes    scalar `json:"taxes"`
		Total    scalar `json:"total"`
		Items    *[]struct {
			Name     scalar `json:"name"`
			Title    scalar `json:"title"`
			Quantity scalar `json:"quantity"`
			Price    scalar `json:"price"`
		} `json:"items"`
	} `json:"order"`
}

func required(field string) error {
	return FieldError(EUnprocessable, field, "The %s field is required.", field)
}

// need returns the trimmed text of a required scalar, at most max bytes.
func need(v scalar, field string, max int) (string, error) {
	t := v.text()
	if !v.set || v.null || t == "" {
		return "", required(field)
	}
	if len(t) > max {
		return "", FieldError(EUnprocessable, field, "The %s field must be at most %d characters.", field, max)
	}
	if rule := TextRule(t, true); rule != "" {
		return "", FieldError(EUnprocessable, field, "The %s field %s.", field, rule)
	}
	return t, nil
}

func optional(v scalar, field string, max int) (string, error) {
	t := v.text()
	if len(t) > max {
		return "", FieldError(EUnprocessable, field, "The %s field must be at most %d characters.", field, max)
	}
	if rule := TextRule(t, true); rule != "" {
		return "", FieldError(EUnprocessable, field, "The %s field %s.", field, rule)
	}
	return t, nil
}

func needMoney(v scalar, field string) (Money, error) {
	t, err := need(v, field, 32)
	if err != nil {
		return 0, err
	}
	m, err := ParseMoney(t)
	if err != nil || m < 0 {
		return 0, FieldError(EUnprocessable, field, "The %s field must be a non-negative amount with at most two decimals, got %q.", field, t)
	}
	return m, nil
}

// idValue returns the JSON of an id as sent: a number stays a number, text a string.
func idValue(v scalar, field string) (json.RawMessage, string, error) {
	t, err := need(v, field, 100)
	if err != nil {
		return nil, "", err
	}
	if v.isNum {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return nil, "", FieldError(EUnprocessable, field, "The %s field must be an integer or a string, got %s.", field, t)
		}
		t = strconv.FormatInt(n, 10)
		return json.RawMessage(t), t, nil
	}
	b, _ := json.Marshal(t)
	return b, t, nil
}

// ParseZapierLead parses and validates a store-customer-order body.
func ParseZapierLead(body []byte) (*ZapierLead, error) {
	var r rawLead
	if err := ReadJSON(body, &r, JSONOptions{}); err != nil {
		return nil, err
	}
	l := &ZapierLead{}
	l.Event = strings.ToLower(r.Event.text())
	switch {
	case l.Event == "" && r.Order != nil:
		l.Event = LeadOrder
	case l.Event == "":
		l.Event = LeadCustomer
	case l.Event != LeadCustomer && l.Event != LeadOrder:
		return nil, FieldError(EUnprocessable, "event", "The event field must be %q or %q, got %q.", LeadCustomer, LeadOrder, r.Event.text())
	}
	var err error
	if l.Source, err = optional(r.Source, "source", 100); err != nil {
		return nil, err
	}
	if l.Source == "" {
		l.Source = "zapier"
	}
	if r.Contact == nil {
		return nil, required("contact")
	}
	email, err := need(r.Contact.Email, "contact.email", 254)
	if err != nil {
		return nil, err
	}
	var ok bool
	if l.Email, ok = NormalizeEmail(email); !ok {
		return nil, FieldError(EUnprocessable, "contact.email", "The contact.email field must be a valid e-mail address, got %q.", email)
	}
	if l.FirstName, err = need(r.Contact.FirstName, "contact.first_name", 200); err != nil {
		return nil, err
	}
	if l.LastName, err = need(r.Contact.LastName, "contact.last_name", 200); err != nil {
		return nil, err
	}
	if r.Phone == nil {
		return nil, required("phone")
	}
	country, err := need(r.Phone.Country, "phone.country", 2)
	if err != nil {
		return nil, FieldError(EUnprocessable, "phone.country", "The phone.country field must be an ISO 3166-1 alpha-2 country code such as US.")
	}
	if l.PhoneCountry, ok = NormalizeCountry(country); !ok {
		return nil, FieldError(EUnprocessable, "phone.country", "The phone.country field must be an ISO 3166-1 alpha-2 country code such as US, got %q.", country)
	}
	number, err := need(r.Phone.Number, "phone.number", 32)
	if err != nil {
		return nil, err
	}
	if l.PhoneNumber, ok = NormalizePhone(number); !ok {
		return nil, FieldError(EUnprocessable, "phone.number", "The phone.number field must be a phone number of 6 to 15 digits such as +17723611127, got %q.", number)
	}
	if l.Event == LeadCustomer {
		return l, nil
	}

	if r.BillingAddress == nil {
		return nil, required("billing_address")
	}
	if l.BillingAddress, err = leadAddress(r.BillingAddress, "billing_address", true); err != nil {
		return nil, err
	}
	if r.ShippingAddress != nil {
		if l.ShippingAddress, err = leadAddress(r.ShippingAddress, "shipping_address", false); err != nil {
			return nil, err
		}
	}
	ro := r.Order
	if ro == nil {
		return nil, required("order")
	}
	o := &ZapierLeadOrder{}
	if o.ID, o.ExternalID, err = idValue(ro.ID, "order.id"); err != nil {
		return nil, err
	}
	if o.Type, err = need(ro.Type, "order.type", 100); err != nil {
		return nil, err
	}
	if o.UserID, _, err = idValue(ro.UserID, "order.user_id"); err != nil {
		return nil, err
	}
	if o.Date, err = need(ro.Date, "order.date", 40); err != nil {
		return nil, err
	}
	if !validLeadDate(o.Date) {
		return nil, FieldError(EUnprocessable, "order.date", "The order.date field must be a date such as 2024-08-14 (or 2024-08-14T10:11:00Z), got %q.", o.Date)
	}
	if o.Shipping, err = needMoney(ro.Shipping, "order.shipping"); err != nil {
		return nil, err
	}
	if o.Taxes, err = needMoney(ro.Taxes, "order.taxes"); err != nil {
		return nil, err
	}
	if o.Total, err = needMoney(ro.Total, "order.total"); err != nil {
		return nil, err
	}
	if ro.Items == nil || len(*ro.Items) == 0 {
		return nil, FieldError(EUnprocessable, "order.items", "The order.items field is required: at least one item with name, title, quantity and price.")
	}
	if len(*ro.Items) > 1000 {
		return nil, FieldError(EUnprocessable, "order.items", "An order may have at most 1000 items.")
	}
	var sum Money
	for i, ri := range *ro.Items {
		p := "order.items." + strconv.Itoa(i) + "."
		var it OrderItem
		if it.Name, err = need(ri.Name, p+"name", 500); err != nil {
			return nil, err
		}
		if it.Title, err = need(ri.Title, p+"title", 500); err != nil {
			return nil, err
		}
		q, err := need(ri.Quantity, p+"quantity", 12)
		if err != nil {
			return nil, err
		}
		n, whole := WholeNumber(q, 1_000_000)
		if !whole {
			return nil, FieldError(EUnprocessable, p+"quantity", "The %squantity field must be a whole number from 1 to 1000000, got %q.", p, q)
		}
		it.Quantity = n
		if it.Cost, err = needMoney(ri.Price, p+"price"); err != nil {
			return nil, err
		}
		var ok bool
		if sum, ok = AddLine(sum, it.Quantity, it.Cost); !ok {
			return nil, FieldError(EUnprocessable, p+"price", "The items add up to more than %s, the largest amount orderhub keeps.", MaxMoney)
		}
		o.Items = append(o.Items, it)
	}
	l.Order = o
	return l, nil
}

func validLeadDate(s string) bool {
	for _, f := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}

// leadAddress validates an address; all is whether every field is required (the
// billing address). line2 must be sent (the seed marks it Required) but may be empty.
func leadAddress(a *rawLeadAddress, prefix string, all bool) (*Address, error) {
	out := &Address{}
	fields := []struct {
		v     scalar
		name  string
		dst   *string
		empty bool
	}{
		{a.FirstName, "first_name", &out.FirstName, false},
		{a.LastName, "last_name", &out.LastName, false},
		{a.Line1, "line1", &out.Street, false},
		{a.Line2, "line2", &out.Street2, true},
		{a.City, "city", &out.City, false},
		{a.State, "state", &out.State, false},
		{a.ZipCode, "zip_code", &out.Zip, false},
		{a.Country, "country", &out.Country, false},
	}
	for _, f := range fields {
		name := prefix + "." + f.name
		var err error
		switch {
		case all && f.empty:
			if !f.v.set {
				return nil, FieldError(EUnprocessable, name, "The %s field is required (it may be empty).", name)
			}
			*f.dst, err = optional(f.v, name, 200)
		case all:
			*f.dst, err = need(f.v, name, 200)
		default:
			*f.dst, err = optional(f.v, name, 200)
		}
		if err != nil {
			return nil, err
		}
	}
	if out.Country != "" {
		c, ok := NormalizeCountry(out.Country)
		if !ok {
			return nil, FieldError(EUnprocessable, prefix+".country", "The %s.country field must be an ISO 3166-1 alpha-2 country code such as US, got %q.", prefix, out.Country)
		}
		out.Country = c
	}
	if out.IsZero() {
		return nil, nil
	}
	return out, nil
}
