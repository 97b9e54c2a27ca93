// Package zapier shapes orderhub's records as the items of its Zapier API (seed
// 003): the trigger events a Zap can subscribe to, the orderhub event types behind
// each, and ONE mapping from orderhub records to Zapier items. That mapping builds
// both the perform lists (GET /api/zapier/{list}) and the body of every hook
// delivered to a Zapier channel, so a Zap built from a sample matches live data.
//
// The item of an event is sent as the JSON object itself (not wrapped in an
// array): the app's perform returns [bundle.cleanedRequest].
package zapier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"orderhub"
)

// Item kinds: one per perform list.
const (
	KindCustomer           = "customer"
	KindOrder              = "order"
	KindShipping           = "shipping"
	KindSubscription       = "subscription"
	KindTransaction        = "transaction"
	KindTransactionHistory = "transaction-history"
	KindSurvey             = "survey"
)

// Event is a trigger event of the Zapier API: a channel subscribes to one.
type Event struct {
	// Name is the channel's event (seed 003's `event`), e.g. "order-created".
	Name string `json:"event"`
	// Label names the trigger for people.
	Label string `json:"label"`
	// Types are the orderhub event types delivered to the channel.
	Types []string `json:"types"`
	// List is the perform list whose items have the shape of the hook's body.
	List string `json:"list"`
}

// Events are the trigger events, in the order the app lists them.
var Events = []Event{
	{"customer-created", "New Customer", []string{orderhub.EventCustomerCreated}, "customers"},
	{"customer-updated", "Updated Customer", []string{orderhub.EventCustomerUpdated}, "customers"},
	{"order-created", "New Order", []string{orderhub.EventOrderCreated}, "orders"},
	{"order-updated", "Updated Order", []string{orderhub.EventOrderUpdated}, "orders"},
	{"shipping-created", "New Shipping", []string{orderhub.EventShippingCreated}, "shippings"},
	{"shipping-updated", "Updated Shipping", []string{orderhub.EventShippingUpdated}, "shippings"},
	// A subscription is a contract (seed 001 vendor orders, seed 000 purchases).
	// subscription-created fires for every new contract, pending or already
	// confirmed (its status says which); subscription-activated when a pending one
	// is confirmed later (and for contracts confirmed at creation, after
	// subscription-created).
	{"subscription-created", "New Subscription", []string{orderhub.EventContractCreated}, "subscriptions"},
	{"subscription-activated", "Activated Subscription", []string{orderhub.EventContractConfirmed}, "subscriptions"},
	{"subscription-canceled", "Canceled Subscription", []string{orderhub.EventContractCanceled}, "subscriptions"},
	{"transaction-approved", "Approved Transaction", []string{orderhub.EventTransactionApproved}, "transactions"},
	{"transaction-declined", "Declined Transaction", []string{orderhub.EventTransactionDeclined}, "transactions"},
	{"survey-created", "New Survey", []string{orderhub.EventSurveyCreated}, "surveys"},
}

// LookupEvent returns the trigger event called name.
func LookupEvent(name string) (*Event, bool) {
	for i := range Events {
		if Events[i].Name == name {
			return &Events[i], true
		}
	}
	return nil, false
}

// EventNames lists the trigger events' names.
func EventNames() []string {
	out := make([]string, len(Events))
	for i, e := range Events {
		out[i] = e.Name
	}
	return out
}

// Lists maps each perform list to the kind of its items.
var Lists = map[string]string{
	"customers":             KindCustomer,
	"orders":                KindOrder,
	"shippings":             KindShipping,
	"subscriptions":         KindSubscription,
	"surveys":               KindSurvey,
	"transactions":          KindTransaction,
	"transaction-histories": KindTransactionHistory,
}

// ListNames lists the perform lists in a stable order.
var ListNames = []string{"customers", "orders", "shippings", "subscriptions", "surveys", "transactions", "transaction-histories"}

