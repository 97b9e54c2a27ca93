package main

import (
	"time"

	"orderhub"
	"orderhub/sqlstore"
)

// The consumers' store interfaces that span domains, filled from db's sub-stores
// (issue 17): each is a struct of the root package's store interfaces, so it
// implements any consumer interface made of their methods.

// deliveryStore is what the delivery engine reads and writes.
func deliveryStore(db *sqlstore.DB) interface {
	orderhub.DeliveryStore
	orderhub.OpsStore
} {
	return struct {
		orderhub.DeliveryStore
		orderhub.OpsStore
	}{db.Deliveries(), db.Ops()}
}

// connectorStore is what the connectors' senders read: accounts, customers, promo
// codes.
func connectorStore(db *sqlstore.DB) interface {
	orderhub.ConnectorRecords
	orderhub.OrderRecords
	orderhub.TenantStore
} {
	return struct {
		orderhub.ConnectorRecords
		orderhub.OrderRecords
		orderhub.TenantStore
	}{db.Connectors(), db.Orders(), db.Tenants()}
}

// zapierStore is what the Zapier hook bodies read, on db's clock.
type zapierStore struct {
	orderhub.OrderRecords
	orderhub.CatalogStore
	orderhub.TenantStore
	db *sqlstore.DB
}

func newZapierStore(db *sqlstore.DB) zapierStore {
	return zapierStore{db.Orders(), db.Catalog(), db.Tenants(), db}
}

// Now is db's clock (httpapi.ZapierBody computes the items at it).
func (z zapierStore) Now() time.Time { return z.db.Now() }
