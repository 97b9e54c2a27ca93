// Package hub is orderhub's service layer: the domain rules of a write — replays
// and transitions of vendor orders and contracts, purchases, order events, which
// events each change causes — over a narrow transaction interface
// (orderhub.OrderTx) that a store implements. Storage only stores: it reads and
// writes what the rules tell it to, inside its single writer's transaction, and
// decides nothing.
//
// Each rule is a function of an orderhub.OrderTx, so that the rules run (and are
// tested) against any implementation of it: sqlstore's, or an in-memory fake. The
// services (Orders) wrap them in the store's write transaction with the batching
// hint the rule's lookups need; their methods have the signatures the surfaces
// (HTTP, CLI, console) call.
package hub

import "orderhub"

// Orders holds the rules of vendor orders, contracts, purchases, orders and
// customers.
type Orders struct {
	w orderhub.TxWriter
}

// NewOrders returns the order services over a store's write transactions.
func NewOrders(w orderhub.TxWriter) *Orders { return &Orders{w: w} }
