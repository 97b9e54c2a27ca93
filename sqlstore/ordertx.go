package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"orderhub"
)

// orderTx is the store's side of orderhub.OrderTx: the primitive reads and writes
// the domain rules (package hub) run inside the writer's transaction. It is Tx
// itself under another name, so that handing it to a rule costs nothing and the
// writer's caches, bulk inserts and statements are the ones Tx always used.
type orderTx Tx

var (
	_ orderhub.OrderTx = (*orderTx)(nil)
	_ orderhub.QuotaTx = (*orderTx)(nil)
)

// WriteTx runs fn in the writer's transaction (see orderhub.TxWriter); hint names
// what fn will look up, for optimistic batches on PostgreSQL (pgbulk.go).
func (db *DB) WriteTx(ctx context.Context, hint orderhub.WriteHint, fn func(orderhub.OrderTx) error) error {
	var h *writeHint
	if hint.VendorID != "" {
		h = &writeHint{vendorID: hint.VendorID, externalOrderIDs: hint.ExternalOrderIDs, emails: hint.Emails}
	}
	return db.w.doHinted(ctx, func(tx *Tx) error { return fn((*orderTx)(tx)) }, h)
}

func (t *orderTx) tx() *Tx { return (*Tx)(t) }

func (t *orderTx) Now() time.Time { return t.now }

func (t *orderTx) AppendEvent(vendorID, typ, orderingKey string, data any) (*orderhub.Event, error) {
	return t.tx().appendEvent(vendorID, typ, orderingKey, data)
}

func (t *orderTx) ContractByExternalID(vendorID, ext string) (*orderhub.Contract, string, error) {
	r, err := t.tx().contractByExternalID(vendorID, ext)
	return contractOf(r, err)
}

func (t *orderTx) ContractByID(vendorID, id string) (*orderhub.Contract, string, error) {
	r, err := scanContract(t.tx().queryRow(`SELECT `+contractColumns+contractFrom+` WHERE c.vendor_id = $1 AND c.id = $2`, vendorID, id))
	return contractOf(r, err)
}

func contractOf(r *contractRow, err error) (*orderhub.Contract, string, error) {
	switch {
	case err == sql.ErrNoRows:
		return nil, "", nil
	case err != nil:
		return nil, "", err
	}
	return &r.Contract, r.fingerprint, nil
}

func (t *orderTx) InsertContract(c *orderhub.Contract, fingerprint string) error {
	return t.tx().insertContract(c, fingerprint)
}

func (t *orderTx) UpdateContractStatus(c *orderhub.Contract, fingerprint string) error {
	if _, err := t.tx().exec(`UPDATE contracts SET status = $2, confirmed_at = $3, canceled_at = $4 WHERE id = $1`,
		c.ID, c.Status, nullMicros(c.ConfirmedAt), nullMicros(c.CanceledAt)); err != nil {
		return err
	}
	t.tx().pg.cacheContract(&contractRow{Contract: *c, fingerprint: fingerprint})
	return nil
}

func (t *orderTx) FindCustomer(vendorID string, m orderhub.CustomerMatch) (*orderhub.Customer, error) {
	return t.tx().findCustomer(vendorID, m)
}

func (t *orderTx) InsertCustomer(c *orderhub.Customer) error { return t.tx().insertCustomer(c) }

func (t *orderTx) UpdateCustomer(prev, next *orderhub.Customer) error {
	return t.tx().updateCustomer(prev, next)
}

func (t *orderTx) OrderByExternalID(vendorID, ext string) (*orderhub.Order, error) {
	return noRow(scanOrder(t.tx().queryRow(`SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND external_order_id = $2`, vendorID, ext)))
}

func (t *orderTx) OrderByContractID(contractID string) (*orderhub.Order, error) {
	return noRow(scanOrder(t.tx().queryRow(`SELECT `+orderColumns+` FROM orders WHERE contract_id = $1`, contractID)))
}

func (t *orderTx) InsertOrder(o *orderhub.Order) error { return t.tx().insertOrder(o) }

func (t *orderTx) UpdateOrder(o *orderhub.Order) error { return t.tx().updateOrder(o) }

func (t *orderTx) SourceByID(id string) (*orderhub.Source, error) {
	return noRow(scanSource(t.tx().queryRow(`SELECT `+sourceColumns+` FROM sources WHERE id = $1 AND deleted_at IS NULL`, id)))
}

func (t *orderTx) ProductByID(vendorID, id string) (*orderhub.Product, error) {
	return noRow(scanProduct(t.tx().queryRow(`SELECT `+productColumns+` FROM products WHERE vendor_id = $1 AND id = $2`, vendorID, id)))
}

