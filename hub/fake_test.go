package hub

import (
	"context"
	"encoding/json"
	"time"

	"orderhub"
)

// fakeTx is an in-memory orderhub.OrderTx (and TxWriter): the rules' tests run
// against it without SQL. It records the events appended, in order, and the writes.
type fakeTx struct {
	now       time.Time
	contracts map[string]*orderhub.Contract // by id
	prints    map[string]string             // contract id → fingerprint
	customers map[string]*orderhub.Customer // by id
	orders    map[string]*orderhub.Order    // by id
	sources   map[string]*orderhub.Source
	products  map[string]*orderhub.Product
	mappings  map[string]*orderhub.ProductMapping // sku \x00 poId
	purchases map[string]*orderhub.PurchaseResult // source \x00 publisher purchase id
	pprints   map[string]string
	shippings map[string]*orderhub.Shipping
	txns      map[string]*orderhub.Transaction
	history   []orderhub.Transaction
	surveys   map[string]*orderhub.Survey
	tokens    map[string]string                 // push token → customer
	smOff     map[string]string                 // SALESmanago account → why disabled ("" enabled)
	dlv       map[string]string                 // delivery id → endpoint
	ignored   map[string]*orderhub.IgnoredEvent // by fingerprint
	events    []*orderhub.Event
	hints     []orderhub.WriteHint // of each WriteTx
	writes    int
}

func newFake() *fakeTx {
	return &fakeTx{
		now:       time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC),
		contracts: map[string]*orderhub.Contract{}, prints: map[string]string{},
		customers: map[string]*orderhub.Customer{}, orders: map[string]*orderhub.Order{},
		sources: map[string]*orderhub.Source{}, products: map[string]*orderhub.Product{},
		mappings: map[string]*orderhub.ProductMapping{}, purchases: map[string]*orderhub.PurchaseResult{}, pprints: map[string]string{},
		shippings: map[string]*orderhub.Shipping{}, txns: map[string]*orderhub.Transaction{}, surveys: map[string]*orderhub.Survey{},
		tokens: map[string]string{}, ignored: map[string]*orderhub.IgnoredEvent{},
		smOff: map[string]string{}, dlv: map[string]string{},
	}
}

// WriteTx runs fn at once; a failed fn's writes are not undone (the tests look
// at successful writes only, or at nothing written).
func (f *fakeTx) WriteTx(_ context.Context, hint orderhub.WriteHint, fn func(orderhub.OrderTx) error) error {
	f.hints = append(f.hints, hint)
	return fn(f)
}

func (f *fakeTx) Now() time.Time { return f.now }

func (f *fakeTx) AppendEvent(vendorID, typ, key string, data any) (*orderhub.Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	ev := &orderhub.Event{ID: orderhub.NewID("evt"), VendorID: vendorID, Type: typ, OrderingKey: key, Data: raw, Seq: int64(len(f.events) + 1), CreatedAt: f.now}
	f.events = append(f.events, ev)
	return ev, nil
}

func (f *fakeTx) types() []string {
	var out []string
	for _, e := range f.events {
		out = append(out, e.Type)
	}
	return out
}

