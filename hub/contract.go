package hub

import (
	"context"
	"encoding/json"

	"orderhub"
)

// PlaceVendorOrder applies a validated Vendor Order API request (seed 001) in one
// transaction: the customers, the contract and their events, or — for a replay of an
// order already placed — the replay rules: a pending contract is confirmed when the
// replay asks to confirm, a confirmed one is skipped, and different content under the
// same externalOrderId is a conflict.
func (s *Orders) PlaceVendorOrder(ctx context.Context, o *orderhub.VendorOrder, promo *orderhub.PromoCode) (*orderhub.VendorOrderResult, error) {
	var res *orderhub.VendorOrderResult
	hint := orderhub.WriteHint{VendorID: o.VendorID, ExternalOrderIDs: []string{o.ExternalOrderID}, Emails: []string{o.User.Email}}
	if o.Owner != nil && o.Owner.Email != "" {
		hint.Emails = append(hint.Emails, o.Owner.Email)
	}
	err := s.w.WriteTx(ctx, hint, func(tx orderhub.OrderTx) error {
		var err error
		res, err = PlaceVendorOrder(tx, o, promo)
		return err
	})
	return res, err
}

// PlaceVendorOrder is the rule of Orders.PlaceVendorOrder inside a transaction.
func PlaceVendorOrder(tx orderhub.OrderTx, o *orderhub.VendorOrder, promo *orderhub.PromoCode) (*orderhub.VendorOrderResult, error) {
	cur, fingerprint, err := tx.ContractByExternalID(o.VendorID, o.ExternalOrderID)
	if err != nil {
		return nil, err
	}
	if cur != nil {
		return replayVendorOrder(tx, cur, fingerprint, o)
	}

	user, err := UpsertCustomer(tx, o.VendorID, orderhub.CustomerMatch{Email: o.User.Email}, personCustomer(&o.User))
	if err != nil {
		return nil, err
	}
	payer := user
	if o.Owner != nil {
		if payer, err = UpsertCustomer(tx, o.VendorID, orderhub.CustomerMatch{Email: o.Owner.Email}, personCustomer(o.Owner)); err != nil {
			return nil, err
		}
	}
	c := &orderhub.Contract{
		ID: orderhub.NewUUID(), VendorID: o.VendorID, ExternalOrderID: o.ExternalOrderID, PromoCode: o.PromoCode,
		ProductName: promo.ProductName, Status: orderhub.ContractCreated, Origin: orderhub.OriginVendorOrder,
		Quantity: o.Quantity, PaymentMethod: o.PaymentMethod, PaymentProvider: o.PaymentProvider, StartDate: o.StartDate,
		UserID: user.ID, PayerID: payer.ID, UserEmail: user.Email,
		ExtraData: o.User.Extra, OwnerData: o.OwnerData, VendorData: o.VendorData, CreatedAt: tx.Now(),
	}
	if o.Delayed {
		c.DelayedContractStartsAt = o.StartDate
	}
	if o.Confirm {
		c.Status = orderhub.ContractConfirmed
		now := c.CreatedAt
		c.ConfirmedAt = &now
	}
	if err := tx.InsertContract(c, o.Fingerprint); err != nil {
		return nil, err
	}
	// contract-created and contract-confirmed carry the same contract: encode it once.
	data, err := orderhub.MarshalContractJSON(c) // json.Marshal(c)'s bytes, faster
	if err != nil {
		return nil, err
	}
	if _, err := tx.AppendEvent(o.VendorID, orderhub.EventContractCreated, user.ID, json.RawMessage(data)); err != nil {
		return nil, err
	}
	unit, _ := orderhub.ParseDecimal(promo.Price) // the promo code's price, validated when it was saved
	if _, err := createContractOrder(tx, c, orderhub.Money(unit), promo.Currency); err != nil {
		return nil, err
	}
	res := &orderhub.VendorOrderResult{ContractID: c.ID, ResponseKey: orderhub.ResponseCreated, DelayedContractStartsAt: c.DelayedContractStartsAt}
	if o.Confirm {
		if _, err := tx.AppendEvent(o.VendorID, orderhub.EventContractConfirmed, user.ID, json.RawMessage(data)); err != nil {
			return nil, err
		}
		res.ResponseKey = orderhub.ResponseCreatedConfirmed
	}
	return res, nil
}

