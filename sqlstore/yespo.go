package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"orderhub"
)

// Yespo (seed 004): order events in Yespo's Generate event format, ignored events,
// Yespo-shaped contacts and the vendors' Yespo accounts (migration 00007).

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
func (db *DB) ApplyOrderEvent(ctx context.Context, vendorID string, ev *orderhub.OrderEvent, body []byte) (*orderhub.OrderEventResult, error) {
	var res *orderhub.OrderEventResult
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		res, err = tx.applyOrderEvent(vendorID, ev, body)
		return err
	})
	return res, err
}

func (tx *Tx) applyOrderEvent(vendorID string, ev *orderhub.OrderEvent, body []byte) (*orderhub.OrderEventResult, error) {
	if ev.Ignored != nil {
		return tx.ignoreEvent(vendorID, ev, body, ev.Ignored)
	}
	var cur *orderhub.Order
	o, err := scanOrder(tx.queryRow(`SELECT `+orderColumns+` FROM orders WHERE vendor_id = $1 AND external_order_id = $2`, vendorID, ev.ExternalOrderID))
	switch {
	case err == nil:
		cur = o
	case err != sql.ErrNoRows:
		return nil, err
	}
	switch ev.Type {
	case orderhub.YespoOrderDelivered, orderhub.YespoOrderCancelled:
		if cur == nil {
			return tx.ignoreEvent(vendorID, ev, body, orderhub.FieldError(orderhub.EOrderNotFound, "externalOrderId",
				"Order %q does not exist; %s is ignored for an unknown order.", ev.ExternalOrderID, ev.Type))
		}
		status := orderhub.OrderDelivered
		if ev.Type == orderhub.YespoOrderCancelled {
			status = orderhub.OrderCancelled
		}
		if cur.Status == status {
			return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventUnchanged, Order: cur}, nil
		}
		cur.Status, cur.UpdatedAt = status, tx.now
		if err := tx.updateOrder(cur); err != nil {
			return nil, err
		}
		if _, err := tx.appendEvent(vendorID, orderhub.EventOrderUpdated, cur.CustomerID, cur); err != nil {
			return nil, err
		}
		return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventUpdated, Order: cur}, nil
	}

	in := ev.Order
	in.VendorID = vendorID
	if cur == nil {
		if ev.CreateIgnored != nil {
			return tx.ignoreEvent(vendorID, ev, body, ev.CreateIgnored)
		}
		cust, err := tx.findContact(vendorID, ev.Contacts)
		if err != nil {
			return nil, err
		}
		if cust == nil {
			return tx.ignoreEvent(vendorID, ev, body, orderhub.Errorf(orderhub.EContactNotFound,
				"No existing contact matches %s; orders are accepted only for existing contacts (create the contact first, e.g. with POST /api/v1/contact).", describeKeys(ev.Contacts)))
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
				return tx.ignoreEvent(vendorID, ev, body, e)
			}
		}
		in.Customer = orderhub.Customer{ID: cur.CustomerID}
		in.Metadata = mergeMetadata(cur.Metadata, in.Metadata)
	}
	before := tx.events
	out, created, err := tx.upsertOrder(&in)
	if err != nil {
		return nil, err
	}
	switch {
	case created:
		return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventCreated, Order: out}, nil
	case tx.events == before:
		return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventUnchanged, Order: out}, nil
	}
	return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventUpdated, Order: out}, nil
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

func describeKeys(keys []orderhub.ContactKey) string {
	if len(keys) == 0 {
		return "the event (it names no contact)"
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, k.Param+"="+k.Value)
	}
	return strings.Join(parts, ", ")
}

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
func (db *DB) FindContact(ctx context.Context, vendorID string, keys []orderhub.ContactKey) (*orderhub.Customer, error) {
	c, err := findContact(func(q string, args ...any) scanner { return db.read.QueryRowContext(ctx, q, args...) }, vendorID, keys)
	if err == nil && c == nil {
		err = orderhub.Errorf(orderhub.EContactNotFound, "No contact matches %s.", describeKeys(keys))
	}
	return c, err
}

const ignoredColumns = `id, vendor_id, surface, event_type, external_order_id, reason, message, field, body, count, created_at, last_seen_at`

