package hub

import (
	"context"

	"orderhub"
)

// UpsertOrder creates the order of in, or updates the vendor's order with the same
// ExternalOrderID, in one transaction with its events: order-created, or
// order-updated when anything changed (nothing is written for an unchanged replay).
// The customer is found (id, publisher user id, e-mail, phone) or created. Events of
// an order are keyed by its customer, so they arrive after that customer's
// customer-created/updated. created reports whether the order is new.
func (s *Orders) UpsertOrder(ctx context.Context, in *orderhub.OrderInput) (o *orderhub.Order, created bool, err error) {
	err = s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		o, created, _, err = upsertOrder(tx, in)
		return err
	})
	return o, created, err
}

// UpsertOrder is the rule of Orders.UpsertOrder inside a transaction.
func UpsertOrder(tx orderhub.OrderTx, in *orderhub.OrderInput) (*orderhub.Order, bool, error) {
	o, created, _, err := upsertOrder(tx, in)
	return o, created, err
}

// upsertOrder is UpsertOrder that also tells whether an existing order changed.
func upsertOrder(tx orderhub.OrderTx, in *orderhub.OrderInput) (o *orderhub.Order, created, changed bool, err error) {
	var cur *orderhub.Order
	if in.ExternalOrderID != "" {
		if cur, err = tx.OrderByExternalID(in.VendorID, in.ExternalOrderID); err != nil {
			return nil, false, false, err
		}
	}
	c := in.Customer
	cust, err := UpsertCustomer(tx, in.VendorID, orderhub.CustomerMatch{ID: c.ID, PublisherUserID: c.PublisherUserID, Email: c.Email, Phone: c.Phone}, &c)
	if err != nil {
		return nil, false, false, err
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
	now := tx.Now()
	if cur == nil {
		next.ID = orderhub.NewUUID()
		next.CreatedAt, next.UpdatedAt = now, now
		// A store whose concurrent writer inserted the same external order id
		// meanwhile runs this again, to update that order.
		if err := tx.InsertOrder(&next); err != nil {
			return nil, false, false, err
		}
		if _, err := tx.AppendEvent(in.VendorID, orderhub.EventOrderCreated, cust.ID, &next); err != nil {
			return nil, false, false, err
		}
		return &next, true, true, nil
	}
	// An update keeps what it does not send.
	merged := *cur
	merged.CustomerID = cust.ID
	mergeOrder(&merged, &next)
	if normalizedOrder(&merged) == normalizedOrder(cur) {
		return cur, false, false, nil
	}
	merged.UpdatedAt = now
	if err := tx.UpdateOrder(&merged); err != nil {
		return nil, false, false, err
	}
	if _, err := tx.AppendEvent(in.VendorID, orderhub.EventOrderUpdated, merged.CustomerID, &merged); err != nil {
		return nil, false, false, err
	}
	return &merged, false, true, nil
}

// normalizedOrder is o as compared for a change: its JSON without the update time.
func normalizedOrder(o *orderhub.Order) string {
	c := *o
	c.UpdatedAt = c.CreatedAt
	b, _ := orderhub.MarshalOrderJSON(&c) // json.Marshal(&c)'s bytes
	return string(b)
}

// mergeOrder sets the fields src sends (non-empty) over dst.
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

// SetOrderStatus changes the status of the vendor's order with an external order id
// and emits order-updated; an unchanged status writes nothing. An unknown order is
// an ENotFound error.
func (s *Orders) SetOrderStatus(ctx context.Context, vendorID, externalOrderID, status string) (*orderhub.Order, error) {
	if !orderhub.ValidOrderStatus(status) {
		return nil, orderhub.Errorf(orderhub.EInvalidRequest, "Order status %q is not valid.", status)
	}
	var out *orderhub.Order
	err := s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		o, err := tx.OrderByExternalID(vendorID, externalOrderID)
		if err != nil {
			return err
		}
		if o == nil {
			return orderhub.Errorf(orderhub.ENotFound, "Order %q not found.", externalOrderID)
		}
		out = o
		return setOrderStatus(tx, o, status)
	})
	return out, err
}

// setOrderStatus sets o's status and emits order-updated, unless it has it.
func setOrderStatus(tx orderhub.OrderTx, o *orderhub.Order, status string) error {
	if o.Status == status {
		return nil
	}
	o.Status, o.UpdatedAt = status, tx.Now()
	if err := tx.UpdateOrder(o); err != nil {
		return err
	}
	_, err := tx.AppendEvent(o.VendorID, orderhub.EventOrderUpdated, o.CustomerID, o)
	return err
}
