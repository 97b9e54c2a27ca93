package sqlstore

import (
	"time"

	"orderhub"
)

// Store returns db as the root package's store interfaces (issue 17): what cmd/
// hands to the consumers. Its clock is db.Now, read at each call.
func (db *DB) Store() orderhub.Store {
	return orderhub.Store{
		Orders:     db,
		Catalog:    db,
		Tenants:    db,
		Connectors: db,
		Deliveries: db,
		Admin:      db,
		Ops:        db,
		Now:        func() time.Time { return db.Now() },
	}
}

// *DB implements every store interface.
var (
	_ orderhub.OrderStore     = (*DB)(nil)
	_ orderhub.CatalogStore   = (*DB)(nil)
	_ orderhub.TenantStore    = (*DB)(nil)
	_ orderhub.ConnectorStore = (*DB)(nil)
	_ orderhub.DeliveryStore  = (*DB)(nil)
	_ orderhub.AdminStore     = (*DB)(nil)
	_ orderhub.OpsStore       = (*DB)(nil)
)
