package orderhub

// The connectors' stored values: Salesmanago accounts and requests, Yespo accounts
// and order events (moved from package sqlstore, issue 17).

import (
	"encoding/json"
	"time"
)

// EndpointSalesmanago is the endpoint kind of SALESmanago accounts.
const EndpointSalesmanago = "salesmanago"

// Event types of seed 002's forwarded requests.
const (
	EventSMContactUpsert  = "salesmanago.contact.upsert"
	EventSMContactDelete  = "salesmanago.contact.delete"
	EventSMEventAdd       = "salesmanago.event.add"
	EventSMProductsUpsert = "salesmanago.products.upsert"
)

// SalesmanagoAccountRecord is an account with its sealed secrets (never written to
// JSON) and the state of its endpoint.
type SalesmanagoAccountRecord struct {
	SalesmanagoAccount
	SealedSecret string `json:"-"`
	SealedAPIKey string `json:"-"`
	// Enabled and DisabledReason are the endpoint's.
	Enabled        bool   `json:"enabled"`
	DisabledReason string `json:"disabledReason,omitempty"`
}

// SalesmanagoRequest is a forwarded seed 002 request written to the outbox.
type SalesmanagoRequest struct {
	Event      *Event
	DeliveryID string
}

// Order event outcomes.
const (
	OrderEventCreated   = "created"
	OrderEventUpdated   = "updated"
	OrderEventUnchanged = "unchanged"
	OrderEventIgnored   = "ignored"
)

// OrderSourceEvent is the Source of orders created by an order event.
const OrderSourceEvent = "order-event"

// IgnoredEvent is an inbound event orderhub did not apply, kept with the reason.
type IgnoredEvent struct {
	ID              string          `json:"id"`
	VendorID        string          `json:"vendorId"`
	Surface         string          `json:"surface"`
	EventType       string          `json:"eventType"`
	ExternalOrderID string          `json:"externalOrderId,omitempty"`
	Reason          string          `json:"reason"` // an error code
	Message         string          `json:"message"`
	Field           string          `json:"field,omitempty"`
	Body            json.RawMessage `json:"body"`
	// Count is how many times the same event was received (and ignored).
	Count      int64     `json:"count"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
}

// OrderEventResult is what applying an order event did.
type OrderEventResult struct {
	Outcome string        // OrderEventCreated, …Updated, …Unchanged or …Ignored
	Order   *Order        // the order after the event (nil when ignored)
	Ignored *IgnoredEvent // set when ignored
	Reason  *Error        // why it was ignored
}

// IgnoredEventFilter selects ignored events.
type IgnoredEventFilter struct {
	VendorID string
	Reason   string // optional
	Limit    int    // default 50, at most 1000
}

// EndpointYespo is the endpoint kind of Yespo accounts (registered by
// connector/yespo, which delivers it).
const EndpointYespo = "yespo"

// YespoAccount is a vendor's Yespo account. SealedKey is the API key as stored
// (sealed by connector/yespo); it is never written to JSON.
type YespoAccount struct {
	VendorID   string    `json:"vendorId"`
	BaseURL    string    `json:"baseUrl"`
	EndpointID string    `json:"endpointId"`
	SealedKey  string    `json:"-"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}
