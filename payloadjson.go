package orderhub

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Event payload encoding (issue 20). The writer encodes a customer, a contract and
// an order per vendor order inside its write lock; encoding/json spends much of
// that in reflection and in re-validating and compacting the raw values (extraData,
// ownerData, vendorData, metadata, an item's extra) and the output of
// Money.MarshalJSON. The functions here write the same bytes as json.Marshal
// directly: field by field in the order and with the omitempty rules of the
// struct tags, strings escaped as encoding/json escapes them (HTML characters,
// U+2028 and U+2029 included, invalid UTF-8 as \ufffd), a raw value as it is when
// it is valid, compact JSON with nothing encoding/json would escape in it (else as
// json.Marshal writes that value alone). Whenever json.Marshal would fail (an
// invalid raw value, a time outside RFC 3339, the Money that cannot be written)
// they return json.Marshal's own answer. TestPayloadJSON fills every field of
// each type by reflection and compares with json.Marshal byte for byte, so a field
// added to one of these types fails it until it is written here too.

// MarshalCustomerJSON returns json.Marshal(c).
func MarshalCustomerJSON(c *Customer) ([]byte, error) {
	if c == nil {
		return json.Marshal(c)
	}
	e := payloadEncoder{b: make([]byte, 0, customerJSONSize(c)), ok: true}
	e.customer(c)
	if !e.ok {
		return json.Marshal(c)
	}
	return e.b, nil
}

// MarshalContractJSON returns json.Marshal(c).
func MarshalContractJSON(c *Contract) ([]byte, error) {
	if c == nil {
		return json.Marshal(c)
	}
	e := payloadEncoder{b: make([]byte, 0, contractJSONSize(c)), ok: true}
	e.contract(c)
	if !e.ok {
		return json.Marshal(c)
	}
	return e.b, nil
}

// MarshalOrderJSON returns json.Marshal(o).
func MarshalOrderJSON(o *Order) ([]byte, error) {
	if o == nil {
		return json.Marshal(o)
	}
	e := payloadEncoder{b: make([]byte, 0, orderJSONSize(o)), ok: true}
	e.order(o)
	if !e.ok {
		return json.Marshal(o)
	}
	return e.b, nil
}

// MarshalOrderItemsJSON returns json.Marshal(items).
func MarshalOrderItemsJSON(items []OrderItem) ([]byte, error) {
	e := payloadEncoder{b: make([]byte, 0, itemsJSONSize(items)), ok: true}
	e.items(items)
	if !e.ok {
		return json.Marshal(items)
	}
	return e.b, nil
}

// MarshalAddressJSON returns json.Marshal(a).
func MarshalAddressJSON(a *Address) ([]byte, error) {
	if a == nil {
		return json.Marshal(a)
	}
	e := payloadEncoder{b: make([]byte, 0, addressSize(a)), ok: true}
	e.optAddress("", a)
	return e.b, nil
}

// Sizes to allocate: the names and punctuation, the strings and raw values as
// they are (an escape grows the buffer), times and numbers at their longest.
const (
	jsonTimeSize    = len(`"2006-01-02T15:04:05.999999999-07:00"`)
	jsonNumberSize  = 20
	addressJSONSize = len(`{"firstName":"","lastName":"","co":"","street":"","street2":"","zip":"","city":"","state":"","country":""}`)
)

func addressSize(a *Address) int {
	if a == nil {
		return 0
	}
	return addressJSONSize + len(a.FirstName) + len(a.LastName) + len(a.Co) + len(a.Street) + len(a.Street2) +
		len(a.Zip) + len(a.City) + len(a.State) + len(a.Country)
}

func customerJSONSize(c *Customer) int {
	return 160 + 2*jsonTimeSize + len(c.ID) + len(c.VendorID) + len(c.Email) + len(c.FullName) + len(c.FirstName) +
		len(c.LastName) + len(c.Phone) + len(c.PublisherUserID) + addressSize(c.Address) + addressSize(c.BillingAddress) +
		len(c.ExtraData)
}

