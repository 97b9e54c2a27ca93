package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"orderhub"
)

const contractColumns = `c.id, c.vendor_id, c.external_order_id, c.promo_code, c.product_name, c.status, c.origin, c.source_id, c.quantity,
	c.payment_method, c.payment_provider, c.start_date, c.delayed_starts_at, c.ends_at, c.user_id, c.payer_id, c.fingerprint,
	c.extra_data, c.owner_data, c.vendor_data, c.created_at, c.confirmed_at, c.canceled_at, u.email`

const contractFrom = ` FROM contracts c JOIN customers u ON u.id = c.user_id`

type contractRow struct {
	orderhub.Contract
	fingerprint string
}

func scanContract(sc interface{ Scan(...any) error }) (*contractRow, error) {
	r := &contractRow{}
	c := &r.Contract
	var ext, promo, source, extra, owner, vendor, email sql.NullString
	var created int64
	var confirmed, canceled sql.NullInt64
	if err := sc.Scan(&c.ID, &c.VendorID, &ext, &promo, &c.ProductName, &c.Status, &c.Origin, &source, &c.Quantity,
		&c.PaymentMethod, &c.PaymentProvider, &c.StartDate, &c.DelayedContractStartsAt, &c.EndsAt, &c.UserID, &c.PayerID, &r.fingerprint,
		&extra, &owner, &vendor, &created, &confirmed, &canceled, &email); err != nil {
		return nil, err
	}
	c.ExternalOrderID, c.PromoCode, c.SourceID, c.UserEmail = ext.String, promo.String, source.String, email.String
	for _, f := range []struct {
		dst *json.RawMessage
		src sql.NullString
	}{{&c.ExtraData, extra}, {&c.OwnerData, owner}, {&c.VendorData, vendor}} {
		if f.src.Valid {
			*f.dst = json.RawMessage(f.src.String)
		}
	}
	c.CreatedAt = fromMicros(created)
	c.ConfirmedAt, c.CanceledAt = fromNullMicros(confirmed), fromNullMicros(canceled)
	return r, nil
}

// scanPublicContract scans a contract without its row's fingerprint.
var scanPublicContract = scanPart(scanContract, func(r *contractRow) *orderhub.Contract { return &r.Contract })

// contractByExternalID returns the vendor's contract with an external order id (from
// the batch's cache when it knows), or sql.ErrNoRows.
func (tx *Tx) contractByExternalID(vendorID, ext string) (*contractRow, error) {
	if r, ok := tx.pg.cachedContract(vendorID, ext); ok {
		if r == nil {
			return nil, sql.ErrNoRows
		}
		return r, nil
	}
	if tx.w.d.kind() == SQLite {
		// Most look-ups are of a new order's id, and find nothing: ask for one
		// column first (SQLite in process: a second statement costs less than the
		// driver's set-up of a 24-column result for a miss).
		var one int
		switch err := tx.queryRow(`SELECT 1 FROM contracts WHERE vendor_id = $1 AND external_order_id = $2`, vendorID, ext).Scan(&one); {
		case err == sql.ErrNoRows:
			return nil, err
		case err != nil:
			return nil, err
		}
	}
	r, err := scanContract(tx.queryRow(`SELECT `+contractColumns+contractFrom+` WHERE c.vendor_id = $1 AND c.external_order_id = $2`, vendorID, ext))
	if tx.pg.cache != nil {
		switch {
		case err == nil:
			tx.pg.cacheContract(r)
		case err == sql.ErrNoRows:
			tx.pg.cache.contracts[cacheKey(vendorID, ext)] = nil
		}
	}
	return r, err
}

// insertContract inserts a new contract. A concurrent insert of the same external
// order id by another process makes the request run again (and see that contract).
func (tx *Tx) insertContract(c *orderhub.Contract, fingerprint string) error {
	if tx.pg.bulkOn() {
		// The batch's cache said no such contract, and nobody else writes the
		// vendor's rows while the batch holds its writer lock slot; should it be
		// wrong, the bulk insert fails and the batch runs again on the careful path.
		tx.pg.bulkContract(c, fingerprint)
		tx.pg.cacheContract(&contractRow{Contract: *c, fingerprint: fingerprint})
		return nil
	}
	var confirmed sql.NullInt64
	if c.ConfirmedAt != nil {
		confirmed = sql.NullInt64{Int64: micros(*c.ConfirmedAt), Valid: true}
	}
	args := []any{c.ID, c.VendorID, nullString(c.ExternalOrderID), nullString(c.PromoCode), c.ProductName, c.Status, c.Origin, nullString(c.SourceID), c.Quantity,
		c.PaymentMethod, c.PaymentProvider, c.StartDate, c.DelayedContractStartsAt, c.EndsAt, c.UserID, c.PayerID, fingerprint,
		nullString(string(c.ExtraData)), nullString(string(c.OwnerData)), nullString(string(c.VendorData)), micros(c.CreatedAt), confirmed}
	var err error
	if tx.w.d.kind() == SQLite {
		// In process the count of inserted rows is at hand: no RETURNING (which
		// makes SQLite keep the returned rows in a temporary table, and the driver
		// set up a result set, for every contract).
		var res sql.Result
		if res, err = tx.execBeside(insertContractSQL, args...); err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return errRetry
			}
		}
	} else {
		var id string
		err = tx.queryRow(insertContractSQL+` RETURNING id`, args...).Scan(&id)
		if err == sql.ErrNoRows {
			return errRetry
		}
	}
	if err == nil {
		tx.pg.cacheContract(&contractRow{Contract: *c, fingerprint: fingerprint})
	}
	return err
}

// insertContractSQL inserts a contract, or nothing when its external order id is
// taken.
const insertContractSQL = `INSERT INTO contracts (` + contractInsertColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
		ON CONFLICT (vendor_id, external_order_id) WHERE external_order_id IS NOT NULL DO NOTHING`

// GetContract returns one contract of a vendor.
func (sub Orders) GetContract(ctx context.Context, vendorID, id string) (*orderhub.Contract, error) {
	return readOne(ctx, sub.db, scanPublicContract, `SELECT `+contractColumns+contractFrom+` WHERE c.vendor_id = $1 AND c.id = $2`, []any{vendorID, id},
		orderhub.EContractNotFound, "Contract %q not found.", id)
}

// ListContracts returns a vendor's contracts, newest first.
func (sub Orders) ListContracts(ctx context.Context, f orderhub.ContractFilter) ([]*orderhub.Contract, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	return queryAll(ctx, sub.db, `SELECT `+contractColumns+contractFrom+`
		WHERE c.vendor_id = $1 AND ($2 = '' OR c.external_order_id = $2) AND ($3 = '' OR c.user_id = $3)
		ORDER BY c.created_at DESC, c.id LIMIT $4`, scanPublicContract, f.VendorID, f.ExternalOrderID, f.UserID, f.Limit)
}

// CountContracts counts a vendor's contracts with an external order id (tests, ops).
func (sub Orders) CountContracts(ctx context.Context, vendorID, externalOrderID string) (int, error) {
	var n int
	err := sub.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM contracts WHERE vendor_id = $1 AND external_order_id = $2`, vendorID, externalOrderID).Scan(&n)
	return n, err
}
