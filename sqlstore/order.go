package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"reflect"

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
	if bill.Valid {
		o.BillingAddress = &orderhub.Address{}
		_ = json.Unmarshal([]byte(bill.String), o.BillingAddress)
	}
	if ship.Valid {
		o.ShippingAddress = &orderhub.Address{}
		_ = json.Unmarshal([]byte(ship.String), o.ShippingAddress)
	}
	if meta.Valid {
		o.Metadata = json.RawMessage(meta.String)
	}
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return o, nil
}

// UpsertOrder creates the order of in, or updates the vendor's order with the same
// ExternalOrderID, in one transaction with its events: order-created, or
// order-updated when anything changed (nothing is written for an unchanged replay).
// The customer is found (id, publisher user id, e-mail, phone) or created. Events of
// an order are keyed by its customer, so they arrive after that customer's
// customer-created/updated. created reports whether the order is new.
func (db *DB) UpsertOrder(ctx context.Context, in *orderhub.OrderInput) (o *orderhub.Order, created bool, err error) {
	err = db.Write(ctx, func(tx *Tx) error {
		o, created, err = tx.upsertOrder(in)
		return err
	})
	return o, created, err
}

func (tx *Tx) upsertOrder(in *orderhub.OrderInput) (*orderhub.Order, bool, error) {
	var cur *orderhub.Order
	if in.ExternalOrderID != "" {
		o, err := scanOrder(tx.queryRow(`SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND external_order_id = $2`, in.VendorID, in.ExternalOrderID))
		switch {
		case err == nil:
			cur = o
		case err != sql.ErrNoRows:
			return nil, false, err
		}
	}
	c := in.Customer
	cust, err := tx.upsertCustomer(in.VendorID, orderhub.CustomerMatch{ID: c.ID, PublisherUserID: c.PublisherUserID, Email: c.Email, Phone: c.Phone}, &c)
	if err != nil {
		return nil, false, err
	}
	next := orderhub.Order{
		VendorID: in.VendorID, ExternalOrderID: in.ExternalOrderID, CustomerID: cust.ID, Source: in.Source, Status: in.Status,
		Currency: in.Currency, Date: in.Date, Shipping: in.Shipping, Taxes: in.Taxes, Discount: in.Discount,
		Total: in.Total, Items: in.Items, BillingAddress: in.BillingAddress, ShippingAddress: in.ShippingAddress,
		PaymentMethod: in.PaymentMethod, DeliveryMethod: in.DeliveryMethod, Metadata: in.Metadata,
	}
	if next.Items == nil {
		next.Items = []orderhub.OrderItem{}
	}
	next.Subtotal = orderhub.ItemsSubtotal(next.Items)
	if next.Status == "" {
		next.Status = orderhub.OrderInitialized
	}
	if cur == nil {
		next.ID = orderhub.NewUUID()
		next.CreatedAt, next.UpdatedAt = tx.now, tx.now
		var err error
		if next.Number, err = tx.nextOrderNumber(in.VendorID); err != nil {
			return nil, false, err
		}
		var id string
		err = tx.queryRow(`INSERT INTO orders (`+orderColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
			ON CONFLICT (vendor_id, external_order_id) WHERE external_order_id IS NOT NULL DO NOTHING RETURNING id`, orderArgs(&next)...).Scan(&id)
		if err == sql.ErrNoRows {
			return nil, false, errRetry
		}
		if err != nil {
			return nil, false, err
		}
		if _, err := tx.appendEvent(in.VendorID, orderhub.EventOrderCreated, cust.ID, &next); err != nil {
			return nil, false, err
		}
		return &next, true, nil
	}
	// An update keeps what it does not send.
	merged := *cur
	merged.CustomerID = cust.ID
	mergeOrder(&merged, &next)
	if reflect.DeepEqual(normalizedOrder(&merged), normalizedOrder(cur)) {
		return cur, false, nil
	}
	merged.UpdatedAt = tx.now
	if err := tx.updateOrder(&merged); err != nil {
		return nil, false, err
	}
	if _, err := tx.appendEvent(in.VendorID, orderhub.EventOrderUpdated, merged.CustomerID, &merged); err != nil {
		return nil, false, err
	}
	return &merged, false, nil
}

func normalizedOrder(o *orderhub.Order) string {
	c := *o
	c.UpdatedAt = c.CreatedAt
	b, _ := json.Marshal(&c)
	return string(b)
}

func mergeOrder(dst, src *orderhub.Order) {
	set := func(d *string, v string) {
		if v != "" {
			*d = v
		}
	}
	set(&dst.Source, src.Source)
	set(&dst.Status, src.Status)
	set(&dst.Currency, src.Currency)
	set(&dst.Date, src.Date)
	set(&dst.PaymentMethod, src.PaymentMethod)
	set(&dst.DeliveryMethod, src.DeliveryMethod)
	for _, m := range []struct{ d, s *orderhub.Money }{{&dst.Shipping, &src.Shipping}, {&dst.Taxes, &src.Taxes}, {&dst.Discount, &src.Discount}, {&dst.Total, &src.Total}} {
		if *m.s != 0 {
			*m.d = *m.s
		}
	}
	if len(src.Items) > 0 {
		dst.Items = src.Items
	}
	dst.Subtotal = orderhub.ItemsSubtotal(dst.Items)
	if !src.BillingAddress.IsZero() {
		dst.BillingAddress = src.BillingAddress
	}
	if !src.ShippingAddress.IsZero() {
		dst.ShippingAddress = src.ShippingAddress
	}
	if len(src.Metadata) > 0 {
		dst.Metadata = src.Metadata
	}
}

func orderArgs(o *orderhub.Order) []any {
	items, _ := json.Marshal(o.Items)
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

// SetOrderStatus changes the status of the vendor's order with an external order id
// and emits order-updated; an unchanged status writes nothing. An unknown order is
// an ENotFound error.
func (db *DB) SetOrderStatus(ctx context.Context, vendorID, externalOrderID, status string) (*orderhub.Order, error) {
	if !orderhub.ValidOrderStatus(status) {
		return nil, orderhub.Errorf(orderhub.EInvalidRequest, "Order status %q is not valid.", status)
	}
	var out *orderhub.Order
	err := db.Write(ctx, func(tx *Tx) error {
		o, err := scanOrder(tx.queryRow(`SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND external_order_id = $2`, vendorID, externalOrderID))
		if err != nil {
			return notFound(err, orderhub.ENotFound, "Order %q not found.", externalOrderID)
		}
		out = o
		if o.Status == status {
			return nil
		}
		o.Status, o.UpdatedAt = status, tx.now
		if err := tx.updateOrder(o); err != nil {
			return err
		}
		_, err = tx.appendEvent(vendorID, orderhub.EventOrderUpdated, o.CustomerID, o)
		return err
	})
	return out, err
}

// GetOrder returns one order of a vendor by id.
func (db *DB) GetOrder(ctx context.Context, vendorID, id string) (*orderhub.Order, error) {
	o, err := scanOrder(db.read.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND id = $2`, vendorID, id))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "Order %q not found.", id)
	}
	return o, nil
}

