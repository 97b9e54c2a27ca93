package sqlstore

import (
	"database/sql"

	"orderhub"
)

// insertOrder numbers a new order (the vendor's next number, counted like event
// sequences so that optimistic batches number orders without a round trip) and
// inserts it. An order with an external order id that another process inserted
// meanwhile makes the request run again (and see that order); a contract's order
// (no external order id) goes into an optimistic batch's bulk insert.
func (tx *Tx) insertOrder(o *orderhub.Order) error {
	var err error
	if o.Number, err = tx.nextOrderNumber(o.VendorID); err != nil {
		return err
	}
	if o.ExternalOrderID != "" {
		var id string
		err = tx.queryRow(`INSERT INTO orders (`+orderColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
			ON CONFLICT (vendor_id, external_order_id) WHERE external_order_id IS NOT NULL DO NOTHING RETURNING id`, orderArgs(o)...).Scan(&id)
		if err == sql.ErrNoRows {
			return errRetry
		}
		return err
	}
	if tx.pg.bulkOn() {
		tx.pg.bulkOrder(o)
		return nil
	}
	_, err = tx.execBeside(`INSERT INTO orders (`+orderColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
		$16, $17, $18, $19, $20, $21, $22, $23)`, orderArgs(o)...)
	return err
}
