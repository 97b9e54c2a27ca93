package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"orderhub"
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

func (tx *Tx) insertShipping(s *orderhub.Shipping) error {
	_, err := tx.exec(`INSERT INTO shippings (`+shippingColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		s.ID, s.VendorID, s.OrderID, s.Carrier, s.TrackingNumber, s.TrackingURL, s.ExternalID, micros(s.CreatedAt), micros(s.UpdatedAt))
	return err
}

func (tx *Tx) updateShipping(s *orderhub.Shipping) error {
	_, err := tx.exec(`UPDATE shippings SET carrier = $2, tracking_number = $3, tracking_url = $4, updated_at = $5 WHERE id = $1`,
		s.ID, s.Carrier, s.TrackingNumber, s.TrackingURL, micros(s.UpdatedAt))
	return err
}

// GetShipping returns one shipment of a vendor.
func (sub Orders) GetShipping(ctx context.Context, vendorID, id string) (*orderhub.Shipping, error) {
	return readOne(ctx, sub.db, scanShipping, `SELECT `+shippingColumns+` FROM shippings WHERE vendor_id = $1 AND id = $2`, []any{vendorID, id},
		orderhub.ENotFound, "Shipping %q not found.", id)
}

// ListShippings returns a vendor's shipments, newest first.
func (sub Orders) ListShippings(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Shipping, error) {
	return listRows(ctx, sub.db, `SELECT `+shippingColumns+` FROM shippings WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, f, scanShipping)
}

func listRows[T any](ctx context.Context, db *DB, q string, f orderhub.ListFilter, scan func(interface{ Scan(...any) error }) (*T, error)) ([]*T, error) {
	return queryAll(ctx, db, q, scan, f.VendorID, listLimit(f))
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

func (tx *Tx) insertTransaction(t *orderhub.Transaction) error {
	_, err := tx.exec(`INSERT INTO transactions (id, vendor_id, customer_id, order_id, contract_id, status, amount, currency, provider, external_id, message, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
		t.ID, t.VendorID, t.CustomerID, nullString(t.OrderID), nullString(t.ContractID), t.Status, int64(t.Amount), t.Currency, t.Provider,
		nullString(t.ExternalID), t.Message, micros(t.CreatedAt))
	return err
}

func (tx *Tx) insertTransactionHistory(t *orderhub.Transaction) error {
	_, err := tx.exec(`INSERT INTO transaction_histories (id, vendor_id, transaction_id, status, message, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		orderhub.NewUUID(), t.VendorID, t.ID, t.Status, t.Message, micros(tx.now))
	return err
}

// ListTransactions returns a vendor's transactions, newest first.
func (sub Orders) ListTransactions(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Transaction, error) {
	return listRows(ctx, sub.db, `SELECT `+transactionColumns+` FROM transactions WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, f, scanTransaction)
}

// ListTransactionHistories returns a vendor's transaction status changes, newest first.
func (sub Orders) ListTransactionHistories(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.TransactionHistory, error) {
	return listRows(ctx, sub.db, `SELECT id, vendor_id, transaction_id, status, message, created_at FROM transaction_histories WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, f,
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

func (tx *Tx) insertSurvey(s *orderhub.Survey) error {
	var start sql.NullString
	if s.StartQuestionID != nil {
		start = sql.NullString{String: *s.StartQuestionID, Valid: true}
	}
	_, err := tx.exec(`INSERT INTO surveys (`+surveyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		s.ID, s.VendorID, s.Title, s.Description, s.Take, boolInt(s.CaptureName), boolInt(s.CapturePhone), boolInt(s.CaptureAtEnd),
		boolInt(s.Status), start, s.LeadCapture, nullString(string(s.Metadata)), micros(s.CreatedAt))
	return err
}

// ListSurveys returns a vendor's surveys, newest first.
func (sub Orders) ListSurveys(ctx context.Context, f orderhub.ListFilter) ([]*orderhub.Survey, error) {
	return listRows(ctx, sub.db, `SELECT `+surveyColumns+` FROM surveys WHERE vendor_id = $1 ORDER BY created_at DESC, id LIMIT $2`, f, scanSurvey)
}