// GetOrderByExternalID returns the vendor's order with an external order id.
func (db *DB) GetOrderByExternalID(ctx context.Context, vendorID, externalOrderID string) (*orderhub.Order, error) {
	o, err := scanOrder(db.read.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND external_order_id = $2`, vendorID, externalOrderID))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "Order %q not found.", externalOrderID)
	}
	return o, nil
}

func listLimit(f orderhub.ListFilter) int {
	if f.Limit <= 0 {
		return 50
	}
	return min(f.Limit, 1000)
}

// ListOrders returns a vendor's orders, newest first.
func (db *DB) ListOrders(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Order, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND ($2 = '' OR customer_id = $2)
		ORDER BY created_at DESC, number DESC LIMIT $3`, f.VendorID, f.CustomerID, listLimit(f))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*orderhub.Order{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ListCustomers returns a vendor's customers, newest first.
func (db *DB) ListCustomers(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Customer, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, f.VendorID, listLimit(f))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*orderhub.Customer{}
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpsertCustomer finds the vendor's customer by m or creates one from in, emitting
// customer-created or customer-updated (nothing when unchanged).
func (db *DB) UpsertCustomer(ctx context.Context, vendorID string, m orderhub.CustomerMatch, in *orderhub.Customer) (*orderhub.Customer, error) {
	var out *orderhub.Customer
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.upsertCustomer(vendorID, m, in)
		return err
	})
	return out, err
}

// FindCustomer returns the vendor's customer matched by m (the same order as
// upsertCustomer), or an ENotFound error.
func (db *DB) FindCustomer(ctx context.Context, vendorID string, m orderhub.CustomerMatch) (*orderhub.Customer, error) {
	for _, k := range []struct{ col, val string }{{"id", m.ID}, {"publisher_user_id", m.PublisherUserID}, {"email", m.Email}, {"phone", m.Phone}} {
		if k.val == "" {
			continue
		}
		c, err := scanCustomer(db.read.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE vendor_id = $1 AND `+k.col+` = $2 ORDER BY created_at LIMIT 1`, vendorID, k.val))
		if err == nil {
			return c, nil
		}
		if err != sql.ErrNoRows {
			return nil, err
		}
	}
	return nil, orderhub.Errorf(orderhub.ENotFound, "No such customer.")
}
