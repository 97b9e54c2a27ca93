package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"orderhub"
	"orderhub/hub"
)

const shippingColumns = `id, vendor_id, order_id, carrier, tracking_number, tracking_url, external_id, created_at, updated_at`

func scanShipping(sc interface{ Scan(...any) error }) (*orderhub.Shipping, error) {
	s := &orderhub.Shipping{}
	var created, updated int64
	if err := sc.Scan(&s.ID, &s.VendorID, &s.OrderID, &s.Carrier, &s.TrackingNumber, &s.TrackingURL, &s.ExternalID, &created, &updated); err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(updated)
	return s, nil
}

// CreateShipping creates a shipment of one of the vendor's orders and emits
// shipping-created (keyed by the order's customer).
func (db *DB) CreateShipping(ctx context.Context, s *orderhub.Shipping) error {
	return db.Write(ctx, func(tx *Tx) error {
		var customer string
		if err := tx.queryRow(`SELECT customer_id FROM orders WHERE vendor_id = $1 AND id = $2`, s.VendorID, s.OrderID).Scan(&customer); err != nil {
			return notFound(err, orderhub.ENotFound, "Order %q not found.", s.OrderID)
		}
		if s.ID == "" {
			s.ID = orderhub.NewUUID()
		}
		s.CreatedAt, s.UpdatedAt = tx.now, tx.now
		if _, err := tx.exec(`INSERT INTO shippings (`+shippingColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			s.ID, s.VendorID, s.OrderID, s.Carrier, s.TrackingNumber, s.TrackingURL, s.ExternalID, micros(tx.now), micros(tx.now)); err != nil {
			return err
		}
		_, err := tx.appendEvent(s.VendorID, orderhub.EventShippingCreated, customer, s)
		return err
	})
}

// UpdateShippingTracking sets a shipment's carrier and tracking number and emits
// shipping-updated (nothing when unchanged).
func (db *DB) UpdateShippingTracking(ctx context.Context, vendorID, id, carrier, trackingNumber, trackingURL string) (*orderhub.Shipping, error) {
	var out *orderhub.Shipping
	err := db.Write(ctx, func(tx *Tx) error {
		s, err := scanShipping(tx.queryRow(`SELECT `+shippingColumns+` FROM shippings WHERE vendor_id = $1 AND id = $2`, vendorID, id))
		if err != nil {
			return notFound(err, orderhub.ENotFound, "Shipping %q not found.", id)
		}
		out = s
		if s.Carrier == carrier && s.TrackingNumber == trackingNumber && (trackingURL == "" || s.TrackingURL == trackingURL) {
			return nil
		}
		s.Carrier, s.TrackingNumber, s.UpdatedAt = carrier, trackingNumber, tx.now
		if trackingURL != "" {
			s.TrackingURL = trackingURL
		}
		if _, err := tx.exec(`UPDATE shippings SET carrier = $2, tracking_number = $3, tracking_url = $4, updated_at = $5 WHERE id = $1`,
			s.ID, s.Carrier, s.TrackingNumber, s.TrackingURL, micros(tx.now)); err != nil {
			return err
		}
		var customer string
		if err := tx.queryRow(`SELECT customer_id FROM orders WHERE id = $1`, s.OrderID).Scan(&customer); err != nil {
			return err
		}
		_, err = tx.appendEvent(vendorID, orderhub.EventShippingUpdated, customer, s)
		return err
	})
	return out, err
}

// GetShipping returns one shipment of a vendor.
func (db *DB) GetShipping(ctx context.Context, vendorID, id string) (*orderhub.Shipping, error) {
	s, err := scanShipping(db.read.QueryRowContext(ctx, `SELECT `+shippingColumns+` FROM shippings WHERE vendor_id = $1 AND id = $2`, vendorID, id))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "Shipping %q not found.", id)
	}
	return s, nil
}