func clone[T any](v *T) *T {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

func (f *fakeTx) ContractByExternalID(vendorID, ext string) (*orderhub.Contract, string, error) {
	for _, c := range f.contracts {
		if c.VendorID == vendorID && c.ExternalOrderID == ext {
			return clone(c), f.prints[c.ID], nil
		}
	}
	return nil, "", nil
}

func (f *fakeTx) ContractByID(vendorID, id string) (*orderhub.Contract, string, error) {
	if c := f.contracts[id]; c != nil && c.VendorID == vendorID {
		return clone(c), f.prints[id], nil
	}
	return nil, "", nil
}

func (f *fakeTx) InsertContract(c *orderhub.Contract, fingerprint string) error {
	f.writes++
	f.contracts[c.ID], f.prints[c.ID] = clone(c), fingerprint
	return nil
}

func (f *fakeTx) UpdateContractStatus(c *orderhub.Contract, fingerprint string) error {
	f.writes++
	cur := f.contracts[c.ID]
	cur.Status, cur.ConfirmedAt, cur.CanceledAt = c.Status, c.ConfirmedAt, c.CanceledAt
	return nil
}

func (f *fakeTx) FindCustomer(vendorID string, m orderhub.CustomerMatch) (*orderhub.Customer, error) {
	for _, k := range []func(c *orderhub.Customer) bool{
		func(c *orderhub.Customer) bool { return m.ID != "" && c.ID == m.ID },
		func(c *orderhub.Customer) bool {
			return m.PublisherUserID != "" && c.PublisherUserID == m.PublisherUserID
		},
		func(c *orderhub.Customer) bool { return m.Email != "" && c.Email == m.Email },
		func(c *orderhub.Customer) bool { return m.Phone != "" && c.Phone == m.Phone },
	} {
		for _, c := range f.customers {
			if c.VendorID == vendorID && k(c) {
				return clone(c), nil
			}
		}
	}
	return nil, nil
}

func (f *fakeTx) InsertCustomer(c *orderhub.Customer) error {
	f.writes++
	f.customers[c.ID] = clone(c)
	return nil
}

func (f *fakeTx) UpdateCustomer(_, next *orderhub.Customer) error {
	f.writes++
	f.customers[next.ID] = clone(next)
	return nil
}

func (f *fakeTx) OrderByExternalID(vendorID, ext string) (*orderhub.Order, error) {
	for _, o := range f.orders {
		if o.VendorID == vendorID && o.ExternalOrderID == ext {
			return clone(o), nil
		}
	}
	return nil, nil
}

func (f *fakeTx) OrderByContractID(id string) (*orderhub.Order, error) {
	for _, o := range f.orders {
		if o.ContractID == id {
			return clone(o), nil
		}
	}
	return nil, nil
}

func (f *fakeTx) InsertOrder(o *orderhub.Order) error {
	f.writes++
	o.Number = int64(len(f.orders) + 1)
	f.orders[o.ID] = clone(o)
	return nil
}

func (f *fakeTx) UpdateOrder(o *orderhub.Order) error {
	f.writes++
	f.orders[o.ID] = clone(o)
	return nil
}

func (f *fakeTx) SourceByID(id string) (*orderhub.Source, error) { return clone(f.sources[id]), nil }

func (f *fakeTx) ProductByID(vendorID, id string) (*orderhub.Product, error) {
	if p := f.products[id]; p != nil && p.VendorID == vendorID {
		return clone(p), nil
	}
	return nil, nil
}

func (f *fakeTx) ProductMappingOf(vendorID, sku, poID string) (*orderhub.ProductMapping, error) {
	if m := f.mappings[sku+"\x00"+poID]; m != nil && m.VendorID == vendorID {
		return clone(m), nil
	}
	return nil, nil
}

func (f *fakeTx) PurchaseOptionPrice(vendorID, id string) (string, orderhub.Money, string, error) {
	return "Monthly", 9900, "SEK", nil
}

func (f *fakeTx) PurchaseByPublisherID(sourceID, pub string) (*orderhub.PurchaseResult, string, error) {
	k := sourceID + "\x00" + pub
	return clone(f.purchases[k]), f.pprints[k], nil
}

func (f *fakeTx) InsertPurchase(r *orderhub.PurchaseResult, p *orderhub.Purchase) error {
	f.writes++
	k := r.SourceID + "\x00" + r.PublisherPurchaseID
	f.purchases[k], f.pprints[k] = clone(r), p.Fingerprint
	return nil
}

func (f *fakeTx) OrderCustomerID(vendorID, id string) (string, error) {
	if o := f.orders[id]; o != nil && o.VendorID == vendorID {
		return o.CustomerID, nil
	}
	return "", nil
}

func (f *fakeTx) ShippingByID(vendorID, id string) (*orderhub.Shipping, error) {
	if s := f.shippings[id]; s != nil && s.VendorID == vendorID {
		return clone(s), nil
	}
	return nil, nil
}

func (f *fakeTx) InsertShipping(s *orderhub.Shipping) error {
	f.writes++
	f.shippings[s.ID] = clone(s)
	return nil
}

func (f *fakeTx) UpdateShipping(s *orderhub.Shipping) error { return f.InsertShipping(s) }

func (f *fakeTx) TransactionByExternalID(vendorID, provider, ext string) (*orderhub.Transaction, error) {
	for _, t := range f.txns {
		if t.VendorID == vendorID && t.Provider == provider && t.ExternalID == ext {
			return clone(t), nil
		}
	}
	return nil, nil
}

func (f *fakeTx) InsertTransaction(t *orderhub.Transaction) error {
	f.writes++
	f.txns[t.ID] = clone(t)
	return nil
}

func (f *fakeTx) UpdateTransaction(t *orderhub.Transaction) error { return f.InsertTransaction(t) }

func (f *fakeTx) InsertTransactionHistory(t *orderhub.Transaction) error {
	f.writes++
	f.history = append(f.history, *t)
	return nil
}

func (f *fakeTx) InsertSurvey(s *orderhub.Survey) error {
	f.writes++
	f.surveys[s.ID] = clone(s)
	return nil
}

func (f *fakeTx) FindContact(vendorID string, keys []orderhub.ContactKey) (*orderhub.Customer, error) {
	for _, k := range keys {
		var m orderhub.CustomerMatch
		switch k.Kind {
		case orderhub.ContactKeyID:
			m.ID = k.Value
		case orderhub.ContactKeyExternal:
			m.PublisherUserID = k.Value
		case orderhub.ContactKeyEmail:
			m.Email = k.Value
		case orderhub.ContactKeyPhone:
			m.Phone = k.Value
		case orderhub.ContactKeyPushToken:
			m.ID = f.tokens[k.Value]
		}
		if m == (orderhub.CustomerMatch{}) {
			continue
		}
		if c, _ := f.FindCustomer(vendorID, m); c != nil {
			return c, nil
		}
	}
	return nil, nil
}

func (f *fakeTx) AttachPushToken(vendorID, token, customerID string) error {
	f.writes++
	f.tokens[token] = customerID
	return nil
}

func (f *fakeTx) RecordIgnored(r *orderhub.IgnoredEvent, fingerprint string) (*orderhub.IgnoredEvent, error) {
	f.writes++
	if cur := f.ignored[fingerprint]; cur != nil {
		cur.Count++
		cur.Message = r.Message
		return clone(cur), nil
	}
	c := clone(r)
	c.ID, c.Count, c.CreatedAt, c.LastSeenAt = orderhub.NewID("ign"), 1, f.now, f.now
	f.ignored[fingerprint] = c
	return clone(c), nil
}

func (f *fakeTx) SalesmanagoAccountState(vendorID, id string) (bool, bool, string, error) {
	why, ok := f.smOff[vendorID+"/"+id]
	return ok, ok && why == "", why, nil
}

func (f *fakeTx) InsertDelivery(endpointID string, ev *orderhub.Event) (string, error) {
	f.writes++
	id := orderhub.NewID("dlv")
	f.dlv[id] = endpointID
	return id, nil
}