func contractJSONSize(c *Contract) int {
	return 330 + 3*jsonTimeSize + jsonNumberSize + len(c.ID) + len(c.VendorID) + len(c.ExternalOrderID) + len(c.PromoCode) +
		len(c.ProductName) + len(c.Status) + len(c.Origin) + len(c.SourceID) + len(c.PaymentMethod) +
		len(c.PaymentProvider) + len(c.StartDate) + len(c.DelayedContractStartsAt) + len(c.EndsAt) + len(c.UserID) +
		len(c.PayerID) + len(c.UserEmail) + len(c.ExtraData) + len(c.OwnerData) + len(c.VendorData)
}

func itemsJSONSize(items []OrderItem) int {
	n := 4
	for i := range items {
		it := &items[i]
		n += 140 + 2*jsonNumberSize + len(it.ExternalItemID) + len(it.Name) + len(it.Title) + len(it.Category) +
			len(it.Description) + len(it.URL) + len(it.ImageURL) + len(it.Extra)
	}
	return n
}

func orderJSONSize(o *Order) int {
	return 330 + 2*jsonTimeSize + 6*jsonNumberSize + len(o.ID) + len(o.VendorID) + len(o.ExternalOrderID) +
		len(o.CustomerID) + len(o.Source) + len(o.Status) + len(o.Currency) + len(o.Date) + itemsJSONSize(o.Items) +
		addressSize(o.BillingAddress) + addressSize(o.ShippingAddress) + len(o.PaymentMethod) + len(o.DeliveryMethod) +
		len(o.Metadata) + len(o.ContractID)
}

// payloadEncoder appends JSON to b; ok turns false when json.Marshal would fail
// (the caller then answers with json.Marshal).
type payloadEncoder struct {
	b  []byte
	ok bool
}

// str appends key (`,"name":`, with its comma when it is not the first) and s.
func (e *payloadEncoder) str(key, s string) {
	e.b = append(e.b, key...)
	e.b = appendJSONString(e.b, s)
}

// optStr is str for an omitempty field.
func (e *payloadEncoder) optStr(key, s string) {
	if s != "" {
		e.str(key, s)
	}
}

// optRaw appends key and v for an omitempty raw value.
func (e *payloadEncoder) optRaw(key string, v json.RawMessage) {
	if len(v) == 0 {
		return
	}
	e.b = append(e.b, key...)
	e.b = e.raw(e.b, v)
}

// raw appends v as encoding/json writes a json.RawMessage: compacted, with <, >,
// &, U+2028 and U+2029 escaped, or fails when v is not valid JSON.
func (e *payloadEncoder) raw(b []byte, v json.RawMessage) []byte {
	if plainCompactJSON(v) {
		return append(b, v...)
	}
	m, err := json.Marshal(v)
	if err != nil {
		e.ok = false
		return b
	}
	return append(b, m...)
}

func (e *payloadEncoder) int(key string, n int64) {
	e.b = append(e.b, key...)
	e.b = strconv.AppendInt(e.b, n, 10)
}

func (e *payloadEncoder) money(key string, m Money) {
	e.b = append(e.b, key...)
	var ok bool
	if e.b, ok = appendMoney(e.b, m); !ok {
		e.ok = false
	}
}

func (e *payloadEncoder) time(key string, t time.Time) {
	e.b = append(e.b, key...)
	var ok bool
	if e.b, ok = appendJSONTime(e.b, t); !ok {
		e.ok = false
	}
}

func (e *payloadEncoder) optTimePtr(key string, t *time.Time) {
	if t != nil {
		e.time(key, *t)
	}
}

