package orderhub

import (
	"context"
	"encoding/json"
	"time"

	"orderhub/sealing"
)

// The store, as its consumers see it (issue 17): one interface per domain, and
// Store, the struct of them that cmd/ wires in. Package sqlstore implements the
// storage (Storage; OrderRecords and ConnectorRecords on the order and connector
// sides), package hub the rules (OrderRules, ConnectorRules) over it.
// A consumer takes the narrowest of these it needs (or a smaller interface of its
// own); the method documentation is on sqlstore's implementation.

// OrderRecords is the storage side of orders, contracts, customers, fulfilment,
// purchases, idempotency keys and the event log: reads, listings and the writes no
// rule decides (package sqlstore implements it).
type OrderRecords interface {
	GetContract(ctx context.Context, vendorID string, id string) (*Contract, error)
	ListContracts(ctx context.Context, f ContractFilter) ([]*Contract, error)
	CountContracts(ctx context.Context, vendorID string, externalOrderID string) (int, error)

	GetCustomer(ctx context.Context, vendorID string, id string) (*Customer, error)
	FindCustomerByEmail(ctx context.Context, vendorID string, email string) (*Customer, error)

	ListEvents(ctx context.Context, f EventFilter) ([]*Event, error)

	GetShipping(ctx context.Context, vendorID string, id string) (*Shipping, error)
	ListShippings(ctx context.Context, f ListFilter) ([]*Shipping, error)
	ListTransactions(ctx context.Context, f ListFilter) ([]*Transaction, error)
	ListTransactionHistories(ctx context.Context, f ListFilter) ([]*TransactionHistory, error)
	ListSurveys(ctx context.Context, f ListFilter) ([]*Survey, error)

	ClaimIdempotencyKey(ctx context.Context, scope string, key string, fingerprint string, lock time.Duration, ttl time.Duration) (a *IdempotentAnswer, claimed bool, err error)
	SaveIdempotentAnswer(ctx context.Context, scope string, key string, status int, contentType string, body []byte, secret bool) error
	ReleaseIdempotencyKey(ctx context.Context, scope string, key string) error

	GetOrder(ctx context.Context, vendorID string, id string) (*Order, error)
	GetOrderByExternalID(ctx context.Context, vendorID string, externalOrderID string) (*Order, error)
	ListOrders(ctx context.Context, f ListFilter) ([]*Order, error)
	ListCustomers(ctx context.Context, f ListFilter) ([]*Customer, error)
	FindCustomer(ctx context.Context, vendorID string, m CustomerMatch) (*Customer, error)

	GetPurchase(ctx context.Context, vendorID string, id string) (*PurchaseResult, error)
	ListPurchases(ctx context.Context, f PurchaseFilter) ([]*PurchaseResult, error)
	ListPurchasePage(ctx context.Context, f PurchaseFilter, p Page) (*PageOf[*PurchaseResult], error)
}

// OrderRules are the order writes that domain rules decide (replays, transitions,
// the events they cause): package hub implements them over a TxWriter.
type OrderRules interface {
	PlaceVendorOrder(ctx context.Context, o *VendorOrder, promo *PromoCode) (*VendorOrderResult, error)
	CreateShipping(ctx context.Context, s *Shipping) error
	UpdateShippingTracking(ctx context.Context, vendorID string, id string, carrier string, trackingNumber string, trackingURL string) (*Shipping, error)
	RecordTransaction(ctx context.Context, t *Transaction) error
	CreateSurvey(ctx context.Context, s *Survey) error
	CancelContract(ctx context.Context, vendorID string, id string) (*Contract, error)
	UpsertOrder(ctx context.Context, in *OrderInput) (o *Order, created bool, err error)
	SetOrderStatus(ctx context.Context, vendorID string, externalOrderID string, status string) (*Order, error)
	UpsertCustomer(ctx context.Context, vendorID string, m CustomerMatch, in *Customer) (*Customer, error)
	RecordPurchase(ctx context.Context, p *Purchase) (*PurchaseResult, error)
}

// OrderStore is the order side as consumers see it: the records with the rules
// (hub.Wrap builds it).
type OrderStore interface {
	OrderRecords
	OrderRules
}

