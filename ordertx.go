package orderhub

import (
	"context"
	"time"
)

// The seam between the domain rules (package hub) and storage (sqlstore): the rules
// of a write — replays, transitions, which events a change causes — run inside the
// store's single-writer transaction over OrderTx, a narrow set of primitive reads
// and writes that hold no rules of their own. The store implements TxWriter; hub's
// services take one.

// WriteHint names what a write will look up (the vendor, its external order ids and
// customer e-mails), so that a store batching many writes into one transaction can
// read them for the whole batch up front. A zero hint names nothing.
type WriteHint struct {
	VendorID         string
	ExternalOrderIDs []string
	Emails           []string
}

// TxWriter runs fn inside the store's write transaction — possibly shared with
// other concurrent writes (group commit) — and returns once that transaction
// committed (nil) or fn's changes were rolled back (fn's error, or the commit's).
// fn may run more than once (a store retries it in a fresh savepoint when a
// concurrent writer won a race), so it must not keep anything of a failed run.
type TxWriter interface {
	WriteTx(ctx context.Context, hint WriteHint, fn func(tx OrderTx) error) error
}

// OrderTx is what the order rules read and write inside one write transaction.
// Lookups return nil (and a nil error) when there is no such record. The writes
// store exactly what they are given; they decide nothing and emit no events (the
// rules call AppendEvent).
type OrderTx interface {
	// Now is the transaction's time: every timestamp a write sets.
	Now() time.Time
	// AppendEvent writes an event to the outbox with the vendor's next sequence
	// number; data is its payload (marshalled unless a json.RawMessage).
	AppendEvent(vendorID, typ, orderingKey string, data any) (*Event, error)

	// ContractByExternalID and ContractByID return a contract with the fingerprint
	// of the request that created it.
	ContractByExternalID(vendorID, externalOrderID string) (c *Contract, fingerprint string, err error)
	ContractByID(vendorID, id string) (c *Contract, fingerprint string, err error)
	// InsertContract inserts a new contract (c.ID set).
	InsertContract(c *Contract, fingerprint string) error
	// UpdateContractStatus writes c's status, confirmed and canceled times.
	UpdateContractStatus(c *Contract, fingerprint string) error

	// FindCustomer returns the vendor's customer matched by m.
	FindCustomer(vendorID string, m CustomerMatch) (*Customer, error)
	// InsertCustomer inserts a new customer (c.ID set).
	InsertCustomer(c *Customer) error
	// UpdateCustomer writes next over prev (the same customer as read).
	UpdateCustomer(prev, next *Customer) error

	// OrderByExternalID and OrderByContractID return an order.
	OrderByExternalID(vendorID, externalOrderID string) (*Order, error)
	OrderByContractID(contractID string) (*Order, error)
	// InsertOrder numbers (o.Number, the vendor's next) and inserts a new order.
	InsertOrder(o *Order) error
	// UpdateOrder writes o over the stored order with its id.
	UpdateOrder(o *Order) error

	// SourceByID returns a live (not deleted) source, of any vendor.
	SourceByID(id string) (*Source, error)
	// ProductByID, ProductMappingOf and PurchaseOptionPrice read the catalog;
	// PurchaseOptionPrice's price is 0 when the option has none.
	ProductByID(vendorID, id string) (*Product, error)
	ProductMappingOf(vendorID, sku, poID string) (*ProductMapping, error)
	PurchaseOptionPrice(vendorID, id string) (name string, price Money, currency string, err error)
	// PurchaseByPublisherID returns the purchase a source recorded under a
	// publisherPurchaseId, with the fingerprint of its request.
	PurchaseByPublisherID(sourceID, publisherPurchaseID string) (r *PurchaseResult, fingerprint string, err error)
	// InsertPurchase records purchase p as r (r.PurchaseID set).
	InsertPurchase(r *PurchaseResult, p *Purchase) error

	// OrderCustomerID returns the customer of the vendor's order with an id ("":
	// no such order).
	OrderCustomerID(vendorID, orderID string) (string, error)
	// ShippingByID returns a shipment; InsertShipping and UpdateShipping write one.
	ShippingByID(vendorID, id string) (*Shipping, error)
	InsertShipping(s *Shipping) error
	UpdateShipping(s *Shipping) error
	// TransactionByExternalID returns the transaction a provider reported under an
	// external id; InsertTransaction and UpdateTransaction write one (with its
	// update time, Now), InsertTransactionHistory one entry of its history.
	TransactionByExternalID(vendorID, provider, externalID string) (*Transaction, error)
	InsertTransaction(t *Transaction) error
	UpdateTransaction(t *Transaction) error
	InsertTransactionHistory(t *Transaction) error
	// InsertSurvey inserts a survey.
	InsertSurvey(s *Survey) error

	// FindContact returns the vendor's first customer matching one of keys, in
	// order. E-mail keys are lower-case; other values match exactly.
	FindContact(vendorID string, keys []ContactKey) (*Customer, error)
	// AttachPushToken ties a push token to a customer (taking it from another).
	AttachPushToken(vendorID, token, customerID string) error
	// RecordIgnored records an ignored inbound event, or counts it up when one with
	// the same fingerprint was recorded before; it returns the record as stored.
	RecordIgnored(r *IgnoredEvent, fingerprint string) (*IgnoredEvent, error)

	// SalesmanagoAccountState tells whether the vendor has a live SALESmanago
	// account with an id, and whether its endpoint is enabled (reason: why not).
	SalesmanagoAccountState(vendorID, accountID string) (exists, enabled bool, reason string, err error)
	// InsertDelivery writes the one delivery of a directed event (one whose type
	// is delivered only where its writer says) to an endpoint, and returns its id.
	InsertDelivery(endpointID string, ev *Event) (string, error)
}

// QuotaTx is what the quota rule reads inside a create's write transaction (the
// writer runs one at a time, so concurrent creates cannot together go over a
// limit).
type QuotaTx interface {
	// QuotaOverride returns the vendor's own limit of a quota (ok false: none,
	// the server's default applies).
	QuotaOverride(vendorID, name string) (limit int, ok bool, err error)
	// QuotaUsage counts what a quota limits: the vendor's, or user's for the
	// per-user quota.
	QuotaUsage(vendorID, name, user string) (int, error)
}
