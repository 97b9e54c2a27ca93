package orderhub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SALESmanago (seed 002): the integration API's request bodies, their validation,
// and the connector accounts with their field mapping. The wire protocol of
// SALESmanago itself lives in connector/salesmanago.

// SalesmanagoSeedEventTypes are the 13 contactExtEventType values seed 002 accepts.
var SalesmanagoSeedEventTypes = []string{"PURCHASE", "CART", "VISIT", "PHONE_CALL", "OTHER", "RESERVATION", "CANCELLED",
	"ACTIVATION", "MEETING", "OFFER", "DOWNLOAD", "LOGIN", "TRANSACTION"}

// SalesmanagoEventTypes is SALESmanago's full list of external event types (the
// seed's 13 and the rest of the real API's list); an account's mapping may use any.
var SalesmanagoEventTypes = append(append([]string(nil), SalesmanagoSeedEventTypes...),
	"CANCELLATION", "RETURN", "SURVEY", "APP_STATUS", "APP_TYPE_WEB", "APP_TYPE_MANUAL", "APP_TYPE_RETENTION",
	"APP_TYPE_UPSALE", "LOAN_STATUS", "LOAN_ORDER", "FIRST_LOAN", "REPEATED_LOAN")

// Limits of SALESmanago's external events (API v2).
const (
	SMMaxDescription = 2048
	SMMaxProducts    = 512
	SMMaxLocation    = 36
	SMMaxExternalID  = 255
	SMMaxDetail      = 255 // detailN: not documented; orderhub's own bound
	SMMaxContactText = 255 // contact fields: not documented; orderhub's own bound
	SMMaxTags        = 50
)

// SMLocationPattern is what an event's location may hold.
var SMLocationPattern = regexp.MustCompile(`^[a-z0-9/_.-]*$`)