// CatalogStore stores products, purchase options, product mappings, sources and
// Zapier users.
type CatalogStore interface {
	CreateProduct(ctx context.Context, p *Product) error
	GetProduct(ctx context.Context, vendorID string, id string) (*Product, error)
	ListProducts(ctx context.Context, vendorID string) ([]*Product, error)
	UpdateProduct(ctx context.Context, vendorID string, id string, name string) (*Product, error)
	DeleteProduct(ctx context.Context, vendorID string, id string) error
	CreatePurchaseOption(ctx context.Context, o *PurchaseOption) error
	ListPurchaseOptions(ctx context.Context, vendorID string, productID string) ([]*PurchaseOption, error)
	GetPurchaseOption(ctx context.Context, vendorID string, id string) (*PurchaseOption, error)
	UpdatePurchaseOption(ctx context.Context, o *PurchaseOption) error
	DeletePurchaseOption(ctx context.Context, vendorID string, id string) error
	CreateProductMapping(ctx context.Context, m *ProductMapping) error
	ListProductMappings(ctx context.Context, vendorID string) ([]*ProductMapping, error)
	UpdateProductMapping(ctx context.Context, m *ProductMapping) error
	GetProductMapping(ctx context.Context, vendorID string, sku string, poID string) (*ProductMapping, error)
	DeleteProductMapping(ctx context.Context, vendorID string, sku string, poID string) error
	CreateSource(ctx context.Context, s *Source) (secret string, err error)
	GetSource(ctx context.Context, id string) (*Source, error)
	SourceBySecret(ctx context.Context, secret string) (*Source, error)
	ListSources(ctx context.Context, vendorID string, typ string) ([]*Source, error)
	UpdateSource(ctx context.Context, vendorID string, id string, name string) (*Source, error)
	RotateSourceSecret(ctx context.Context, vendorID string, id string) (*Source, string, error)
	DeleteSource(ctx context.Context, vendorID string, id string) error

	CreateZapierUser(ctx context.Context, u *ZapierUser, password string) error
	ListZapierUsers(ctx context.Context, vendorID string) ([]*ZapierUser, error)
	GetZapierUser(ctx context.Context, vendorID string, id string) (*ZapierUser, error)
	DeleteZapierUser(ctx context.Context, vendorID string, id string) error
	UpdateZapierUser(ctx context.Context, vendorID string, id string, email *string, name *string) (*ZapierUser, error)
	SetZapierUserPassword(ctx context.Context, vendorID string, id string, password string) (*ZapierUser, error)
	SetZapierUserEnabled(ctx context.Context, vendorID string, id string, enabled bool) (*ZapierUser, error)
	ZapierLogin(ctx context.Context, email string, password string, integration string, ttl time.Duration) (*ZapierUser, string, *ZapierSession, error)
	ZapierSessionByToken(ctx context.Context, token string) (*ZapierSession, *ZapierUser, error)
	RevokeZapierSession(ctx context.Context, token string) error
	CreateZapierChannel(ctx context.Context, ch *ZapierChannel) error
	GetZapierChannel(ctx context.Context, vendorID string, id string) (*ZapierChannel, error)
	ListZapierChannels(ctx context.Context, vendorID string) ([]*ZapierChannel, error)
	DeleteZapierChannel(ctx context.Context, vendorID string, id string) error
	CustomerStats(ctx context.Context, vendorID string, customerID string) (lifetime Money, activations int, err error)
	GetTransaction(ctx context.Context, vendorID string, id string) (*Transaction, error)
}

