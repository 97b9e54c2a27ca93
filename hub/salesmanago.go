package hub

import (
	"context"
	"encoding/json"

	"orderhub"
)

// AppendSalesmanagoRequest writes one of seed 002's forwarded requests as an event
// of type typ (EventSM…) with its one delivery, to the account's endpoint only, in
// one transaction. The account must be the vendor's, live and enabled.
func (s *Orders) AppendSalesmanagoRequest(ctx context.Context, vendorID, accountID, typ, orderingKey string, data any) (*orderhub.SalesmanagoRequest, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	var out *orderhub.SalesmanagoRequest
	err = s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		exists, enabled, reason, err := tx.SalesmanagoAccountState(vendorID, accountID)
		switch {
		case err != nil:
			return err
		case !exists:
			return orderhub.Errorf(orderhub.ENotFound, "SALESmanago account %q not found.", accountID)
		case !enabled:
			return orderhub.Errorf(orderhub.EConflict, "Forwarding to SALESmanago account %q is disabled (%s); an operator must enable its endpoint.", accountID, reason)
		}
		// A directed event: the store fans it out to no endpoint; its one delivery
		// is written here.
		ev, err := tx.AppendEvent(vendorID, typ, orderingKey, json.RawMessage(raw))
		if err != nil {
			return err
		}
		dlv, err := tx.InsertDelivery(accountID, ev)
		if err != nil {
			return err
		}
		out = &orderhub.SalesmanagoRequest{Event: ev, DeliveryID: dlv}
		return nil
	})
	return out, err
}

// AppendSalesmanagoRequest: see Orders.AppendSalesmanagoRequest.
func (c *Connectors) AppendSalesmanagoRequest(ctx context.Context, vendorID, accountID, typ, orderingKey string, data any) (*orderhub.SalesmanagoRequest, error) {
	return c.orders.AppendSalesmanagoRequest(ctx, vendorID, accountID, typ, orderingKey, data)
}
