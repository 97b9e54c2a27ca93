package orderhub

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Payment methods and providers of the Vendor Order API (seed 001).
var (
	PaymentMethods   = []string{"INVOICE", "CARD", "SWISH"}
	PaymentProviders = []string{"BILLOGRAM", "STRIPE"}
)

// Response keys of the Vendor Order API (seed 001).
const (
	ResponseCreated          = "CONTRACT_CREATED"
	ResponseCreatedConfirmed = "CONTRACT_CREATED_AND_CONFIRMED"
	ResponseSkippedConfirmed = "SKIPPED_ALREADY_CONFIRMED"
)

// MaxQuantity bounds the quantity of one vendor order.
const MaxQuantity = 1000

// Person is the user (subscriber) or owner (payer) of a vendor order.
type Person struct {
	Email    string          `json:"email,omitempty"`
	FullName string          `json:"fullName,omitempty"`
	Phone    string          `json:"phone,omitempty"`
	Address  *Address        `json:"address,omitempty"`
	Extra    json.RawMessage `json:"extraData,omitempty"`
}

// VendorOrder is a validated order of the Vendor Order API.
type VendorOrder struct {
	VendorID        string          `json:"vendorId"`
	PromoCode       string          `json:"promoCode"`
	ExternalOrderID string          `json:"externalOrderId"`
	Quantity        int             `json:"quantity"`
	PaymentMethod   string          `json:"paymentMethod"`
	PaymentProvider string          `json:"paymentProvider"`
	StartDate       string          `json:"startDate,omitempty"`
	User            Person          `json:"user"`
	Owner           *Person         `json:"owner,omitempty"`
	OwnerData       json.RawMessage `json:"ownerData,omitempty"`  // verbatim
	VendorData      json.RawMessage `json:"vendorData,omitempty"` // verbatim
	// Delayed is set when StartDate lies after the day the order was accepted.
	Delayed bool `json:"-"`
	// Confirm is the ?confirm query parameter; not part of the fingerprint.
	Confirm bool `json:"-"`
	// Fingerprint identifies the order's content: a replay with another fingerprint
	// under the same externalOrderId is a conflict.
	Fingerprint string `json:"-"`
}

// VendorOrderResult is the answer of the Vendor Order API.
type VendorOrderResult struct {
	ContractID              string `json:"contractId"`
	ResponseKey             string `json:"responseKey"`
	DelayedContractStartsAt string `json:"delayedContractStartsAt,omitempty"`
}

type wireAddress struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Co        string `json:"co"`
	Street    string `json:"street"`
	Zip       string `json:"zip"`
	City      string `json:"city"`
	Country   string `json:"country"`
}

type wirePerson struct {
	Email     *string         `json:"email"`
	FullName  string          `json:"fullName"`
	Phone     string          `json:"phone"`
	Address   *wireAddress    `json:"address"`
	ExtraData json.RawMessage `json:"extraData"`
}

type wireVendorOrder struct {
	ExternalOrderID *string         `json:"externalOrderId"`
	Quantity        json.RawMessage `json:"quantity"` // a JSON number, read exactly (WholeNumber)
	PaymentMethod   *string         `json:"paymentMethod"`
	PaymentProvider *string         `json:"paymentProvider"`
	StartDate       *string         `json:"startDate"`
	UserData        *wirePerson     `json:"userData"`
	OwnerData       json.RawMessage `json:"ownerData"`
	VendorData      json.RawMessage `json:"vendorData"`
}

