package hub

import (
	"bytes"
	"context"
	"encoding/json"

	"orderhub"
)

// ApplyOrderEvent applies a parsed order event (seed 004) of a vendor in one
// transaction, or records it as ignored with the reason:
//   - ev.Ignored set: ignored;
//   - orderCreated / orderUpdated: updates the order with ev.ExternalOrderID, or
//     creates it (ev.CreateIgnored set: ignored) for the first existing customer
//     matching ev.Contacts (none: ignored, EContactNotFound). Updating an order
//     keeps its customer, and the merged items must still add up to its total;
//   - orderDelivered / orderCancelled: set the status of the order (unknown:
//     ignored, EOrderNotFound).
//
// Replays change nothing: an unchanged order writes no event, and an ignored event
// received again only counts up its record. body is kept with an ignored event.
func (s *Orders) ApplyOrderEvent(ctx context.Context, vendorID string, ev *orderhub.OrderEvent, body []byte) (*orderhub.OrderEventResult, error) {
	var res *orderhub.OrderEventResult
	err := s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		var err error
		res, err = ApplyOrderEvent(tx, vendorID, ev, body)
		return err
	})
	return res, err
}

// ApplyOrderEvent is the rule of Orders.ApplyOrderEvent inside a transaction.
func ApplyOrderEvent(tx orderhub.OrderTx, vendorID string, ev *orderhub.OrderEvent, body []byte) (*orderhub.OrderEventResult, error) {
	if ev.Ignored != nil {
		return ignoreEvent(tx, vendorID, ev, body, ev.Ignored)
	}
	cur, err := tx.OrderByExternalID(vendorID, ev.ExternalOrderID)
	if err != nil {
		return nil, err
	}
	switch ev.Type {
	case orderhub.YespoOrderDelivered, orderhub.YespoOrderCancelled:
		if cur == nil {
			return ignoreEvent(tx, vendorID, ev, body, orderhub.FieldError(orderhub.EOrderNotFound, "externalOrderId",
				"Order %q does not exist; %s is ignored for an unknown order.", ev.ExternalOrderID, ev.Type))
		}
		status := orderhub.OrderDelivered
		if ev.Type == orderhub.YespoOrderCancelled {
			status = orderhub.OrderCancelled
		}
		if cur.Status == status {
			return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventUnchanged, Order: cur}, nil
		}
		if err := setOrderStatus(tx, cur, status); err != nil {
			return nil, err
		}
		return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventUpdated, Order: cur}, nil
	}

	in := ev.Order
	in.VendorID = vendorID
	if cur == nil {
		if ev.CreateIgnored != nil {
			return ignoreEvent(tx, vendorID, ev, body, ev.CreateIgnored)
		}
		cust, err := tx.FindContact(vendorID, ev.Contacts)
		if err != nil {
			return nil, err
		}
		if cust == nil {
			return ignoreEvent(tx, vendorID, ev, body, orderhub.Errorf(orderhub.EContactNotFound,
				"No existing contact matches %s; orders are accepted only for existing contacts (create the contact first, e.g. with POST /api/v1/contact).", orderhub.DescribeContactKeys(ev.Contacts)))
		}
		in.Customer = orderhub.Customer{ID: cust.ID}
		in.Source = orderhub.OrderSourceEvent
	} else {
		// The merged order must still add up.
		items, total, ship, taxes, disc := cur.Items, cur.Total, cur.Shipping, cur.Taxes, cur.Discount
		if ev.HasItems {
			items = in.Items
		}
		if ev.HasTotal {
			total = in.Total
		}
		if in.Shipping != 0 {
			ship = in.Shipping
		}
		if in.Taxes != 0 {
			taxes = in.Taxes
		}
		if in.Discount != 0 {
			disc = in.Discount
		}
		if ev.HasItems || ev.HasTotal {
			if e := orderhub.CheckOrderTotal(items, total, ship, taxes, disc); e != nil {
				return ignoreEvent(tx, vendorID, ev, body, e)
			}
		}
		in.Customer = orderhub.Customer{ID: cur.CustomerID}
		in.Metadata = mergeMetadata(cur.Metadata, in.Metadata)
	}
	out, created, changed, err := upsertOrder(tx, &in)
	if err != nil {
		return nil, err
	}
	switch {
	case created:
		return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventCreated, Order: out}, nil
	case !changed:
		return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventUnchanged, Order: out}, nil
	}
	return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventUpdated, Order: out}, nil
}