// TenantStore stores vendors, OAuth clients, promo codes, quotas, the vendor portal
// and sealed secrets.
type TenantStore interface {
	RotateClientSecret(ctx context.Context, id string) (string, error)

	PortalKey(ctx context.Context) (string, error)
	SetPortalFrameAncestors(ctx context.Context, vendorID string, origins []string) ([]string, error)
	PortalFrameAncestors(ctx context.Context, vendorID string) ([]string, error)

	PromoCodeUses(ctx context.Context, vendorID string, code string) (int, error)
	AdminGetPromoCode(ctx context.Context, vendorID string, code string) (*PromoCode, error)
	UpdatePromoCode(ctx context.Context, vendorID string, code string, in PromoCodeUpdate) (*PromoCode, error)
	DeletePromoCode(ctx context.Context, vendorID string, code string) error

	SetQuotaDefaults(limits map[string]int) error
	QuotaDefaults() map[string]int
	SetQuotaObserver(f func(quota string))
	GetVendorQuotas(ctx context.Context, vendorID string) (*VendorQuotas, error)
	SetVendorQuotas(ctx context.Context, vendorID string, set map[string]*int) (*VendorQuotas, error)

	SetSealer(s *sealing.Sealer)
	ResealSecrets(ctx context.Context, fn func(kind string, context string, stored string) (string, error)) (ResealReport, error)
	ReplaceSetting(ctx context.Context, key string, old string, value string) (bool, error)

	CreateVendor(ctx context.Context, v *Vendor) error
	GetVendor(ctx context.Context, id string) (*Vendor, error)
	ListVendors(ctx context.Context) ([]*Vendor, error)
	CreateClient(ctx context.Context, c *Client) (secret string, err error)
	GetClient(ctx context.Context, id string) (*ClientWithSecret, error)
	ListClients(ctx context.Context, vendorID string) ([]*Client, error)
	RevokeClient(ctx context.Context, id string) error
	CreatePromoCode(ctx context.Context, p *PromoCode) error
	GetPromoCode(ctx context.Context, vendorID string, code string) (*PromoCode, error)
	ListPromoCodes(ctx context.Context, vendorID string) ([]*PromoCode, error)
	Setting(ctx context.Context, key string, create func() (string, error)) (string, error)
	CreateAdminToken(ctx context.Context, name string) (*AdminToken, string, error)
	CreateScopedAdminToken(ctx context.Context, name string, role string, vendorID string) (*AdminToken, string, error)
	CheckAdminToken(ctx context.Context, secret string) (*AdminToken, error)
	ListAdminTokens(ctx context.Context) ([]*AdminToken, error)
	RevokeAdminToken(ctx context.Context, id string) error

	UpdateVendor(ctx context.Context, id string, name string) (*Vendor, error)
}

// ConnectorRecords is the storage side of the Salesmanago and Yespo accounts,
// mappings and requests: reads and the writes no rule decides (package sqlstore
// implements it).
type ConnectorRecords interface {
	CreateSalesmanagoAccount(ctx context.Context, in *SalesmanagoAccountInput, sealedSecret string, sealedAPIKey string) (*SalesmanagoAccountRecord, error)
	GetSalesmanagoAccount(ctx context.Context, vendorID string, id string) (*SalesmanagoAccountRecord, error)
	SalesmanagoAccountByGroupKey(ctx context.Context, groupKey string) (*SalesmanagoAccountRecord, error)
	ListSalesmanagoAccounts(ctx context.Context, vendorID string) ([]*SalesmanagoAccountRecord, error)
	UpdateSalesmanagoMapping(ctx context.Context, vendorID string, id string, m *SalesmanagoMapping) (*SalesmanagoAccountRecord, error)
	DeleteSalesmanagoAccount(ctx context.Context, vendorID string, id string) error
	GetSalesmanagoRequestEvent(ctx context.Context, vendorID string, eventID string) (*Event, error)
	UpdateSalesmanagoAccount(ctx context.Context, vendorID string, id string, in *SalesmanagoAccountInput, sealedSecret *string, sealedAPIKey *string) (*SalesmanagoAccountRecord, error)

	FindContact(ctx context.Context, vendorID string, keys []ContactKey) (*Customer, error)
	ListIgnoredEvents(ctx context.Context, f IgnoredEventFilter) ([]*IgnoredEvent, error)
	ListIgnoredEventPage(ctx context.Context, f IgnoredEventFilter, p Page) (*PageOf[*IgnoredEvent], error)
	SaveYespoAccount(ctx context.Context, vendorID string, baseURL string, sealedKey string, eventTypes []string) (*YespoAccount, error)
	GetYespoAccount(ctx context.Context, vendorID string) (*YespoAccount, error)
	YespoAccountByEndpoint(ctx context.Context, endpointID string) (*YespoAccount, error)
	DeleteYespoAccount(ctx context.Context, vendorID string) error
}

