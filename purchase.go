package orderhub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Purchase is a validated External Purchase (seed 000): a purchase made in a
// publisher's own system, sent by a HOOK source (directly or through a Zap).
//
// Rules beyond the seed's field list:
//   - The product is productId, or the pair sku + poId resolved through the vendor's
//     product mappings. When both are sent, productId decides, and a mapping of
//     sku + poId that exists must point at the same product.
//   - startsAt and endsAt are ISO 8601 date-times (RFC 3339, with or without
//     fractional seconds, any offset) or plain dates (midnight UTC). The seed labels
//     startsAt both "Required" and "Optional": orderhub treats it as optional, and a
//     missing startsAt means "now" (the time the purchase is accepted). endsAt is
//     optional and must lie after startsAt.
//   - The customer is the vendor's customer with id userId, else the one with
//     publisherUserId, else the one with email; a new one is created when none
//     matches (an unknown userId alone is an error: there is nothing to create the
//     customer from). At least one of the three must be sent.
//   - Empty strings (and null) in optional fields mean "absent"; numbers are accepted
//     where the seed has text (Zapier sends numeric-looking values as numbers).
type Purchase struct {
	SourceID            string   `json:"source"`
	VendorID            string   `json:"vendorId"`
	PublisherPurchaseID string   `json:"publisherPurchaseId,omitempty"`
	ProductID           string   `json:"productId,omitempty"`
	SKU                 string   `json:"sku,omitempty"`
	POID                string   `json:"poId,omitempty"`
	StartsAt            string   `json:"startsAt,omitempty"` // normalised (UTC, RFC 3339); empty when not sent
	EndsAt              string   `json:"endsAt,omitempty"`
	FirstName           string   `json:"firstName,omitempty"`
	LastName            string   `json:"lastName,omitempty"`
	Email               string   `json:"email,omitempty"`
	UserID              string   `json:"userId,omitempty"`
	PublisherUserID     string   `json:"publisherUserId,omitempty"`
	Notes               string   `json:"notes,omitempty"`
	DeliveryAddress     *Address `json:"deliveryAddress,omitempty"`
	BillingAddress      *Address `json:"billingAddress,omitempty"`

	// Start is startsAt, or the time the purchase was parsed when startsAt is absent.
	Start time.Time `json:"-"`
	// End is endsAt; nil when absent.
	End *time.Time `json:"-"`
	// Delayed is set when Start falls on a later day (UTC) than the purchase.
	Delayed bool `json:"-"`
	// Fingerprint identifies the purchase's content as sent (a defaulted startsAt is
	// not part of it): a replay under the same publisherPurchaseId with another
	// fingerprint is a conflict.
	Fingerprint string `json:"-"`
}

// PurchaseResult is the answer of the purchase hook and the stored record of a
// purchase.
type PurchaseResult struct {
	PurchaseID          string    `json:"purchaseId"`
	ContractID          string    `json:"contractId"`
	CustomerID          string    `json:"customerId"`
	VendorID            string    `json:"vendorId"`
	SourceID            string    `json:"source"`
	PublisherPurchaseID string    `json:"publisherPurchaseId,omitempty"`
	ProductID           string    `json:"productId"`
	PurchaseOptionID    string    `json:"purchaseOptionId,omitempty"`
	StartsAt            string    `json:"startsAt"`
	EndsAt              string    `json:"endsAt,omitempty"`
	CreatedAt           time.Time `json:"createdAt"`
	// Replayed is set when the answer is that of an earlier identical request.
	Replayed bool `json:"-"`
}

// MaxNotes bounds the notes of a purchase (characters).
const MaxNotes = 4000

// maxText bounds names and address lines (characters).
const maxText = 200

// wireText is a JSON string, or a JSON number kept verbatim; null is absent. Other
// JSON types are a type error naming the field.
type wireText string

func (t *wireText) UnmarshalJSON(b []byte) error {
	s, _, null, err := jsonScalar(b)
	if err == nil && !null {
		*t = wireText(s)
	}
	return err
}

