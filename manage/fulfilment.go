package manage

import (
	"context"
	"errors"
	"strings"

	"orderhub"
)

// The fulfilment data the Zapier app reads (seed 003): shippings, transactions and
// surveys an operator records through the admin API
// (POST /admin/v1/vendors/{vendorId}/orders/{orderId}/shippings, …/transactions,
// …/surveys). Their text fields are checked here; the store checks the rest.

// text checks an optional text field: message and description are free text, the
// others line text (text.go's rules); it returns the value trimmed.
func text(field, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) > max {
		return "", orderhub.FieldError(orderhub.EInvalidRequest, field, "%s must be text of at most %d characters.", field, max)
	}
	if rule := orderhub.TextRule(v, field == "message" || field == "description"); rule != "" {
		return "", orderhub.FieldError(orderhub.EInvalidRequest, field, "%s %s.", field, rule)
	}
	return v, nil
}

// textField is a text field to check in place.
type textField struct {
	name string
	v    *string
	max  int
}

func texts(fs ...textField) error {
	for _, f := range fs {
		v, err := text(f.name, *f.v, f.max)
		if err != nil {
			return err
		}
		*f.v = v
	}
	return nil
}

// CreateShipping records a shipping of an order (sh.VendorID, sh.OrderID); its text
// fields are trimmed and checked.
func (s *Connectors) CreateShipping(ctx context.Context, sh *orderhub.Shipping) error {
	if err := texts(textField{"carrier", &sh.Carrier, 100}, textField{"trackingNumber", &sh.TrackingNumber, 200},
		textField{"trackingUrl", &sh.TrackingURL, 2048}, textField{"externalId", &sh.ExternalID, 200}); err != nil {
		return err
	}
	return s.Store.Orders.CreateShipping(ctx, sh)
}

// RecordTransaction records a payment transaction of a customer of t.VendorID with
// amount (required, not negative); its text fields are trimmed and checked. A
// customer, order or contract it names that does not exist is refused as
// Unprocessable on that field.
func (s *Connectors) RecordTransaction(ctx context.Context, t *orderhub.Transaction, amount *orderhub.Money) error {
	err := texts(textField{"customerId", &t.CustomerID, 100}, textField{"orderId", &t.OrderID, 100}, textField{"contractId", &t.ContractID, 100},
		textField{"provider", &t.Provider, 100}, textField{"externalId", &t.ExternalID, 200}, textField{"message", &t.Message, 1000})
	switch {
	case err != nil:
	case t.CustomerID == "":
		err = orderhub.FieldError(orderhub.EInvalidRequest, "customerId", "customerId is required.")
	case amount == nil:
		err = orderhub.FieldError(orderhub.EInvalidRequest, "amount", "amount is required.")
	case *amount < 0:
		err = orderhub.FieldError(orderhub.EInvalidRequest, "amount", "amount must not be negative.")
	default:
		t.Amount = *amount
		err = s.Store.Orders.RecordTransaction(ctx, t)
	}
	if orderhub.ErrorCode(err) == orderhub.ENotFound {
		var e *orderhub.Error
		if errors.As(err, &e) && e.Field != "" {
			err = orderhub.FieldError(orderhub.EUnprocessable, e.Field, "%s", e.Message)
		}
	}
	return err
}

// CreateSurvey creates a survey of sv.VendorID: its text fields are trimmed and
// checked, an empty startQuestionId is none, and metadata (null: none) must be a
// JSON object.
func (s *Connectors) CreateSurvey(ctx context.Context, sv *orderhub.Survey) error {
	if err := texts(textField{"title", &sv.Title, 500}, textField{"description", &sv.Description, 5000}, textField{"take", &sv.Take, 50},
		textField{"leadCapture", &sv.LeadCapture, 50}); err != nil {
		return err
	}
	if sv.StartQuestionID != nil {
		q, err := text("startQuestionId", *sv.StartQuestionID, 100)
		if err != nil {
			return err
		}
		sv.StartQuestionID = nil
		if q != "" {
			sv.StartQuestionID = &q
		}
	}
	if len(sv.Metadata) == 0 || string(sv.Metadata) == "null" {
		sv.Metadata = nil
	} else if sv.Metadata[0] != '{' {
		return orderhub.FieldError(orderhub.EInvalidRequest, "metadata", "metadata must be a JSON object.")
	}
	return s.Store.Orders.CreateSurvey(ctx, sv)
}