// optAddress appends key and a for an omitempty *Address.
func (e *payloadEncoder) optAddress(key string, a *Address) {
	if a == nil {
		return
	}
	e.b = append(e.b, key...)
	e.b = append(e.b, '{')
	start := len(e.b)
	e.optStr(`,"firstName":`, a.FirstName)
	e.optStr(`,"lastName":`, a.LastName)
	e.optStr(`,"co":`, a.Co)
	e.optStr(`,"street":`, a.Street)
	e.optStr(`,"street2":`, a.Street2)
	e.optStr(`,"zip":`, a.Zip)
	e.optStr(`,"city":`, a.City)
	e.optStr(`,"state":`, a.State)
	e.optStr(`,"country":`, a.Country)
	if len(e.b) > start { // drop the first field's comma
		copy(e.b[start:], e.b[start+1:])
		e.b = e.b[:len(e.b)-1]
	}
	e.b = append(e.b, '}')
}

// customer writes a Customer: the fields and tags of orderhub.go.
func (e *payloadEncoder) customer(c *Customer) {
	e.str(`{"customerId":`, c.ID)
	e.str(`,"vendorId":`, c.VendorID)
	e.optStr(`,"email":`, c.Email)
	e.optStr(`,"fullName":`, c.FullName)
	e.optStr(`,"firstName":`, c.FirstName)
	e.optStr(`,"lastName":`, c.LastName)
	e.optStr(`,"phone":`, c.Phone)
	e.optStr(`,"publisherUserId":`, c.PublisherUserID)
	e.optAddress(`,"address":`, c.Address)
	e.optAddress(`,"billingAddress":`, c.BillingAddress)
	e.optRaw(`,"extraData":`, c.ExtraData)
	e.time(`,"createdAt":`, c.CreatedAt)
	e.time(`,"updatedAt":`, c.UpdatedAt)
	e.b = append(e.b, '}')
}

// contract writes a Contract: the fields and tags of orderhub.go.
func (e *payloadEncoder) contract(c *Contract) {
	e.str(`{"contractId":`, c.ID)
	e.str(`,"vendorId":`, c.VendorID)
	e.optStr(`,"externalOrderId":`, c.ExternalOrderID)
	e.optStr(`,"promoCode":`, c.PromoCode)
	e.optStr(`,"productName":`, c.ProductName)
	e.str(`,"status":`, c.Status)
	e.str(`,"origin":`, c.Origin)
	e.optStr(`,"sourceId":`, c.SourceID)
	e.int(`,"quantity":`, int64(c.Quantity))
	e.optStr(`,"paymentMethod":`, c.PaymentMethod)
	e.optStr(`,"paymentProvider":`, c.PaymentProvider)
	e.optStr(`,"startDate":`, c.StartDate)
	e.optStr(`,"delayedContractStartsAt":`, c.DelayedContractStartsAt)
	e.optStr(`,"endsAt":`, c.EndsAt)
	e.str(`,"userId":`, c.UserID)
	e.str(`,"payerId":`, c.PayerID)
	e.optStr(`,"userEmail":`, c.UserEmail)
	e.optRaw(`,"extraData":`, c.ExtraData)
	e.optRaw(`,"ownerData":`, c.OwnerData)
	e.optRaw(`,"vendorData":`, c.VendorData)
	e.time(`,"createdAt":`, c.CreatedAt)
	e.optTimePtr(`,"confirmedAt":`, c.ConfirmedAt)
	e.optTimePtr(`,"canceledAt":`, c.CanceledAt)
	e.b = append(e.b, '}')
}

// item writes an OrderItem: the fields and tags of order.go.
func (e *payloadEncoder) item(it *OrderItem) {
	e.b = append(e.b, '{')
	if it.ExternalItemID != "" {
		e.str(`"externalItemId":`, it.ExternalItemID)
		e.b = append(e.b, ',')
	}
	e.str(`"name":`, it.Name)
	e.optStr(`,"title":`, it.Title)
	e.optStr(`,"category":`, it.Category)
	e.optStr(`,"description":`, it.Description)
	e.int(`,"quantity":`, int64(it.Quantity))
	e.money(`,"cost":`, it.Cost)
	e.optStr(`,"url":`, it.URL)
	e.optStr(`,"imageUrl":`, it.ImageURL)
	e.optRaw(`,"extra":`, it.Extra)
	e.b = append(e.b, '}')
}