type wirePurchase struct {
	Source              wireText `json:"source"`
	VendorID            wireText `json:"vendorId"`
	PublisherPurchaseID wireText `json:"publisherPurchaseId"`
	SKU                 wireText `json:"sku"`
	POID                wireText `json:"poId"`
	ProductID           wireText `json:"productId"`
	StartsAt            wireText `json:"startsAt"`
	EndsAt              wireText `json:"endsAt"`
	FirstName           wireText `json:"firstName"`
	LastName            wireText `json:"lastName"`
	Email               wireText `json:"email"`
	UserID              wireText `json:"userId"`
	PublisherUserID     wireText `json:"publisherUserId"`
	Notes               wireText `json:"notes"`

	DeliveryAddressFirstName wireText `json:"deliveryAddressFirstName"`
	DeliveryAddressLastName  wireText `json:"deliveryAddressLastName"`
	DeliveryAddressCo        wireText `json:"deliveryAddressCo"`
	DeliveryAddressStreet    wireText `json:"deliveryAddressStreet"`
	DeliveryAddressCity      wireText `json:"deliveryAddressCity"`
	DeliveryAddressZip       wireText `json:"deliveryAddressZip"`
	DeliveryAddressCountry   wireText `json:"deliveryAddressCountry"`

	BillingAddressFirstName wireText `json:"billingAddressFirstName"`
	BillingAddressLastName  wireText `json:"billingAddressLastName"`
	BillingAddressCo        wireText `json:"billingAddressCo"`
	BillingAddressStreet    wireText `json:"billingAddressStreet"`
	BillingAddressCity      wireText `json:"billingAddressCity"`
	BillingAddressZip       wireText `json:"billingAddressZip"`
	BillingAddressCountry   wireText `json:"billingAddressCountry"`
}