// ParseVendorOrder decodes and validates the JSON body of a Vendor Order API request.
// today is the current date in the vendor's calendar (UTC), used to tell whether
// startDate is in the future. Errors are *Error values naming the field at fault.
func ParseVendorOrder(vendorID, promoCode string, confirm bool, body []byte, today time.Time) (*VendorOrder, error) {
	var w wireVendorOrder
	if err := ReadJSON(body, &w, JSONOptions{}); err != nil {
		return nil, err
	}
	o := &VendorOrder{VendorID: vendorID, PromoCode: promoCode, Confirm: confirm}

	if w.ExternalOrderID == nil || strings.TrimSpace(*w.ExternalOrderID) == "" {
		return nil, FieldError(EExternalOrderIDMissing, "externalOrderId", "externalOrderId is required.")
	}
	o.ExternalOrderID = strings.TrimSpace(*w.ExternalOrderID)
	if len(o.ExternalOrderID) > 255 {
		return nil, FieldError(EInvalidRequest, "externalOrderId", "externalOrderId must be at most 255 characters.")
	}
	if rule := TextRule(o.ExternalOrderID, false); rule != "" {
		return nil, FieldError(EInvalidRequest, "externalOrderId", "externalOrderId %s.", rule)
	}
	if w.UserData == nil || w.UserData.Email == nil || strings.TrimSpace(*w.UserData.Email) == "" {
		return nil, FieldError(EUserEmailRequired, "userData.email", "User email is required for promo contract creation")
	}

	o.Quantity = 1
	if q := bytes.TrimSpace(w.Quantity); len(q) > 0 && string(q) != "null" {
		if t := jsonTypeOf(q); t != "a number" {
			return nil, FieldError(EInvalidRequest, "quantity", "Field quantity must be of type number, got %s.", strings.TrimPrefix(strings.TrimPrefix(t, "an "), "a "))
		}
		n, ok := WholeNumber(string(q), MaxQuantity)
		if !ok {
			return nil, FieldError(EInvalidQuantity, "quantity", "quantity must be a whole number from 1 to %d.", MaxQuantity)
		}
		o.Quantity = n
	}
	if w.PaymentMethod == nil || *w.PaymentMethod == "" {
		return nil, FieldError(EInvalidPaymentMethod, "paymentMethod", "paymentMethod is required: one of %s.", strings.Join(PaymentMethods, ", "))
	}
	if !oneOf(*w.PaymentMethod, PaymentMethods) {
		return nil, FieldError(EInvalidPaymentMethod, "paymentMethod", "paymentMethod %q is not one of %s.", *w.PaymentMethod, strings.Join(PaymentMethods, ", "))
	}
	o.PaymentMethod = *w.PaymentMethod
	if w.PaymentProvider == nil || *w.PaymentProvider == "" {
		return nil, FieldError(EInvalidPaymentProvider, "paymentProvider", "paymentProvider is required: one of %s.", strings.Join(PaymentProviders, ", "))
	}
	if !oneOf(*w.PaymentProvider, PaymentProviders) {
		return nil, FieldError(EInvalidPaymentProvider, "paymentProvider", "paymentProvider %q is not one of %s.", *w.PaymentProvider, strings.Join(PaymentProviders, ", "))
	}
	o.PaymentProvider = *w.PaymentProvider

	if w.StartDate != nil && *w.StartDate != "" {
		d, err := time.Parse(time.DateOnly, *w.StartDate)
		if err != nil || d.Year() < 1900 || d.Year() > 2200 {
			return nil, FieldError(EInvalidDate, "startDate", "startDate %q is not a date of the form YYYY-MM-DD.", *w.StartDate)
		}
		o.StartDate = *w.StartDate
		o.Delayed = d.After(today.UTC().Truncate(24 * time.Hour))
	}

	user, err := parsePerson(w.UserData, "userData")
	if err != nil {
		return nil, err
	}
	o.User = *user

	if len(w.OwnerData) > 0 && !bytes.Equal(w.OwnerData, []byte("null")) {
		var wp wirePerson
		if err := ReadJSON(w.OwnerData, &wp, JSONOptions{}); err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Field = "ownerData" + strings.TrimPrefix(e.Field, "$")
				e.Message = "ownerData: " + e.Message
			}
			return nil, err
		}
		owner, err := parsePerson(&wp, "ownerData")
		if err != nil {
			return nil, err
		}
		if owner.Email == "" || owner.Email != o.User.Email {
			o.Owner = owner
		}
		o.OwnerData = canonicalJSON(w.OwnerData)
	}
	if len(w.VendorData) > 0 && !bytes.Equal(w.VendorData, []byte("null")) {
		if w.VendorData[0] != '{' {
			return nil, FieldError(EInvalidRequest, "vendorData", "vendorData must be an object.")
		}
		if err := checkSMNO(w.VendorData); err != nil {
			return nil, err
		}
		o.VendorData = canonicalJSON(w.VendorData)
	}

	var buf [512]byte
	fp, ok := vendorOrderJSON(buf[:0], o)
	if !ok {
		fp, _ = json.Marshal(o)
	}
	sum := sha256.Sum256(fp)
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	o.Fingerprint = string(h[:])
	return o, nil
}

