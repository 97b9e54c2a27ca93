package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"orderhub"
)

const purchaseColumns = `id, vendor_id, source_id, publisher_purchase_id, product_id, purchase_option_id, customer_id, contract_id,
	starts_at, ends_at, fingerprint, created_at`

type purchaseRow struct {
	orderhub.PurchaseResult
	fingerprint string
}

func scanPurchase(sc interface{ Scan(...any) error }) (*purchaseRow, error) {
	r := &purchaseRow{}
	p := &r.PurchaseResult
	var pub, option sql.NullString
	var starts, created int64
	var ends sql.NullInt64
	if err := sc.Scan(&p.PurchaseID, &p.VendorID, &p.SourceID, &pub, &p.ProductID, &option, &p.CustomerID, &p.ContractID,
		&starts, &ends, &r.fingerprint, &created); err != nil {
		return nil, err
	}
	p.PublisherPurchaseID, p.PurchaseOptionID = pub.String, option.String
	p.StartsAt = fromMicros(starts).Format(time.RFC3339Nano)
	if ends.Valid {
		p.EndsAt = fromMicros(ends.Int64).Format(time.RFC3339Nano)
	}
	p.CreatedAt = fromMicros(created)
	return r, nil
}

// scanPublicPurchase scans a purchase without its row's fingerprint.
var scanPublicPurchase = scanPart(scanPurchase, func(r *purchaseRow) *orderhub.PurchaseResult { return &r.PurchaseResult })

// purchaseByPublisherID returns the purchase a source recorded under a
// publisherPurchaseId, or nil.
func (tx *Tx) purchaseByPublisherID(sourceID, publisherPurchaseID string) (*orderhub.PurchaseResult, string, error) {
	r, err := scanPurchase(tx.queryRow(`SELECT `+purchaseColumns+` FROM purchases WHERE source_id = $1 AND publisher_purchase_id = $2`, sourceID, publisherPurchaseID))
	switch {
	case err == sql.ErrNoRows:
		return nil, "", nil
	case err != nil:
		return nil, "", err
	}
	return &r.PurchaseResult, r.fingerprint, nil
}

// insertPurchase records purchase p as r, with p as its payload. Another process
// that recorded the same publisherPurchaseId meanwhile makes the request run again
// (in a fresh savepoint), to answer as a replay.
func (tx *Tx) insertPurchase(r *orderhub.PurchaseResult, p *orderhub.Purchase) error {
	payload, _ := json.Marshal(p)
	var ends sql.NullInt64
	if p.End != nil {
		ends = sql.NullInt64{Int64: micros(*p.End), Valid: true}
	}
	var id string
	err := tx.queryRow(`INSERT INTO purchases (id, vendor_id, source_id, publisher_purchase_id, product_id, purchase_option_id, sku, po_id,
		customer_id, contract_id, starts_at, ends_at, notes, payload, fingerprint, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (source_id, publisher_purchase_id) WHERE publisher_purchase_id IS NOT NULL DO NOTHING RETURNING id`,
		r.PurchaseID, r.VendorID, r.SourceID, nullString(r.PublisherPurchaseID), r.ProductID, nullString(r.PurchaseOptionID), p.SKU, p.POID,
		r.CustomerID, r.ContractID, micros(p.Start), ends, p.Notes, string(payload), p.Fingerprint, micros(tx.now)).Scan(&id)
	if err == sql.ErrNoRows {
		return errRetry
	}
	return err
}

// GetPurchase returns one purchase of a vendor.
func (sub Orders) GetPurchase(ctx context.Context, vendorID, id string) (*orderhub.PurchaseResult, error) {
	return readOne(ctx, sub.db, scanPublicPurchase, `SELECT `+purchaseColumns+` FROM purchases WHERE vendor_id = $1 AND id = $2`, []any{vendorID, id},
		orderhub.ENotFound, "Purchase %q not found.", id)
}

// ListPurchases returns a vendor's purchases, newest first.
func (sub Orders) ListPurchases(ctx context.Context, f orderhub.PurchaseFilter) ([]*orderhub.PurchaseResult, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	return queryAll(ctx, sub.db, `SELECT `+purchaseColumns+` FROM purchases
		WHERE vendor_id = $1 AND ($2 = '' OR source_id = $2) ORDER BY created_at DESC, id LIMIT $3`, scanPublicPurchase, f.VendorID, f.SourceID, f.Limit)
}