// KindOfEvent returns the item kind of an orderhub event type ("" when it has none).
func KindOfEvent(eventType string) string {
	switch {
	case strings.HasPrefix(eventType, "customer-"):
		return KindCustomer
	case strings.HasPrefix(eventType, "order-"):
		return KindOrder
	case strings.HasPrefix(eventType, "shipping-"):
		return KindShipping
	case strings.HasPrefix(eventType, "contract-"):
		return KindSubscription
	case strings.HasPrefix(eventType, "transaction-"):
		return KindTransaction
	case eventType == orderhub.EventSurveyCreated:
		return KindSurvey
	}
	return ""
}

// Store is what the mapping looks up besides the record itself (orderhub.Store's
// sub-stores).
type Store interface {
	GetCustomer(ctx context.Context, vendorID, id string) (*orderhub.Customer, error)
	GetOrder(ctx context.Context, vendorID, id string) (*orderhub.Order, error)
	GetTransaction(ctx context.Context, vendorID, id string) (*orderhub.Transaction, error)
	GetPromoCode(ctx context.Context, vendorID, code string) (*orderhub.PromoCode, error)
	CustomerStats(ctx context.Context, vendorID, customerID string) (orderhub.Money, int, error)
}

// Mapper turns orderhub records into Zapier items.
type Mapper struct {
	Store Store
	// Now is the current time (on_grace_period of subscriptions); default time.Now.
	Now func() time.Time
}

func (m *Mapper) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Body returns the hook body of an orderhub event for a Zapier channel: the item of
// the event's record. Events without an item shape are sent as their data.
func (m *Mapper) Body(ctx context.Context, vendorID, eventType string, data json.RawMessage) ([]byte, error) {
	kind := KindOfEvent(eventType)
	if kind == "" {
		if len(data) == 0 {
			return []byte("null"), nil
		}
		return data, nil
	}
	item, err := m.Item(ctx, vendorID, kind, data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(item)
}

// Item returns the Zapier item of a record of the given kind, given as the JSON of
// the orderhub record (an event's data, or a listed record marshalled).
func (m *Mapper) Item(ctx context.Context, vendorID, kind string, data json.RawMessage) (any, error) {
	switch kind {
	case KindCustomer:
		var c orderhub.Customer
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("zapier: customer data: %w", err)
		}
		return m.customer(ctx, vendorID, &c)
	case KindOrder:
		var o orderhub.Order
		if err := json.Unmarshal(data, &o); err != nil {
			return nil, fmt.Errorf("zapier: order data: %w", err)
		}
		return m.order(ctx, vendorID, &o)
	case KindShipping:
		var s orderhub.Shipping
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("zapier: shipping data: %w", err)
		}
		return m.shipping(ctx, vendorID, &s)
	case KindSubscription:
		var c orderhub.Contract
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("zapier: contract data: %w", err)
		}
		return m.subscription(ctx, vendorID, &c)
	case KindTransaction:
		var t orderhub.Transaction
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, fmt.Errorf("zapier: transaction data: %w", err)
		}
		return m.transaction(ctx, vendorID, &t)
	case KindTransactionHistory:
		var h orderhub.TransactionHistory
		if err := json.Unmarshal(data, &h); err != nil {
			return nil, fmt.Errorf("zapier: transaction history data: %w", err)
		}
		return m.history(ctx, vendorID, &h)
	case KindSurvey:
		var s orderhub.Survey
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("zapier: survey data: %w", err)
		}
		return surveyItem(&s), nil
	}
	return nil, fmt.Errorf("zapier: no item shape for %q", kind)
}

// Time formats of the items: the seed's "2024-07-30 12:12:16" (UTC) for created_at
// and the like, "2024-08-12" for dates, RFC 3339 for customer_since.
const (
	dateTimeFormat = "2006-01-02 15:04:05"
	dateFormat     = "2006-01-02"
)

func dateTime(t time.Time) string { return t.UTC().Format(dateTimeFormat) }

func nullableTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := dateTime(*t)
	return &s
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// isObject reports whether raw is a JSON object (metadata fields are an object or null).
func isObject(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

func isNotFound(err error) bool {
	switch orderhub.ErrorCode(err) {
	case orderhub.ENotFound, orderhub.EPromoCodeNotFound, orderhub.EContractNotFound:
		return true
	}
	return false
}

// CustomerItem is the item of the customers list and the customer-* hooks
// (seed 003's "Response for customers", plus phone, address and updated_at).
type CustomerItem struct {
	FirstName        string         `json:"first_name"`
	LastName         string         `json:"last_name"`
	Email            string         `json:"email"`
	ID               string         `json:"id"`
	URL              *string        `json:"url"`
	Type             string         `json:"type"`
	Date             string         `json:"date"`
	CustomerSince    string         `json:"customer_since"`
	LifetimeValue    orderhub.Money `json:"lifetime_value"`
	ActivationsCount int            `json:"activations_count"`
	Phone            *string        `json:"phone"`
	ExternalID       *string        `json:"external_id"`
	Address          *AddressItem   `json:"address"`
	UpdatedAt        string         `json:"updated_at"`
}

// AddressItem is an address as the seed's actions write it.
type AddressItem struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Line1     string `json:"line1"`
	Line2     string `json:"line2"`
	City      string `json:"city"`
	State     string `json:"state"`
	ZipCode   string `json:"zip_code"`
	Country   string `json:"country"`
}

func addressItem(a *orderhub.Address) *AddressItem {
	if a.IsZero() {
		return nil
	}
	return &AddressItem{FirstName: a.FirstName, LastName: a.LastName, Line1: a.Street, Line2: a.Street2, City: a.City, State: a.State, ZipCode: a.Zip, Country: a.Country}
}

// names returns a customer's first and last name, split from the full name when
// only that is known.
func names(c *orderhub.Customer) (string, string) {
	if c.FirstName != "" || c.LastName != "" || c.FullName == "" {
		return c.FirstName, c.LastName
	}
	first, last, _ := strings.Cut(strings.TrimSpace(c.FullName), " ")
	return first, strings.TrimSpace(last)
}

func (m *Mapper) customer(ctx context.Context, vendorID string, c *orderhub.Customer) (*CustomerItem, error) {
	ltv, n, err := m.Store.CustomerStats(ctx, vendorID, c.ID)
	if err != nil {
		return nil, err
	}
	first, last := names(c)
	addr := c.Address
	if addr.IsZero() {
		addr = c.BillingAddress
	}
	return &CustomerItem{
		FirstName: first, LastName: last, Email: c.Email, ID: c.ID, Type: "customer",
		Date: c.CreatedAt.UTC().Format(dateFormat), CustomerSince: c.CreatedAt.UTC().Format(time.RFC3339),
		LifetimeValue: ltv, ActivationsCount: n, Phone: nullable(c.Phone), ExternalID: nullable(c.PublisherUserID),
		Address: addressItem(addr), UpdatedAt: dateTime(c.UpdatedAt),
	}, nil
}

// PersonItem is the customer an order, subscription or transaction belongs to.
type PersonItem struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Phone     *string `json:"phone"`
}

func (m *Mapper) person(ctx context.Context, vendorID, id string) (*PersonItem, error) {
	if id == "" {
		return nil, nil
	}
	c, err := m.Store.GetCustomer(ctx, vendorID, id)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	first, last := names(c)
	return &PersonItem{ID: c.ID, Email: c.Email, FirstName: first, LastName: last, Phone: nullable(c.Phone)}, nil
}

// OrderItem is the item of the orders list and the order-* hooks: the seed's order
// (the `order` of "Create shipping tracking info update"), plus the customer, the
// items and the addresses.
type OrderItem struct {
	ID                  string          `json:"id"`
	Number              int64           `json:"number"`
	Type                *string         `json:"type"`
	Source              string          `json:"source"`
	Env                 string          `json:"env"`
	ReceiptSentAt       *string         `json:"receipt_sent_at"`
	IsShippable         bool            `json:"is_shippable"`
	SubtotalPreTax      orderhub.Money  `json:"subtotal_pre_tax"`
	ShippingPreTax      orderhub.Money  `json:"shipping_pre_tax"`
	Subtotal            orderhub.Money  `json:"subtotal"`
	Discount            orderhub.Money  `json:"discount"`
	Shipping            orderhub.Money  `json:"shipping"`
	Taxes               orderhub.Money  `json:"taxes"`
	Total               orderhub.Money  `json:"total"`
	Metadata            json.RawMessage `json:"metadata"`
	Recurrent           bool            `json:"recurrent"`
	PaymentMethod       *string         `json:"payment_method"`
	Coupon              *string         `json:"coupon"`
	CreatedAt           string          `json:"created_at"`
	ShippingOverwritten bool            `json:"shipping_overwritten"`
	LucasCallSid        *string         `json:"lucas_call_sid"`
	ExternalID          *string         `json:"external_id"`
	Status              string          `json:"status"`
	Currency            *string         `json:"currency"`
	Date                *string         `json:"date"`
	UpdatedAt           string          `json:"updated_at"`
	Customer            *PersonItem     `json:"customer"`
	Items               []LineItem      `json:"items"`
	BillingAddress      *AddressItem    `json:"billing_address"`
	ShippingAddress     *AddressItem    `json:"shipping_address"`
}

