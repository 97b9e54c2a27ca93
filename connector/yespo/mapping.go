package yespo

import (
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"orderhub"
)

// EventTypes are the outbox events a Yespo endpoint receives: contacts, and every
// order change of every surface (seed 001 and 000 contracts, Zapier orders, order
// events).
var EventTypes = []string{
	orderhub.EventCustomerCreated, orderhub.EventCustomerUpdated,
	orderhub.EventContractCreated, orderhub.EventContractConfirmed, orderhub.EventContractCanceled,
	orderhub.EventOrderCreated, orderhub.EventOrderUpdated,
}

// ContactKey is the externalCustomerId orderhub gives a customer in Yespo: the
// shop's own customer id (publisher user id) when known, else orderhub's id.
func ContactKey(c *orderhub.Customer) string {
	if c.PublisherUserID != "" {
		return c.PublisherUserID
	}
	return c.ID
}

// ContactFor returns the Yespo contact of a customer.
func ContactFor(c *orderhub.Customer) *orderhub.YespoContact {
	ct := &orderhub.YespoContact{ExternalCustomerID: ContactKey(c), FirstName: c.FirstName, LastName: c.LastName}
	if ct.FirstName == "" && ct.LastName == "" && c.FullName != "" {
		first, last, _ := strings.Cut(strings.TrimSpace(c.FullName), " ")
		ct.FirstName, ct.LastName = first, strings.TrimSpace(last)
	}
	if c.Email != "" {
		ct.Channels = append(ct.Channels, orderhub.YespoChannel{Type: "email", Value: c.Email})
	}
	if c.Phone != "" {
		ct.Channels = append(ct.Channels, orderhub.YespoChannel{Type: "sms", Value: c.Phone})
	}
	if a := c.Address; !a.IsZero() {
		ct.Address = &orderhub.YespoAddress{Town: a.City, Region: a.State, Address: strings.TrimSpace(a.Street + " " + a.Street2), Postcode: a.Zip}
	}
	return ct
}

// orderView is what a Yespo order event says about an order or a contract.
type orderView struct {
	ExternalOrderID string
	Status          string
	Total           orderhub.Money
	Shipping        orderhub.Money
	Taxes           orderhub.Money
	Discount        orderhub.Money
	Currency        string
	Date            string
	Items           []orderhub.OrderItem
	Extra           [][2]string // name, JSON value
}

// OrderEvents returns the Generate event bodies for an order event (order-created,
// order-updated), in the order they are to be sent: order-created → orderCreated;
// order-updated → orderUpdated (the whole order: Yespo creates it if it missed the
// orderCreated), followed by orderDelivered or orderCancelled when the order has
// that status, so that Yespo workflows on those event types run.
func OrderEvents(eventType string, o *orderhub.Order, c *orderhub.Customer) ([][]byte, error) {
	v := orderView{ExternalOrderID: o.ExternalOrderID, Status: o.Status, Total: o.Total, Shipping: o.Shipping, Taxes: o.Taxes,
		Discount: o.Discount, Currency: o.Currency, Date: yespoDate(o.Date, o.CreatedAt), Items: o.Items}
	if v.ExternalOrderID == "" {
		v.ExternalOrderID = o.ID
	}
	v.Extra = append(v.Extra, [2]string{"orderhubOrderId", jsonString(o.ID)}, [2]string{"orderNumber", strconv.FormatInt(o.Number, 10)})
	if o.Source != "" {
		v.Extra = append(v.Extra, [2]string{"source", jsonString(o.Source)})
	}
	if o.PaymentMethod != "" {
		v.Extra = append(v.Extra, [2]string{"paymentMethod", jsonString(o.PaymentMethod)})
	}
	if o.DeliveryMethod != "" {
		v.Extra = append(v.Extra, [2]string{"deliveryMethod", jsonString(o.DeliveryMethod)})
	}
	var meta map[string]json.RawMessage
	if json.Unmarshal(o.Metadata, &meta) == nil {
		keys := make([]string, 0, len(meta))
		for k := range meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v.Extra = append(v.Extra, [2]string{k, string(meta[k])})
		}
	}
	switch eventType {
	case orderhub.EventOrderCreated:
		return bodies(c, v, orderhub.YespoOrderCreated)
	case orderhub.EventOrderUpdated:
		return bodies(c, v, append([]string{orderhub.YespoOrderUpdated}, terminal(v.Status)...)...)
	}
	return nil, nil
}

