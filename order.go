package orderhub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Order statuses (seed 004). One order model serves every surface: the order event
// API (seed 004), the Zapier actions and lists (seed 003) and the connectors.
const (
	OrderInitialized = "INITIALIZED"
	OrderInProgress  = "IN_PROGRESS"
	OrderDelivered   = "DELIVERED"
	OrderCancelled   = "CANCELLED"
	OrderAbandoned   = "ABANDONED_SHOPPING_CART"
)

// OrderStatuses lists the valid order statuses.
var OrderStatuses = []string{OrderInitialized, OrderInProgress, OrderDelivered, OrderCancelled, OrderAbandoned}

// ValidOrderStatus reports whether s is one of OrderStatuses.
func ValidOrderStatus(s string) bool { return oneOf(s, OrderStatuses) }

// Money is an amount in minor units (cents, öre). It is written to JSON as a decimal
// number with two decimals (12.5 → 12.50 is written as 12.5) and read from a JSON
// number or a decimal string ("258.0", "120").
type Money int64

// MarshalJSON writes m as a JSON number.
func (m Money) MarshalJSON() ([]byte, error) {
	neg := m < 0
	if neg {
		m = -m
	}
	s := strconv.FormatInt(int64(m)/100, 10)
	if c := int64(m) % 100; c != 0 {
		s += fmt.Sprintf(".%02d", c)
		s = strings.TrimRight(s, "0")
	}
	if neg {
		s = "-" + s
	}
	return []byte(s), nil
}

// UnmarshalJSON reads a JSON number or a string holding one.
func (m *Money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
	}
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// ParseMoney reads a decimal amount exactly ("258.0", "-3", "1e2": see
// ParseAmount) with at most two significant decimals and MaxMoneyDigits integer
// digits.
func ParseMoney(s string) (Money, error) {
	a, err := ParseAmount(s)
	if err != nil {
		return 0, err
	}
	m, err := a.Minor()
	return Money(m), err
}

// String formats m with two decimals.
func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(m)/100, int64(m)%100)
}

// OrderItem is a line of an order. Cost is the unit price after discounts (seed
// 004: "If a customer buys an item with a discount, it should be placed in the
// items.cost field").
type OrderItem struct {
	ExternalItemID string          `json:"externalItemId,omitempty"`
	Name           string          `json:"name"`
	Title          string          `json:"title,omitempty"`
	Category       string          `json:"category,omitempty"`
	Description    string          `json:"description,omitempty"`
	Quantity       int             `json:"quantity"`
	Cost           Money           `json:"cost"`
	URL            string          `json:"url,omitempty"`
	ImageURL       string          `json:"imageUrl,omitempty"`
	Extra          json.RawMessage `json:"extra,omitempty"`
}