// LineItem is an order line as the seed's "Create lead with order note" writes it.
type LineItem struct {
	Name     string         `json:"name"`
	Title    string         `json:"title"`
	Quantity int            `json:"quantity"`
	Price    orderhub.Money `json:"price"`
}

// Env is the `env` of orders and subscriptions: orderhub has no test mode.
const Env = "live"

func (m *Mapper) order(ctx context.Context, vendorID string, o *orderhub.Order) (*OrderItem, error) {
	p, err := m.person(ctx, vendorID, o.CustomerID)
	if err != nil {
		return nil, err
	}
	it := &OrderItem{
		ID: o.ID, Number: o.Number, Source: o.Source, Env: Env,
		IsShippable:    !o.ShippingAddress.IsZero() || o.Shipping > 0,
		SubtotalPreTax: o.Subtotal, ShippingPreTax: o.Shipping, Subtotal: o.Subtotal, Discount: o.Discount,
		Shipping: o.Shipping, Taxes: o.Taxes, Total: o.Total, Metadata: json.RawMessage("null"),
		PaymentMethod: nullable(o.PaymentMethod), CreatedAt: dateTime(o.CreatedAt),
		ExternalID: nullable(o.ExternalOrderID), Status: o.Status, Currency: nullable(o.Currency), Date: nullable(o.Date),
		UpdatedAt: dateTime(o.UpdatedAt), Customer: p, Items: make([]LineItem, 0, len(o.Items)),
		BillingAddress: addressItem(o.BillingAddress), ShippingAddress: addressItem(o.ShippingAddress),
	}
	if isObject(o.Metadata) {
		it.Metadata = o.Metadata
		var meta struct {
			Type            string `json:"type"`
			ExternalOrderID string `json:"externalOrderId"` // a contract's order: the contract's id
		}
		if json.Unmarshal(o.Metadata, &meta) == nil {
			it.Type = nullable(meta.Type)
			if it.ExternalID == nil && o.ContractID != "" {
				it.ExternalID = nullable(meta.ExternalOrderID)
			}
		}
	}
	for _, li := range o.Items {
		title := li.Title
		if title == "" {
			title = li.Name
		}
		it.Items = append(it.Items, LineItem{Name: li.Name, Title: title, Quantity: li.Quantity, Price: li.Cost})
	}
	return it, nil
}

// ShippingItem is the item of the shippings list and the shipping-* hooks: the
// seed's answer of "Create shipping tracking info update", the shipping with its order.
type ShippingItem struct {
	ID             string     `json:"id"`
	Carrier        *string    `json:"carrier"`
	TrackingNumber *string    `json:"tracking_number"`
	TrackingURL    *string    `json:"tracking_url"`
	ExternalID     *string    `json:"external_id"`
	CreatedAt      string     `json:"created_at"`
	OrderID        string     `json:"order_id"`
	Order          *OrderItem `json:"order"`
	UpdatedAt      string     `json:"updated_at"`
}