// Contract statuses as order statuses.
var contractStatus = map[string]string{
	orderhub.ContractCreated:   orderhub.OrderInitialized,
	orderhub.ContractConfirmed: orderhub.OrderInProgress,
	orderhub.ContractCanceled:  orderhub.OrderCancelled,
	orderhub.ContractEnded:     orderhub.OrderDelivered,
}

// ContractEvents returns the Generate event bodies for a contract event (seed 001's
// vendor orders and seed 000's purchases): contract-created → orderCreated,
// contract-confirmed → orderUpdated (IN_PROGRESS), contract-canceled → orderUpdated
// (CANCELLED) then orderCancelled. The order id is the contract's externalOrderId
// (else its id); totalCost is the promo code's price × quantity when the promo code
// is known (else 0: a purchase's price is not part of the contract). No items:
// Yespo requires url and imageUrl for each, which contracts do not have.
func ContractEvents(eventType string, k *orderhub.Contract, c *orderhub.Customer, promo *orderhub.PromoCode) ([][]byte, error) {
	v := orderView{ExternalOrderID: k.ExternalOrderID, Status: contractStatus[k.Status], Date: yespoDate("", k.CreatedAt)}
	if v.ExternalOrderID == "" {
		v.ExternalOrderID = k.ID
	}
	if v.Status == "" {
		v.Status = orderhub.OrderInitialized
	}
	if promo != nil {
		if cents, err := orderhub.ParseDecimal(promo.Price); err == nil {
			v.Total = orderhub.Money(cents * int64(max(k.Quantity, 1)))
		}
		v.Currency = promo.Currency
	}
	v.Extra = append(v.Extra, [2]string{"contractId", jsonString(k.ID)}, [2]string{"origin", jsonString(k.Origin)})
	for _, f := range [][2]string{{"promoCode", k.PromoCode}, {"productName", k.ProductName}, {"paymentMethod", k.PaymentMethod}, {"startDate", k.StartDate}} {
		if f[1] != "" {
			v.Extra = append(v.Extra, [2]string{f[0], jsonString(f[1])})
		}
	}
	v.Extra = append(v.Extra, [2]string{"quantity", strconv.Itoa(k.Quantity)})
	switch eventType {
	case orderhub.EventContractCreated:
		return bodies(c, v, orderhub.YespoOrderCreated)
	case orderhub.EventContractConfirmed:
		return bodies(c, v, orderhub.YespoOrderUpdated)
	case orderhub.EventContractCanceled:
		return bodies(c, v, orderhub.YespoOrderUpdated, orderhub.YespoOrderCancelled)
	}
	return nil, nil
}