// Order is a one-off order (as opposed to a subscription Contract).
type Order struct {
	ID              string          `json:"id"`
	VendorID        string          `json:"vendorId"`
	Number          int64           `json:"number"`
	ExternalOrderID string          `json:"externalOrderId,omitempty"`
	CustomerID      string          `json:"customerId"`
	Source          string          `json:"source"`
	Status          string          `json:"status"`
	Currency        string          `json:"currency,omitempty"`
	Date            string          `json:"date,omitempty"` // as sent, e.g. 2020-05-14T10:11:00
	Subtotal        Money           `json:"subtotal"`       // derived: see ItemsSubtotal
	Shipping        Money           `json:"shipping"`
	Taxes           Money           `json:"taxes"`
	Discount        Money           `json:"discount"`
	Total           Money           `json:"total"`
	Items           []OrderItem     `json:"items"`
	BillingAddress  *Address        `json:"billingAddress,omitempty"`
	ShippingAddress *Address        `json:"shippingAddress,omitempty"`
	PaymentMethod   string          `json:"paymentMethod,omitempty"`
	DeliveryMethod  string          `json:"deliveryMethod,omitempty"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
	// ContractID links the order of a contract (a vendor order, a purchase): the
	// contract is the record, the order its view as a sale (see ContractOrder).
	ContractID string    `json:"contractId,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// OrderInput is an order to create or update, matched by (vendor, ExternalOrderID).
// Customer names the customer: matched by ID, then publisher user id, then e-mail,
// then phone; created from Customer when none matches.
type OrderInput struct {
	VendorID        string
	ExternalOrderID string
	Customer        Customer
	Source          string
	Status          string
	Currency        string
	Date            string
	Shipping        Money
	Taxes           Money
	Discount        Money
	Total           Money
	Items           []OrderItem
	BillingAddress  *Address
	ShippingAddress *Address
	PaymentMethod   string
	DeliveryMethod  string
	Metadata        json.RawMessage
}

// ItemsSubtotal is an order's subtotal: the sum of quantity × cost over its items
// (cost is the unit price after item discounts, before shipping, taxes and the
// order-level discount). It is the one definition of the derived field, whatever
// surface the order came from: the store sets Order.Subtotal from it on every write
// and every read, so no surface supplies its own.
func ItemsSubtotal(items []OrderItem) Money {
	var sum Money
	for _, it := range items {
		sum += Money(it.Quantity) * it.Cost
	}
	return sum
}

// Shipping is a shipment of an order.
type Shipping struct {
	ID             string    `json:"id"`
	VendorID       string    `json:"vendorId"`
	OrderID        string    `json:"orderId"`
	Carrier        string    `json:"carrier,omitempty"`
	TrackingNumber string    `json:"trackingNumber,omitempty"`
	TrackingURL    string    `json:"trackingUrl,omitempty"`
	ExternalID     string    `json:"externalId,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// Transaction statuses.
const (
	TransactionApproved = "approved"
	TransactionDeclined = "declined"
)

// Transaction is a payment attempt, recorded from a payment provider.
type Transaction struct {
	ID         string    `json:"id"`
	VendorID   string    `json:"vendorId"`
	CustomerID string    `json:"customerId"`
	OrderID    string    `json:"orderId,omitempty"`
	ContractID string    `json:"contractId,omitempty"`
	Status     string    `json:"status"`
	Amount     Money     `json:"amount"`
	Currency   string    `json:"currency"`
	Provider   string    `json:"provider,omitempty"`
	ExternalID string    `json:"externalId,omitempty"`
	Message    string    `json:"message,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
}

// TransactionHistory is one status change of a transaction.
type TransactionHistory struct {
	ID            string    `json:"id"`
	VendorID      string    `json:"vendorId"`
	TransactionID string    `json:"transactionId"`
	Status        string    `json:"status"`
	Message       string    `json:"message,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
}

// Survey is a lead-capture survey (seed 003's survey shape).
type Survey struct {
	ID              string          `json:"id"`
	VendorID        string          `json:"vendorId"`
	Title           string          `json:"title"`
	Description     string          `json:"description,omitempty"`
	Take            string          `json:"take,omitempty"`
	CaptureName     bool            `json:"captureName"`
	CapturePhone    bool            `json:"capturePhone"`
	CaptureAtEnd    bool            `json:"captureAtEnd"`
	Status          bool            `json:"status"`
	StartQuestionID *string         `json:"startQuestionId"`
	LeadCapture     string          `json:"leadCapture,omitempty"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
	CreatedAt       time.Time       `json:"createdAt"`
}

// ContractOrder is the order a contract makes (issue 16): a vendor order (seed
// 001) or a purchase (seed 000) is a sale like any other, so it is an order too,
// created with its contract and emitting order-created. The contract stays the
// record of the subscription; the order is its view as a sale: one item (the
// product, at unit × the contract's quantity), the contract's status as an order
// status, its origin as the source, and no externalOrderId of its own (the
// contract's is in the metadata, so that it cannot collide with an order of
// another surface). unit is the price of one (0 when unknown).
func ContractOrder(c *Contract, unit Money, currency string) Order {
	q := max(c.Quantity, 1)
	total, ok := AddLine(0, q, unit)
	if !ok {
		unit, total = 0, 0
	}
	item := OrderItem{ExternalItemID: c.PromoCode, Name: c.ProductName, Quantity: q, Cost: unit}
	// The metadata: {contractId, origin} and the non-empty of externalOrderId,
	// promoCode and startDate, as json.Marshal writes such a map[string]string.
	b := contractOrderMetadata(c)
	return Order{
		VendorID: c.VendorID, CustomerID: c.UserID, Source: c.Origin, Status: ContractOrderStatus(c.Status), Currency: currency,
		Subtotal: total, Total: total, Items: []OrderItem{item}, PaymentMethod: c.PaymentMethod,
		Metadata: b, ContractID: c.ID,
	}
}

// ContractOrderStatus maps a contract status onto the order statuses: a pending
// contract is INITIALIZED, a confirmed one IN_PROGRESS, a canceled one CANCELLED,
// an ended one DELIVERED.
func ContractOrderStatus(s string) string {
	switch s {
	case ContractConfirmed:
		return OrderInProgress
	case ContractCanceled:
		return OrderCancelled
	case ContractEnded:
		return OrderDelivered
	}
	return OrderInitialized
}
