package hub

import (
	"context"
	"encoding/json"
	"strings"

	"orderhub"
)

// CreateShipping creates a shipment of one of the vendor's orders and emits
// shipping-created (keyed by the order's customer).
func (s *Orders) CreateShipping(ctx context.Context, sh *orderhub.Shipping) error {
	return s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		customer, err := tx.OrderCustomerID(sh.VendorID, sh.OrderID)
		if err != nil {
			return err
		}
		if customer == "" {
			return orderhub.Errorf(orderhub.ENotFound, "Order %q not found.", sh.OrderID)
		}
		if sh.ID == "" {
			sh.ID = orderhub.NewUUID()
		}
		sh.CreatedAt, sh.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.InsertShipping(sh); err != nil {
			return err
		}
		_, err = tx.AppendEvent(sh.VendorID, orderhub.EventShippingCreated, customer, sh)
		return err
	})
}

// UpdateShippingTracking sets a shipment's carrier and tracking number and emits
// shipping-updated (nothing when unchanged).
func (s *Orders) UpdateShippingTracking(ctx context.Context, vendorID, id, carrier, trackingNumber, trackingURL string) (*orderhub.Shipping, error) {
	var out *orderhub.Shipping
	err := s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		sh, err := tx.ShippingByID(vendorID, id)
		if err != nil {
			return err
		}
		if sh == nil {
			return orderhub.Errorf(orderhub.ENotFound, "Shipping %q not found.", id)
		}
		out = sh
		if sh.Carrier == carrier && sh.TrackingNumber == trackingNumber && (trackingURL == "" || sh.TrackingURL == trackingURL) {
			return nil
		}
		sh.Carrier, sh.TrackingNumber, sh.UpdatedAt = carrier, trackingNumber, tx.Now()
		if trackingURL != "" {
			sh.TrackingURL = trackingURL
		}
		if err := tx.UpdateShipping(sh); err != nil {
			return err
		}
		customer, err := tx.OrderCustomerID(vendorID, sh.OrderID)
		if err != nil {
			return err
		}
		_, err = tx.AppendEvent(vendorID, orderhub.EventShippingUpdated, customer, sh)
		return err
	})
	return out, err
}

// RecordTransaction records a payment outcome (approved or declined) for a
// customer, optionally tied to an order or contract, with a history entry and a
// transaction-approved/-declined event. With an ExternalID the call is idempotent
// per (provider, external id): the same status again changes nothing, a new status
// updates the transaction and adds to its history.
func (s *Orders) RecordTransaction(ctx context.Context, t *orderhub.Transaction) error {
	if t.Status != orderhub.TransactionApproved && t.Status != orderhub.TransactionDeclined {
		return orderhub.FieldError(orderhub.EInvalidRequest, "status", "Transaction status must be approved or declined.")
	}
	t.Currency = strings.ToUpper(strings.TrimSpace(t.Currency))
	if len(t.Currency) != 3 {
		return orderhub.FieldError(orderhub.EInvalidRequest, "currency", "currency must be an ISO 4217 code.")
	}
	return s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		if c, err := tx.FindCustomer(t.VendorID, orderhub.CustomerMatch{ID: t.CustomerID}); err != nil {
			return err
		} else if c == nil {
			return orderhub.FieldError(orderhub.ENotFound, "customerId", "Customer %q not found.", t.CustomerID)
		}
		if t.OrderID != "" {
			if c, err := tx.OrderCustomerID(t.VendorID, t.OrderID); err != nil || c == "" {
				return orderhub.FieldError(orderhub.ENotFound, "orderId", "Order %q not found.", t.OrderID)
			}
		}
		if t.ContractID != "" {
			if c, _, err := tx.ContractByID(t.VendorID, t.ContractID); err != nil || c == nil {
				return orderhub.FieldError(orderhub.ENotFound, "contractId", "Contract %q not found.", t.ContractID)
			}
		}
		if t.ExternalID != "" {
			cur, err := tx.TransactionByExternalID(t.VendorID, t.Provider, t.ExternalID)
			if err != nil {
				return err
			}
			if cur != nil {
				if cur.Status == t.Status {
					*t = *cur
					return nil
				}
				cur.Status, cur.Message = t.Status, t.Message
				if err := tx.UpdateTransaction(cur); err != nil {
					return err
				}
				*t = *cur
				return transactionHistory(tx, t)
			}
		}
		t.ID = orderhub.NewUUID()
		t.CreatedAt = tx.Now()
		if err := tx.InsertTransaction(t); err != nil {
			return err
		}
		return transactionHistory(tx, t)
	})
}

// transactionHistory adds t's status to its history and emits
// transaction-approved or -declined.
func transactionHistory(tx orderhub.OrderTx, t *orderhub.Transaction) error {
	if err := tx.InsertTransactionHistory(t); err != nil {
		return err
	}
	typ := orderhub.EventTransactionApproved
	if t.Status == orderhub.TransactionDeclined {
		typ = orderhub.EventTransactionDeclined
	}
	_, err := tx.AppendEvent(t.VendorID, typ, t.CustomerID, t)
	return err
}

// CreateSurvey creates a survey and emits survey-created (keyed by the survey).
func (s *Orders) CreateSurvey(ctx context.Context, sv *orderhub.Survey) error {
	if strings.TrimSpace(sv.Title) == "" {
		return orderhub.FieldError(orderhub.EInvalidRequest, "title", "A survey needs a title.")
	}
	if len(sv.Metadata) > 0 && !json.Valid(sv.Metadata) {
		return orderhub.FieldError(orderhub.EInvalidRequest, "metadata", "metadata must be JSON.")
	}
	return s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		sv.ID = orderhub.NewUUID()
		sv.CreatedAt = tx.Now()
		if err := tx.InsertSurvey(sv); err != nil {
			return err
		}
		_, err := tx.AppendEvent(sv.VendorID, orderhub.EventSurveyCreated, sv.ID, sv)
		return err
	})
}
