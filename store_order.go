package orderhub

// Filters and values of the order side of the store (moved from package sqlstore,
// issue 17).

// ContractFilter selects contracts for ListContracts.
type ContractFilter struct {
	VendorID        string
	ExternalOrderID string
	UserID          string
	Limit           int
}

// CustomerMatch says how upsertCustomer finds an existing customer: by id, then by
// publisher user id, then by e-mail, then by phone (each only when set).
type CustomerMatch struct {
	ID              string
	PublisherUserID string
	Email           string
	Phone           string
}

// EventFilter selects events for ListEvents.
type EventFilter struct {
	VendorID    string
	Type        string
	OrderingKey string
	AfterSeq    int64
	Limit       int
}

// IdempotentAnswer is the stored state of a key: in progress (Status 0) or answered.
type IdempotentAnswer struct {
	Fingerprint string
	Status      int
	ContentType string
	Body        []byte
	Sealed      bool // the body holds a one-time secret and was stored sealed
}

// ListFilter selects the newest records of a vendor (perform lists, admin pages).
type ListFilter struct {
	VendorID   string
	CustomerID string // optional
	Limit      int    // default 50, at most 1000
}

// PurchaseFilter selects purchases for ListPurchases.
type PurchaseFilter struct {
	VendorID string
	SourceID string
	Limit    int
}