// ListShippings returns a vendor's shipments, newest first.
func (db *DB) ListShippings(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Shipping, error) {
	return listRows(ctx, db, `SELECT `+shippingColumns+` FROM shippings WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, f, scanShipping)
}

func listRows[T any](ctx context.Context, db *DB, q string, f orderhub.ListFilter, scan func(interface{ Scan(...any) error }) (*T, error)) ([]*T, error) {
	rows, err := db.read.QueryContext(ctx, q, f.VendorID, listLimit(f))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

const transactionColumns = `id, vendor_id, customer_id, order_id, contract_id, status, amount, currency, provider, external_id, message, created_at`

func scanTransaction(sc interface{ Scan(...any) error }) (*orderhub.Transaction, error) {
	t := &orderhub.Transaction{}
	var order, contract, ext sql.NullString
	var created int64
	if err := sc.Scan(&t.ID, &t.VendorID, &t.CustomerID, &order, &contract, &t.Status, &t.Amount, &t.Currency, &t.Provider, &ext, &t.Message, &created); err != nil {
		return nil, err
	}
	t.OrderID, t.ContractID, t.ExternalID = order.String, contract.String, ext.String
	t.CreatedAt = fromMicros(created)
	return t, nil
}

// RecordTransaction records a payment outcome (approved or declined) for a
// customer, optionally tied to an order or contract, with a history entry and a
// transaction-approved/-declined event. With an ExternalID the call is idempotent
// per (provider, external id): the same status again changes nothing, a new status
// updates the transaction and adds to its history.
func (db *DB) RecordTransaction(ctx context.Context, t *orderhub.Transaction) error {
	if t.Status != orderhub.TransactionApproved && t.Status != orderhub.TransactionDeclined {
		return orderhub.FieldError(orderhub.EInvalidRequest, "status", "Transaction status must be approved or declined.")
	}
	t.Currency = strings.ToUpper(strings.TrimSpace(t.Currency))
	if len(t.Currency) != 3 {
		return orderhub.FieldError(orderhub.EInvalidRequest, "currency", "currency must be an ISO 4217 code.")
	}
	return db.Write(ctx, func(tx *Tx) error {
		var exists int
		if err := tx.queryRow(`SELECT COUNT(*) FROM customers WHERE vendor_id = $1 AND id = $2`, t.VendorID, t.CustomerID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return orderhub.FieldError(orderhub.ENotFound, "customerId", "Customer %q not found.", t.CustomerID)
		}
		if t.OrderID != "" {
			if err := tx.queryRow(`SELECT COUNT(*) FROM orders WHERE vendor_id = $1 AND id = $2`, t.VendorID, t.OrderID).Scan(&exists); err != nil || exists == 0 {
				return orderhub.FieldError(orderhub.ENotFound, "orderId", "Order %q not found.", t.OrderID)
			}
		}
		if t.ContractID != "" {
			if err := tx.queryRow(`SELECT COUNT(*) FROM contracts WHERE vendor_id = $1 AND id = $2`, t.VendorID, t.ContractID).Scan(&exists); err != nil || exists == 0 {
				return orderhub.FieldError(orderhub.ENotFound, "contractId", "Contract %q not found.", t.ContractID)
			}
		}
		if t.ExternalID != "" {
			cur, err := scanTransaction(tx.queryRow(`SELECT `+transactionColumns+` FROM transactions WHERE vendor_id = $1 AND provider = $2 AND external_id = $3`, t.VendorID, t.Provider, t.ExternalID))
			if err == nil {
				if cur.Status == t.Status {
					*t = *cur
					return nil
				}
				cur.Status, cur.Message = t.Status, t.Message
				if _, err := tx.exec(`UPDATE transactions SET status = $2, message = $3, updated_at = $4 WHERE id = $1`, cur.ID, cur.Status, cur.Message, micros(tx.now)); err != nil {
					return err
				}
				*t = *cur
				return tx.transactionHistory(t)
			}
			if err != sql.ErrNoRows {
				return err
			}
		}
		t.ID = orderhub.NewUUID()
		t.CreatedAt = tx.now
		if _, err := tx.exec(`INSERT INTO transactions (id, vendor_id, customer_id, order_id, contract_id, status, amount, currency, provider, external_id, message, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
			t.ID, t.VendorID, t.CustomerID, nullString(t.OrderID), nullString(t.ContractID), t.Status, int64(t.Amount), t.Currency, t.Provider,
			nullString(t.ExternalID), t.Message, micros(tx.now)); err != nil {
			return err
		}
		return tx.transactionHistory(t)
	})
}