func parsePerson(w *wirePerson, field string) (*Person, error) {
	p := &Person{FullName: strings.TrimSpace(w.FullName)}
	if rule := TextRule(p.FullName, false); rule != "" {
		return nil, FieldError(EInvalidRequest, field+".fullName", "%s.fullName %s.", field, rule)
	}
	if w.Email != nil && strings.TrimSpace(*w.Email) != "" {
		e, ok := NormalizeEmail(*w.Email)
		if !ok {
			return nil, FieldError(EInvalidEmail, field+".email", "%s.email %q is not a valid e-mail address.", field, *w.Email)
		}
		p.Email = e
	}
	if w.Phone != "" {
		ph, ok := NormalizePhone(w.Phone)
		if !ok {
			return nil, FieldError(EInvalidPhone, field+".phone", "%s.phone %q is not a valid phone number (digits, optional leading +, 6 to 15 digits).", field, w.Phone)
		}
		p.Phone = ph
	}
	if a := w.Address; a != nil {
		addr := Address{
			FirstName: strings.TrimSpace(a.FirstName), LastName: strings.TrimSpace(a.LastName),
			Co: strings.TrimSpace(a.Co), Street: strings.TrimSpace(a.Street),
			Zip: strings.TrimSpace(a.Zip), City: strings.TrimSpace(a.City),
		}
		for _, f := range []struct {
			name, v string
			free    bool
		}{{"firstName", addr.FirstName, false}, {"lastName", addr.LastName, false}, {"co", addr.Co, true}, {"street", addr.Street, true}, {"zip", addr.Zip, false}, {"city", addr.City, false}} {
			if rule := TextRule(f.v, f.free); rule != "" {
				return nil, FieldError(EInvalidAddress, field+".address."+f.name, "%s.address.%s %s.", field, f.name, rule)
			}
		}
		if a.Country != "" {
			c, ok := NormalizeCountry(strings.TrimSpace(a.Country))
			if !ok {
				return nil, FieldError(EInvalidAddress, field+".address.country", "%s.address.country %q is not an ISO 3166-1 alpha-2 country code.", field, a.Country)
			}
			addr.Country = c
		}
		if !addr.IsZero() {
			p.Address = &addr
		}
	}
	if len(w.ExtraData) > 0 && !bytes.Equal(w.ExtraData, []byte("null")) {
		if w.ExtraData[0] != '{' {
			return nil, FieldError(EInvalidRequest, field+".extraData", "%s.extraData must be an object.", field)
		}
		p.Extra = canonicalJSON(w.ExtraData)
	}
	return p, nil
}

// checkSMNO enforces seed 001's rule: vendorData.SMNO, when present, is numeric
// (a JSON string of digits or a non-negative whole JSON number).
func checkSMNO(vendorData json.RawMessage) error {
	var v struct {
		SMNO json.RawMessage `json:"SMNO"`
	}
	if readJSONFast(vendorData, &v, JSONOptions{}) {
		// Read as json.Unmarshal reads it (json_fast.go).
	} else if err := json.Unmarshal(vendorData, &v); err != nil {
		return FieldError(EInvalidRequest, "vendorData", "vendorData must be an object.")
	}
	if len(v.SMNO) == 0 || bytes.Equal(v.SMNO, []byte("null")) {
		return nil
	}
	var s string
	if v.SMNO[0] == '"' {
		_ = json.Unmarshal(v.SMNO, &s)
	} else {
		s = string(v.SMNO)
	}
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return FieldError(EInvalidSMNO, "vendorData.SMNO", "vendorData.SMNO must contain only digits, got %s.", v.SMNO)
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// canonicalJSON re-encodes a JSON value with sorted object keys and no insignificant
// white space, so that equal values compare (and fingerprint) equal.
func canonicalJSON(raw json.RawMessage) json.RawMessage {
	if out, ok := canonicalFast(raw); ok {
		return out
	}
	return canonicalJSONFull(raw)
}

// canonicalJSONFull is canonicalJSON through encoding/json: decoded (numbers as
// json.Number) and written again.
func canonicalJSONFull(raw json.RawMessage) json.RawMessage {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "float64", "float32", "int", "int64", "int32":
		return "number"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr", "pointer":
		return "object"
	}
	return goKind
}

// ParseDecimal checks a non-negative decimal amount (ParseAmount's forms) with at
// most two decimals and returns it in minor units (e.g. "99.5" → 9950).
func ParseDecimal(s string) (int64, error) {
	a, err := ParseAmount(s)
	if err != nil || a.Neg {
		return 0, fmt.Errorf("%q is not a non-negative decimal amount with at most two decimals", s)
	}
	return a.Minor()
}

// FormatDecimal formats minor units as a decimal with two decimals.
func FormatDecimal(minor int64) string { return Money(minor).String() }