// ignoreEvent records an ignored event (or counts a repeat of one: the same
// content ignored for the same reason).
func ignoreEvent(tx orderhub.OrderTx, vendorID string, ev *orderhub.OrderEvent, body []byte, why *orderhub.Error) (*orderhub.OrderEventResult, error) {
	var compact bytes.Buffer
	if json.Compact(&compact, body) != nil {
		compact.Reset()
		compact.Write(body)
	}
	rec, err := tx.RecordIgnored(&orderhub.IgnoredEvent{VendorID: vendorID, Surface: "yespo-event", EventType: ev.Type, ExternalOrderID: ev.ExternalOrderID,
		Reason: why.Code, Message: why.Message, Field: why.Field, Body: compact.Bytes()}, ev.Fingerprint+":"+why.Code)
	if err != nil {
		return nil, err
	}
	return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventIgnored, Ignored: rec, Reason: why}, nil
}

// mergeMetadata adds the keys of next to those of cur (both JSON objects).
func mergeMetadata(cur, next json.RawMessage) json.RawMessage {
	if len(next) == 0 || len(cur) == 0 {
		return next
	}
	var a, b map[string]json.RawMessage
	if json.Unmarshal(cur, &a) != nil || json.Unmarshal(next, &b) != nil || a == nil {
		return next
	}
	for k, v := range b {
		a[k] = v
	}
	out, _ := json.Marshal(a)
	return out
}

// UpsertYespoContact creates or updates the vendor's customer described by a Yespo
// contact: matched by externalCustomerId (publisher user id), then e-mail, then
// phone. An e-mail that belongs to another customer than the one matched is an
// EConflict. Push tokens are attached to the customer. created reports a new
// customer.
func (s *Orders) UpsertYespoContact(ctx context.Context, vendorID string, p *orderhub.ParsedYespoContact) (c *orderhub.Customer, created bool, err error) {
	err = s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		in := p.Customer
		var target, byEmail *orderhub.Customer
		for _, k := range []orderhub.ContactKey{{Kind: orderhub.ContactKeyExternal, Value: in.PublisherUserID}, {Kind: orderhub.ContactKeyEmail, Value: in.Email}, {Kind: orderhub.ContactKeyPhone, Value: in.Phone}} {
			if k.Value == "" {
				continue
			}
			m, err := tx.FindContact(vendorID, []orderhub.ContactKey{k})
			if err != nil {
				return err
			}
			if k.Kind == orderhub.ContactKeyEmail {
				byEmail = m
			}
			if target == nil {
				target = m
			}
		}
		if target != nil && byEmail != nil && byEmail.ID != target.ID {
			return orderhub.FieldError(orderhub.EConflict, "channels", "The e-mail %s belongs to another contact than externalCustomerId %q.", in.Email, in.PublisherUserID)
		}
		if target != nil && target.PublisherUserID != "" && in.PublisherUserID != "" && target.PublisherUserID != in.PublisherUserID {
			return orderhub.FieldError(orderhub.EConflict, "externalCustomerId", "The contact with these channels has externalCustomerId %q, not %q.", target.PublisherUserID, in.PublisherUserID)
		}
		m := orderhub.CustomerMatch{}
		if target != nil {
			m.ID = target.ID
			// Keep what other surfaces stored (e.g. a vendor order's extraData).
			in.ExtraData = mergeMetadata(target.ExtraData, in.ExtraData)
		}
		var err error
		if c, err = UpsertCustomer(tx, vendorID, m, &in); err != nil {
			return err
		}
		created = target == nil
		for _, t := range p.PushTokens {
			if err := tx.AttachPushToken(vendorID, t, c.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return c, created, err
}
