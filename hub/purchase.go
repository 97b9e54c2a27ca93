package hub

import (
	"context"
	"encoding/json"
	"time"

	"orderhub"
)

// RecordPurchase applies a validated External Purchase (seed 000) in one
// transaction: the customer (matched by userId, else publisherUserId, else email;
// created when new), a confirmed contract of origin external-purchase with the source
// recorded, their events (customer-created or -updated, contract-created,
// contract-confirmed) and the purchase record.
//
// The source must be a live HOOK source of p.VendorID (SourceNotFoundError,
// InvalidSourceError). The product is p.ProductID, or the product mapping of
// p.SKU + p.POID; a mapping that exists must agree with p.ProductID
// (ProductNotFoundError, ProductMismatchError).
//
// A purchase whose publisherPurchaseId the source sent before is a replay: with the
// same content (fingerprint) it answers the original purchase (Replayed set) and
// writes nothing; with different content it is a ConflictError.
func (s *Orders) RecordPurchase(ctx context.Context, p *orderhub.Purchase) (*orderhub.PurchaseResult, error) {
	var res *orderhub.PurchaseResult
	err := s.w.WriteTx(ctx, orderhub.WriteHint{}, func(tx orderhub.OrderTx) error {
		var err error
		res, err = RecordPurchase(tx, p)
		return err
	})
	return res, err
}

// RecordPurchase is the rule of Orders.RecordPurchase inside a transaction.
func RecordPurchase(tx orderhub.OrderTx, p *orderhub.Purchase) (*orderhub.PurchaseResult, error) {
	src, err := tx.SourceByID(p.SourceID)
	if err != nil {
		return nil, err
	}
	if src == nil || src.VendorID != p.VendorID {
		return nil, orderhub.FieldError(orderhub.ESourceNotFound, "source", "source %q is not a source of vendor %q; create a HOOK source for the vendor first.", p.SourceID, p.VendorID)
	}
	if src.Type != orderhub.SourceTypeHook {
		return nil, orderhub.FieldError(orderhub.EInvalidSource, "source", "source %q is of type %s; purchases need a source of type %s.", p.SourceID, src.Type, orderhub.SourceTypeHook)
	}

	if p.PublisherPurchaseID != "" {
		cur, fingerprint, err := tx.PurchaseByPublisherID(p.SourceID, p.PublisherPurchaseID)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			if fingerprint != p.Fingerprint {
				return nil, orderhub.FieldError(orderhub.EConflict, "publisherPurchaseId",
					"publisherPurchaseId %q was already used by source %q for a different purchase; use a unique publisherPurchaseId for each new purchase.", p.PublisherPurchaseID, p.SourceID)
			}
			cur.Replayed = true
			return cur, nil
		}
	}

	productID, optionID := p.ProductID, ""
	if p.SKU != "" {
		m, err := tx.ProductMappingOf(p.VendorID, p.SKU, p.POID)
		switch {
		case err != nil:
			return nil, err
		case m != nil:
			if p.ProductID != "" && m.ProductID != p.ProductID {
				return nil, orderhub.FieldError(orderhub.EProductMismatch, "productId",
					"productId %q disagrees with the product mapping of sku %q, poId %q, which names product %q; send matching values or only one of them.", p.ProductID, p.SKU, p.POID, m.ProductID)
			}
			productID, optionID = m.ProductID, m.PurchaseOptionID
		case p.ProductID == "":
			return nil, orderhub.FieldError(orderhub.EProductNotFound, "sku",
				"No product mapping for sku %q, poId %q of vendor %q: create the mapping first, or send productId.", p.SKU, p.POID, p.VendorID)
		}
	}
	product, err := tx.ProductByID(p.VendorID, productID)
	if err != nil {
		return nil, err
	}
	if product == nil {
		return nil, orderhub.FieldError(orderhub.EProductNotFound, "productId", "productId %q is not a product of vendor %q.", productID, p.VendorID)
	}
	productName := product.Name
	var price orderhub.Money
	var currency string
	if optionID != "" {
		var optionName string
		if optionName, price, currency, err = tx.PurchaseOptionPrice(p.VendorID, optionID); err != nil {
			return nil, err
		}
		productName += " (" + optionName + ")"
	}

	customer, err := purchaseCustomer(tx, p)
	if err != nil {
		return nil, err
	}

	now := tx.Now()
	res := &orderhub.PurchaseResult{
		PurchaseID: orderhub.NewID("pur"), CustomerID: customer.ID, VendorID: p.VendorID, SourceID: p.SourceID,
		PublisherPurchaseID: p.PublisherPurchaseID, ProductID: productID, PurchaseOptionID: optionID,
		StartsAt: p.Start.UTC().Format(time.RFC3339Nano), EndsAt: p.EndsAt, CreatedAt: now.Truncate(time.Microsecond),
	}
	vendorData, _ := json.Marshal(struct {
		PurchaseID          string `json:"purchaseId"`
		PublisherPurchaseID string `json:"publisherPurchaseId,omitempty"`
		ProductID           string `json:"productId"`
		PurchaseOptionID    string `json:"purchaseOptionId,omitempty"`
		SKU                 string `json:"sku,omitempty"`
		POID                string `json:"poId,omitempty"`
		StartsAt            string `json:"startsAt"`
		EndsAt              string `json:"endsAt,omitempty"`
		Notes               string `json:"notes,omitempty"`
	}{res.PurchaseID, p.PublisherPurchaseID, productID, optionID, p.SKU, p.POID, res.StartsAt, p.EndsAt, p.Notes})
	c := &orderhub.Contract{
		ID: orderhub.NewUUID(), VendorID: p.VendorID, ProductName: productName,
		Status: orderhub.ContractConfirmed, Origin: orderhub.OriginExternalPurchase, SourceID: src.ID, Quantity: 1,
		StartDate: p.Start.UTC().Format(time.DateOnly), EndsAt: p.EndsAt,
		UserID: customer.ID, PayerID: customer.ID, UserEmail: customer.Email,
		VendorData: vendorData, CreatedAt: now, ConfirmedAt: &now,
	}
	if p.Delayed {
		c.DelayedContractStartsAt = c.StartDate
	}
	if err := tx.InsertContract(c, p.Fingerprint); err != nil {
		return nil, err
	}
	res.ContractID = c.ID
	if _, err := tx.AppendEvent(p.VendorID, orderhub.EventContractCreated, customer.ID, c); err != nil {
		return nil, err
	}
	if _, err := tx.AppendEvent(p.VendorID, orderhub.EventContractConfirmed, customer.ID, c); err != nil {
		return nil, err
	}
	// The order: at the purchase option's price when the option has one.
	if _, err := createContractOrder(tx, c, price, currency); err != nil {
		return nil, err
	}
	// A store whose concurrent writer recorded the same publisherPurchaseId
	// meanwhile runs this again, to answer as a replay.
	if err := tx.InsertPurchase(res, p); err != nil {
		return nil, err
	}
	return res, nil
}