// replayVendorOrder answers a vendor order whose externalOrderId names contract cur
// (created by a request with fingerprint): the same order confirms a pending
// contract when asked to, answers a pending or confirmed one as it is, and is a
// conflict for a contract that can no longer be confirmed; a different order under
// the same externalOrderId is a conflict.
func replayVendorOrder(tx orderhub.OrderTx, cur *orderhub.Contract, fingerprint string, o *orderhub.VendorOrder) (*orderhub.VendorOrderResult, error) {
	if fingerprint != o.Fingerprint {
		return nil, orderhub.Errorf(orderhub.EConflict,
			"externalOrderId %q was already used for a different order (promo code, customer or order details differ); use a unique externalOrderId for each new order.", o.ExternalOrderID)
	}
	res := &orderhub.VendorOrderResult{ContractID: cur.ID, DelayedContractStartsAt: cur.DelayedContractStartsAt}
	switch {
	case cur.Status == orderhub.ContractCreated && o.Confirm:
		c := *cur
		now := tx.Now()
		c.Status, c.ConfirmedAt = orderhub.ContractConfirmed, &now
		if err := tx.UpdateContractStatus(&c, fingerprint); err != nil {
			return nil, err
		}
		if _, err := tx.AppendEvent(o.VendorID, orderhub.EventContractConfirmed, c.UserID, &c); err != nil {
			return nil, err
		}
		if err := syncContractOrder(tx, &c); err != nil {
			return nil, err
		}
		res.ResponseKey = orderhub.ResponseCreatedConfirmed
	case cur.Status == orderhub.ContractCreated:
		res.ResponseKey = orderhub.ResponseCreated
	case cur.ConfirmedAt != nil:
		res.ResponseKey = orderhub.ResponseSkippedConfirmed
	default:
		return nil, orderhub.Errorf(orderhub.EConflict, "The contract of externalOrderId %q is %s and cannot be confirmed.", o.ExternalOrderID, cur.Status)
	}
	return res, nil
}

func personCustomer(p *orderhub.Person) *orderhub.Customer {
	c := &orderhub.Customer{Email: p.Email, FullName: p.FullName, Phone: p.Phone, Address: p.Address, ExtraData: p.Extra}
	if p.Address != nil {
		c.FirstName, c.LastName = p.Address.FirstName, p.Address.LastName
	}
	return c
}

// CancelContract cancels a vendor's contract (a subscription) and emits
// contract-canceled; cancelling a canceled contract changes nothing.
func (s *Orders) CancelContract(ctx context.Context, vendorID, id string) (*orderhub.Contract, error) {
	var out *orderhub.Contract
	err := s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		var err error
		out, err = CancelContract(tx, vendorID, id)
		return err
	})
	return out, err
}

// CancelContract is the rule of Orders.CancelContract inside a transaction.
func CancelContract(tx orderhub.OrderTx, vendorID, id string) (*orderhub.Contract, error) {
	cur, fingerprint, err := tx.ContractByID(vendorID, id)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, orderhub.Errorf(orderhub.EContractNotFound, "Contract %q not found.", id)
	}
	c := *cur
	if c.Status == orderhub.ContractCanceled {
		return &c, nil
	}
	now := tx.Now()
	c.Status, c.CanceledAt = orderhub.ContractCanceled, &now
	if err := tx.UpdateContractStatus(&c, fingerprint); err != nil {
		return nil, err
	}
	if _, err := tx.AppendEvent(vendorID, orderhub.EventContractCanceled, c.UserID, &c); err != nil {
		return nil, err
	}
	return &c, syncContractOrder(tx, &c)
}

// A contract is an order too (issue 16): placing a vendor order or recording a
// purchase creates the contract's order (orderhub.ContractOrder) in the same
// transaction and emits order-created after contract-created; confirming or
// canceling the contract updates the order's status and emits order-updated. So a
// Zap or endpoint on new orders, the admin order lists and the console's order
// counters see every sale, whatever surface it came from.

// createContractOrder inserts the order of contract c (unit: the price of one,
// 0 when unknown) and appends its order-created event, keyed by the customer like
// the contract's events.
func createContractOrder(tx orderhub.OrderTx, c *orderhub.Contract, unit orderhub.Money, currency string) (*orderhub.Order, error) {
	o := orderhub.ContractOrder(c, unit, currency)
	o.ID = orderhub.NewUUID()
	now := tx.Now()
	o.CreatedAt, o.UpdatedAt = now, now
	if err := tx.InsertOrder(&o); err != nil {
		return nil, err
	}
	if _, err := tx.AppendEvent(c.VendorID, orderhub.EventOrderCreated, c.UserID, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// syncContractOrder sets the status of contract c's order to match c (after a
// confirmation or a cancellation) and appends order-updated. A contract placed
// before its order existed (before migration 00014) has none: nothing to do.
func syncContractOrder(tx orderhub.OrderTx, c *orderhub.Contract) error {
	o, err := tx.OrderByContractID(c.ID)
	if err != nil || o == nil {
		return err
	}
	return setOrderStatus(tx, o, orderhub.ContractOrderStatus(c.Status))
}