func (t *orderTx) ProductMappingOf(vendorID, sku, poID string) (*orderhub.ProductMapping, error) {
	return noRow(scanMapping(t.tx().queryRow(`SELECT `+mappingColumns+` FROM product_mappings WHERE vendor_id = $1 AND sku = $2 AND po_id = $3`, vendorID, sku, poID)))
}

func (t *orderTx) PurchaseOptionPrice(vendorID, id string) (name string, price orderhub.Money, currency string, err error) {
	var minor sql.NullInt64
	err = t.tx().queryRow(`SELECT name, price_minor, currency FROM purchase_options WHERE vendor_id = $1 AND id = $2`, vendorID, id).Scan(&name, &minor, &currency)
	return name, orderhub.Money(minor.Int64), currency, err
}

func (t *orderTx) PurchaseByPublisherID(sourceID, publisherPurchaseID string) (*orderhub.PurchaseResult, string, error) {
	return t.tx().purchaseByPublisherID(sourceID, publisherPurchaseID)
}

func (t *orderTx) InsertPurchase(r *orderhub.PurchaseResult, p *orderhub.Purchase) error {
	return t.tx().insertPurchase(r, p)
}

func (t *orderTx) OrderCustomerID(vendorID, orderID string) (string, error) {
	var customer string
	err := t.tx().queryRow(`SELECT customer_id FROM orders WHERE vendor_id = $1 AND id = $2`, vendorID, orderID).Scan(&customer)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return customer, err
}

func (t *orderTx) ShippingByID(vendorID, id string) (*orderhub.Shipping, error) {
	return noRow(scanShipping(t.tx().queryRow(`SELECT `+shippingColumns+` FROM shippings WHERE vendor_id = $1 AND id = $2`, vendorID, id)))
}

func (t *orderTx) InsertShipping(s *orderhub.Shipping) error { return t.tx().insertShipping(s) }

func (t *orderTx) UpdateShipping(s *orderhub.Shipping) error { return t.tx().updateShipping(s) }

func (t *orderTx) TransactionByExternalID(vendorID, provider, externalID string) (*orderhub.Transaction, error) {
	return noRow(scanTransaction(t.tx().queryRow(`SELECT `+transactionColumns+` FROM transactions WHERE vendor_id = $1 AND provider = $2 AND external_id = $3`,
		vendorID, provider, externalID)))
}

func (t *orderTx) InsertTransaction(tr *orderhub.Transaction) error {
	return t.tx().insertTransaction(tr)
}

func (t *orderTx) UpdateTransaction(tr *orderhub.Transaction) error {
	_, err := t.tx().exec(`UPDATE transactions SET status = $2, message = $3, updated_at = $4 WHERE id = $1`, tr.ID, tr.Status, tr.Message, micros(t.now))
	return err
}

func (t *orderTx) InsertTransactionHistory(tr *orderhub.Transaction) error {
	return t.tx().insertTransactionHistory(tr)
}

func (t *orderTx) InsertSurvey(s *orderhub.Survey) error { return t.tx().insertSurvey(s) }

func (t *orderTx) FindContact(vendorID string, keys []orderhub.ContactKey) (*orderhub.Customer, error) {
	return t.tx().findContact(vendorID, keys)
}

func (t *orderTx) AttachPushToken(vendorID, token, customerID string) error {
	return t.tx().attachPushToken(vendorID, token, customerID)
}

func (t *orderTx) RecordIgnored(r *orderhub.IgnoredEvent, fingerprint string) (*orderhub.IgnoredEvent, error) {
	return t.tx().recordIgnored(r, fingerprint)
}

func (t *orderTx) SalesmanagoAccountState(vendorID, accountID string) (bool, bool, string, error) {
	return t.tx().salesmanagoAccountState(vendorID, accountID)
}

func (t *orderTx) InsertDelivery(endpointID string, ev *orderhub.Event) (string, error) {
	if err := (queue{t.tx()}).insertDelivery(endpointID, ev.VendorID, ev.ID, ev.Type, ev.OrderingKey, ev.Seq); err != nil {
		return "", err
	}
	var id string
	err := t.tx().queryRow(`SELECT id FROM deliveries WHERE endpoint_id = $1 AND vendor_id = $2 AND seq = $3`, endpointID, ev.VendorID, ev.Seq).Scan(&id)
	return id, err
}

func (t *orderTx) QuotaOverride(vendorID, name string) (int, bool, error) {
	return t.tx().quotaOverride(vendorID, name)
}

func (t *orderTx) QuotaUsage(vendorID, name, user string) (int, error) {
	return t.tx().quotaUsage(vendorID, name, user)
}

// noRow turns sql.ErrNoRows into a nil record and a nil error.
func noRow[T any](v *T, err error) (*T, error) {
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return v, err
}

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}