// purchaseCustomer finds or creates the purchase's customer: by userId, else
// publisherUserId, else email (the order UpsertCustomer follows).
func purchaseCustomer(tx orderhub.OrderTx, p *orderhub.Purchase) (*orderhub.Customer, error) {
	var cur *orderhub.Customer
	var by string
	for _, k := range []struct {
		field string
		m     orderhub.CustomerMatch
	}{{"userId", orderhub.CustomerMatch{ID: p.UserID}}, {"publisherUserId", orderhub.CustomerMatch{PublisherUserID: p.PublisherUserID}}, {"email", orderhub.CustomerMatch{Email: p.Email}}} {
		if k.m == (orderhub.CustomerMatch{}) {
			continue
		}
		c, err := tx.FindCustomer(p.VendorID, k.m)
		if err != nil {
			return nil, err
		}
		if c != nil {
			cur, by = c, k.field
			break
		}
	}
	if cur == nil && p.Email == "" && p.PublisherUserID == "" {
		return nil, orderhub.FieldError(orderhub.ECustomerNotFound, "userId",
			"userId %q is not a customer of vendor %q; send email or publisherUserId to create a new customer.", p.UserID, p.VendorID)
	}
	if cur != nil && p.Email != "" && cur.Email != p.Email {
		// The matched customer takes the new e-mail, unless another customer has it.
		other, err := tx.FindCustomer(p.VendorID, orderhub.CustomerMatch{Email: p.Email})
		if err != nil {
			return nil, err
		}
		if other != nil {
			return nil, orderhub.FieldError(orderhub.EConflict, "email",
				"The customer matched by %s has another e-mail, and %q belongs to a different customer; send the customer's own e-mail or leave email out.", by, p.Email)
		}
	}
	return UpsertCustomer(tx, p.VendorID, orderhub.CustomerMatch{ID: p.UserID, PublisherUserID: p.PublisherUserID, Email: p.Email}, p.Customer())
}
