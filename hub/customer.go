package hub

import (
	"bytes"
	"context"
	"time"

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
// what a customer-updated event would show as changed). Customers whose fields are
// identical have; any other pair is compared by its encodings, since different
// fields can encode alike (invalid UTF-8, a raw value's white space, a time in
// another location with the same offset).
func customersEqual(a, b *orderhub.Customer) bool {
	if a.ID == b.ID && a.VendorID == b.VendorID && a.Email == b.Email && a.FullName == b.FullName &&
		a.FirstName == b.FirstName && a.LastName == b.LastName && a.Phone == b.Phone &&
		a.PublisherUserID == b.PublisherUserID && sameAddress(a.Address, b.Address) &&
		sameAddress(a.BillingAddress, b.BillingAddress) && bytes.Equal(a.ExtraData, b.ExtraData) &&
		sameTime(a.CreatedAt, b.CreatedAt) && sameTime(a.UpdatedAt, b.UpdatedAt) {
		return true
	}
	ja, _ := orderhub.MarshalCustomerJSON(a)
	jb, _ := orderhub.MarshalCustomerJSON(b)
	return string(ja) == string(jb)
}

// sameAddress reports whether a and b are both nil or both set to the same fields.
func sameAddress(a, b *orderhub.Address) bool {
	return a == b || a != nil && b != nil && *a == *b
}

// sameTime reports whether a and b are the same instant in the same location (so
// written alike).
func sameTime(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() }
