package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"orderhub"
)

// Yespo (seed 004): order events in Yespo's Generate event format, ignored events,
// Yespo-shaped contacts and the vendors' Yespo accounts (migration 00007).

// findContact returns the vendor's first customer matching one of keys, in order, or
// nil. E-mail keys are lower-case (customers' e-mails are stored lower-case); other
// values match exactly.
func (tx *Tx) findContact(vendorID string, keys []orderhub.ContactKey) (*orderhub.Customer, error) {
	return findContact(func(q string, args ...any) scanner { return tx.queryRow(q, args...) }, vendorID, keys)
}

type scanner interface{ Scan(...any) error }

func findContact(queryRow func(q string, args ...any) scanner, vendorID string, keys []orderhub.ContactKey) (*orderhub.Customer, error) {
	for _, k := range keys {
		var q string
		switch k.Kind {
		case orderhub.ContactKeyID:
			q = `SELECT ` + customerColumns + ` FROM customers WHERE vendor_id = $1 AND id = $2`
		case orderhub.ContactKeyExternal:
			q = `SELECT ` + customerColumns + ` FROM customers WHERE vendor_id = $1 AND publisher_user_id = $2 ORDER BY created_at LIMIT 1`
		case orderhub.ContactKeyEmail:
			q = `SELECT ` + customerColumns + ` FROM customers WHERE vendor_id = $1 AND email = $2`
		case orderhub.ContactKeyPhone:
			q = `SELECT ` + customerColumns + ` FROM customers WHERE vendor_id = $1 AND phone = $2 ORDER BY created_at LIMIT 1`
		case orderhub.ContactKeyPushToken:
			q = `SELECT ` + prefixed("c.", customerColumns) + ` FROM contact_identifiers i JOIN customers c ON c.id = i.customer_id
				WHERE i.vendor_id = $1 AND i.kind = 'pushToken' AND i.value = $2`
		default:
			continue
		}
		c, err := scanCustomer(queryRow(q, vendorID, k.Value))
		if err == nil {
			return c, nil
		}
		if err != sql.ErrNoRows {
			return nil, err
		}
	}
	return nil, nil
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// FindContact returns the vendor's first customer matching one of keys (see
// ApplyOrderEvent), or an EContactNotFound error.
func (sub Connectors) FindContact(ctx context.Context, vendorID string, keys []orderhub.ContactKey) (*orderhub.Customer, error) {
	c, err := findContact(func(q string, args ...any) scanner { return sub.db.read.QueryRowContext(ctx, q, args...) }, vendorID, keys)
	if err == nil && c == nil {
		err = orderhub.Errorf(orderhub.EContactNotFound, "No contact matches %s.", orderhub.DescribeContactKeys(keys))
	}
	return c, err
}

const ignoredColumns = `id, vendor_id, surface, event_type, external_order_id, reason, message, field, body, count, created_at, last_seen_at`

func (tx *Tx) recordIgnored(r *orderhub.IgnoredEvent, fingerprint string) (*orderhub.IgnoredEvent, error) {
	now := micros(tx.now)
	body := string(r.Body)
	if !json.Valid(r.Body) {
		b, _ := json.Marshal(body)
		body = string(b)
	}
	return scanIgnored(tx.queryRow(`INSERT INTO ignored_events (`+ignoredColumns+`, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10, $11)
		ON CONFLICT (vendor_id, fingerprint) DO UPDATE SET count = ignored_events.count + 1, last_seen_at = $10, message = $7
		RETURNING `+ignoredColumns,
		sortableID("ign", tx.now), r.VendorID, r.Surface, r.EventType, r.ExternalOrderID, r.Reason, r.Message, r.Field, body, now, fingerprint))
}

func scanIgnored(sc interface{ Scan(...any) error }) (*orderhub.IgnoredEvent, error) {
	r := &orderhub.IgnoredEvent{}
	var body string
	var created, seen int64
	if err := sc.Scan(&r.ID, &r.VendorID, &r.Surface, &r.EventType, &r.ExternalOrderID, &r.Reason, &r.Message, &r.Field, &body, &r.Count, &created, &seen); err != nil {
		return nil, err
	}
	r.Body = json.RawMessage(body)
	r.CreatedAt, r.LastSeenAt = fromMicros(created), fromMicros(seen)
	return r, nil
}

// ListIgnoredEvents returns a vendor's ignored events, the most recently seen first.
func (sub Connectors) ListIgnoredEvents(ctx context.Context, f orderhub.IgnoredEventFilter) ([]*orderhub.IgnoredEvent, error) {
	lf := orderhub.ListFilter{Limit: f.Limit}
	return queryAll(ctx, sub.db, `SELECT `+ignoredColumns+` FROM ignored_events WHERE vendor_id = $1 AND ($2 = '' OR reason = $2)
		ORDER BY last_seen_at DESC, id DESC LIMIT $3`, scanIgnored, f.VendorID, f.Reason, listLimit(lf))
}

func (tx *Tx) attachPushToken(vendorID, token, customerID string) error {
	_, err := tx.exec(`INSERT INTO contact_identifiers (vendor_id, kind, value, customer_id, created_at) VALUES ($1, 'pushToken', $2, $3, $4)
				ON CONFLICT (vendor_id, kind, value) DO UPDATE SET customer_id = $3`, vendorID, token, customerID, micros(tx.now))
	return err
}

const yespoColumns = `vendor_id, base_url, api_key, endpoint_id, created_at, updated_at`

func scanYespo(sc interface{ Scan(...any) error }) (*orderhub.YespoAccount, error) {
	a := &orderhub.YespoAccount{}
	var created, updated int64
	if err := sc.Scan(&a.VendorID, &a.BaseURL, &a.SealedKey, &a.EndpointID, &created, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	return a, nil
}

// SaveYespoAccount creates or updates a vendor's Yespo account and, in the same
// transaction, its delivery endpoint (kind yespo, URL = the base URL, receiving
// eventTypes). An empty sealedKey keeps the stored key (updates only).
func (sub Connectors) SaveYespoAccount(ctx context.Context, vendorID, baseURL, sealedKey string, eventTypes []string) (*orderhub.YespoAccount, error) {
	baseURL = strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if err := orderhub.ValidateEndpointURL(baseURL); err != nil {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "baseUrl", "baseUrl: %s", orderhub.ErrorMessage(err))
	}
	types, err := normalizeEventTypes(eventTypes)
	if err != nil {
		return nil, err
	}
	var out *orderhub.YespoAccount
	err = sub.db.Write(ctx, func(tx *Tx) error {
		cur, err := scanYespo(tx.queryRow(`SELECT `+yespoColumns+` FROM yespo_accounts WHERE vendor_id = $1`, vendorID))
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		now := micros(tx.now)
		if cur != nil {
			if sealedKey == "" {
				sealedKey = cur.SealedKey
			}
			if _, err := tx.exec(`UPDATE yespo_accounts SET base_url = $2, api_key = $3, updated_at = $4 WHERE vendor_id = $1`, vendorID, baseURL, sealedKey, now); err != nil {
				return err
			}
			tx.endpointsChanged()
			if _, err := tx.exec(`UPDATE endpoints SET url = $2, event_types = $3, updated_at = $4 WHERE id = $1`, cur.EndpointID, baseURL, strings.Join(types, " "), now); err != nil {
				return err
			}
			cur.BaseURL, cur.SealedKey, cur.UpdatedAt = baseURL, sealedKey, tx.now
			out = cur
			return nil
		}
		if sealedKey == "" {
			return orderhub.FieldError(orderhub.EInvalidRequest, "apiKey", "apiKey is required.")
		}
		if err := tx.requireVendorQuota(vendorID, orderhub.QuotaEndpoints); err != nil {
			return err
		}
		epID := orderhub.NewID("ep")
		secret, err := tx.newSecret(epID)
		if err != nil {
			return err
		}
		from, err := tx.currentSeq(vendorID)
		if err != nil {
			return err
		}
		tx.endpointsChanged()
		if _, err := tx.exec(`INSERT INTO endpoints (id, vendor_id, kind, url, description, event_types, secret, enabled, created_at, updated_at, from_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $9)`,
			epID, vendorID, orderhub.EndpointYespo, baseURL, "Yespo account (order events)", strings.Join(types, " "), secret, now, from); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO yespo_accounts (`+yespoColumns+`) VALUES ($1, $2, $3, $4, $5, $5)`, vendorID, baseURL, sealedKey, epID, now); err != nil {
			return err
		}
		out = &orderhub.YespoAccount{VendorID: vendorID, BaseURL: baseURL, EndpointID: epID, SealedKey: sealedKey, CreatedAt: tx.now, UpdatedAt: tx.now}
		return nil
	})
	return out, err
}

// GetYespoAccount returns a vendor's Yespo account.
func (sub Connectors) GetYespoAccount(ctx context.Context, vendorID string) (*orderhub.YespoAccount, error) {
	return readOne(ctx, sub.db, scanYespo, `SELECT `+yespoColumns+` FROM yespo_accounts WHERE vendor_id = $1`, []any{vendorID},
		orderhub.ENotFound, "Vendor %q has no Yespo account.", vendorID)
}

// YespoAccountByEndpoint returns the Yespo account delivered through an endpoint.
func (sub Connectors) YespoAccountByEndpoint(ctx context.Context, endpointID string) (*orderhub.YespoAccount, error) {
	a, err := scanYespo(sub.db.read.QueryRowContext(ctx, `SELECT `+yespoColumns+` FROM yespo_accounts WHERE endpoint_id = $1`, endpointID))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "No Yespo account uses endpoint %q.", endpointID)
	}
	return a, nil
}

// DeleteYespoAccount deletes a vendor's Yespo account and its endpoint (pending
// deliveries are canceled; the history is kept).
func (sub Connectors) DeleteYespoAccount(ctx context.Context, vendorID string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		a, err := scanYespo(tx.queryRow(`SELECT `+yespoColumns+` FROM yespo_accounts WHERE vendor_id = $1`, vendorID))
		if err != nil {
			return notFound(err, orderhub.ENotFound, "Vendor %q has no Yespo account.", vendorID)
		}
		if err := tx.deleteEndpoint(a.EndpointID, "Yespo account deleted"); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM yespo_accounts WHERE vendor_id = $1`, vendorID)
		return err
	})
}