// ParsePurchase decodes and validates the JSON body of an External Purchase hook
// call. now is the time the purchase is accepted: the start of a purchase without
// startsAt. Errors are *Error values naming the field at fault. The source, vendor,
// product and customer references are resolved by the store.
func ParsePurchase(body []byte, now time.Time) (*Purchase, error) {
	var w wirePurchase
	if err := ReadJSON(body, &w, JSONOptions{}); err != nil {
		return nil, err
	}
	p := &Purchase{}
	var err error
	// Free text (notes, the c/o and street lines) may hold line breaks; the
	// other fields are line text (see text.go).
	text := func(dst *string, field string, v wireText, max int) {
		if err != nil {
			return
		}
		s := strings.TrimSpace(string(v))
		free := field == "notes" || strings.HasSuffix(field, "AddressCo") || strings.HasSuffix(field, "AddressStreet")
		if rule := TextRule(s, free); rule != "" {
			err = FieldError(EInvalidRequest, field, "%s %s.", field, rule)
			return
		}
		if utf8.RuneCountInString(s) > max {
			err = FieldError(EInvalidRequest, field, "%s must be at most %d characters.", field, max)
			return
		}
		*dst = s
	}
	text(&p.SourceID, "source", w.Source, MaxExternalID)
	text(&p.VendorID, "vendorId", w.VendorID, MaxExternalID)
	text(&p.PublisherPurchaseID, "publisherPurchaseId", w.PublisherPurchaseID, MaxExternalID)
	text(&p.ProductID, "productId", w.ProductID, MaxExternalID)
	text(&p.SKU, "sku", w.SKU, MaxExternalID)
	text(&p.POID, "poId", w.POID, MaxExternalID)
	text(&p.FirstName, "firstName", w.FirstName, maxText)
	text(&p.LastName, "lastName", w.LastName, maxText)
	text(&p.UserID, "userId", w.UserID, MaxExternalID)
	text(&p.PublisherUserID, "publisherUserId", w.PublisherUserID, MaxExternalID)
	text(&p.Notes, "notes", w.Notes, MaxNotes)
	var email, startsAt, endsAt string
	text(&email, "email", w.Email, 254)
	text(&startsAt, "startsAt", w.StartsAt, 64)
	text(&endsAt, "endsAt", w.EndsAt, 64)
	delivery, billing := &Address{}, &Address{}
	for _, a := range []struct {
		prefix string
		dst    *Address
		f      [7]wireText
	}{
		{"deliveryAddress", delivery, [7]wireText{w.DeliveryAddressFirstName, w.DeliveryAddressLastName, w.DeliveryAddressCo,
			w.DeliveryAddressStreet, w.DeliveryAddressCity, w.DeliveryAddressZip, w.DeliveryAddressCountry}},
		{"billingAddress", billing, [7]wireText{w.BillingAddressFirstName, w.BillingAddressLastName, w.BillingAddressCo,
			w.BillingAddressStreet, w.BillingAddressCity, w.BillingAddressZip, w.BillingAddressCountry}},
	} {
		text(&a.dst.FirstName, a.prefix+"FirstName", a.f[0], maxText)
		text(&a.dst.LastName, a.prefix+"LastName", a.f[1], maxText)
		text(&a.dst.Co, a.prefix+"Co", a.f[2], maxText)
		text(&a.dst.Street, a.prefix+"Street", a.f[3], maxText)
		text(&a.dst.City, a.prefix+"City", a.f[4], maxText)
		text(&a.dst.Zip, a.prefix+"Zip", a.f[5], 32)
		text(&a.dst.Country, a.prefix+"Country", a.f[6], 64)
	}
	if err != nil {
		return nil, err
	}

	if p.SourceID == "" {
		return nil, FieldError(EInvalidRequest, "source", "source is required: the id of a HOOK source of the vendor.")
	}
	if p.VendorID == "" {
		return nil, FieldError(EInvalidRequest, "vendorId", "vendorId is required.")
	}

	switch {
	case p.SKU != "" && p.POID == "":
		return nil, FieldError(EInvalidRequest, "poId", "sku and poId go together: poId is missing.")
	case p.POID != "" && p.SKU == "":
		return nil, FieldError(EInvalidRequest, "sku", "sku and poId go together: sku is missing.")
	case p.ProductID == "" && p.SKU == "":
		return nil, FieldError(EInvalidRequest, "productId", "A product is required: send productId, or sku and poId of a product mapping.")
	}

	if email != "" {
		e, ok := NormalizeEmail(email)
		if !ok {
			return nil, FieldError(EInvalidEmail, "email", "email %q is not a valid e-mail address.", email)
		}
		p.Email = e
	}
	if p.UserID == "" && p.PublisherUserID == "" && p.Email == "" {
		return nil, FieldError(EInvalidRequest, "email", "A customer is required: send userId, publisherUserId or email.")
	}

	p.Start = now.UTC().Truncate(time.Microsecond) // the store keeps microseconds
	if startsAt != "" {
		t, err := parseInstant("startsAt", startsAt)
		if err != nil {
			return nil, err
		}
		p.Start = t
		p.StartsAt = t.Format(time.RFC3339Nano)
	}
	if endsAt != "" {
		t, err := parseInstant("endsAt", endsAt)
		if err != nil {
			return nil, err
		}
		if !t.After(p.Start) {
			if p.StartsAt == "" {
				return nil, FieldError(EInvalidDate, "endsAt", "endsAt %q must lie after startsAt, which is now when not sent.", endsAt)
			}
			return nil, FieldError(EInvalidDate, "endsAt", "endsAt %q must lie after startsAt %q.", endsAt, startsAt)
		}
		p.End = &t
		p.EndsAt = t.Format(time.RFC3339Nano)
	}
	p.Delayed = p.Start.Truncate(24 * time.Hour).After(now.UTC().Truncate(24 * time.Hour))

	for _, a := range []struct {
		field string
		addr  *Address
		dst   **Address
	}{{"deliveryAddressCountry", delivery, &p.DeliveryAddress}, {"billingAddressCountry", billing, &p.BillingAddress}} {
		if a.addr.Country != "" {
			c, ok := NormalizeCountry(a.addr.Country)
			if !ok {
				return nil, FieldError(EInvalidAddress, a.field, "%s %q is not an ISO 3166-1 alpha-2 country code such as SE.", a.field, a.addr.Country)
			}
			a.addr.Country = c
		}
		if !a.addr.IsZero() {
			*a.dst = a.addr
		}
	}

	fp, _ := json.Marshal(p)
	sum := sha256.Sum256(fp)
	p.Fingerprint = hex.EncodeToString(sum[:])
	return p, nil
}

// parseInstant parses an ISO 8601 date-time (RFC 3339, with or without fractional
// seconds) or a plain date (midnight UTC), between the years 1900 and 2200.
func parseInstant(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, FieldError(EInvalidDate, field, "%s %q is not an ISO 8601 date-time such as 2022-11-08T12:49:11.190Z.", field, s)
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

// Customer returns the customer record the purchase describes. Names fall back to
// those of the delivery address, then the billing address.
func (p *Purchase) Customer() *Customer {
	c := &Customer{Email: p.Email, PublisherUserID: p.PublisherUserID, FirstName: p.FirstName, LastName: p.LastName,
		Address: p.DeliveryAddress, BillingAddress: p.BillingAddress}
	for _, a := range []*Address{p.DeliveryAddress, p.BillingAddress} {
		if c.FirstName == "" && c.LastName == "" && a != nil {
			c.FirstName, c.LastName = a.FirstName, a.LastName
		}
	}
	c.FullName = strings.TrimSpace(c.FirstName + " " + c.LastName)
	return c
}