func (m *Mapper) shipping(ctx context.Context, vendorID string, s *orderhub.Shipping) (*ShippingItem, error) {
	it := &ShippingItem{
		ID: s.ID, Carrier: nullable(s.Carrier), TrackingNumber: nullable(s.TrackingNumber), TrackingURL: nullable(s.TrackingURL),
		ExternalID: nullable(s.ExternalID), CreatedAt: dateTime(s.CreatedAt), OrderID: s.OrderID, UpdatedAt: dateTime(s.UpdatedAt),
	}
	o, err := m.Store.GetOrder(ctx, vendorID, s.OrderID)
	switch {
	case isNotFound(err):
	case err != nil:
		return nil, err
	default:
		if it.Order, err = m.order(ctx, vendorID, o); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// SurveyItem is the item of the surveys list and the survey-created hook (seed
// 003's "Response for surveys", plus id and created_at).
type SurveyItem struct {
	ID              string          `json:"id"`
	Title           string          `json:"title"`
	Description     string          `json:"description"`
	Take            string          `json:"take"`
	CaptureName     bool            `json:"capture_name"`
	CapturePhone    bool            `json:"capture_phone"`
	CaptureAtEnd    bool            `json:"capture_at_end"`
	Status          bool            `json:"status"`
	StartQuestionID *string         `json:"start_question_id"`
	LeadCapture     string          `json:"lead_capture"`
	Metadata        json.RawMessage `json:"metadata"`
	CreatedAt       string          `json:"created_at"`
}

func surveyItem(s *orderhub.Survey) *SurveyItem {
	it := &SurveyItem{
		ID: s.ID, Title: s.Title, Description: s.Description, Take: s.Take, CaptureName: s.CaptureName, CapturePhone: s.CapturePhone,
		CaptureAtEnd: s.CaptureAtEnd, Status: s.Status, StartQuestionID: s.StartQuestionID, LeadCapture: s.LeadCapture,
		Metadata: json.RawMessage("null"), CreatedAt: dateTime(s.CreatedAt),
	}
	if isObject(s.Metadata) {
		it.Metadata = s.Metadata
	}
	return it
}

// TransactionItem is the item of the transactions list and the transaction-* hooks.
type TransactionItem struct {
	ID             string         `json:"id"`
	Status         string         `json:"status"`
	Amount         orderhub.Money `json:"amount"`
	Currency       string         `json:"currency"`
	Provider       *string        `json:"provider"`
	ExternalID     *string        `json:"external_id"`
	Message        *string        `json:"message"`
	CustomerID     string         `json:"customer_id"`
	OrderID        *string        `json:"order_id"`
	SubscriptionID *string        `json:"subscription_id"`
	CreatedAt      string         `json:"created_at"`
	Customer       *PersonItem    `json:"customer"`
}

func (m *Mapper) transaction(ctx context.Context, vendorID string, t *orderhub.Transaction) (*TransactionItem, error) {
	p, err := m.person(ctx, vendorID, t.CustomerID)
	if err != nil {
		return nil, err
	}
	return &TransactionItem{
		ID: t.ID, Status: t.Status, Amount: t.Amount, Currency: t.Currency, Provider: nullable(t.Provider), ExternalID: nullable(t.ExternalID),
		Message: nullable(t.Message), CustomerID: t.CustomerID, OrderID: nullable(t.OrderID), SubscriptionID: nullable(t.ContractID),
		CreatedAt: dateTime(t.CreatedAt), Customer: p,
	}, nil
}

// TransactionHistoryItem is the item of the transaction-histories list: one status
// change of a transaction, with the transaction as it is now.
type TransactionHistoryItem struct {
	ID            string           `json:"id"`
	TransactionID string           `json:"transaction_id"`
	Status        string           `json:"status"`
	Message       *string          `json:"message"`
	CreatedAt     string           `json:"created_at"`
	Transaction   *TransactionItem `json:"transaction"`
}

func (m *Mapper) history(ctx context.Context, vendorID string, h *orderhub.TransactionHistory) (*TransactionHistoryItem, error) {
	it := &TransactionHistoryItem{ID: h.ID, TransactionID: h.TransactionID, Status: h.Status, Message: nullable(h.Message), CreatedAt: dateTime(h.CreatedAt)}
	t, err := m.Store.GetTransaction(ctx, vendorID, h.TransactionID)
	switch {
	case isNotFound(err):
	case err != nil:
		return nil, err
	default:
		if it.Transaction, err = m.transaction(ctx, vendorID, t); err != nil {
			return nil, err
		}
	}
	return it, nil
}