// items writes a []OrderItem (nil as null).
func (e *payloadEncoder) items(items []OrderItem) {
	if items == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '[')
	for i := range items {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.item(&items[i])
	}
	e.b = append(e.b, ']')
}

// order writes an Order: the fields and tags of order.go.
func (e *payloadEncoder) order(o *Order) {
	e.str(`{"id":`, o.ID)
	e.str(`,"vendorId":`, o.VendorID)
	e.int(`,"number":`, o.Number)
	e.optStr(`,"externalOrderId":`, o.ExternalOrderID)
	e.str(`,"customerId":`, o.CustomerID)
	e.str(`,"source":`, o.Source)
	e.str(`,"status":`, o.Status)
	e.optStr(`,"currency":`, o.Currency)
	e.optStr(`,"date":`, o.Date)
	e.money(`,"subtotal":`, o.Subtotal)
	e.money(`,"shipping":`, o.Shipping)
	e.money(`,"taxes":`, o.Taxes)
	e.money(`,"discount":`, o.Discount)
	e.money(`,"total":`, o.Total)
	e.b = append(e.b, `,"items":`...)
	e.items(o.Items)
	e.optAddress(`,"billingAddress":`, o.BillingAddress)
	e.optAddress(`,"shippingAddress":`, o.ShippingAddress)
	e.optStr(`,"paymentMethod":`, o.PaymentMethod)
	e.optStr(`,"deliveryMethod":`, o.DeliveryMethod)
	e.optRaw(`,"metadata":`, o.Metadata)
	e.optStr(`,"contractId":`, o.ContractID)
	e.time(`,"createdAt":`, o.CreatedAt)
	e.time(`,"updatedAt":`, o.UpdatedAt)
	e.b = append(e.b, '}')
}

// contractOrderMetadata returns json.Marshal of ContractOrder's metadata map: the
// keys sorted as encoding/json sorts a map's, the empty optional ones left out.
func contractOrderMetadata(c *Contract) []byte {
	b := make([]byte, 0, 96+len(c.ID)+len(c.ExternalOrderID)+len(c.Origin)+len(c.PromoCode)+len(c.StartDate))
	b = append(b, `{"contractId":`...)
	b = appendJSONString(b, c.ID)
	if c.ExternalOrderID != "" {
		b = append(b, `,"externalOrderId":`...)
		b = appendJSONString(b, c.ExternalOrderID)
	}
	b = append(b, `,"origin":`...)
	b = appendJSONString(b, c.Origin)
	if c.PromoCode != "" {
		b = append(b, `,"promoCode":`...)
		b = appendJSONString(b, c.PromoCode)
	}
	if c.StartDate != "" {
		b = append(b, `,"startDate":`...)
		b = appendJSONString(b, c.StartDate)
	}
	return append(b, '}')
}

// appendMoney appends m as Money.MarshalJSON writes it, or reports false for the
// one value whose MarshalJSON output is not a number (json.Marshal fails on it).
func appendMoney(b []byte, m Money) ([]byte, bool) {
	if m == math.MinInt64 {
		return b, false
	}
	if m < 0 {
		b = append(b, '-')
		m = -m
	}
	b = strconv.AppendInt(b, int64(m)/100, 10)
	if c := int64(m) % 100; c != 0 {
		b = append(b, '.', byte('0'+c/10))
		if c%10 != 0 {
			b = append(b, byte('0'+c%10))
		}
	}
	return b, true
}

// appendJSONTime appends t as time.Time.MarshalJSON writes it, or reports false
// where that fails (a year outside 0–9999, a zone offset of a day or more).
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	n0 := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	// The checks of time.Time.appendStrictRFC3339.
	if b[n0+len("9999")] != '-' {
		return b, false
	}
	if b[len(b)-1] != 'Z' {
		c := b[len(b)-len("Z07:00")]
		h := b[len(b)-len("07:00"):]
		if '0' <= c && c <= '9' || 10*(h[0]-'0')+(h[1]-'0') >= 24 {
			return b, false
		}
	}
	return append(b, '"'), true
}

