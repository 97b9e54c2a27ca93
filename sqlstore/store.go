package sqlstore

import (
	"time"

	"orderhub"
)

// The sub-stores (issue 17): *DB keeps its lifecycle (Open, Close, Write, Dialect,
// Pragma) and hands out one sub-store per domain, each implementing one of the root
// package's store interfaces. A sub-store is a value holding db: free to copy,
// taking one costs no allocation.

// Orders is db's order side: orders, contracts, customers, fulfilment, purchases,
// idempotency keys and the event log (orderhub.OrderRecords; the rules are
// package hub's).
type Orders struct{ db *DB }

// Catalog is db's catalog: products, purchase options, product mappings, sources and
// Zapier users (orderhub.CatalogStore).
type Catalog struct{ db *DB }

// Tenants is db's tenants: vendors, OAuth clients, promo codes, quotas, the vendor
// portal and sealed secrets (orderhub.TenantStore).
type Tenants struct{ db *DB }

// Connectors is db's side of the Salesmanago and Yespo connectors
// (orderhub.ConnectorRecords; the rules are package hub's).
type Connectors struct{ db *DB }

// Deliveries is db's outbound delivery: endpoints, fan-out, claim, completion,
// replay (orderhub.DeliveryStore).
type Deliveries struct{ db *DB }

// Admin is db's operators' side: admin listings and tokens, console users, the
// audit log, retention (orderhub.AdminStore).
type Admin struct{ db *DB }

// Ops is db's operational side: readiness probes, commit notifications and writer
// metrics (orderhub.OpsStore).
type Ops struct{ db *DB }

// Orders returns db's order side.
func (db *DB) Orders() Orders { return Orders{db} }

// Catalog returns db's catalog.
func (db *DB) Catalog() Catalog { return Catalog{db} }

// Tenants returns db's tenants.
func (db *DB) Tenants() Tenants { return Tenants{db} }

// Connectors returns db's connector side.
func (db *DB) Connectors() Connectors { return Connectors{db} }

// Deliveries returns db's outbound delivery.
func (db *DB) Deliveries() Deliveries { return Deliveries{db} }

// Admin returns db's operators' side.
func (db *DB) Admin() Admin { return Admin{db} }

// Ops returns db's operational side.
func (db *DB) Ops() Ops { return Ops{db} }

// Store returns db as the root package's storage (issue 17): the store without
// the domain rules, which cmd/ hands to hub.Wrap (hub.Wrap(db.Store(), db)) to get
// the orderhub.Store the consumers use. Its clock is db.Now, read at each call.
func (db *DB) Store() orderhub.Storage {
	return orderhub.Storage{
		Orders:     db.Orders(),
		Catalog:    db.Catalog(),
		Tenants:    db.Tenants(),
		Connectors: db.Connectors(),
		Deliveries: db.Deliveries(),
		Admin:      db.Admin(),
		Ops:        db.Ops(),
		Now:        func() time.Time { return db.Now() },
	}
}

// The sub-stores implement the store interfaces.
var (
	_ orderhub.OrderRecords     = Orders{}
	_ orderhub.CatalogStore     = Catalog{}
	_ orderhub.TenantStore      = Tenants{}
	_ orderhub.ConnectorRecords = Connectors{}
	_ orderhub.DeliveryStore    = Deliveries{}
	_ orderhub.AdminStore       = Admin{}
	_ orderhub.OpsStore         = Ops{}
)
