package sqlstore

import (
	"database/sql"

	"orderhub"
)

// A contract is an order too (issue 16): placing a vendor order or recording a
// purchase creates the contract's order (orderhub.ContractOrder) in the same
// transaction and emits order-created after contract-created; confirming or
// canceling the contract updates the order's status and emits order-updated. So a
// Zap or endpoint on new orders, the admin order lists and the console's order
// counters see every sale, whatever surface it came from.

// createContractOrder inserts the order of contract c (unit: the price of one,
// 0 when unknown) and appends its order-created event, keyed by the customer like
// the contract's events.
func (tx *Tx) createContractOrder(c *orderhub.Contract, unit orderhub.Money, currency string) (*orderhub.Order, error) {
	o := orderhub.ContractOrder(c, unit, currency)
	o.ID = orderhub.NewUUID()
	o.CreatedAt, o.UpdatedAt = tx.now, tx.now
	var err error
	if o.Number, err = tx.nextOrderNumber(c.VendorID); err != nil {
		return nil, err
	}
	if tx.bulkOn() {
		tx.bulkOrder(&o)
	} else if _, err := tx.exec(`INSERT INTO orders (`+orderColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
		$16, $17, $18, $19, $20, $21, $22, $23)`, orderArgs(&o)...); err != nil {
		return nil, err
	}
	if _, err := tx.appendEvent(c.VendorID, orderhub.EventOrderCreated, c.UserID, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// syncContractOrder sets the status of contract c's order to match c (after a
// confirmation or a cancellation) and appends order-updated. A contract placed
// before its order existed (before migration 00014) has none: nothing to do.
func (tx *Tx) syncContractOrder(c *orderhub.Contract) error {
	o, err := scanOrder(tx.queryRow(`SELECT `+orderColumns+` FROM orders WHERE contract_id = $1`, c.ID))
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	status := orderhub.ContractOrderStatus(c.Status)
	if o.Status == status {
		return nil
	}
	o.Status, o.UpdatedAt = status, tx.now
	if err := tx.updateOrder(o); err != nil {
		return err
	}
	_, err = tx.appendEvent(o.VendorID, orderhub.EventOrderUpdated, o.CustomerID, o)
	return err
}