// ignoreEvent records an ignored event (or counts a repeat of one).
func (tx *Tx) ignoreEvent(vendorID string, ev *orderhub.OrderEvent, body []byte, why *orderhub.Error) (*orderhub.OrderEventResult, error) {
	var compact bytes.Buffer
	if json.Compact(&compact, body) != nil {
		compact.Reset()
		compact.Write(body)
	}
	rec, err := tx.recordIgnored(&orderhub.IgnoredEvent{VendorID: vendorID, Surface: "yespo-event", EventType: ev.Type, ExternalOrderID: ev.ExternalOrderID,
		Reason: why.Code, Message: why.Message, Field: why.Field, Body: compact.Bytes()}, ev.Fingerprint+":"+why.Code)
	if err != nil {
		return nil, err
	}
	return &orderhub.OrderEventResult{Outcome: orderhub.OrderEventIgnored, Ignored: rec, Reason: why}, nil
}

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
func (db *DB) ListIgnoredEvents(ctx context.Context, f orderhub.IgnoredEventFilter) ([]*orderhub.IgnoredEvent, error) {
	lf := orderhub.ListFilter{Limit: f.Limit}
	rows, err := db.read.QueryContext(ctx, `SELECT `+ignoredColumns+` FROM ignored_events WHERE vendor_id = $1 AND ($2 = '' OR reason = $2)
		ORDER BY last_seen_at DESC, id DESC LIMIT $3`, f.VendorID, f.Reason, listLimit(lf))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*orderhub.IgnoredEvent{}
	for rows.Next() {
		r, err := scanIgnored(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpsertYespoContact creates or updates the vendor's customer described by a Yespo
// contact: matched by externalCustomerId (publisher user id), then e-mail, then
// phone. An e-mail that belongs to another customer than the one matched is an
// EConflict. Push tokens are attached to the customer. created reports a new
// customer.
func (db *DB) UpsertYespoContact(ctx context.Context, vendorID string, p *orderhub.ParsedYespoContact) (c *orderhub.Customer, created bool, err error) {
	err = db.Write(ctx, func(tx *Tx) error {
		in := p.Customer
		var target, byEmail *orderhub.Customer
		for _, k := range []orderhub.ContactKey{{Kind: orderhub.ContactKeyExternal, Value: in.PublisherUserID}, {Kind: orderhub.ContactKeyEmail, Value: in.Email}, {Kind: orderhub.ContactKeyPhone, Value: in.Phone}} {
			if k.Value == "" {
				continue
			}
			m, err := tx.findContact(vendorID, []orderhub.ContactKey{k})
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
		if c, err = tx.upsertCustomer(vendorID, m, &in); err != nil {
			return err
		}
		created = target == nil
		for _, t := range p.PushTokens {
			if _, err := tx.exec(`INSERT INTO contact_identifiers (vendor_id, kind, value, customer_id, created_at) VALUES ($1, 'pushToken', $2, $3, $4)
				ON CONFLICT (vendor_id, kind, value) DO UPDATE SET customer_id = $3`, vendorID, t, c.ID, micros(tx.now)); err != nil {
				return err
			}
		}
		return nil
	})
	return c, created, err
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
func (db *DB) SaveYespoAccount(ctx context.Context, vendorID, baseURL, sealedKey string, eventTypes []string) (*orderhub.YespoAccount, error) {
	baseURL = strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if err := orderhub.ValidateEndpointURL(baseURL); err != nil {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "baseUrl", "baseUrl: %s", orderhub.ErrorMessage(err))
	}
	types, err := normalizeEventTypes(eventTypes)
	if err != nil {
		return nil, err
	}
	var out *orderhub.YespoAccount
	err = db.Write(ctx, func(tx *Tx) error {
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
		var exists int
		if err := tx.queryRow(`SELECT COUNT(*) FROM vendors WHERE id = $1`, vendorID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return orderhub.Errorf(orderhub.ENotFound, "Vendor %q not found.", vendorID)
		}
		if err := tx.checkQuota(vendorID, orderhub.QuotaEndpoints, ""); err != nil {
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
func (db *DB) GetYespoAccount(ctx context.Context, vendorID string) (*orderhub.YespoAccount, error) {
	a, err := scanYespo(db.read.QueryRowContext(ctx, `SELECT `+yespoColumns+` FROM yespo_accounts WHERE vendor_id = $1`, vendorID))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "Vendor %q has no Yespo account.", vendorID)
	}
	return a, nil
}

// YespoAccountByEndpoint returns the Yespo account delivered through an endpoint.
func (db *DB) YespoAccountByEndpoint(ctx context.Context, endpointID string) (*orderhub.YespoAccount, error) {
	a, err := scanYespo(db.read.QueryRowContext(ctx, `SELECT `+yespoColumns+` FROM yespo_accounts WHERE endpoint_id = $1`, endpointID))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "No Yespo account uses endpoint %q.", endpointID)
	}
	return a, nil
}

// DeleteYespoAccount deletes a vendor's Yespo account and its endpoint (pending
// deliveries are canceled; the history is kept).
func (db *DB) DeleteYespoAccount(ctx context.Context, vendorID string) error {
	return db.Write(ctx, func(tx *Tx) error {
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