// SalesmanagoContact is a contact as seed 002's POST /contacts sends it.
type SalesmanagoContact struct {
	Email         string `json:"email"`
	Fax           string `json:"fax,omitempty"`
	Name          string `json:"name,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Company       string `json:"company,omitempty"`
	StreetAddress string `json:"streetAddress,omitempty"`
	ZipCode       string `json:"zipCode,omitempty"`
	City          string `json:"city,omitempty"`
	Country       string `json:"country,omitempty"`
}

// SalesmanagoContactRequest is the body of POST /salesmanago/contacts.
type SalesmanagoContactRequest struct {
	Data     SalesmanagoContact `json:"data"`
	GroupKey string             `json:"group_key"`
}

// SalesmanagoDeleteRequest is the body of DELETE /salesmanago/contacts. The seed
// sends only the e-mail; group_key is needed when the vendor has several accounts.
type SalesmanagoDeleteRequest struct {
	Email    string `json:"email"`
	GroupKey string `json:"group_key,omitempty"`
}

// SalesmanagoEvent is an external event as seed 002's POST /events sends it, plus
// the contact it is about (email or contactId: the seed leaves it out, SALESmanago
// requires one of them).
type SalesmanagoEvent struct {
	Email               string            `json:"email,omitempty"`
	ContactID           string            `json:"contactId,omitempty"`
	Description         string            `json:"description,omitempty"`
	Products            string            `json:"products,omitempty"`
	Location            string            `json:"location,omitempty"`
	Value               *json.Number      `json:"value,omitempty"`
	ContactExtEventType string            `json:"contactExtEventType"`
	ExternalID          string            `json:"externalId,omitempty"`
	ShopDomain          string            `json:"shopDomain,omitempty"`
	Details             map[string]string `json:"details,omitempty"` // detail1…detail10
	// Date is when the event happened (Unix ms); set by orderhub when accepted.
	Date int64 `json:"date"`
}

// SalesmanagoEventRequest is the body of POST /salesmanago/events.
type SalesmanagoEventRequest struct {
	Data     SalesmanagoEvent `json:"data"`
	GroupKey string           `json:"group_key"`
}

// SalesmanagoProduct is a product of seed 002's POST /products.
type SalesmanagoProduct struct {
	ID             string       `json:"id"`
	Name           string       `json:"name"`
	Description    string       `json:"description,omitempty"`
	Category       string       `json:"category,omitempty"`
	SubCategory    string       `json:"sub_category,omitempty"`
	Brand          string       `json:"brand,omitempty"`
	Sex            *int64       `json:"sex,omitempty"`
	Price          *json.Number `json:"price,omitempty"`
	SpecialPrice   *json.Number `json:"special_price,omitempty"`
	Detail1        string       `json:"detail1,omitempty"`
	Detail2        string       `json:"detail2,omitempty"`
	Detail3        string       `json:"detail3,omitempty"`
	Detail4        string       `json:"detail4,omitempty"`
	Detail5        string       `json:"detail5,omitempty"`
	URL            string       `json:"url,omitempty"`
	ImageURL       string       `json:"image_url,omitempty"`
	Image2URL      string       `json:"image2_url,omitempty"`
	StockAvailable *int64       `json:"stock_available,omitempty"`
	Color          string       `json:"color,omitempty"`
	Season         string       `json:"season,omitempty"`
}

// SalesmanagoProductsRequest is the body of POST /salesmanago/products.
type SalesmanagoProductsRequest struct {
	Data     []SalesmanagoProduct `json:"data"`
	GroupKey string               `json:"group_key"`
}

// SMMaxProductsPerRequest bounds one POST /salesmanago/products (they are sent to
// SALESmanago in batches of 100).
const SMMaxProductsPerRequest = 1000

// smProductLimits are seed 002's lengths of the product feed's text fields.
var smProductLimits = []struct {
	name string
	max  int
	get  func(p *SalesmanagoProduct) *string
}{
	{"id", 32, func(p *SalesmanagoProduct) *string { return &p.ID }},
	{"name", 100, func(p *SalesmanagoProduct) *string { return &p.Name }},
	{"description", 1024, func(p *SalesmanagoProduct) *string { return &p.Description }},
	{"category", 255, func(p *SalesmanagoProduct) *string { return &p.Category }},
	{"sub_category", 512, func(p *SalesmanagoProduct) *string { return &p.SubCategory }},
	{"brand", 512, func(p *SalesmanagoProduct) *string { return &p.Brand }},
	{"detail1", 512, func(p *SalesmanagoProduct) *string { return &p.Detail1 }},
	{"detail2", 512, func(p *SalesmanagoProduct) *string { return &p.Detail2 }},
	{"detail3", 512, func(p *SalesmanagoProduct) *string { return &p.Detail3 }},
	{"detail4", 512, func(p *SalesmanagoProduct) *string { return &p.Detail4 }},
	{"detail5", 512, func(p *SalesmanagoProduct) *string { return &p.Detail5 }},
	{"url", 512, func(p *SalesmanagoProduct) *string { return &p.URL }},
	{"image_url", 512, func(p *SalesmanagoProduct) *string { return &p.ImageURL }},
	{"image2_url", 128, func(p *SalesmanagoProduct) *string { return &p.Image2URL }},
	{"color", 40, func(p *SalesmanagoProduct) *string { return &p.Color }},
	{"season", 40, func(p *SalesmanagoProduct) *string { return &p.Season }},
}

// ---- a small strict JSON reader that names the field at fault ----

type smObject struct {
	path   string
	fields map[string]json.RawMessage
}

func smDecodeObject(raw json.RawMessage, path string) (*smObject, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		if path == "" {
			return nil, Errorf(EInvalidRequest, "The request body must be a JSON object.")
		}
		return nil, FieldError(EInvalidRequest, path, "%s must be an object.", path)
	}
	o := &smObject{path: path}
	if err := json.Unmarshal(raw, &o.fields); err != nil {
		return nil, FieldError(EInvalidRequest, path, "%s is not a valid JSON object: %v.", orBody(path), err)
	}
	return o, nil
}

func orBody(path string) string {
	if path == "" {
		return "The request body"
	}
	return path
}

func (o *smObject) name(f string) string {
	if o.path == "" {
		return f
	}
	return o.path + "." + f
}

// known fails on a field that is not in allowed.
func (o *smObject) known(allowed ...string) error {
	var unknown []string
	for k := range o.fields {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return FieldError(EInvalidRequest, o.name(unknown[0]), "Unknown field %s; the fields are %s.", o.name(unknown[0]), strings.Join(allowed, ", "))
	}
	return nil
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" }

func jsonTypeOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// str reads an optional string field of at most max characters (0: no limit) into
// dst; required makes it mandatory (and non-blank).
func (o *smObject) str(f string, max int, required bool, dst *string) error {
	raw, ok := o.fields[f]
	if !ok || isNull(raw) {
		if required {
			return FieldError(EInvalidRequest, o.name(f), "%s is required.", o.name(f))
		}
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return FieldError(EInvalidRequest, o.name(f), "%s must be a string, got %s.", o.name(f), jsonTypeOf(raw))
	}
	if rule := TextRule(s, true); rule != "" {
		return FieldError(EInvalidRequest, o.name(f), "%s %s.", o.name(f), rule)
	}
	if required && strings.TrimSpace(s) == "" {
		return FieldError(EInvalidRequest, o.name(f), "%s is required and must not be blank.", o.name(f))
	}
	if n := utf8.RuneCountInString(s); max > 0 && n > max {
		return FieldError(EInvalidRequest, o.name(f), "%s is %d characters long; the limit is %d.", o.name(f), n, max)
	}
	*dst = s
	return nil
}

// number reads an optional JSON number (never a string) exactly, with at most
// intDigits digits before the point and decimals after it — SALESmanago's own
// limits — and returns it normalised (ParseAmount: "1e3" → 1000, "12.50" → 12.5),
// the form that is stored and forwarded.
func (o *smObject) number(f string, intDigits, decimals int) (*json.Number, error) {
	raw, ok := o.fields[f]
	if !ok || isNull(raw) {
		return nil, nil
	}
	raw = bytes.TrimSpace(raw)
	if raw[0] == '"' || raw[0] == '{' || raw[0] == '[' || raw[0] == 't' || raw[0] == 'f' {
		return nil, FieldError(EInvalidRequest, o.name(f), "%s must be a number, got %s.", o.name(f), jsonTypeOf(raw))
	}
	a, err := ParseAmount(string(raw))
	if err != nil {
		return nil, FieldError(EInvalidRequest, o.name(f), "%s must be a number.", o.name(f))
	}
	if why := a.Fits(intDigits, decimals); why != "" {
		return nil, FieldError(EInvalidRequest, o.name(f), "%s %s (SALESmanago takes at most %d digits before the decimal point and %d after it).", o.name(f), why, intDigits, decimals)
	}
	n := json.Number(a.String())
	return &n, nil
}

// integer reads an optional JSON integer.
func (o *smObject) integer(f string) (*int64, error) {
	raw, ok := o.fields[f]
	if !ok || isNull(raw) {
		return nil, nil
	}
	raw = bytes.TrimSpace(raw)
	var i int64
	if raw[0] == '"' || json.Unmarshal(raw, &i) != nil {
		return nil, FieldError(EInvalidRequest, o.name(f), "%s must be an integer, got %s.", o.name(f), strings.TrimPrefix(jsonTypeOf(raw), "a "))
	}
	return &i, nil
}

// groupKey reads group_key: required unless optional.
func (o *smObject) groupKey(optional bool) (string, error) {
	var g string
	if err := o.str("group_key", 64, !optional, &g); err != nil {
		return "", err
	}
	return strings.TrimSpace(g), nil
}

func smEmail(field string, s *string) error {
	e, ok := NormalizeEmail(*s)
	if !ok {
		return FieldError(EInvalidEmail, field, "%s %q is not a valid e-mail address.", field, *s)
	}
	*s = e
	return nil
}

func smTop(body []byte, allowed ...string) (*smObject, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, Errorf(EInvalidRequest, "The request body is empty; a JSON object is required.")
	}
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		return nil, Errorf(EInvalidRequest, "The request body is not valid JSON: %v.", err)
	}
	if err := checkJSONKeys(body, nil); err != nil {
		return nil, err // a key twice (the one reader's rule, json.go)
	}
	o, err := smDecodeObject(body, "")
	if err != nil {
		return nil, err
	}
	return o, o.known(allowed...)
}

func (o *smObject) sub(f string) (*smObject, error) {
	raw, ok := o.fields[f]
	if !ok || isNull(raw) {
		return nil, FieldError(EInvalidRequest, o.name(f), "%s is required.", o.name(f))
	}
	return smDecodeObject(raw, o.name(f))
}

// ParseSalesmanagoContact parses and validates the body of POST /salesmanago/contacts.
func ParseSalesmanagoContact(body []byte) (*SalesmanagoContactRequest, error) {
	top, err := smTop(body, "data", "group_key")
	if err != nil {
		return nil, err
	}
	r := &SalesmanagoContactRequest{}
	if r.GroupKey, err = top.groupKey(false); err != nil {
		return nil, err
	}
	d, err := top.sub("data")
	if err != nil {
		return nil, err
	}
	c := &r.Data
	if err := d.known("email", "fax", "name", "phone", "company", "streetAddress", "zipCode", "city", "country"); err != nil {
		return nil, err
	}
	if err := d.str("email", 254, true, &c.Email); err != nil {
		return nil, err
	}
	if err := smEmail("data.email", &c.Email); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"fax", &c.Fax}, {"name", &c.Name}, {"phone", &c.Phone}, {"company", &c.Company}, {"streetAddress", &c.StreetAddress},
		{"zipCode", &c.ZipCode}, {"city", &c.City}, {"country", &c.Country}} {
		if err := d.str(f.name, SMMaxContactText, false, f.dst); err != nil {
			return nil, err
		}
		*f.dst = strings.TrimSpace(*f.dst)
	}
	return r, nil
}

// ParseSalesmanagoDelete parses and validates the body of DELETE /salesmanago/contacts.
func ParseSalesmanagoDelete(body []byte) (*SalesmanagoDeleteRequest, error) {
	top, err := smTop(body, "email", "group_key")
	if err != nil {
		return nil, err
	}
	r := &SalesmanagoDeleteRequest{}
	if r.GroupKey, err = top.groupKey(true); err != nil {
		return nil, err
	}
	if err := top.str("email", 254, true, &r.Email); err != nil {
		return nil, err
	}
	return r, smEmail("email", &r.Email)
}

// ParseSalesmanagoEvent parses and validates the body of POST /salesmanago/events.
// now is the event's date when accepted.
func ParseSalesmanagoEvent(body []byte, now time.Time) (*SalesmanagoEventRequest, error) {
	top, err := smTop(body, "data", "group_key")
	if err != nil {
		return nil, err
	}
	r := &SalesmanagoEventRequest{}
	if r.GroupKey, err = top.groupKey(false); err != nil {
		return nil, err
	}
	d, err := top.sub("data")
	if err != nil {
		return nil, err
	}
	allowed := []string{"email", "contactId", "description", "products", "location", "value", "contactExtEventType", "externalId", "shopDomain"}
	for i := 1; i <= 10; i++ {
		allowed = append(allowed, "detail"+strconv.Itoa(i))
	}
	if err := d.known(allowed...); err != nil {
		return nil, err
	}
	e := &r.Data
	if err := d.str("contactExtEventType", 0, true, &e.ContactExtEventType); err != nil {
		return nil, err
	}
	if !slices.Contains(SalesmanagoSeedEventTypes, e.ContactExtEventType) {
		return nil, FieldError(EInvalidRequest, "data.contactExtEventType", "data.contactExtEventType %q is not one of %s.",
			e.ContactExtEventType, strings.Join(SalesmanagoSeedEventTypes, ", "))
	}
	if err := d.str("email", 254, false, &e.Email); err != nil {
		return nil, err
	}
	if err := d.str("contactId", 64, false, &e.ContactID); err != nil {
		return nil, err
	}
	switch {
	case e.Email != "":
		if err := smEmail("data.email", &e.Email); err != nil {
			return nil, err
		}
	case strings.TrimSpace(e.ContactID) == "":
		return nil, FieldError(EInvalidRequest, "data.email", "data.email (or data.contactId) is required: SALESmanago records an event on a contact.")
	}
	for _, f := range []struct {
		name string
		max  int
		dst  *string
	}{{"description", SMMaxDescription, &e.Description}, {"products", SMMaxProducts, &e.Products}, {"location", SMMaxLocation, &e.Location},
		{"externalId", SMMaxExternalID, &e.ExternalID}, {"shopDomain", SMMaxContactText, &e.ShopDomain}} {
		if err := d.str(f.name, f.max, false, f.dst); err != nil {
			return nil, err
		}
	}
	if !SMLocationPattern.MatchString(e.Location) {
		return nil, FieldError(EInvalidRequest, "data.location", "data.location may contain only a-z, 0-9, '/', '_', '-' and '.'.")
	}
	if e.Value, err = d.number("value", 19, 2); err != nil {
		return nil, err
	}
	for i := 1; i <= 10; i++ {
		f := "detail" + strconv.Itoa(i)
		var s string
		if err := d.str(f, SMMaxDetail, false, &s); err != nil {
			return nil, err
		}
		if s != "" {
			if e.Details == nil {
				e.Details = map[string]string{}
			}
			e.Details[f] = s
		}
	}
	e.Date = now.UnixMilli()
	return r, nil
}

// ParseSalesmanagoProducts parses and validates the body of POST /salesmanago/products.
func ParseSalesmanagoProducts(body []byte) (*SalesmanagoProductsRequest, error) {
	top, err := smTop(body, "data", "group_key")
	if err != nil {
		return nil, err
	}
	r := &SalesmanagoProductsRequest{}
	if r.GroupKey, err = top.groupKey(false); err != nil {
		return nil, err
	}
	raw, ok := top.fields["data"]
	if !ok || isNull(raw) {
		return nil, FieldError(EInvalidRequest, "data", "data is required: an array of products.")
	}
	var items []json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, FieldError(EInvalidRequest, "data", "data must be an array of products, got %s.", jsonTypeOf(raw))
	}
	if len(items) == 0 {
		return nil, FieldError(EInvalidRequest, "data", "data must hold at least one product.")
	}
	if len(items) > SMMaxProductsPerRequest {
		return nil, FieldError(EInvalidRequest, "data", "data holds %d products; the limit is %d per request.", len(items), SMMaxProductsPerRequest)
	}
	seen := map[string]int{}
	allowed := []string{"id"}
	for _, l := range smProductLimits[1:] {
		allowed = append(allowed, l.name)
	}
	allowed = append(allowed, "sex", "price", "special_price", "stock_available")
	for i, it := range items {
		o, err := smDecodeObject(it, fmt.Sprintf("data[%d]", i))
		if err != nil {
			return nil, err
		}
		if err := o.known(allowed...); err != nil {
			return nil, err
		}
		var p SalesmanagoProduct
		for _, l := range smProductLimits {
			if err := o.str(l.name, l.max, l.name == "id" || l.name == "name", l.get(&p)); err != nil {
				return nil, err
			}
		}
		p.ID = strings.TrimSpace(p.ID)
		if j, dup := seen[p.ID]; dup {
			return nil, FieldError(EInvalidRequest, o.name("id"), "%s %q repeats data[%d].id; product ids must be unique.", o.name("id"), p.ID, j)
		}
		seen[p.ID] = i
		if p.Sex, err = o.integer("sex"); err != nil {
			return nil, err
		}
		if p.StockAvailable, err = o.integer("stock_available"); err != nil {
			return nil, err
		}
		if p.Price, err = o.number("price", 19, 2); err != nil {
			return nil, err
		}
		if p.SpecialPrice, err = o.number("special_price", 19, 2); err != nil {
			return nil, err
		}
		r.Data = append(r.Data, p)
	}
	return r, nil
}

// ---- connector accounts ----

// SalesmanagoAccount is a SALESmanago account of a vendor, as the admin API shows it:
// the secrets (apiSecret, the v3 API key) are never shown after creation.
type SalesmanagoAccount struct {
	ID       string `json:"id"`
	VendorID string `json:"vendorId"`
	// GroupKey selects the account in seed 002's requests; unique across vendors.
	GroupKey string `json:"groupKey"`
	Name     string `json:"name,omitempty"`
	// BaseURL is the account's v2 server, e.g. https://app3.salesmanago.com.
	BaseURL string `json:"baseUrl"`
	// V3BaseURL is the v3 API (products), default https://api.salesmanago.com.
	V3BaseURL string              `json:"v3BaseUrl"`
	ClientID  string              `json:"clientId"`
	Owner     string              `json:"owner"`
	CatalogID string              `json:"catalogId,omitempty"`
	HasAPIKey bool                `json:"hasApiKey"`
	Mapping   *SalesmanagoMapping `json:"mapping"`
	// EndpointID is the delivery endpoint forwarding to this account (equal to ID).
	EndpointID string    `json:"endpointId"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// SalesmanagoAccountInput creates an account (secrets included).
type SalesmanagoAccountInput struct {
	ID        string              `json:"id,omitempty"`
	VendorID  string              `json:"vendorId,omitempty"`
	GroupKey  string              `json:"groupKey"`
	Name      string              `json:"name,omitempty"`
	BaseURL   string              `json:"baseUrl"`
	V3BaseURL string              `json:"v3BaseUrl,omitempty"`
	ClientID  string              `json:"clientId"`
	APISecret string              `json:"apiSecret"`
	Owner     string              `json:"owner"`
	APIKey    string              `json:"apiKey,omitempty"`
	CatalogID string              `json:"catalogId,omitempty"`
	Mapping   *SalesmanagoMapping `json:"mapping,omitempty"`
}

// SalesmanagoDefaultV3BaseURL is SALESmanago's API v3 host.
const SalesmanagoDefaultV3BaseURL = "https://api.salesmanago.com"

// SalesmanagoMapping says which orderhub data goes to which SALESmanago fields, and
// which orderhub events become external events (automatic sync).
type SalesmanagoMapping struct {
	// SyncContacts upserts every customer created or changed on any surface as a
	// contact (default true).
	SyncContacts *bool `json:"syncContacts,omitempty"`
	// Tags are added to every contact upserted (upper-case, '_' for spaces).
	Tags []string `json:"tags,omitempty"`
	// Properties are custom contact properties: property name → field path (see
	// SalesmanagoEventMapping.Details), e.g. {"customerId": "customer.customerId"}.
	Properties map[string]string `json:"properties,omitempty"`
	// ForceOptIn is sent with contact upserts and events.
	ForceOptIn bool `json:"forceOptIn,omitempty"`
	// ShopDomain and Location are sent with every automatic event.
	ShopDomain string `json:"shopDomain,omitempty"`
	Location   string `json:"location,omitempty"`
	// Events maps orderhub event types to SALESmanago external events. Nil means the
	// default (DefaultSalesmanagoEvents); an empty map sends no events.
	Events map[string]SalesmanagoEventMapping `json:"events,omitempty"`
}

// SalesmanagoEventMapping turns one orderhub event type into an external event.
type SalesmanagoEventMapping struct {
	Type string `json:"type"` // contactExtEventType
	// Description is a field path or, in quotes ('Shipped'), a fixed text.
	Description string `json:"description,omitempty"`
	// Details maps detail1…detail10 to field paths: "customer.<field>" or
	// "data.<field>[.<field>…]" (the event's payload, e.g. data.promoCode,
	// data.vendorData.seller), or a fixed 'text' in single quotes.
	Details map[string]string `json:"details,omitempty"`
}

// SalesmanagoSyncEvents are the orderhub event types the automatic sync can map.
var SalesmanagoSyncEvents = []string{EventContractConfirmed, EventContractCanceled, EventContractCreated, EventOrderCreated, EventOrderUpdated,
	EventShippingCreated, EventShippingUpdated, EventTransactionApproved, EventTransactionDeclined}

// DefaultSalesmanagoEvents is the mapping used when an account's mapping has no
// events: a confirmed contract (vendor orders and external purchases) and an order
// are a PURCHASE, a canceled contract is CANCELLED.
func DefaultSalesmanagoEvents() map[string]SalesmanagoEventMapping {
	return map[string]SalesmanagoEventMapping{
		EventContractConfirmed: {Type: "PURCHASE"},
		EventOrderCreated:      {Type: "PURCHASE"},
		EventContractCanceled:  {Type: "CANCELLED"},
	}
}

// ContactsSynced reports whether customers are upserted as contacts.
func (m *SalesmanagoMapping) ContactsSynced() bool {
	return m == nil || m.SyncContacts == nil || *m.SyncContacts
}

// EventMappings returns the effective event mapping.
func (m *SalesmanagoMapping) EventMappings() map[string]SalesmanagoEventMapping {
	if m == nil || m.Events == nil {
		return DefaultSalesmanagoEvents()
	}
	return m.Events
}

// SyncedEventTypes lists the orderhub event types an account receives, sorted.
func (m *SalesmanagoMapping) SyncedEventTypes() []string {
	var out []string
	if m.ContactsSynced() {
		out = append(out, EventCustomerCreated, EventCustomerUpdated)
	}
	for t := range m.EventMappings() {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

var smTagPattern = regexp.MustCompile(`^[A-Z0-9_.-]{1,255}$`)
var smPathPattern = regexp.MustCompile(`^(customer|data)(\.[A-Za-z0-9_]+)+$`)
var smPropertyName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

func validFieldPath(field, p string) error {
	if strings.HasPrefix(p, "'") {
		if len(p) < 2 || !strings.HasSuffix(p, "'") || utf8.RuneCountInString(p) > SMMaxDetail+2 {
			return FieldError(EInvalidRequest, field, "%s: a fixed text is written in single quotes ('…', at most %d characters).", field, SMMaxDetail)
		}
		return nil
	}
	if !smPathPattern.MatchString(p) {
		return FieldError(EInvalidRequest, field, "%s %q is not a field path such as customer.email, data.promoCode or data.vendorData.seller, nor a 'fixed text'.", field, p)
	}
	return nil
}

// ValidateSalesmanagoMapping checks a mapping (nil is valid: the defaults).
func ValidateSalesmanagoMapping(m *SalesmanagoMapping) error {
	if m == nil {
		return nil
	}
	if len(m.Tags) > SMMaxTags {
		return FieldError(EInvalidRequest, "mapping.tags", "mapping.tags holds %d tags; the limit is %d.", len(m.Tags), SMMaxTags)
	}
	for i, t := range m.Tags {
		if !smTagPattern.MatchString(t) {
			return FieldError(EInvalidRequest, fmt.Sprintf("mapping.tags[%d]", i), "Tag %q must be upper-case letters, digits, '_', '-' or '.' (SALESmanago's convention: '_' for spaces).", t)
		}
	}
	for name, p := range m.Properties {
		f := "mapping.properties." + name
		if !smPropertyName.MatchString(name) {
			return FieldError(EInvalidRequest, f, "Property name %q must be 1 to 64 letters, digits, '_', '-' or '.'.", name)
		}
		if err := validFieldPath(f, p); err != nil {
			return err
		}
	}
	if utf8.RuneCountInString(m.ShopDomain) > SMMaxContactText {
		return FieldError(EInvalidRequest, "mapping.shopDomain", "mapping.shopDomain is longer than %d characters.", SMMaxContactText)
	}
	if len(m.Location) > SMMaxLocation || !SMLocationPattern.MatchString(m.Location) {
		return FieldError(EInvalidRequest, "mapping.location", "mapping.location must be at most %d characters of a-z, 0-9, '/', '_', '-', '.'.", SMMaxLocation)
	}
	for ev, em := range m.Events {
		f := "mapping.events." + ev
		if !slices.Contains(SalesmanagoSyncEvents, ev) {
			return FieldError(EInvalidRequest, f, "orderhub event %q cannot be mapped; use one of %s.", ev, strings.Join(SalesmanagoSyncEvents, ", "))
		}
		if !slices.Contains(SalesmanagoEventTypes, em.Type) {
			return FieldError(EInvalidRequest, f+".type", "%s.type %q is not a SALESmanago event type (%s).", f, em.Type, strings.Join(SalesmanagoEventTypes, ", "))
		}
		if em.Description != "" {
			if err := validFieldPath(f+".description", em.Description); err != nil {
				return err
			}
		}
		for d, p := range em.Details {
			n, err := strconv.Atoi(strings.TrimPrefix(d, "detail"))
			if !strings.HasPrefix(d, "detail") || err != nil || n < 1 || n > 10 || d != "detail"+strconv.Itoa(n) {
				return FieldError(EInvalidRequest, f+".details."+d, "%q is not one of detail1 … detail10.", d)
			}
			if err := validFieldPath(f+".details."+d, p); err != nil {
				return err
			}
		}
	}
	return nil
}

var smGroupKey = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// ValidateSalesmanagoAccount checks and normalises an account to create.
func ValidateSalesmanagoAccount(in *SalesmanagoAccountInput) error {
	in.GroupKey = strings.TrimSpace(in.GroupKey)
	if !smGroupKey.MatchString(in.GroupKey) {
		return FieldError(EInvalidRequest, "groupKey", "groupKey must be 1 to 64 letters, digits, '-', '_' and '.'.")
	}
	if in.ID != "" {
		if err := ValidateSlug("id", in.ID); err != nil {
			return err
		}
	}
	if utf8.RuneCountInString(in.Name) > 200 || !IsLineText(in.Name) {
		return FieldError(EInvalidRequest, "name", "name must be at most 200 characters without control characters.")
	}
	in.BaseURL = strings.TrimRight(strings.TrimSpace(in.BaseURL), "/")
	if err := smURL("baseUrl", in.BaseURL); err != nil {
		return err
	}
	in.V3BaseURL = strings.TrimRight(strings.TrimSpace(in.V3BaseURL), "/")
	if in.V3BaseURL == "" {
		in.V3BaseURL = SalesmanagoDefaultV3BaseURL
	}
	if err := smURL("v3BaseUrl", in.V3BaseURL); err != nil {
		return err
	}
	for _, f := range []struct {
		name     string
		v        *string
		required bool
	}{{"clientId", &in.ClientID, true}, {"apiSecret", &in.APISecret, true}, {"apiKey", &in.APIKey, false}, {"catalogId", &in.CatalogID, false}} {
		*f.v = strings.TrimSpace(*f.v)
		if f.required && *f.v == "" {
			return FieldError(EInvalidRequest, f.name, "%s is required.", f.name)
		}
		if len(*f.v) > 255 || !IsLineText(*f.v) {
			return FieldError(EInvalidRequest, f.name, "%s must be at most 255 characters without control characters.", f.name)
		}
	}
	owner, ok := NormalizeEmail(in.Owner)
	if !ok {
		return FieldError(EInvalidEmail, "owner", "owner %q is not an e-mail address (the SALESmanago user the calls are made as).", in.Owner)
	}
	in.Owner = owner
	if in.CatalogID != "" && in.APIKey == "" {
		return FieldError(EInvalidRequest, "apiKey", "apiKey (the v3 API key) is required with a catalogId: products are sent through API v3.")
	}
	return ValidateSalesmanagoMapping(in.Mapping)
}

func smURL(field, u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Hostname() == "" || p.User != nil || len(u) > 2048 {
		return FieldError(EInvalidRequest, field, "%s must be an absolute http:// or https:// URL without credentials, e.g. https://app3.salesmanago.com.", field)
	}
	return nil
}

// SalesmanagoAccountPatch changes the fields of an account that are set (rotating
// its credentials keeps its id and endpoint, so dead deliveries can be replayed).
type SalesmanagoAccountPatch struct {
	Name      *string `json:"name,omitempty"`
	BaseURL   *string `json:"baseUrl,omitempty"`
	V3BaseURL *string `json:"v3BaseUrl,omitempty"`
	ClientID  *string `json:"clientId,omitempty"`
	APISecret *string `json:"apiSecret,omitempty"`
	Owner     *string `json:"owner,omitempty"`
	APIKey    *string `json:"apiKey,omitempty"`
	CatalogID *string `json:"catalogId,omitempty"`
}
