package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"orderhub"
)

const orderColumns = `id, vendor_id, number, external_order_id, customer_id, source, status, currency, order_date, subtotal, shipping, taxes,
	discount, total, items, billing_address, shipping_address, payment_method, delivery_method, metadata, created_at, updated_at, contract_id`

func scanOrder(sc interface{ Scan(...any) error }) (*orderhub.Order, error) {
	o := &orderhub.Order{}
	var ext, bill, ship, meta, contract sql.NullString
	var items string
	var created, updated int64
	if err := sc.Scan(&o.ID, &o.VendorID, &o.Number, &ext, &o.CustomerID, &o.Source, &o.Status, &o.Currency, &o.Date,
		&o.Subtotal, &o.Shipping, &o.Taxes, &o.Discount, &o.Total, &items, &bill, &ship, &o.PaymentMethod, &o.DeliveryMethod,
		&meta, &created, &updated, &contract); err != nil {
		return nil, err
	}
	o.ExternalOrderID, o.ContractID = ext.String, contract.String
	o.Items = []orderhub.OrderItem{}
	_ = json.Unmarshal([]byte(items), &o.Items)
	// Derived, never trusted from the row: rows written before the subtotal was
	// derived in one place (Yespo-event orders) hold 0.
	o.Subtotal = orderhub.ItemsSubtotal(o.Items)
	o.BillingAddress, o.ShippingAddress = addressOf(bill), addressOf(ship)
	if meta.Valid {
		o.Metadata = json.RawMessage(meta.String)
	}
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return o, nil
}

func orderArgs(o *orderhub.Order) []any {
	items, _ := orderhub.MarshalOrderItemsJSON(o.Items) // json.Marshal(o.Items)'s bytes
	return []any{o.ID, o.VendorID, o.Number, nullString(o.ExternalOrderID), o.CustomerID, o.Source, o.Status, o.Currency, o.Date,
		int64(o.Subtotal), int64(o.Shipping), int64(o.Taxes), int64(o.Discount), int64(o.Total), string(items),
		addressJSON(o.BillingAddress), addressJSON(o.ShippingAddress), o.PaymentMethod, o.DeliveryMethod,
		nullString(string(o.Metadata)), micros(o.CreatedAt), micros(o.UpdatedAt), nullString(o.ContractID)}
}

func (tx *Tx) updateOrder(o *orderhub.Order) error {
	_, err := tx.exec(`UPDATE orders SET vendor_id = $2, number = $3, external_order_id = $4, customer_id = $5, source = $6, status = $7,
		currency = $8, order_date = $9, subtotal = $10, shipping = $11, taxes = $12, discount = $13, total = $14, items = $15,
		billing_address = $16, shipping_address = $17, payment_method = $18, delivery_method = $19, metadata = $20,
		created_at = $21, updated_at = $22, contract_id = $23 WHERE id = $1`, orderArgs(o)...)
	return err
}

// GetOrder returns one order of a vendor by id.
func (sub Orders) GetOrder(ctx context.Context, vendorID, id string) (*orderhub.Order, error) {
	return readOne(ctx, sub.db, scanOrder, `SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND id = $2`, []any{vendorID, id},
		orderhub.ENotFound, "Order %q not found.", id)
}

// GetOrderByExternalID returns the vendor's order with an external order id.
func (sub Orders) GetOrderByExternalID(ctx context.Context, vendorID, externalOrderID string) (*orderhub.Order, error) {
	return readOne(ctx, sub.db, scanOrder, `SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND external_order_id = $2`, []any{vendorID, externalOrderID},
		orderhub.ENotFound, "Order %q not found.", externalOrderID)
}

func listLimit(f orderhub.ListFilter) int {
	if f.Limit <= 0 {
		return 50
	}
	return min(f.Limit, 1000)
}

// ListOrders returns a vendor's orders, newest first.
func (sub Orders) ListOrders(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Order, error) {
	return queryAll(ctx, sub.db, `SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND ($2 = '' OR customer_id = $2)
		ORDER BY created_at DESC, number DESC LIMIT $3`, scanOrder, f.VendorID, f.CustomerID, listLimit(f))
}

// ListCustomers returns a vendor's customers, newest first.
func (sub Orders) ListCustomers(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Customer, error) {
	return queryAll(ctx, sub.db, `SELECT `+customerColumns+` FROM customers WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, scanCustomer, f.VendorID, listLimit(f))
}

// FindCustomer returns the vendor's customer matched by m (the same order as
// upsertCustomer), or an ENotFound error.
func (sub Orders) FindCustomer(ctx context.Context, vendorID string, m orderhub.CustomerMatch) (*orderhub.Customer, error) {
	for _, k := range []struct{ col, val string }{{"id", m.ID}, {"publisher_user_id", m.PublisherUserID}, {"email", m.Email}, {"phone", m.Phone}} {
		if k.val == "" {
			continue
		}
		c, err := scanCustomer(sub.db.read.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE vendor_id = $1 AND `+k.col+` = $2 ORDER BY created_at LIMIT 1`, vendorID, k.val))
		if err == nil {
			return c, nil
		}
		if err != sql.ErrNoRows {
			return nil, err
		}
	}
	return nil, orderhub.Errorf(orderhub.ENotFound, "No such customer.")
}
