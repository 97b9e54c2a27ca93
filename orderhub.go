// Package orderhub holds the domain of the orderhub integration hub: the types every
// surface shares (vendors, clients, customers, contracts, events), the validation of
// inbound commands, and the error codes. It imports only the standard library;
// storage (sqlstore), HTTP (httpapi) and delivery (delivery) adapt it.
package orderhub

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// Vendor is the tenant. Everything else belongs to exactly one vendor.
type Vendor struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Scopes understood by orderhub's OAuth2 token endpoint.
const (
	// ScopeVendorOrders grants the Vendor Order API (seed 001).
	ScopeVendorOrders = "paymentsContractThirdPartyOnboarding"
	// ScopeVendorOrdersLegacy is the spelling of an older Sesamy page; accepted as an
	// alias of ScopeVendorOrders.
	ScopeVendorOrdersLegacy = "payments:contract:third-party-onboarding"
	// ScopeExternalPurchases grants the purchase hook (seed 000).
	ScopeExternalPurchases = "externalPurchases"
	// ScopeSalesmanago grants the SALESmanago integration API (seed 002).
	ScopeSalesmanago = "salesmanago"
	// ScopeEvents grants the order event API (seed 004).
	ScopeEvents = "events"
)

// KnownScopes lists every scope a client may be given.
var KnownScopes = []string{ScopeVendorOrders, ScopeExternalPurchases, ScopeSalesmanago, ScopeEvents}

// NormalizeScope maps scope aliases onto their canonical name.
func NormalizeScope(s string) string {
	if s == ScopeVendorOrdersLegacy {
		return ScopeVendorOrders
	}
	return s
}