// ConnectorRules are the connectors' inbound writes that domain rules decide
// (forwarded requests, Yespo order events and contacts): package hub implements
// them.
type ConnectorRules interface {
	AppendSalesmanagoRequest(ctx context.Context, vendorID string, accountID string, typ string, orderingKey string, data any) (*SalesmanagoRequest, error)
	ApplyOrderEvent(ctx context.Context, vendorID string, ev *OrderEvent, body []byte) (*OrderEventResult, error)
	UpsertYespoContact(ctx context.Context, vendorID string, p *ParsedYespoContact) (c *Customer, created bool, err error)
}

// ConnectorStore is the connector side as consumers see it: the records with the
// rules (hub.Wrap builds it).
type ConnectorStore interface {
	ConnectorRecords
	ConnectorRules
}

// DeliveryStore stores endpoints and the outbound deliveries: fan-out, claim,
// completion, replay.
type DeliveryStore interface {
	CreateEndpoint(ctx context.Context, e *Endpoint) error
	GetEndpoint(ctx context.Context, vendorID string, id string) (*Endpoint, error)
	ListEndpoints(ctx context.Context, f EndpointFilter) ([]*Endpoint, error)
	UpdateEndpoint(ctx context.Context, vendorID string, id string, u EndpointUpdate) (*Endpoint, error)
	RotateEndpointSecret(ctx context.Context, vendorID string, id string, newSecret string, overlap time.Duration) (*Endpoint, error)
	EndpointSecret(ctx context.Context, vendorID string, id string) (string, error)
	SetEndpointEnabled(ctx context.Context, vendorID string, id string, enabled bool, reason string) (*Endpoint, error)
	DeleteEndpoint(ctx context.Context, vendorID string, id string, reason string) error
	AppendEvent(ctx context.Context, vendorID string, typ string, orderingKey string, data json.RawMessage) (*Event, error)
	ClaimDeliveries(ctx context.Context, r ClaimRequest) ([]*ClaimedDelivery, error)
	CompleteAndClaim(ctx context.Context, results []*AttemptResult, opt CompleteOptions, claim *ClaimRequest) (CompleteReport, []*ClaimedDelivery, error)
	CompleteDeliveries(ctx context.Context, results []*AttemptResult, opt CompleteOptions) (CompleteReport, error)
	NextDeliveryDue(ctx context.Context) (t time.Time, ok bool, err error)
	DeliveryQueueStats(ctx context.Context) (DeliveryStats, error)
	ReplayDelivery(ctx context.Context, vendorID string, id string) (*Delivery, error)
	SetReplayBatch(n int)
	ReplayDead(ctx context.Context, vendorID string, endpointID string) (int, error)
	ReplaySince(ctx context.Context, vendorID string, endpointID string, since time.Time) (int, error)
	GetDelivery(ctx context.Context, vendorID string, id string) (*Delivery, error)
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
	ListDeliveryPage(ctx context.Context, f DeliveryFilter, p Page) (*PageOf[*Delivery], error)
	ListAttempts(ctx context.Context, vendorID string, deliveryID string) ([]*Attempt, error)

	ExpandFanout(ctx context.Context) (bool, error)
	FanoutExpanded() int64
	FanoutWriterTime() time.Duration
	FanoutBacklog(ctx context.Context) (int64, error)
}

