package hub

import (
	"context"

	"orderhub"
)

// UpsertCustomer finds the vendor's customer by m, or creates one from in. An
// existing customer takes the non-empty fields of in; a changed customer emits
// customer-updated, a new one customer-created.
func (s *Orders) UpsertCustomer(ctx context.Context, vendorID string, m orderhub.CustomerMatch, in *orderhub.Customer) (*orderhub.Customer, error) {
	var out *orderhub.Customer
	err := s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		var err error
		out, err = UpsertCustomer(tx, vendorID, m, in)
		return err
	})
	return out, err
}

// UpsertCustomer is the rule of Orders.UpsertCustomer inside a transaction.
func UpsertCustomer(tx orderhub.OrderTx, vendorID string, m orderhub.CustomerMatch, in *orderhub.Customer) (*orderhub.Customer, error) {
	cur, err := tx.FindCustomer(vendorID, m)
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	if cur == nil {
		c := *in
		c.ID = orderhub.NewUUID()
		c.VendorID = vendorID
		c.CreatedAt, c.UpdatedAt = now, now
		if err := tx.InsertCustomer(&c); err != nil {
			return nil, err
		}
		if _, err := tx.AppendEvent(vendorID, orderhub.EventCustomerCreated, c.ID, &c); err != nil {
			return nil, err
		}
		return &c, nil
	}
	next := *cur
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&next.Email, in.Email)
	set(&next.FullName, in.FullName)
	set(&next.FirstName, in.FirstName)
	set(&next.LastName, in.LastName)
	set(&next.Phone, in.Phone)
	set(&next.PublisherUserID, in.PublisherUserID)
	if !in.Address.IsZero() {
		next.Address = in.Address
	}
	if !in.BillingAddress.IsZero() {
		next.BillingAddress = in.BillingAddress
	}
	if len(in.ExtraData) > 0 {
		next.ExtraData = in.ExtraData
	}
	if customersEqual(cur, &next) {
		return cur, nil
	}
	next.UpdatedAt = now
	if err := tx.UpdateCustomer(cur, &next); err != nil {
		return nil, err
	}
	if _, err := tx.AppendEvent(vendorID, orderhub.EventCustomerUpdated, next.ID, &next); err != nil {
		return nil, err
	}
	return &next, nil
}

// customersEqual reports whether a and b have the same JSON encoding (that is
// what a customer-updated event would show as changed).
func customersEqual(a, b *orderhub.Customer) bool {
	ja, _ := orderhub.MarshalCustomerJSON(a)
	jb, _ := orderhub.MarshalCustomerJSON(b)
	return string(ja) == string(jb)
}