// Client is an OAuth2 client (client credentials grant) bound to one vendor.
type Client struct {
	ID        string     `json:"clientId"`
	VendorID  string     `json:"vendorId"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

// Delivery kinds of a promo code's product.
const (
	DeliveryDigital = "digital"
	DeliveryPrint   = "print"
	DeliveryBundle  = "bundle" // print + digital
)

// Billing periods of a promo code.
var BillingPeriods = []string{"week", "month", "quarter", "half-year", "year"}

// PromoCode is a product at a price and billing period, offered through the Vendor
// Order API under a code.
type PromoCode struct {
	VendorID      string    `json:"vendorId"`
	Code          string    `json:"code"`
	ProductName   string    `json:"productName"`
	Price         string    `json:"price"` // decimal, e.g. "99.00"
	Currency      string    `json:"currency"`
	BillingPeriod string    `json:"billingPeriod"`
	BindingMonths int       `json:"bindingMonths"`
	Delivery      string    `json:"delivery"`
	CreatedAt     time.Time `json:"createdAt"`
	// Active is false once the code is deactivated (DeactivatedAt): it refuses new
	// orders but stays readable for its contracts' events. Both are set by the store;
	// a create ignores them.
	Active        bool       `json:"active"`
	DeactivatedAt *time.Time `json:"deactivatedAt,omitempty"`
}

// Address is a postal address as orderhub stores it.
type Address struct {
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Co        string `json:"co,omitempty"`
	Street    string `json:"street,omitempty"`
	Street2   string `json:"street2,omitempty"`
	Zip       string `json:"zip,omitempty"`
	City      string `json:"city,omitempty"`
	State     string `json:"state,omitempty"`
	Country   string `json:"country,omitempty"`
}

// IsZero reports whether no field of a is set.
func (a *Address) IsZero() bool { return a == nil || *a == Address{} }

// Customer is a contact of a vendor: a subscriber, a payer or a buyer.
type Customer struct {
	ID              string          `json:"customerId"`
	VendorID        string          `json:"vendorId"`
	Email           string          `json:"email,omitempty"`
	FullName        string          `json:"fullName,omitempty"`
	FirstName       string          `json:"firstName,omitempty"`
	LastName        string          `json:"lastName,omitempty"`
	Phone           string          `json:"phone,omitempty"`
	PublisherUserID string          `json:"publisherUserId,omitempty"`
	Address         *Address        `json:"address,omitempty"`
	BillingAddress  *Address        `json:"billingAddress,omitempty"`
	ExtraData       json.RawMessage `json:"extraData,omitempty"`
	CreatedAt       time.Time       `json:"createdAt"`
	UpdatedAt       time.Time       `json:"updatedAt"`
}

// Contract statuses.
const (
	ContractCreated   = "CREATED"
	ContractConfirmed = "CONFIRMED"
	ContractCanceled  = "CANCELED"
	ContractEnded     = "ENDED"
)

// Contract origins: the surface a contract came in through.
const (
	OriginVendorOrder      = "vendor-order"
	OriginExternalPurchase = "external-purchase"
)

// Contract is a subscription contract.
type Contract struct {
	ID                      string          `json:"contractId"`
	VendorID                string          `json:"vendorId"`
	ExternalOrderID         string          `json:"externalOrderId,omitempty"`
	PromoCode               string          `json:"promoCode,omitempty"`
	ProductName             string          `json:"productName,omitempty"`
	Status                  string          `json:"status"`
	Origin                  string          `json:"origin"`
	SourceID                string          `json:"sourceId,omitempty"`
	Quantity                int             `json:"quantity"`
	PaymentMethod           string          `json:"paymentMethod,omitempty"`
	PaymentProvider         string          `json:"paymentProvider,omitempty"`
	StartDate               string          `json:"startDate,omitempty"`
	DelayedContractStartsAt string          `json:"delayedContractStartsAt,omitempty"`
	EndsAt                  string          `json:"endsAt,omitempty"`
	UserID                  string          `json:"userId"`
	PayerID                 string          `json:"payerId"`
	UserEmail               string          `json:"userEmail,omitempty"`
	ExtraData               json.RawMessage `json:"extraData,omitempty"`
	OwnerData               json.RawMessage `json:"ownerData,omitempty"`
	VendorData              json.RawMessage `json:"vendorData,omitempty"`
	CreatedAt               time.Time       `json:"createdAt"`
	ConfirmedAt             *time.Time      `json:"confirmedAt,omitempty"`
	CanceledAt              *time.Time      `json:"canceledAt,omitempty"`
}

// Event types written to the outbox.
const (
	EventCustomerCreated   = "customer-created"
	EventCustomerUpdated   = "customer-updated"
	EventContractCreated   = "contract-created"
	EventContractConfirmed = "contract-confirmed"
	EventContractCanceled  = "contract-canceled"

	EventOrderCreated        = "order-created"
	EventOrderUpdated        = "order-updated"
	EventShippingCreated     = "shipping-created"
	EventShippingUpdated     = "shipping-updated"
	EventTransactionApproved = "transaction-approved"
	EventTransactionDeclined = "transaction-declined"
	EventSurveyCreated       = "survey-created"
)

// Event is an immutable fact, written in the same transaction as the change it
// records (the transactional outbox). Seq increases by one per vendor; OrderingKey
// names what the event is about (a customer or order id): deliveries with one key
// arrive in Seq order.
type Event struct {
	ID          string          `json:"id"`
	VendorID    string          `json:"vendorId"`
	Seq         int64           `json:"seq"`
	Type        string          `json:"type"`
	OrderingKey string          `json:"orderingKey"`
	Data        json.RawMessage `json:"data"`
	CreatedAt   time.Time       `json:"createdAt"`
}

// NewUUID returns a time-ordered (version 7) UUID string: 48 bits of Unix
// milliseconds, then random bits. Ids of records created close together sort
// together, so inserts touch the right edge of each B-tree index instead of a random
// page: far fewer pages to write per commit than with random (version 4) UUIDs.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[6:])
	ms := uint64(time.Now().UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// NewID returns a time-ordered identifier with a type prefix, e.g. "evt_0195…":
// 48 bits of Unix milliseconds and 48 random bits, in hex. Not a secret: use
// NewSecret for credentials.
func NewID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[6:])
	ms := uint64(time.Now().UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	return prefix + "_" + hex.EncodeToString(b[:])
}

// RandomHex returns n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewSecret returns a credential: prefix followed by 192 random bits in hex.
func NewSecret(prefix string) string { return prefix + RandomHex(24) }

// ValidatePromoCode checks a promo code's fields and normalises them.
func ValidatePromoCode(p *PromoCode) error {
	p.Code = strings.TrimSpace(p.Code)
	if p.Code == "" || len(p.Code) > 64 || strings.ContainsAny(p.Code, "/?#% ") {
		return FieldError(EInvalidRequest, "code", "A promo code must be 1 to 64 characters without '/', '?', '#', '%%' or spaces.")
	}
	if strings.TrimSpace(p.ProductName) == "" {
		return FieldError(EInvalidRequest, "productName", "A promo code needs a product name.")
	}
	minor, err := ParseDecimal(p.Price)
	if err != nil {
		return FieldError(EInvalidRequest, "price", "Price: %v.", err)
	}
	p.Price = FormatDecimal(minor)
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	if len(p.Currency) != 3 || strings.Trim(p.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return FieldError(EInvalidRequest, "currency", "Currency %q is not an ISO 4217 code such as SEK or EUR.", p.Currency)
	}
	if !oneOf(p.BillingPeriod, BillingPeriods) {
		return FieldError(EInvalidRequest, "billingPeriod", "Billing period %q is not one of %s.", p.BillingPeriod, strings.Join(BillingPeriods, ", "))
	}
	if p.BindingMonths < 0 || p.BindingMonths > 120 {
		return FieldError(EInvalidRequest, "bindingMonths", "The binding period must be 0 to 120 months.")
	}
	if !oneOf(p.Delivery, []string{DeliveryDigital, DeliveryPrint, DeliveryBundle}) {
		return FieldError(EInvalidRequest, "delivery", "Delivery %q is not one of digital, print, bundle.", p.Delivery)
	}
	return nil
}
