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
// the surfaces (HTTP, CLI, console) call, so Wrap puts them where the store was.
package hub

import (
	"context"

	"orderhub"
)

// Orders holds the rules of vendor orders, contracts, purchases, orders,
// customers, fulfilment and order events. As an orderhub.OrderStore, its other
// methods (reads, idempotency keys) are those of the store it wraps.
type Orders struct {
	orderhub.OrderStore
	w orderhub.TxWriter
}

// NewOrders returns the order rules over a store's write transactions (with no
// store to pass other methods to: see Wrap).
func NewOrders(w orderhub.TxWriter) *Orders { return &Orders{w: w} }

// Connectors is orderhub.ConnectorStore with the rules of the connectors' inbound
// surfaces (Yespo order events and contacts) run by Orders.
type Connectors struct {
	orderhub.ConnectorStore
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

// Wrap returns st with hub's services in place of its order and connector stores:
// a surface given the result calls the rules here, which run in w's write
// transactions (w is the store itself: sqlstore.DB implements both), and reaches
// the store directly for everything else.
func Wrap(st orderhub.Store, w orderhub.TxWriter) orderhub.Store {
	orders := &Orders{OrderStore: st.Orders, w: w}
	st.Orders = orders
	st.Connectors = &Connectors{ConnectorStore: st.Connectors, orders: orders}
	return st
}

var (
	_ orderhub.OrderStore     = (*Orders)(nil)
	_ orderhub.ConnectorStore = (*Connectors)(nil)
)