const jsonHex = "0123456789abcdef"

// appendJSONString appends s quoted and escaped exactly as encoding/json does with
// HTML escaping (json.Marshal's): ", \ and control characters escaped, <, > and &
// as \u003c, \u003e, \u0026, U+2028 and U+2029 as \u2028 and \u2029, and each byte
// of invalid UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonSafe holds the ASCII bytes encoding/json writes in a string as they are
// with HTML escaping: printable, not ", \, <, > or &.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// maxPlainDepth bounds the nesting plainCompactJSON follows (deeper values go the
// way of encoding/json).
const maxPlainDepth = 64

// plainCompactJSON reports whether v is one valid JSON value with no white space
// between its tokens and nothing encoding/json's compaction escapes (<, >, &,
// U+2028, U+2029): json.Marshal then writes a json.RawMessage v as it is.
func plainCompactJSON(v []byte) bool {
	i, ok := plainValue(v, 0, 0)
	return ok && i == len(v)
}

// plainValue returns the end of the plain compact value at i.
func plainValue(v []byte, i, depth int) (int, bool) {
	if i >= len(v) {
		return 0, false
	}
	switch v[i] {
	case '{':
		if depth >= maxPlainDepth {
			return 0, false
		}
		i++
		if i < len(v) && v[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(v) || v[i] != '"' {
				return 0, false
			}
			var ok bool
			if i, ok = plainString(v, i); !ok || i >= len(v) || v[i] != ':' {
				return 0, false
			}
			if i, ok = plainValue(v, i+1, depth+1); !ok || i >= len(v) {
				return 0, false
			}
			switch v[i] {
			case '}':
				return i + 1, true
			case ',':
				i++
			default:
				return 0, false
			}
		}
	case '[':
		if depth >= maxPlainDepth {
			return 0, false
		}
		i++
		if i < len(v) && v[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = plainValue(v, i, depth+1); !ok || i >= len(v) {
				return 0, false
			}
			switch v[i] {
			case ']':
				return i + 1, true
			case ',':
				i++
			default:
				return 0, false
			}
		}
	case '"':
		return plainString(v, i)
	case 't':
		return plainLiteral(v, i, "true")
	case 'f':
		return plainLiteral(v, i, "false")
	case 'n':
		return plainLiteral(v, i, "null")
	}
	return plainNumber(v, i)
}

func plainLiteral(v []byte, i int, lit string) (int, bool) {
	if len(v)-i >= len(lit) && string(v[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return 0, false
}

// plainString returns the end of the valid JSON string at i (v[i] == '"') when it
// holds none of <, >, &, U+2028, U+2029. Like encoding/json's scanner it does not
// check UTF-8 (compaction copies the bytes as they are).
func plainString(v []byte, i int) (int, bool) {
	for i++; i < len(v); i++ {
		switch c := v[i]; c {
		case '"':
			return i + 1, true
		case '\\':
			i++
			if i >= len(v) {
				return 0, false
			}
			switch v[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(v)-i < 5 {
					return 0, false
				}
				for _, h := range v[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return 0, false
					}
				}
				i += 4
			default:
				return 0, false
			}
		case '<', '>', '&':
			return 0, false
		case 0xE2: // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
			if i+2 < len(v) && v[i+1] == 0x80 && v[i+2]&^1 == 0xA8 {
				return 0, false
			}
		default:
			if c < 0x20 {
				return 0, false
			}
		}
	}
	return 0, false
}

// plainNumber returns the end of the JSON number at i (RFC 8259's grammar).
func plainNumber(v []byte, i int) (int, bool) {
	if i < len(v) && v[i] == '-' {
		i++
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case i < len(v) && '1' <= v[i] && v[i] <= '9':
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
	default:
		return 0, false
	}
	if i < len(v) && v[i] == '.' {
		i++
		if i >= len(v) || v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if i >= len(v) || v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
	}
	return i, true
}