func (tx *Tx) transactionHistory(t *orderhub.Transaction) error {
	if _, err := tx.exec(`INSERT INTO transaction_histories (id, vendor_id, transaction_id, status, message, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		orderhub.NewUUID(), t.VendorID, t.ID, t.Status, t.Message, micros(tx.now)); err != nil {
		return err
	}
	typ := orderhub.EventTransactionApproved
	if t.Status == orderhub.TransactionDeclined {
		typ = orderhub.EventTransactionDeclined
	}
	_, err := tx.appendEvent(t.VendorID, typ, t.CustomerID, t)
	return err
}

// ListTransactions returns a vendor's transactions, newest first.
func (db *DB) ListTransactions(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Transaction, error) {
	return listRows(ctx, db, `SELECT `+transactionColumns+` FROM transactions WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, f, scanTransaction)
}

// ListTransactionHistories returns a vendor's transaction status changes, newest first.
func (db *DB) ListTransactionHistories(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.TransactionHistory, error) {
	return listRows(ctx, db, `SELECT id, vendor_id, transaction_id, status, message, created_at FROM transaction_histories WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, f,
		func(sc interface{ Scan(...any) error }) (*orderhub.TransactionHistory, error) {
			h := &orderhub.TransactionHistory{}
			var created int64
			if err := sc.Scan(&h.ID, &h.VendorID, &h.TransactionID, &h.Status, &h.Message, &created); err != nil {
				return nil, err
			}
			h.CreatedAt = fromMicros(created)
			return h, nil
		})
}

const surveyColumns = `id, vendor_id, title, description, take, capture_name, capture_phone, capture_at_end, status, start_question_id, lead_capture, metadata, created_at`

func scanSurvey(sc interface{ Scan(...any) error }) (*orderhub.Survey, error) {
	s := &orderhub.Survey{}
	var name, phone, atEnd, status int
	var start, meta sql.NullString
	var created int64
	if err := sc.Scan(&s.ID, &s.VendorID, &s.Title, &s.Description, &s.Take, &name, &phone, &atEnd, &status, &start, &s.LeadCapture, &meta, &created); err != nil {
		return nil, err
	}
	s.CaptureName, s.CapturePhone, s.CaptureAtEnd, s.Status = name == 1, phone == 1, atEnd == 1, status == 1
	if start.Valid {
		s.StartQuestionID = &start.String
	}
	if meta.Valid {
		s.Metadata = json.RawMessage(meta.String)
	}
	s.CreatedAt = fromMicros(created)
	return s, nil
}

// CreateSurvey creates a survey and emits survey-created (keyed by the survey).
func (db *DB) CreateSurvey(ctx context.Context, s *orderhub.Survey) error {
	if strings.TrimSpace(s.Title) == "" {
		return orderhub.FieldError(orderhub.EInvalidRequest, "title", "A survey needs a title.")
	}
	if len(s.Metadata) > 0 && !json.Valid(s.Metadata) {
		return orderhub.FieldError(orderhub.EInvalidRequest, "metadata", "metadata must be JSON.")
	}
	return db.Write(ctx, func(tx *Tx) error {
		s.ID = orderhub.NewUUID()
		s.CreatedAt = tx.now
		var start sql.NullString
		if s.StartQuestionID != nil {
			start = sql.NullString{String: *s.StartQuestionID, Valid: true}
		}
		if _, err := tx.exec(`INSERT INTO surveys (`+surveyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			s.ID, s.VendorID, s.Title, s.Description, s.Take, boolInt(s.CaptureName), boolInt(s.CapturePhone), boolInt(s.CaptureAtEnd),
			boolInt(s.Status), start, s.LeadCapture, nullString(string(s.Metadata)), micros(tx.now)); err != nil {
			return err
		}
		_, err := tx.appendEvent(s.VendorID, orderhub.EventSurveyCreated, s.ID, s)
		return err
	})
}

// ListSurveys returns a vendor's surveys, newest first.
func (db *DB) ListSurveys(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Survey, error) {
	return listRows(ctx, db, `SELECT `+surveyColumns+` FROM surveys WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, f, scanSurvey)
}

// CancelContract cancels a vendor's contract by the rules of
// hub.Orders.CancelContract.
func (db *DB) CancelContract(ctx context.Context, vendorID, id string) (*orderhub.Contract, error) {
	return hub.NewOrders(db).CancelContract(ctx, vendorID, id)
}