func terminal(status string) []string {
	switch status {
	case orderhub.OrderDelivered:
		return []string{orderhub.YespoOrderDelivered}
	case orderhub.OrderCancelled:
		return []string{orderhub.YespoOrderCancelled}
	}
	return nil
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

// yespoDate returns d when it is in Yespo's YYYY-MM-ddTHH:mm:ss, an RFC 3339 or
// date-only d converted to it (UTC), else the fallback time.
func yespoDate(d string, fallback time.Time) string {
	if _, err := time.Parse(orderhub.YespoDateLayout, d); err == nil {
		return d
	}
	if t, err := time.Parse(time.RFC3339Nano, d); err == nil {
		return t.UTC().Format(orderhub.YespoDateLayout)
	}
	if t, err := time.Parse(time.DateOnly, d); err == nil {
		return t.Format(orderhub.YespoDateLayout)
	}
	if fallback.IsZero() {
		fallback = time.Now()
	}
	return fallback.UTC().Format(orderhub.YespoDateLayout)
}

// KeyValue returns Yespo's keyValue for a customer: the e-mail, else the phone,
// else the contact key — with Yespo's forbidden characters removed and cut to 300
// characters (a keyValue only names the event; the contact is identified by the
// params, which carry the values unchanged).
func KeyValue(c *orderhub.Customer) string {
	for _, v := range []string{c.Email, c.Phone, ContactKey(c), c.ID} {
		if k := SanitizeKey(v, orderhub.YespoMaxKeyValue); k != "" {
			return k
		}
	}
	return "orderhub"
}

// SanitizeKey drops Yespo's forbidden characters (and control characters) from s
// and cuts it to max characters.
func SanitizeKey(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range strings.TrimSpace(s) {
		if strings.ContainsRune(orderhub.YespoForbiddenChars, r) || r < 0x20 || r == 0x7f || r == utf8.RuneError {
			continue
		}
		if n == max {
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

type param struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

type event struct {
	EventTypeKey string  `json:"eventTypeKey"`
	KeyValue     string  `json:"keyValue"`
	Params       []param `json:"params"`
}

// ErrTooLarge: an event cannot be brought under Yespo's 20 KB.
var ErrTooLarge = errors.New("the event is larger than Yespo's 20 KB even without items and extra parameters")

// bodies builds one Generate event body per type for the order view v of customer
// c. Items go along only when Yespo would accept them: every item has the fields
// the seed requires, and they add up to totalCost (else the whole event would be
// ignored); they are sent as a JSON string, as seed 004 asks. A body over 20 KB
// loses, in turn, the extra parameters, the item descriptions and the items.
func bodies(c *orderhub.Customer, v orderView, types ...string) ([][]byte, error) {
	base := []param{
		{"externalOrderId", json.RawMessage(jsonString(v.ExternalOrderID))},
		{"externalCustomerId", json.RawMessage(jsonString(ContactKey(c)))},
	}
	if c.Email != "" {
		base = append(base, param{"email", json.RawMessage(jsonString(c.Email))})
	}
	if c.Phone != "" {
		base = append(base, param{"phone", json.RawMessage(jsonString(c.Phone))})
	}
	base = append(base,
		param{"totalCost", json.RawMessage(jsonString(v.Total.String()))},
		param{"status", json.RawMessage(jsonString(v.Status))},
		param{"date", json.RawMessage(jsonString(v.Date))})
	if v.Currency != "" {
		base = append(base, param{"currency", json.RawMessage(jsonString(v.Currency))})
	}
	for _, m := range []struct {
		name string
		v    orderhub.Money
	}{{"shipping", v.Shipping}, {"taxes", v.Taxes}, {"discount", v.Discount}} {
		if m.v > 0 {
			base = append(base, param{m.name, json.RawMessage(jsonString(m.v.String()))})
		}
	}
	items := sendableItems(v)
	known := map[string]bool{}
	for _, p := range base {
		known[p.Name] = true
	}
	known["items"] = true
	var extra []param
	for _, e := range v.Extra {
		if known[e[0]] || !json.Valid([]byte(e[1])) {
			continue
		}
		known[e[0]] = true
		extra = append(extra, param{e[0], json.RawMessage(e[1])})
	}
	key := KeyValue(c)
	var out [][]byte
	for _, typ := range types {
		var b []byte
		for stage := 0; ; stage++ {
			ps := append([]param(nil), base...)
			its := items
			if stage >= 2 {
				its = withoutDescriptions(items)
			}
			if stage < 3 && len(its) > 0 {
				raw, _ := json.Marshal(its)
				ps = append(ps, param{"items", json.RawMessage(jsonString(string(raw)))})
			}
			if stage < 1 {
				ps = append(ps, extra...)
			}
			var err error
			if b, err = json.Marshal(event{EventTypeKey: typ, KeyValue: key, Params: ps}); err != nil {
				return nil, err
			}
			if len(b) <= orderhub.YespoMaxBody {
				break
			}
			if stage == 3 {
				return nil, ErrTooLarge
			}
		}
		out = append(out, b)
	}
	return out, nil
}

type wireItem struct {
	ExternalItemID string         `json:"externalItemId"`
	Name           string         `json:"name"`
	Category       string         `json:"category,omitempty"`
	Quantity       int            `json:"quantity"`
	Cost           orderhub.Money `json:"cost"`
	URL            string         `json:"url"`
	ImageURL       string         `json:"imageUrl"`
	Description    string         `json:"description,omitempty"`
}

func sendableItems(v orderView) []wireItem {
	if len(v.Items) == 0 || orderhub.CheckOrderTotal(v.Items, v.Total, v.Shipping, v.Taxes, v.Discount) != nil {
		return nil
	}
	out := make([]wireItem, 0, len(v.Items))
	for _, it := range v.Items {
		name := it.Name
		if name == "" {
			name = it.Title
		}
		if it.ExternalItemID == "" || name == "" || it.Quantity < 1 || it.URL == "" || it.ImageURL == "" {
			return nil
		}
		out = append(out, wireItem{ExternalItemID: it.ExternalItemID, Name: name, Category: it.Category, Quantity: it.Quantity, Cost: it.Cost,
			URL: it.URL, ImageURL: it.ImageURL, Description: it.Description})
	}
	return out
}

func withoutDescriptions(items []wireItem) []wireItem {
	out := make([]wireItem, len(items))
	for i, it := range items {
		it.Description = ""
		out[i] = it
	}
	return out
}
