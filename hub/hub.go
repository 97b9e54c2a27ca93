// Package hub is orderhub's service layer: the domain rules of a write — replays
// and transitions of vendor orders and contracts, purchases, order events, which
// events each change causes — over a narrow transaction interface
// (orderhub.OrderTx) that a store implements. Storage only stores: it reads and
// writes what the rules tell it to, inside its single writer's transaction, and
// decides nothing.
//
// Each rule is a function of an orderhub.OrderTx, so that the rules run (and are
// tested) against any implementation of it: sqlstore's, or an in-memory fake. The
// services wrap them in the store's write transaction with the batching hint the
// rule's lookups need. Their methods have the signatures of the store interfaces
// the surfaces (HTTP, CLI, console) call: Wrap builds orderhub.Store from a
// store's orderhub.Storage (records only) and them.
package hub

import (
	"context"

	"orderhub"
)

// Orders holds the rules of vendor orders, contracts, purchases, orders,
// customers, fulfilment and order events. As an orderhub.OrderStore, its other
// methods (reads, idempotency keys) are those of the records it wraps.
type Orders struct {
	orderhub.OrderRecords
	w orderhub.TxWriter
}

// NewOrders returns the order rules over a store's write transactions (with no
// store to pass other methods to: see Wrap).
func NewOrders(w orderhub.TxWriter) *Orders { return &Orders{w: w} }

// Connectors is orderhub.ConnectorStore: the store's connector records with the
// rules of the connectors' inbound surfaces (forwarded requests, Yespo order
// events and contacts) run by Orders.
type Connectors struct {
	orderhub.ConnectorRecords
	orders *Orders
}

// ApplyOrderEvent: see Orders.ApplyOrderEvent.
func (c *Connectors) ApplyOrderEvent(ctx context.Context, vendorID string, ev *orderhub.OrderEvent, body []byte) (*orderhub.OrderEventResult, error) {
	return c.orders.ApplyOrderEvent(ctx, vendorID, ev, body)
}

// UpsertYespoContact: see Orders.UpsertYespoContact.
func (c *Connectors) UpsertYespoContact(ctx context.Context, vendorID string, p *orderhub.ParsedYespoContact) (*orderhub.Customer, bool, error) {
	return c.orders.UpsertYespoContact(ctx, vendorID, p)
}

// Wrap makes the store its consumers use out of a store's storage: hub's services
// are its order and connector sides, over st's records. A surface given the result
// calls the rules here, which run in w's write transactions (w is the store
// itself: sqlstore.DB implements both), and reaches the storage directly for
// everything else.
func Wrap(st orderhub.Storage, w orderhub.TxWriter) orderhub.Store {
	orders := &Orders{OrderRecords: st.Orders, w: w}
	return orderhub.Store{
		Orders:     orders,
		Catalog:    st.Catalog,
		Tenants:    st.Tenants,
		Connectors: &Connectors{ConnectorRecords: st.Connectors, orders: orders},
		Deliveries: st.Deliveries,
		Admin:      st.Admin,
		Ops:        st.Ops,
		Now:        st.Now,
	}
}

var (
	_ orderhub.OrderStore     = (*Orders)(nil)
	_ orderhub.ConnectorStore = (*Connectors)(nil)
)
