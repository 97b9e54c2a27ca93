package orderhub

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Product is something a vendor sells (seed 000's productId).
type Product struct {
	ID        string    `json:"id"`
	VendorID  string    `json:"vendorId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// PurchaseOption is one way to buy a product: a price and billing period (Sesamy's
// purchaseOptionId, seed 000's poId).
type PurchaseOption struct {
	ID            string    `json:"id"`
	VendorID      string    `json:"vendorId"`
	ProductID     string    `json:"productId"`
	Name          string    `json:"name"`
	Price         string    `json:"price,omitempty"`    // decimal, e.g. "99.00"; empty when not priced
	Currency      string    `json:"currency,omitempty"` // ISO 4217, with a price
	BillingPeriod string    `json:"billingPeriod,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
}

// ProductMapping maps a publisher's (sku, poId) pair onto one of the vendor's
// products, and optionally onto one purchase option of that product. The purchase
// hook resolves sku + poId through it.
type ProductMapping struct {
	VendorID         string    `json:"vendorId"`
	SKU              string    `json:"sku"`
	POID             string    `json:"poId"`
	ProductID        string    `json:"productId"`
	PurchaseOptionID string    `json:"purchaseOptionId,omitempty"`
	CreatedAt        time.Time `json:"createdAt"`
}

// Source types. HOOK is the only one today: a publisher's system (or a Zap) posting
// purchases to POST /hooks/purchases.
const SourceTypeHook = "HOOK"

// SourceTypes lists the known source types.
var SourceTypes = []string{SourceTypeHook}

// Source is an external source of purchases of one vendor. Its secret authenticates
// the source's calls and is stored only as a hash.
type Source struct {
	ID        string    `json:"id"`
	VendorID  string    `json:"vendorId"`
	Type      string    `json:"type"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// DropdownItem is one choice of a Zapier dynamic dropdown.
type DropdownItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// MaxExternalID bounds identifiers chosen by a publisher's system (sku, poId,
// publisherPurchaseId, publisherUserId, …).
const MaxExternalID = 255

// ValidateSlug checks an identifier chosen by an operator (product, purchase option
// and source ids): 1–64 letters, digits, '-', '_' and '.'. what names it in errors.
func ValidateSlug(field, s string) error {
	if len(s) == 0 || len(s) > 64 {
		return FieldError(EInvalidRequest, field, "%s must be 1 to 64 characters long.", field)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return FieldError(EInvalidRequest, field, "%s %q may contain only letters, digits, '-', '_' and '.'.", field, s)
		}
	}
	return nil
}

// validExternalID checks an identifier chosen by a publisher's system: 1 to
// MaxExternalID characters of valid UTF-8 without control characters.
func validExternalID(field, s string) error {
	if s == "" {
		return FieldError(EInvalidRequest, field, "%s is required.", field)
	}
	if len(s) > MaxExternalID || !IsLineText(s) {
		return FieldError(EInvalidRequest, field, "%s must be at most %d characters of text without control characters.", field, MaxExternalID)
	}
	return nil
}

// validName trims and checks a display name: required, at most 200 characters.
func validName(field string, s *string) error {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		return FieldError(EInvalidRequest, field, "%s is required.", field)
	}
	if utf8.RuneCountInString(*s) > 200 || !IsLineText(*s) {
		return FieldError(EInvalidRequest, field, "%s must be at most 200 characters of text without control characters.", field)
	}
	return nil
}

// ValidateName trims and checks the display name of a product or source: required,
// at most 200 characters of text (the rule of their creates, for their renames).
func ValidateName(field string, s *string) error { return validName(field, s) }

// ValidateProduct checks and normalises a product. An empty ID is allowed (the
// store generates one).
func ValidateProduct(p *Product) error {
	p.ID = strings.TrimSpace(p.ID)
	if p.ID != "" {
		if err := ValidateSlug("id", p.ID); err != nil {
			return err
		}
	}
	return validName("name", &p.Name)
}

// ValidatePurchaseOption checks and normalises a purchase option. An empty ID is
// allowed (the store generates one). Price, currency and billing period are
// optional; a price needs a currency.
func ValidatePurchaseOption(o *PurchaseOption) error {
	o.ID = strings.TrimSpace(o.ID)
	if o.ID != "" {
		if err := ValidateSlug("id", o.ID); err != nil {
			return err
		}
	}
	o.ProductID = strings.TrimSpace(o.ProductID)
	if err := ValidateSlug("productId", o.ProductID); err != nil {
		return err
	}
	if err := validName("name", &o.Name); err != nil {
		return err
	}
	o.Price = strings.TrimSpace(o.Price)
	o.Currency = strings.ToUpper(strings.TrimSpace(o.Currency))
	if o.Price != "" {
		minor, err := ParseDecimal(o.Price)
		if err != nil {
			return FieldError(EInvalidRequest, "price", "price: %v.", err)
		}
		o.Price = FormatDecimal(minor)
		if o.Currency == "" {
			return FieldError(EInvalidRequest, "currency", "A price needs a currency (an ISO 4217 code such as SEK or EUR).")
		}
	}
	if o.Currency != "" && (len(o.Currency) != 3 || strings.Trim(o.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return FieldError(EInvalidRequest, "currency", "currency %q is not an ISO 4217 code such as SEK or EUR.", o.Currency)
	}
	if o.BillingPeriod != "" && !oneOf(o.BillingPeriod, BillingPeriods) {
		return FieldError(EInvalidRequest, "billingPeriod", "billingPeriod %q is not one of %s.", o.BillingPeriod, strings.Join(BillingPeriods, ", "))
	}
	return nil
}

// ValidateProductMapping checks and normalises a product mapping.
func ValidateProductMapping(m *ProductMapping) error {
	m.SKU, m.POID = strings.TrimSpace(m.SKU), strings.TrimSpace(m.POID)
	if err := validExternalID("sku", m.SKU); err != nil {
		return err
	}
	if err := validExternalID("poId", m.POID); err != nil {
		return err
	}
	m.ProductID = strings.TrimSpace(m.ProductID)
	if err := ValidateSlug("productId", m.ProductID); err != nil {
		return err
	}
	m.PurchaseOptionID = strings.TrimSpace(m.PurchaseOptionID)
	if m.PurchaseOptionID != "" {
		return ValidateSlug("purchaseOptionId", m.PurchaseOptionID)
	}
	return nil
}

// ValidateSource checks and normalises a source. An empty ID is allowed (the store
// generates one); an empty type means HOOK.
func ValidateSource(s *Source) error {
	s.ID = strings.TrimSpace(s.ID)
	if s.ID != "" {
		if err := ValidateSlug("id", s.ID); err != nil {
			return err
		}
	}
	s.Type = strings.ToUpper(strings.TrimSpace(s.Type))
	if s.Type == "" {
		s.Type = SourceTypeHook
	}
	if !oneOf(s.Type, SourceTypes) {
		return FieldError(EInvalidRequest, "type", "type %q is not one of %s.", s.Type, strings.Join(SourceTypes, ", "))
	}
	return validName("name", &s.Name)
}
