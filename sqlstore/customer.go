package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"orderhub"
)

const customerColumns = `id, vendor_id, email, full_name, first_name, last_name, phone, publisher_user_id, address, billing_address, extra_data, created_at, updated_at`

func scanCustomer(sc interface{ Scan(...any) error }) (*orderhub.Customer, error) {
	c := &orderhub.Customer{}
	var email, pub, addr, bill, extra sql.NullString
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.VendorID, &email, &c.FullName, &c.FirstName, &c.LastName, &c.Phone, &pub, &addr, &bill, &extra, &created, &updated); err != nil {
		return nil, err
	}
	c.Email, c.PublisherUserID = email.String, pub.String
	c.Address, c.BillingAddress = addressOf(addr), addressOf(bill)
	if extra.Valid {
		c.ExtraData = json.RawMessage(extra.String)
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return c, nil
}

func addressJSON(a *orderhub.Address) sql.NullString {
	if a.IsZero() {
		return sql.NullString{}
	}
	b, _ := json.Marshal(a)
	return sql.NullString{String: string(b), Valid: true}
}

// findCustomer returns the vendor's customer matched by m (by id, then publisher
// user id, then e-mail — from the batch's cache when it knows —, then phone), or
// nil.
func (tx *Tx) findCustomer(vendorID string, m orderhub.CustomerMatch) (*orderhub.Customer, error) {
	for _, k := range []struct{ col, val string }{{"id", m.ID}, {"publisher_user_id", m.PublisherUserID}, {"email", m.Email}, {"phone", m.Phone}} {
		if k.val == "" {
			continue
		}
		if k.col == "email" {
			if c, ok := tx.pg.cachedCustomer(vendorID, k.val); ok {
				if c != nil {
					return c, nil
				}
				continue
			}
		}
		cur, err := tx.customerBy(vendorID, k.col, k.val)
		if k.col == "email" && tx.pg.cache != nil && (err == nil || err == sql.ErrNoRows) {
			tx.pg.cache.customers[cacheKey(vendorID, k.val)] = cur
		}
		if err == nil {
			return cur, nil
		}
		if err != sql.ErrNoRows {
			return nil, err
		}
	}
	return nil, nil
}

// customerBy reads the vendor's customer whose column col is val.
func (tx *Tx) customerBy(vendorID, col, val string) (*orderhub.Customer, error) {
	if tx.w.d.kind() == SQLite && col == "email" {
		// A new order's customer is often new: ask for one column first, as
		// contractByExternalID does (a miss then skips the driver's set-up of a
		// 13-column result; a hit pays one more small statement).
		var one int
		if err := tx.queryRow(`SELECT 1 FROM customers WHERE vendor_id = $1 AND email = $2`, vendorID, val).Scan(&one); err != nil {
			return nil, err
		}
	}
	return scanCustomer(tx.queryRow(`SELECT `+customerColumns+` FROM customers WHERE vendor_id = $1 AND `+col+` = $2`, vendorID, val))
}

// insertCustomer inserts a new customer.
func (tx *Tx) insertCustomer(c *orderhub.Customer) error {
	if tx.pg.bulkOn() {
		tx.pg.bulkCustomer(c)
	} else if _, err := tx.execBeside(`INSERT INTO customers (`+customerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		c.ID, c.VendorID, nullString(c.Email), c.FullName, c.FirstName, c.LastName, c.Phone, nullString(c.PublisherUserID),
		addressJSON(c.Address), addressJSON(c.BillingAddress), nullString(string(c.ExtraData)), micros(c.CreatedAt), micros(c.UpdatedAt)); err != nil {
		return err
	}
	tx.pg.cacheCustomer(nil, c)
	return nil
}

// updateCustomer writes next over prev, the same customer as read.
func (tx *Tx) updateCustomer(prev, next *orderhub.Customer) error {
	if _, err := tx.exec(`UPDATE customers SET email = $2, full_name = $3, first_name = $4, last_name = $5, phone = $6, publisher_user_id = $7,
		address = $8, billing_address = $9, extra_data = $10, updated_at = $11 WHERE id = $1`,
		next.ID, nullString(next.Email), next.FullName, next.FirstName, next.LastName, next.Phone, nullString(next.PublisherUserID),
		addressJSON(next.Address), addressJSON(next.BillingAddress), nullString(string(next.ExtraData)), micros(next.UpdatedAt)); err != nil {
		return err
	}
	tx.pg.cacheCustomer(prev, next)
	return nil
}

// addressOf decodes a stored address (NULL: none).
func addressOf(s sql.NullString) *orderhub.Address {
	if !s.Valid {
		return nil
	}
	a := &orderhub.Address{}
	_ = json.Unmarshal([]byte(s.String), a)
	return a
}

// GetCustomer returns one customer of a vendor.
func (sub Orders) GetCustomer(ctx context.Context, vendorID, id string) (*orderhub.Customer, error) {
	return readOne(ctx, sub.db, scanCustomer, `SELECT `+customerColumns+` FROM customers WHERE vendor_id = $1 AND id = $2`, []any{vendorID, id},
		orderhub.ENotFound, "Customer %q not found.", id)
}

// FindCustomerByEmail returns a vendor's customer with that e-mail (case-insensitive).
func (sub Orders) FindCustomerByEmail(ctx context.Context, vendorID, email string) (*orderhub.Customer, error) {
	e, _ := orderhub.NormalizeEmail(email)
	return readOne(ctx, sub.db, scanCustomer, `SELECT `+customerColumns+` FROM customers WHERE vendor_id = $1 AND email = $2`, []any{vendorID, e},
		orderhub.ENotFound, "No customer with e-mail %q.", email)
}