// AdminStore stores the operators' side: admin listings and tokens, console users,
// the audit log, retention.
type AdminStore interface {
	AdminListVendors(ctx context.Context, p Page) (*PageOf[*Vendor], error)
	AdminListClients(ctx context.Context, f AdminFilter, p Page) (*PageOf[*Client], error)
	AdminListPromoCodes(ctx context.Context, f AdminFilter, p Page) (*PageOf[*PromoCode], error)
	AdminListCustomers(ctx context.Context, f AdminFilter, p Page) (*PageOf[*Customer], error)
	AdminListOrders(ctx context.Context, f AdminFilter, p Page) (*PageOf[*Order], error)
	AdminListContracts(ctx context.Context, f AdminFilter, p Page) (*PageOf[*Contract], error)
	AdminListEvents(ctx context.Context, f AdminFilter, p Page) (*PageOf[*Event], error)
	AdminGetCustomer(ctx context.Context, id string) (*Customer, error)
	AdminGetOrder(ctx context.Context, id string) (*Order, error)
	AdminGetContract(ctx context.Context, id string) (*Contract, error)
	AdminGetEvent(ctx context.Context, id string) (*Event, error)
	CustomerTimeline(ctx context.Context, customerID string, limit int) ([]TimelineEntry, error)
	DashboardStats(ctx context.Context, minutes int) (*Dashboard, error)
	SendTestEvent(ctx context.Context, vendorID string, endpointID string) (*Delivery, error)
	CreateConsoleUser(ctx context.Context, username string, password string) (*ConsoleUser, error)
	CreateScopedConsoleUser(ctx context.Context, username string, password string, role string, vendorID string) (*ConsoleUser, error)
	ListConsoleUsers(ctx context.Context) ([]*ConsoleUser, error)
	SetConsoleUserDisabled(ctx context.Context, username string, disabled bool) error
	ConsoleLogin(ctx context.Context, username string, password string, ttl time.Duration) (string, *ConsoleSession, error)
	ConsoleSessionByToken(ctx context.Context, token string) (*ConsoleSession, error)
	ConsoleLogout(ctx context.Context, token string) error

	CompleteAuditEntry(ctx context.Context, entryID string, resourceID string, vendorID string, after any) error
	ListAudit(ctx context.Context, f AuditFilter, p Page) (*PageOf[*AuditEntry], error)
	GetAudit(ctx context.Context, id string) (*AuditEntry, error)

	RecordChange(ctx context.Context) error

	GetConsoleUser(ctx context.Context, username string) (*ConsoleUser, error)
	SetConsoleUserRole(ctx context.Context, username string, role string, vendorID string) (*ConsoleUser, error)
	SetConsoleUserPassword(ctx context.Context, username string, password string) error
	DeleteConsoleUser(ctx context.Context, username string) error
	RecordAudit(ctx context.Context, c *Change) error

	GetVendorRetention(ctx context.Context, vendorID string) (*VendorRetention, error)
	SetVendorRetention(ctx context.Context, vendorID string, delivered *time.Duration, dead *time.Duration) error
	ListVendorRetention(ctx context.Context) ([]*VendorRetention, error)
	Prune(ctx context.Context, r Retention) (PruneStats, error)
	RunRetention(ctx context.Context, r Retention, interval time.Duration, report func(PruneStats, time.Duration, error))
	Space(ctx context.Context) (SpaceStats, error)
}

// OpsStore is the store's operational side: readiness probes, commit notifications
// and writer metrics.
type OpsStore interface {
	SetBatchObserver(f func(size int, dur time.Duration, err error))
	Ping(ctx context.Context) error
	OnCommit(f func())

	WriteHealth(ctx context.Context) error

	OptimisticFallbacks() int64
}

// Storage is the store as package sqlstore implements it (sqlstore.DB.Store): Store
// without the rules, whose order and connector sides are records only. hub.Wrap
// adds the rules and makes it the Store the surfaces use.
type Storage struct {
	Orders     OrderRecords
	Catalog    CatalogStore
	Tenants    TenantStore
	Connectors ConnectorRecords
	Deliveries DeliveryStore
	Admin      AdminStore
	Ops        OpsStore
	Now        func() time.Time // the store's clock (tests set it)
}

// Store is the whole store, one field per domain, as the surfaces see it. cmd/
// builds it with hub.Wrap from package sqlstore's Storage (sqlstore.DB.Store);
// consumers keep the fields they use.
type Store struct {
	Orders     OrderStore
	Catalog    CatalogStore
	Tenants    TenantStore
	Connectors ConnectorStore
	Deliveries DeliveryStore
	Admin      AdminStore
	Ops        OpsStore
	Now        func() time.Time // the store's clock (tests set it)
}
