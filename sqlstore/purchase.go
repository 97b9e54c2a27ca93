package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"orderhub"
)

const purchaseColumns = `id, vendor_id, source_id, publisher_purchase_id, product_id, purchase_option_id, customer_id, contract_id,
	starts_at, ends_at, fingerprint, created_at`

type purchaseRow struct {
	orderhub.PurchaseResult
	fingerprint string
}

func scanPurchase(sc interface{ Scan(...any) error }) (*purchaseRow, error) {
	r := &purchaseRow{}
	p := &r.PurchaseResult
	var pub, option sql.NullString
	var starts, created int64
	var ends sql.NullInt64
	if err := sc.Scan(&p.PurchaseID, &p.VendorID, &p.SourceID, &pub, &p.ProductID, &option, &p.CustomerID, &p.ContractID,
		&starts, &ends, &r.fingerprint, &created); err != nil {
		return nil, err
	}
	p.PublisherPurchaseID, p.PurchaseOptionID = pub.String, option.String
	p.StartsAt = fromMicros(starts).Format(time.RFC3339Nano)
	if ends.Valid {
		p.EndsAt = fromMicros(ends.Int64).Format(time.RFC3339Nano)
	}
	p.CreatedAt = fromMicros(created)
	return r, nil
}

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
func (db *DB) RecordPurchase(ctx context.Context, p *orderhub.Purchase) (*orderhub.PurchaseResult, error) {
	var res *orderhub.PurchaseResult
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		res, err = tx.recordPurchase(p)
		return err
	})
	return res, err
}

func (tx *Tx) recordPurchase(p *orderhub.Purchase) (*orderhub.PurchaseResult, error) {
	src, err := scanSource(tx.queryRow(`SELECT `+sourceColumns+` FROM sources WHERE id = $1 AND deleted_at IS NULL`, p.SourceID))
	if err != nil && err != sql.ErrNoRows {
		return nil, err
	}
	if err == sql.ErrNoRows || src.VendorID != p.VendorID {
		return nil, orderhub.FieldError(orderhub.ESourceNotFound, "source", "source %q is not a source of vendor %q; create a HOOK source for the vendor first.", p.SourceID, p.VendorID)
	}
	if src.Type != orderhub.SourceTypeHook {
		return nil, orderhub.FieldError(orderhub.EInvalidSource, "source", "source %q is of type %s; purchases need a source of type %s.", p.SourceID, src.Type, orderhub.SourceTypeHook)
	}

	if p.PublisherPurchaseID != "" {
		cur, err := scanPurchase(tx.queryRow(`SELECT `+purchaseColumns+` FROM purchases WHERE source_id = $1 AND publisher_purchase_id = $2`, p.SourceID, p.PublisherPurchaseID))
		switch {
		case err == nil:
			if cur.fingerprint != p.Fingerprint {
				return nil, orderhub.FieldError(orderhub.EConflict, "publisherPurchaseId",
					"publisherPurchaseId %q was already used by source %q for a different purchase; use a unique publisherPurchaseId for each new purchase.", p.PublisherPurchaseID, p.SourceID)
			}
			cur.Replayed = true
			return &cur.PurchaseResult, nil
		case err != sql.ErrNoRows:
			return nil, err
		}
	}

	productID, optionID := p.ProductID, ""
	if p.SKU != "" {
		m, err := scanMapping(tx.queryRow(`SELECT `+mappingColumns+` FROM product_mappings WHERE vendor_id = $1 AND sku = $2 AND po_id = $3`, p.VendorID, p.SKU, p.POID))
		switch {
		case err == nil:
			if p.ProductID != "" && m.ProductID != p.ProductID {
				return nil, orderhub.FieldError(orderhub.EProductMismatch, "productId",
					"productId %q disagrees with the product mapping of sku %q, poId %q, which names product %q; send matching values or only one of them.", p.ProductID, p.SKU, p.POID, m.ProductID)
			}
			productID, optionID = m.ProductID, m.PurchaseOptionID
		case err == sql.ErrNoRows:
			if p.ProductID == "" {
				return nil, orderhub.FieldError(orderhub.EProductNotFound, "sku",
					"No product mapping for sku %q, poId %q of vendor %q: create the mapping first, or send productId.", p.SKU, p.POID, p.VendorID)
			}
		default:
			return nil, err
		}
	}
	product, err := tx.getProduct(p.VendorID, productID)
	if err != nil {
		if orderhub.ErrorCode(err) == orderhub.EProductNotFound {
			return nil, orderhub.FieldError(orderhub.EProductNotFound, "productId", "productId %q is not a product of vendor %q.", productID, p.VendorID)
		}
		return nil, err
	}
	productName := product.Name
	var price sql.NullInt64
	var currency string
	if optionID != "" {
		var optionName string
		if err := tx.queryRow(`SELECT name, price_minor, currency FROM purchase_options WHERE vendor_id = $1 AND id = $2`, p.VendorID, optionID).Scan(&optionName, &price, &currency); err != nil {
			return nil, err
		}
		productName += " (" + optionName + ")"
	}

	customer, err := tx.purchaseCustomer(p)
	if err != nil {
		return nil, err
	}

	res := &orderhub.PurchaseResult{
		PurchaseID: orderhub.NewID("pur"), CustomerID: customer.ID, VendorID: p.VendorID, SourceID: p.SourceID,
		PublisherPurchaseID: p.PublisherPurchaseID, ProductID: productID, PurchaseOptionID: optionID,
		StartsAt: p.Start.UTC().Format(time.RFC3339Nano), EndsAt: p.EndsAt, CreatedAt: tx.now.Truncate(time.Microsecond),
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
	now := tx.now
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
	if err := tx.insertContract(c, p.Fingerprint); err != nil {
		return nil, err
	}
	res.ContractID = c.ID
	if _, err := tx.appendEvent(p.VendorID, orderhub.EventContractCreated, customer.ID, c); err != nil {
		return nil, err
	}
	if _, err := tx.appendEvent(p.VendorID, orderhub.EventContractConfirmed, customer.ID, c); err != nil {
		return nil, err
	}
	// The order: at the purchase option's price when the option has one.
	if _, err := tx.createContractOrder(c, orderhub.Money(price.Int64), currency); err != nil {
		return nil, err
	}

	payload, _ := json.Marshal(p)
	var ends sql.NullInt64
	if p.End != nil {
		ends = sql.NullInt64{Int64: micros(*p.End), Valid: true}
	}
	var id string
	err = tx.queryRow(`INSERT INTO purchases (id, vendor_id, source_id, publisher_purchase_id, product_id, purchase_option_id, sku, po_id,
		customer_id, contract_id, starts_at, ends_at, notes, payload, fingerprint, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT (source_id, publisher_purchase_id) WHERE publisher_purchase_id IS NOT NULL DO NOTHING RETURNING id`,
		res.PurchaseID, p.VendorID, p.SourceID, nullString(p.PublisherPurchaseID), productID, nullString(optionID), p.SKU, p.POID,
		customer.ID, c.ID, micros(p.Start), ends, p.Notes, string(payload), p.Fingerprint, micros(tx.now)).Scan(&id)
	if err == sql.ErrNoRows {
		// Another process recorded the same publisherPurchaseId meanwhile: run again
		// (in a fresh savepoint) to answer as a replay.
		return nil, errRetry
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// purchaseCustomer finds or creates the purchase's customer: by userId, else
// publisherUserId, else email (the order upsertCustomer follows).
func (tx *Tx) purchaseCustomer(p *orderhub.Purchase) (*orderhub.Customer, error) {
	var cur *orderhub.Customer
	var by string
	for _, k := range []struct{ col, field, val string }{{"id", "userId", p.UserID}, {"publisher_user_id", "publisherUserId", p.PublisherUserID}, {"email", "email", p.Email}} {
		if k.val == "" {
			continue
		}
		c, err := scanCustomer(tx.queryRow(`SELECT `+customerColumns+` FROM customers WHERE vendor_id = $1 AND `+k.col+` = $2`, p.VendorID, k.val))
		if err == nil {
			cur, by = c, k.field
			break
		}
		if err != sql.ErrNoRows {
			return nil, err
		}
	}
	if cur == nil && p.Email == "" && p.PublisherUserID == "" {
		return nil, orderhub.FieldError(orderhub.ECustomerNotFound, "userId",
			"userId %q is not a customer of vendor %q; send email or publisherUserId to create a new customer.", p.UserID, p.VendorID)
	}
	if cur != nil && p.Email != "" && cur.Email != p.Email {
		// The matched customer takes the new e-mail, unless another customer has it.
		var other string
		err := tx.queryRow(`SELECT id FROM customers WHERE vendor_id = $1 AND email = $2`, p.VendorID, p.Email).Scan(&other)
		if err == nil {
			return nil, orderhub.FieldError(orderhub.EConflict, "email",
				"The customer matched by %s has another e-mail, and %q belongs to a different customer; send the customer's own e-mail or leave email out.", by, p.Email)
		}
		if err != sql.ErrNoRows {
			return nil, err
		}
	}
	return tx.upsertCustomer(p.VendorID, orderhub.CustomerMatch{ID: p.UserID, PublisherUserID: p.PublisherUserID, Email: p.Email}, p.Customer())
}

// GetPurchase returns one purchase of a vendor.
func (db *DB) GetPurchase(ctx context.Context, vendorID, id string) (*orderhub.PurchaseResult, error) {
	r, err := scanPurchase(db.read.QueryRowContext(ctx, `SELECT `+purchaseColumns+` FROM purchases WHERE vendor_id = $1 AND id = $2`, vendorID, id))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "Purchase %q not found.", id)
	}
	return &r.PurchaseResult, nil
}

// ListPurchases returns a vendor's purchases, newest first.
func (db *DB) ListPurchases(ctx context.Context, f orderhub.PurchaseFilter) ([]*orderhub.PurchaseResult, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+purchaseColumns+` FROM purchases
		WHERE vendor_id = $1 AND ($2 = '' OR source_id = $2) ORDER BY created_at DESC, id LIMIT $3`, f.VendorID, f.SourceID, f.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*orderhub.PurchaseResult{}
	for rows.Next() {
		r, err := scanPurchase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, &r.PurchaseResult)
	}
	return out, rows.Err()
}
