package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"orderhub"
)

// Outbound delivery storage: endpoints, the fan-out of events into deliveries, the
// batched claim and completion used by the delivery workers, replay and listings.
//
// Ordering. Every (endpoint, ordering key) pair is a queue ordered by the event's
// per-vendor seq. Exactly one active (pending or failed) delivery of a queue — the
// one with the lowest seq — is its head (ready = 1), and only heads are claimed. When
// a head leaves the active states (delivered, dead or canceled) the next one becomes
// the head in the same transaction. A failing key therefore holds back only itself;
// a dead delivery no longer blocks the ones after it (as in Svix), and can be replayed.
// Events with an empty ordering key are not ordered: each is its own head.

// ---- endpoints ----

func validSecret(s string) error {
	key, err := orderhub.SecretKey(s)
	if err != nil || len(key) < 24 || len(key) > 64 {
		return orderhub.FieldError(orderhub.EInvalidRequest, "secret", "A signing secret is whsec_ followed by the base64 of 24 to 64 random bytes.")
	}
	return nil
}

func normalizeEventTypes(types []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range types {
		t = strings.TrimSpace(t)
		if t == "" || t == "*" {
			if t == "*" {
				return []string{}, nil
			}
			continue
		}
		if strings.ContainsAny(t, " \t\n,") || len(t) > 100 {
			return nil, orderhub.FieldError(orderhub.EInvalidRequest, "eventTypes", "Event type %q is not a valid event type name.", t)
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// EndpointKinds are the endpoint kinds there are: webhook, zapier and the connector
// kinds. A new connector adds its kind here (a fixed list, not a registration at
// init: docs/architecture.md).
var EndpointKinds = []string{orderhub.EndpointWebhook, orderhub.EndpointZapier, orderhub.EndpointSalesmanago, orderhub.EndpointYespo}

func validKind(k string) error {
	if !slices.Contains(EndpointKinds, k) {
		return orderhub.FieldError(orderhub.EInvalidRequest, "kind", "Endpoint kind %q is not one of webhook, zapier or a connector kind.", k)
	}
	return nil
}

// CreateEndpoint creates an endpoint of e.VendorID. An empty Kind is webhook, an empty
// Secret gets a generated one; on return e carries its id, times and secret.
func (sub Deliveries) CreateEndpoint(ctx context.Context, e *orderhub.Endpoint) error {
	db := sub.db
	if e.ID == "" {
		e.ID = orderhub.NewID("ep")
	}
	if err := validSlug("endpoint id", e.ID); err != nil {
		return err
	}
	if e.Kind == "" {
		e.Kind = orderhub.EndpointWebhook
	}
	if err := validKind(e.Kind); err != nil {
		return err
	}
	if err := orderhub.ValidateEndpointURL(e.URL); err != nil {
		return err
	}
	types, err := normalizeEventTypes(e.EventTypes)
	if err != nil {
		return err
	}
	e.EventTypes = types
	if len(e.Description) > 1000 {
		return orderhub.FieldError(orderhub.EInvalidRequest, "description", "The description is longer than 1000 characters.")
	}
	if !orderhub.IsFreeText(e.Description) {
		return orderhub.FieldError(orderhub.EInvalidRequest, "description", "The description %s.", orderhub.TextRule(e.Description, true))
	}
	if e.Secret == "" {
		e.Secret = orderhub.NewEndpointSecret()
	} else if err := validSecret(e.Secret); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error {
		var exists int
		if err := tx.queryRow(`SELECT COUNT(*) FROM vendors WHERE id = $1`, e.VendorID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return orderhub.Errorf(orderhub.ENotFound, "Vendor %q not found.", e.VendorID)
		}
		if e.Kind == orderhub.EndpointWebhook {
			if err := tx.checkQuota(e.VendorID, orderhub.QuotaWebhookEndpoints, ""); err != nil {
				return err
			}
		}
		if err := tx.checkQuota(e.VendorID, orderhub.QuotaEndpoints, ""); err != nil {
			return err
		}
		e.Enabled, e.Health, e.CreatedAt, e.UpdatedAt = true, "healthy", tx.now, tx.now
		stored, err := db.sealSecret(e.ID, e.Secret)
		if err != nil {
			return err
		}
		from, err := tx.currentSeq(e.VendorID)
		if err != nil {
			return err
		}
		tx.endpointsChanged()
		res, err := tx.exec(`INSERT INTO endpoints (id, vendor_id, kind, url, description, event_types, secret, enabled, created_at, updated_at, from_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $9) ON CONFLICT (id) DO NOTHING`,
			e.ID, e.VendorID, e.Kind, e.URL, e.Description, strings.Join(e.EventTypes, " "), stored, micros(tx.now), from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return orderhub.Errorf(orderhub.EConflict, "An endpoint with id %q exists already.", e.ID)
		}
		return nil
	})
}

const endpointColumns = `id, vendor_id, kind, url, description, event_types, prev_secret_until, enabled, disabled_reason,
	failing_since, last_success_at, created_at, updated_at, deleted_at, alert_state, alerted_at`

func scanEndpoint(sc interface{ Scan(...any) error }) (*orderhub.Endpoint, error) {
	e := &orderhub.Endpoint{}
	var types string
	var enabled int
	var created, updated int64
	var prevUntil, failing, success, deleted, alerted sql.NullInt64
	var alertState string
	if err := sc.Scan(&e.ID, &e.VendorID, &e.Kind, &e.URL, &e.Description, &types, &prevUntil, &enabled, &e.DisabledReason,
		&failing, &success, &created, &updated, &deleted, &alertState, &alerted); err != nil {
		return nil, err
	}
	if alertState == "failing" {
		e.AlertedAt = fromNullMicros(alerted)
	}
	e.EventTypes = strings.Fields(types)
	e.Enabled = enabled == 1
	e.PreviousSecretExpiresAt = fromNullMicros(prevUntil)
	e.FailingSince, e.LastSuccessAt, e.DeletedAt = fromNullMicros(failing), fromNullMicros(success), fromNullMicros(deleted)
	e.CreatedAt, e.UpdatedAt = fromMicros(created), fromMicros(updated)
	switch {
	case e.DeletedAt != nil:
		e.Health = "deleted"
	case !e.Enabled:
		e.Health = "disabled"
	case e.FailingSince != nil:
		e.Health = "failing"
	default:
		e.Health = "healthy"
	}
	return e, nil
}

func endpointNotFound(id string) error {
	return orderhub.Errorf(orderhub.ENotFound, "Endpoint %q not found.", id)
}

// GetEndpoint returns an endpoint (deleted ones too) of a vendor; an empty vendorID
// matches any vendor (operators).
func (sub Deliveries) GetEndpoint(ctx context.Context, vendorID, id string) (*orderhub.Endpoint, error) {
	db := sub.db
	e, err := scanEndpoint(db.read.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM endpoints WHERE id = $1 AND ($2 = '' OR vendor_id = $2)`, id, vendorID))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, endpointNotFound(id)
		}
		return nil, err
	}
	return e, nil
}

// ListEndpoints returns endpoints, oldest first.
func (sub Deliveries) ListEndpoints(ctx context.Context, f orderhub.EndpointFilter) ([]*orderhub.Endpoint, error) {
	db := sub.db
	rows, err := db.read.QueryContext(ctx, `SELECT `+endpointColumns+` FROM endpoints
		WHERE ($1 = '' OR vendor_id = $1) AND ($2 = '' OR kind = $2) AND ($3 = 1 OR deleted_at IS NULL)
		ORDER BY created_at, id`, f.VendorID, f.Kind, boolInt(f.IncludeDeleted))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*orderhub.Endpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// UpdateEndpoint changes an endpoint's URL, description, event types or kind. Event
// type changes apply to events appended afterwards.
func (sub Deliveries) UpdateEndpoint(ctx context.Context, vendorID, id string, u orderhub.EndpointUpdate) (*orderhub.Endpoint, error) {
	db := sub.db
	if u.URL != nil {
		if err := orderhub.ValidateEndpointURL(*u.URL); err != nil {
			return nil, err
		}
	}
	if u.Kind != nil {
		if err := validKind(*u.Kind); err != nil {
			return nil, err
		}
	}
	if u.Description != nil && len(*u.Description) > 1000 {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "description", "The description is longer than 1000 characters.")
	}
	if u.Description != nil && !orderhub.IsFreeText(*u.Description) {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "description", "The description %s.", orderhub.TextRule(*u.Description, true))
	}
	var types *string
	if u.EventTypes != nil {
		t, err := normalizeEventTypes(*u.EventTypes)
		if err != nil {
			return nil, err
		}
		s := strings.Join(t, " ")
		types = &s
	}
	err := db.Write(ctx, func(tx *Tx) error {
		if err := (queue{tx}).liveEndpoint(vendorID, id); err != nil {
			return err
		}
		if u.Kind != nil && *u.Kind == orderhub.EndpointWebhook {
			// Turning another kind into a webhook adds one to the webhookEndpoints quota.
			var kind, owner string
			if err := tx.queryRow(`SELECT kind, vendor_id FROM endpoints WHERE id = $1`, id).Scan(&kind, &owner); err != nil {
				return err
			}
			if kind != orderhub.EndpointWebhook {
				if err := tx.checkQuota(owner, orderhub.QuotaWebhookEndpoints, ""); err != nil {
					return err
				}
			}
		}
		tx.endpointsChanged()
		_, err := tx.exec(`UPDATE endpoints SET url = COALESCE($2, url), description = COALESCE($3, description),
			event_types = COALESCE($4, event_types), kind = COALESCE($5, kind), updated_at = $6 WHERE id = $1`,
			id, u.URL, u.Description, types, u.Kind, micros(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub.GetEndpoint(ctx, vendorID, id)
}

// liveEndpoint checks that an endpoint of the vendor exists and is not deleted.
func (tx queue) liveEndpoint(vendorID, id string) error {
	var deleted sql.NullInt64
	err := tx.queryRow(`SELECT deleted_at FROM endpoints WHERE id = $1 AND ($2 = '' OR vendor_id = $2)`, id, vendorID).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return endpointNotFound(id)
	}
	if err != nil {
		return err
	}
	if deleted.Valid {
		return orderhub.Errorf(orderhub.EConflict, "Endpoint %q was deleted.", id)
	}
	return nil
}

// RotateEndpointSecret gives an endpoint a new signing secret (newSecret, or a
// generated one when empty). The old secret keeps signing beside the new one for
// overlap (DefaultSecretOverlap when zero; a negative overlap drops it at once).
// The returned endpoint carries the new secret.
func (sub Deliveries) RotateEndpointSecret(ctx context.Context, vendorID, id, newSecret string, overlap time.Duration) (*orderhub.Endpoint, error) {
	db := sub.db
	if newSecret == "" {
		newSecret = orderhub.NewEndpointSecret()
	} else if err := validSecret(newSecret); err != nil {
		return nil, err
	}
	if overlap == 0 {
		overlap = orderhub.DefaultSecretOverlap
	}
	err := db.Write(ctx, func(tx *Tx) error {
		if err := (queue{tx}).liveEndpoint(vendorID, id); err != nil {
			return err
		}
		var prev sql.NullString
		var until sql.NullInt64
		if overlap > 0 {
			if err := tx.queryRow(`SELECT secret FROM endpoints WHERE id = $1`, id).Scan(&prev.String); err != nil {
				return err
			}
			prev.Valid = true
			until = sql.NullInt64{Int64: micros(tx.now.Add(overlap)), Valid: true}
		}
		stored, err := db.sealSecret(id, newSecret)
		if err != nil {
			return err
		}
		_, err = tx.exec(`UPDATE endpoints SET secret = $2, prev_secret = $3, prev_secret_until = $4, updated_at = $5 WHERE id = $1`,
			id, stored, prev, until, micros(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	e, err := sub.GetEndpoint(ctx, vendorID, id)
	if err != nil {
		return nil, err
	}
	e.Secret = newSecret
	return e, nil
}

// EndpointSecret returns an endpoint's current signing secret (for operators who lost
// it; the admin surfaces decide who may call this).
func (sub Deliveries) EndpointSecret(ctx context.Context, vendorID, id string) (string, error) {
	db := sub.db
	var s string
	err := db.read.QueryRowContext(ctx, `SELECT secret FROM endpoints WHERE id = $1 AND ($2 = '' OR vendor_id = $2) AND deleted_at IS NULL`, id, vendorID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", endpointNotFound(id)
	}
	if err != nil {
		return "", err
	}
	return db.openSecret(id, s)
}

// SetEndpointEnabled enables or disables an endpoint. Disabling stops its active
// deliveries (they become dead, so that they can be replayed after enabling it
// again) and it receives no new ones; enabling clears its failure streak.
func (sub Deliveries) SetEndpointEnabled(ctx context.Context, vendorID, id string, enabled bool, reason string) (*orderhub.Endpoint, error) {
	db := sub.db
	err := db.Write(ctx, func(tx *Tx) error {
		if err := (queue{tx}).liveEndpoint(vendorID, id); err != nil {
			return err
		}
		if enabled {
			// It receives the events appended from now on (endpoints.from_seq).
			var vendor string
			if err := tx.queryRow(`SELECT vendor_id FROM endpoints WHERE id = $1`, id).Scan(&vendor); err != nil {
				return err
			}
			from, err := tx.currentSeq(vendor)
			if err != nil {
				return err
			}
			tx.endpointsChanged()
			_, err = tx.exec(`UPDATE endpoints SET enabled = 1, disabled_reason = '', failing_since = NULL, updated_at = $2,
				from_seq = CASE WHEN enabled = 0 THEN $3 ELSE from_seq END WHERE id = $1`, id, micros(tx.now), from)
			return err
		}
		if reason == "" {
			reason = "disabled by an operator"
		}
		return queue{tx}.disableEndpoint(id, reason)
	})
	if err != nil {
		return nil, err
	}
	return sub.GetEndpoint(ctx, vendorID, id)
}

func (tx queue) disableEndpoint(id, reason string) error {
	tx.endpointsChanged()
	if _, err := tx.exec(`UPDATE endpoints SET enabled = 0, disabled_reason = $2, updated_at = $3 WHERE id = $1`, id, reason, micros(tx.now)); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE deliveries SET status = 'dead', ready = 0, locked_by = NULL, locked_until = NULL, last_error = $2, updated_at = $3
		WHERE endpoint_id = $1 AND status IN ('pending', 'failed')`, id, "endpoint disabled: "+reason, micros(tx.now))
	return err
}

// DeleteEndpoint deletes an endpoint: it receives nothing more and its active
// deliveries are canceled. Its history (deliveries, attempts) is kept.
func (sub Deliveries) DeleteEndpoint(ctx context.Context, vendorID, id, reason string) error {
	db := sub.db
	if reason == "" {
		reason = "deleted by an operator"
	}
	return db.Write(ctx, func(tx *Tx) error {
		if err := (queue{tx}).liveEndpoint(vendorID, id); err != nil {
			return err
		}
		return tx.deleteEndpoint(id, reason)
	})
}

func (tx *Tx) deleteEndpoint(id, reason string) error {
	now := micros(tx.now)
	tx.endpointsChanged()
	if _, err := tx.exec(`UPDATE endpoints SET enabled = 0, disabled_reason = $2, deleted_at = $3, prev_secret = NULL, prev_secret_until = NULL, updated_at = $3
		WHERE id = $1 AND deleted_at IS NULL`, id, reason, now); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE deliveries SET status = 'canceled', ready = 0, locked_by = NULL, locked_until = NULL, last_error = $2, updated_at = $3
		WHERE endpoint_id = $1 AND status IN ('pending', 'failed')`, id, "endpoint deleted: "+reason, now)
	return err
}

// sortableID returns prefix_ + 14 hex digits of the time in microseconds + 10 random
// hex digits: unique, and increasing with time so that inserts append to indexes.
func sortableID(prefix string, t time.Time) string {
	var r [5]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%s_%014x%x", prefix, t.UnixMicro(), r[:])
}

// ---- fan-out ----

func typeMatches(types, typ string) bool {
	if types == "" {
		return true
	}
	for _, t := range strings.Fields(types) {
		if t == typ {
			return true
		}
	}
	return false
}

// insertDelivery adds a pending delivery, the head of its queue when the queue has no
// other active delivery.
func (tx queue) insertDelivery(endpointID, vendorID, eventID, eventType, key string, seq int64) error {
	if tx.pg.bulkOn() {
		tx.pg.bulkDelivery(endpointID, vendorID, eventID, eventType, key, seq)
		return nil
	}
	now := micros(tx.now)
	return tx.plannedNow(func() error {
		_, err := tx.exec(`INSERT INTO deliveries (`+deliveryInsertColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending',
				CASE WHEN $6 = '' OR NOT EXISTS (SELECT 1 FROM deliveries WHERE endpoint_id = $3 AND ordering_key = $6 AND status IN ('pending', 'failed')) THEN 1 ELSE 0 END,
				$8, $8, $8)`,
			sortableID("dlv", tx.now), vendorID, endpointID, eventID, eventType, key, seq, now)
		return err
	})
}

// plannedNow runs f's statements on PostgreSQL with plan_cache_mode =
// force_custom_plan: planned for the deliveries table as it is each time, not by
// a generic plan the writer's connection cached while the table was a few pages (a
// new database before its first ANALYZE), which would read a queue's head through
// the (endpoint_id, seq) key or scan the table for ever after (see complete).
// SET LOCAL ends with the transaction, or with the request's savepoint when f fails.
func (tx queue) plannedNow(f func() error) error {
	if !tx.onPG() {
		return f()
	}
	if _, err := tx.exec(`SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
		return err
	}
	if err := f(); err != nil {
		return err
	}
	_, err := tx.exec(`SET LOCAL plan_cache_mode TO DEFAULT`)
	return err
}

// promote makes the lowest-seq active delivery of a queue its head, unless the queue
// has a head already.
func (tx queue) promote(endpointID, key string) error {
	if key == "" {
		return nil
	}
	_, err := tx.exec(`UPDATE deliveries SET ready = 1 WHERE id = (
			SELECT id FROM deliveries WHERE endpoint_id = $1 AND ordering_key = $2 AND status IN ('pending', 'failed') ORDER BY seq LIMIT 1)
		AND NOT EXISTS (SELECT 1 FROM deliveries WHERE endpoint_id = $1 AND ordering_key = $2 AND status IN ('pending', 'failed') AND ready = 1)`,
		endpointID, key)
	return err
}

// promoteAfter makes the next delivery of a queue its head after the head finished
// (was delivered, went dead or was canceled). The finished delivery was the queue's
// only head, so unlike promote there is no head to look for.
func (tx queue) promoteAfter(endpointID, key string) error {
	if key == "" {
		return nil
	}
	_, err := tx.exec(`UPDATE deliveries SET ready = 1 WHERE id = (
			SELECT id FROM deliveries WHERE endpoint_id = $1 AND ordering_key = $2 AND status IN ('pending', 'failed') ORDER BY seq LIMIT 1)`,
		endpointID, key)
	return err
}

// reorder puts a queue back in seq order after a replay: a head that is not in
// flight steps back, and the lowest-seq active delivery becomes the head.
func (tx queue) reorder(endpointID, key string) error {
	if key == "" {
		return nil
	}
	if _, err := tx.exec(`UPDATE deliveries SET ready = 0 WHERE endpoint_id = $1 AND ordering_key = $2 AND status IN ('pending', 'failed')
		AND ready = 1 AND locked_by IS NULL`, endpointID, key); err != nil {
		return err
	}
	return tx.promote(endpointID, key)
}

// AppendEvent appends one event to the outbox on its own (its deliveries are fanned
// out in the same transaction). Operators use it to send test events.
func (sub Deliveries) AppendEvent(ctx context.Context, vendorID, typ, orderingKey string, data json.RawMessage) (*orderhub.Event, error) {
	db := sub.db
	if strings.TrimSpace(typ) == "" || strings.ContainsAny(typ, " \t\n,") {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "type", "An event type is a non-empty name without spaces or commas.")
	}
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	if !json.Valid(data) {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "data", "The event data is not valid JSON.")
	}
	var ev *orderhub.Event
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		ev, err = tx.appendEvent(vendorID, typ, orderingKey, data)
		return err
	})
	return ev, err
}

// ---- claim and complete ----

// claimSQL leases the due heads of one vendor ($8): the earliest due first, at most
// PerEndpoint per endpoint (the Wide ones, $9: up to the limit), skipping excluded
// endpoints and unexpired leases. The
// vendor's heads are a range of deliveries_vendor_due.
// On PostgreSQL the innermost SELECT takes FOR UPDATE SKIP LOCKED.
//
// The innermost SELECT orders by next_attempt_at alone, the order of the index, so
// that it reads the earliest $5 due heads and stops; the candidates are then ordered
// by (next_attempt_at, seq). Ordered by both, it had to read and sort every due head
// of the vendor first — on PostgreSQL, whose statistics lag behind a growing queue,
// a claim cost 4–8 ms with a few thousand heads waiting, more as the backlog grew
// (issue 20). Heads due at the same time come in index order, which is insertion
// order.
func (db *DB) claimSQL() string {
	pos := db.d.strpos()
	excl := pos + `($4, ',' || endpoint_id || ',') = 0`
	wide := pos + `($9, ',' || endpoint_id || ',') > 0`
	single := pos + `($10, ',' || endpoint_id || ',') > 0`
	lock := db.d.claimLock()
	return `UPDATE deliveries SET locked_by = $1, locked_until = $2, updated_at = $3
		WHERE id IN (
			SELECT id FROM (
				SELECT id, next_attempt_at, seq, ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, seq) AS rn,
					CASE WHEN ` + single + ` THEN 1 WHEN ` + wide + ` THEN CAST($7 AS BIGINT) ELSE CAST($6 AS BIGINT) END AS cap
				FROM (SELECT id, endpoint_id, next_attempt_at, seq FROM deliveries
					WHERE vendor_id = $8 AND ready = 1 AND status IN ('pending', 'failed') AND next_attempt_at <= $3
					AND (locked_until IS NULL OR locked_until <= $3) AND ` + excl + `
					ORDER BY next_attempt_at LIMIT $5` + lock + `) c
			) r WHERE rn <= cap ORDER BY next_attempt_at, seq LIMIT $7)
		RETURNING id, vendor_id, endpoint_id, event_id, event_type, ordering_key, seq, attempts`
}

// dueVendorsSQL lists the vendors with a due head (leased or not), in id order. It
// skips from one vendor to the next through deliveries_vendor_due (a loose index
// scan): two index lookups per vendor with active heads, whatever their number.
const dueVendorsSQL = `WITH RECURSIVE v(id) AS (
		SELECT MIN(vendor_id) FROM deliveries WHERE ready = 1 AND status IN ('pending', 'failed')
		UNION ALL
		SELECT (SELECT MIN(vendor_id) FROM deliveries WHERE ready = 1 AND status IN ('pending', 'failed') AND vendor_id > v.id)
		FROM v WHERE v.id IS NOT NULL)
	SELECT id FROM v WHERE id IS NOT NULL
		AND (SELECT MIN(next_attempt_at) FROM deliveries WHERE ready = 1 AND status IN ('pending', 'failed') AND vendor_id = v.id) <= $1`

// dueVendors lists the vendors with due work (read from the reader pool, before the
// write transaction: a vendor that became due just after is found by the next claim).
func (db *DB) dueVendors(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, dueVendorsSQL, micros(db.Now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ClaimDeliveries leases up to r.Limit due deliveries in one write transaction and
// returns them with their events and endpoints.
func (sub Deliveries) ClaimDeliveries(ctx context.Context, r orderhub.ClaimRequest) ([]*orderhub.ClaimedDelivery, error) {
	_, out, err := sub.CompleteAndClaim(ctx, nil, orderhub.CompleteOptions{}, &r)
	return out, err
}

// CompleteAndClaim records finished attempts and then claims due deliveries (when
// claim is not nil), in one write transaction: heads promoted by the completions are
// claimed at once, and a row touched by both is written once. With nothing to record
// and nothing a claim could take, it does not write at all.
func (sub Deliveries) CompleteAndClaim(ctx context.Context, results []*orderhub.AttemptResult, opt orderhub.CompleteOptions, claim *orderhub.ClaimRequest) (orderhub.CompleteReport, []*orderhub.ClaimedDelivery, error) {
	db := sub.db
	var rep orderhub.CompleteReport
	var out []*orderhub.ClaimedDelivery
	var plan *claimPlan
	if claim != nil && claim.Limit+max(claim.Borrow, 0) > 0 {
		due, err := db.dueVendors(ctx)
		if err != nil {
			return rep, nil, err
		}
		plan = newClaimPlan(claim, due)
		if plan.empty() {
			plan = nil
		}
	}
	if plan == nil && len(results) == 0 {
		return rep, nil, nil
	}
	q := db.claimSQL()
	err := db.Write(ctx, func(tx *Tx) error {
		rep, out = orderhub.CompleteReport{}, out[:0]
		if len(results) > 0 {
			if err := (queue{tx}).complete(results, opt, &rep); err != nil {
				return err
			}
		}
		if plan != nil {
			return queue{tx}.claim(q, claim, plan, &out)
		}
		return nil
	})
	if err != nil {
		return orderhub.CompleteReport{}, nil, err
	}
	if len(out) > 0 {
		if err := db.loadClaimed(ctx, out); err != nil {
			return rep, nil, err
		}
	}
	return rep, out, nil
}

// claimPlan is the order in which a claim visits the vendors and what each may get.
type claimPlan struct {
	r     *orderhub.ClaimRequest
	order []string // vendors with due work, round robin from after ClaimRequest.After
	share int      // each vendor's share of the pool
	hard  int      // Limit + Borrow: the most this claim takes
}

func newClaimPlan(r *orderhub.ClaimRequest, due []string) *claimPlan {
	p := &claimPlan{r: r, hard: r.Limit + max(r.Borrow, 0)}
	// Round robin: the first vendor after r.After (due is in id order).
	first := 0
	for first < len(due) && due[first] <= r.After {
		first++
	}
	p.order = append(append(p.order, due[first:]...), due[:first]...)
	active := len(due)
	for v, n := range r.InFlight {
		if n > 0 && !slices.Contains(due, v) {
			active++
		}
	}
	workers := r.Workers
	if workers <= 0 {
		workers = r.Limit
	}
	p.share = max(1, workers/max(1, active))
	return p
}

// room is how many deliveries vendor v may get in the fair pass.
func (p *claimPlan) room(v string) int { return p.share - p.r.InFlight[v] }

// empty reports that the claim can take nothing: no due work, or no free slots and
// every vendor with due work at its share.
func (p *claimPlan) empty() bool {
	if p.r.Limit > 0 {
		return len(p.order) == 0
	}
	for _, v := range p.order {
		if p.room(v) > 0 {
			return false
		}
	}
	return true
}

func (tx queue) claim(q string, r *orderhub.ClaimRequest, p *claimPlan, out *[]*orderhub.ClaimedDelivery) error {
	per := r.PerEndpoint
	if per <= 0 {
		per = p.hard
	}
	excl := ","
	if len(r.Exclude) > 0 {
		excl = "," + strings.Join(r.Exclude, ",") + ","
	}
	wide := ","
	if len(r.Wide) > 0 {
		wide = "," + strings.Join(r.Wide, ",") + ","
	}
	single := ","
	if len(r.Single) > 0 {
		single = "," + strings.Join(r.Single, ",") + ","
	}
	until := fromMicros(micros(tx.now.Add(r.Lease)))
	vendor := func(v string, limit int) (int, error) {
		rows, err := tx.query(q, r.Owner, micros(until), micros(tx.now), excl, 4*limit, per, limit, v, wide, single)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			c := &orderhub.ClaimedDelivery{Owner: r.Owner, LockedUntil: until}
			if err := rows.Scan(&c.ID, &c.VendorID, &c.EndpointID, &c.EventID, &c.EventType, &c.OrderingKey, &c.Seq, &c.Attempts); err != nil {
				return n, err
			}
			*out = append(*out, c)
			n++
		}
		return n, rows.Err()
	}
	// The fair pass: each vendor up to its share (borrowing if the pool is full).
	var more []string // vendors that may have more due work
	for _, v := range p.order {
		room := min(p.room(v), p.hard-len(*out))
		if room <= 0 {
			if p.room(v) <= 0 {
				more = append(more, v)
			}
			continue
		}
		n, err := vendor(v, room)
		if err != nil {
			return err
		}
		if n == room {
			more = append(more, v)
		}
	}
	// The spare pass: free slots nobody claimed go to vendors with more due work,
	// in the same round-robin order (never borrowed). A Single endpoint that got its
	// one delivery in the fair pass gets no second.
	if len(r.Single) > 0 && len(more) > 0 {
		for _, c := range *out {
			if slices.Contains(r.Single, c.EndpointID) && !strings.Contains(excl, ","+c.EndpointID+",") {
				excl += c.EndpointID + ","
			}
		}
	}
	for _, v := range more {
		room := r.Limit - len(*out)
		if room <= 0 {
			break
		}
		if _, err := vendor(v, room); err != nil {
			return err
		}
	}
	if r.Follow > 0 {
		return tx.follow(r, *out, until)
	}
	return nil
}

// follow claims, behind each claimed head with an ordering key, the next active
// deliveries of its queue (at most r.Follow) as long as they are due and not leased:
// a contiguous run of the queue, so that sending them in seq order after the head
// keeps the key's order. They stay non-heads (ready = 0); the head's completion
// promotes the next one as usual. A head with a lower-seq delivery waiting behind it
// (replayed while the head was in flight) gets no followers: that one goes next.
//
// Followers are not leased themselves (nothing is written for them): nobody else
// can claim them, since only heads are claimed and their head is leased, and their
// results count while the claimer still holds the head (complete). Leasing them
// was an UPDATE of every follower — with one endpoint receiving every event, three
// of every four deliveries, each a new row version with six index entries on
// PostgreSQL (issue 20). A follower leased by an earlier version still ends a run
// (take) until its lease expires.
func (tx queue) follow(r *orderhub.ClaimRequest, heads []*orderhub.ClaimedDelivery, until time.Time) error {
	return tx.w.d.follow(tx.Tx, &follower{r: r, until: until, now: micros(tx.now)}, heads)
}

// follower collects the followers of claimed heads (follow).
type follower struct {
	r     *orderhub.ClaimRequest
	until time.Time
	now   int64
}

// take adds a candidate behind h unless h's run has ended (it reports false once it
// has).
func (f *follower) take(h *orderhub.ClaimedDelivery, c *orderhub.ClaimedDelivery, next sql.NullInt64, locked int64) bool {
	if c.Seq < h.Seq || !next.Valid || next.Int64 > f.now || locked > f.now {
		return false // the run ends here: what comes after waits for it
	}
	c.VendorID, c.EndpointID, c.OrderingKey, c.Owner, c.LockedUntil = h.VendorID, h.EndpointID, h.OrderingKey, f.r.Owner, f.until
	h.Next = append(h.Next, c)
	return true
}

// allHeads finds the followers of every head in one round trip (LATERAL: each
// key's other active deliveries from its lowest seq, LIMIT Follow, as eachHead)
// (PostgreSQL).
func (f *follower) allHeads(tx *Tx, heads []*orderhub.ClaimedDelivery) error {
	r := f.r
	var eps, keys, hids []string
	byID := map[string]*orderhub.ClaimedDelivery{}
	for _, h := range heads {
		if h.OrderingKey != "" {
			eps, keys, hids = append(eps, h.EndpointID), append(keys, h.OrderingKey), append(hids, h.ID)
			byID[h.ID] = h
		}
	}
	if len(hids) == 0 {
		return nil
	}
	rows, err := tx.query(`SELECT k.head, l.id, l.event_id, l.event_type, l.seq, l.attempts, l.next_attempt_at, COALESCE(l.locked_until, 0)
		FROM unnest($1::text[], $2::text[], $3::text[]) AS k(endpoint_id, key, head)
		CROSS JOIN LATERAL (SELECT id, event_id, event_type, seq, attempts, next_attempt_at, locked_until FROM deliveries d
			WHERE d.endpoint_id = k.endpoint_id AND d.ordering_key = k.key AND d.status IN ('pending', 'failed') AND d.id <> k.head
			ORDER BY d.seq LIMIT $4) l
		ORDER BY k.head, l.seq`, eps, keys, hids, r.Follow)
	if err != nil {
		return err
	}
	ended := map[string]bool{}
	for rows.Next() {
		var head string
		c := &orderhub.ClaimedDelivery{}
		var next sql.NullInt64
		var locked int64
		if err := rows.Scan(&head, &c.ID, &c.EventID, &c.EventType, &c.Seq, &c.Attempts, &next, &locked); err != nil {
			rows.Close()
			return err
		}
		if h := byID[head]; h != nil && !ended[head] && !f.take(h, c, next, locked) {
			ended[head] = true
		}
	}
	rows.Close()
	return rows.Err()
}

// eachHead finds each head's followers with a query of its own (SQLite, in
// process).
func (f *follower) eachHead(tx *Tx, heads []*orderhub.ClaimedDelivery) error {
	r := f.r
	for _, h := range heads {
		if h.OrderingKey == "" {
			continue
		}
		// The queue's other active deliveries from its lowest seq: one below the
		// head's (replayed while the head was in flight, ReplayDelivery) comes next
		// after the head, so then nothing follows it.
		rows, err := tx.query(`SELECT id, event_id, event_type, seq, attempts, next_attempt_at, COALESCE(locked_until, 0)
			FROM deliveries WHERE endpoint_id = $1 AND ordering_key = $2 AND status IN ('pending', 'failed') AND id <> $3
			ORDER BY seq LIMIT $4`, h.EndpointID, h.OrderingKey, h.ID, r.Follow)
		if err != nil {
			return err
		}
		for rows.Next() {
			c := &orderhub.ClaimedDelivery{}
			var next sql.NullInt64
			var locked int64
			if err := rows.Scan(&c.ID, &c.EventID, &c.EventType, &c.Seq, &c.Attempts, &next, &locked); err != nil {
				rows.Close()
				return err
			}
			if !f.take(h, c, next, locked) {
				break
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// loadClaimed reads the events and endpoints of claimed deliveries (both committed
// before the claim) from the reader pool, keeping the write transaction short.
func (db *DB) loadClaimed(ctx context.Context, cs []*orderhub.ClaimedDelivery) error {
	for _, c := range cs {
		if len(c.Next) > 0 {
			flat := make([]*orderhub.ClaimedDelivery, 0, 2*len(cs))
			for _, c := range cs {
				flat = append(append(flat, c), c.Next...)
			}
			cs = flat
			break
		}
	}
	byID := make(map[string]*orderhub.ClaimedDelivery, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
	}
	now := micros(db.Now())
	const chunk = 200
	for start := 0; start < len(cs); start += chunk {
		part := cs[start:min(start+chunk, len(cs))]
		var rows *sql.Rows
		var err error
		if db.d.kind() == Postgres {
			// One look-up by primary key per delivery, its event and its endpoint
			// (LATERAL … LIMIT 1 keeps them look-ups): the join of the IN list was
			// planned as sequential scans of deliveries and events with hash joins on
			// a queue that grew faster than its statistics, 1.5-4 ms per claim
			// between the claim's commit and the first send (issue 20).
			ids := make([]string, len(part))
			for i, c := range part {
				ids[i] = c.ID
			}
			rows, err = db.read.QueryContext(ctx, pgLoadClaimedSQL, ids)
		} else {
			var b strings.Builder
			args := make([]any, 0, len(part))
			for i, c := range part {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("$" + strconv.Itoa(i+1))
				args = append(args, c.ID)
			}
			rows, err = db.read.QueryContext(ctx, `SELECT d.id, e.data, e.created_at, p.url, p.kind, p.secret, p.prev_secret, p.prev_secret_until
				FROM deliveries d JOIN events e ON e.id = d.event_id JOIN endpoints p ON p.id = d.endpoint_id
				WHERE d.id IN (`+b.String()+`)`, args...)
		}
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, data, secret string
			var created int64
			var prev sql.NullString
			var prevUntil sql.NullInt64
			var url, kind string
			if err := rows.Scan(&id, &data, &created, &url, &kind, &secret, &prev, &prevUntil); err != nil {
				rows.Close()
				return err
			}
			c := byID[id]
			if c == nil {
				continue
			}
			c.EventData, c.EventTime, c.URL, c.Kind = json.RawMessage(data), fromMicros(created), url, kind
			c.Secrets, c.SecretError = nil, ""
			for i, s := range []string{secret, prev.String} {
				if i == 1 && !(prev.Valid && prev.String != "" && prevUntil.Valid && prevUntil.Int64 > now) {
					break
				}
				open, err := db.openSecret(c.EndpointID, s)
				if err != nil {
					c.SecretError = "the endpoint's signing secret cannot be opened: " + err.Error()
					break
				}
				c.Secrets = append(c.Secrets, open)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, c := range cs {
		if c.URL == "" {
			return fmt.Errorf("claimed delivery %s has no event or endpoint", c.ID)
		}
	}
	return nil
}

// pgLoadClaimedSQL is loadClaimed's query on PostgreSQL.
const pgLoadClaimedSQL = `SELECT d.id, e.data, e.created_at, p.url, p.kind, p.secret, p.prev_secret, p.prev_secret_until
	FROM unnest($1::text[]) AS k(id)
	CROSS JOIN LATERAL (SELECT id, event_id, endpoint_id FROM deliveries WHERE id = k.id LIMIT 1) d
	CROSS JOIN LATERAL (SELECT data, created_at FROM events WHERE id = d.event_id LIMIT 1) e
	CROSS JOIN LATERAL (SELECT url, kind, secret, prev_secret, prev_secret_until FROM endpoints WHERE id = d.endpoint_id LIMIT 1) p`

// receiverText makes text from a receiver storable in both engines: valid UTF-8
// without NUL (which PostgreSQL refuses in text), so that one odd response can never
// make a completion batch fail.
func receiverText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// CompleteDeliveries records a batch of attempts and applies their outcomes in one
// write transaction.
func (sub Deliveries) CompleteDeliveries(ctx context.Context, results []*orderhub.AttemptResult, opt orderhub.CompleteOptions) (orderhub.CompleteReport, error) {
	rep, _, err := sub.CompleteAndClaim(ctx, results, opt, nil)
	return rep, err
}

func (tx queue) complete(results []*orderhub.AttemptResult, opt orderhub.CompleteOptions, rep *orderhub.CompleteReport) error {
	// On PostgreSQL the completion's statements are planned for the table as it is
	// each time (as pgbulk's look-ups are): the writer's connection caches a generic
	// plan after five executions, and one made while deliveries was a few pages (a
	// new database, before autovacuum's first ANALYZE) reads the id lists by
	// sequential scan for ever after — seen as 40–60 ms per held read and delivered
	// UPDATE, the writer falling to 130–280 orders/s for a minute, in 2 of 4 runs of
	// the 1,000/s webhook bench.
	return tx.plannedNow(func() error { return tx.completeRows(results, opt, rep) })
}

func (tx queue) completeRows(results []*orderhub.AttemptResult, opt orderhub.CompleteOptions, rep *orderhub.CompleteReport) error {
	now := micros(tx.now)
	succeeded := map[string]bool{}
	failed := map[string]bool{}
	gone := map[string]bool{}
	dead := map[string]bool{}

	// Which deliveries this claimer still holds (its lease, still active): one read.
	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.Claim.ID
	}
	held, err := tx.heldDeliveries(ids)
	if err != nil {
		return err
	}
	// Every attempt is recorded (a stale one too), in multi-row INSERTs.
	if err := tx.insertAttempts(results); err != nil {
		return err
	}

	// Decide in order. A job's results come together, in seq order
	// (ClaimedDelivery.Next). The promotion after a finished delivery waits for
	// the next result: when that is the next delivery of the same queue, its own
	// completion makes it the head or finishes it, and the promotion in between is
	// work for nothing. After a stale result the rest of its queue's results change
	// nothing either: the queue may have another head by now. The promotions run
	// after every delivery's update, so each finds its queue's next active delivery.
	type queue struct{ ep, key string }
	var promotes []queue
	var q struct {
		queue
		promote, stale bool
	}
	flush := func() {
		if q.promote {
			q.promote = false
			promotes = append(promotes, q.queue)
		}
	}
	var release []string
	delivered := map[int][]string{}      // by status code: the deliveries to mark delivered
	var single []*orderhub.AttemptResult // other outcomes, one UPDATE each
	for _, r := range results {
		c := r.Claim
		same := c.OrderingKey != "" && c.EndpointID == q.ep && c.OrderingKey == q.key
		if !same {
			flush()
			q.queue, q.stale = queue{c.EndpointID, c.OrderingKey}, false
		}
		l, ok := held[c.ID]
		holds := ok && l.owner == c.Owner && l.until == micros(c.LockedUntil)
		if !holds && same && !q.stale && ok && l.owner == "" {
			// A follower (not leased: its head's lease covers it) behind a head
			// this claimer still holds.
			holds = true
		}
		if r.Outcome == orderhub.OutcomeReleased {
			if holds && l.owner != "" {
				release = append(release, c.ID)
			}
			continue
		}
		ready := 1
		switch r.Outcome {
		case orderhub.OutcomeDelivered:
			ready = 0
			succeeded[c.EndpointID] = true
		case orderhub.OutcomeRetry:
			failed[c.EndpointID] = true
		case orderhub.OutcomeDead:
			ready = 0
			failed[c.EndpointID], dead[c.EndpointID] = true, true
		case orderhub.OutcomeGone:
			ready = 0
			gone[c.EndpointID] = true
		}
		if (same && q.stale) || !holds {
			rep.Stale++
			flush()
			q.stale = true
			continue
		}
		if r.Outcome == orderhub.OutcomeDelivered && r.Error == "" {
			delivered[r.StatusCode] = append(delivered[r.StatusCode], c.ID)
		} else {
			single = append(single, r)
		}
		// Finished (ready 0): the next delivery of the queue becomes the head. A
		// retry keeps this one the head (ready 1), so nothing is to promote.
		q.promote = ready == 0 && c.OrderingKey != ""
	}
	flush()

	if tx.onPG() {
		if len(release) > 0 {
			if _, err := tx.exec(pgReleaseSQL, release); err != nil {
				return err
			}
		}
	} else if err := tx.inChunks(release, func(in string, args []any) error {
		_, err := tx.exec(`UPDATE deliveries SET locked_by = NULL, locked_until = NULL WHERE id IN (`+in+`)`, args...)
		return err
	}); err != nil {
		return err
	}
	codes := make([]int, 0, len(delivered))
	for code := range delivered {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		var lastStatus sql.NullInt64
		if code != 0 {
			lastStatus = sql.NullInt64{Int64: int64(code), Valid: true}
		}
		if tx.onPG() {
			if _, err := tx.exec(pgDeliveredSQL, lastStatus, now, delivered[code]); err != nil {
				return err
			}
			continue
		}
		if err := tx.inChunks(delivered[code], func(in string, args []any) error {
			_, err := tx.exec(`UPDATE deliveries SET status = 'delivered', ready = 0, attempts = attempts + 1, locked_by = NULL, locked_until = NULL,
				last_status = $1, last_error = '', delivered_at = $2, updated_at = $2 WHERE id IN (`+in+`)`, append([]any{lastStatus, now}, args...)...)
			return err
		}, lastStatus, now); err != nil {
			return err
		}
	}
	for _, r := range single {
		c := r.Claim
		var status string
		var next, deliveredAt sql.NullInt64
		ready := 1
		switch r.Outcome {
		case orderhub.OutcomeDelivered:
			status, ready = orderhub.DeliveryDelivered, 0
			deliveredAt = sql.NullInt64{Int64: now, Valid: true}
		case orderhub.OutcomeRetry:
			status = orderhub.DeliveryFailed
			next = sql.NullInt64{Int64: micros(tx.now.Add(r.RetryIn)), Valid: true}
		case orderhub.OutcomeDead:
			status, ready = orderhub.DeliveryDead, 0
		case orderhub.OutcomeGone:
			status, ready = orderhub.DeliveryCanceled, 0
		}
		var lastStatus sql.NullInt64
		if r.StatusCode != 0 {
			lastStatus = sql.NullInt64{Int64: int64(r.StatusCode), Valid: true}
		}
		if _, err := tx.exec(`UPDATE deliveries SET status = $2, ready = $3, attempts = $4, next_attempt_at = COALESCE($5, next_attempt_at),
			locked_by = NULL, locked_until = NULL, last_status = $6, last_error = $7, delivered_at = $8, updated_at = $9
			WHERE id = $1`,
			c.ID, status, ready, c.Attempts+1, next, lastStatus, receiverText(r.Error), deliveredAt, now); err != nil {
			return err
		}
	}
	for _, p := range promotes {
		if err := tx.promoteAfter(p.ep, p.key); err != nil {
			return err
		}
	}
	for id := range succeeded {
		if _, err := tx.exec(`UPDATE endpoints SET last_success_at = $2, failing_since = NULL WHERE id = $1`, id, now); err != nil {
			return err
		}
		if err := tx.alertRecovered(id, opt, rep); err != nil {
			return err
		}
	}
	for id := range failed {
		if succeeded[id] || gone[id] {
			continue
		}
		var since sql.NullInt64
		var enabled int
		var vendorID, url string
		err := tx.queryRow(`UPDATE endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1
			RETURNING failing_since, enabled, vendor_id, url`, id, now).Scan(&since, &enabled, &vendorID, &url)
		if err != nil {
			return err
		}
		if enabled == 1 && since.Valid && (opt.DisableAfter <= 0 || tx.now.Sub(fromMicros(since.Int64)) < opt.DisableAfter) {
			if err := tx.alertFailing(id, vendorID, url, fromMicros(since.Int64), dead[id], opt, rep); err != nil {
				return err
			}
		}
		if opt.DisableAfter <= 0 || enabled == 0 || !since.Valid || tx.now.Sub(fromMicros(since.Int64)) < opt.DisableAfter {
			continue
		}
		reason := fmt.Sprintf("no successful delivery since %s", fromMicros(since.Int64).Format(time.RFC3339))
		if err := tx.disableEndpoint(id, reason); err != nil {
			return err
		}
		if err := tx.alertDisabled(id, vendorID, url, fromMicros(since.Int64), reason, opt, rep); err != nil {
			return err
		}
		data := map[string]any{"endpointId": id, "url": url, "reason": reason,
			"failingSince": fromMicros(since.Int64).Format(time.RFC3339Nano), "disabledAt": tx.now.Format(time.RFC3339Nano)}
		if _, err := tx.appendEvent(vendorID, orderhub.EventEndpointDisabled, id, data); err != nil {
			return err
		}
		rep.Disabled = append(rep.Disabled, id)
	}
	for id := range gone {
		if err := tx.deleteEndpoint(id, "the receiver answered 410 Gone"); err != nil {
			return err
		}
		rep.Deleted = append(rep.Deleted, id)
	}
	return nil
}

// nextDueSQL is the earliest due time of a head that is not leased: each vendor's
// earliest (its range of deliveries_vendor_due, in due order, skipping leased
// heads), vendor by vendor as dueVendorsSQL lists them, and the least of those.
const nextDueSQL = `WITH RECURSIVE v(id) AS (
		SELECT MIN(vendor_id) FROM deliveries WHERE ready = 1 AND status IN ('pending', 'failed')
		UNION ALL
		SELECT (SELECT MIN(vendor_id) FROM deliveries WHERE ready = 1 AND status IN ('pending', 'failed') AND vendor_id > v.id)
		FROM v WHERE v.id IS NOT NULL)
	SELECT MIN((SELECT next_attempt_at FROM deliveries WHERE ready = 1 AND status IN ('pending', 'failed') AND vendor_id = v.id
			AND (locked_until IS NULL OR locked_until <= $1) ORDER BY next_attempt_at LIMIT 1))
	FROM v WHERE id IS NOT NULL`

// lease is who holds a delivery and until when.
type lease struct {
	owner string
	until int64
}

// heldDeliveries returns the leases of the deliveries of ids that are active (an
// empty owner: not leased). A claimer still holds a delivery when the lease is the
// one it got, and a follower when it holds the head it was claimed behind and the
// follower is not leased (follow).
//
// The rows are found by primary key alone and the rest is checked here: with
// "status IN (…)" in the query PostgreSQL may read them through the partial
// deliveries_key index instead — every active delivery, 17,000 index entries for 64
// ids on a queue that grew faster than its statistics (issue 20). On PostgreSQL the
// ids are one array (onPG).
func (tx queue) heldDeliveries(ids []string) (map[string]lease, error) {
	held := make(map[string]lease, len(ids))
	read := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, status string
			var owner sql.NullString
			var until sql.NullInt64
			if err := rows.Scan(&id, &status, &owner, &until); err != nil {
				return err
			}
			if status == orderhub.DeliveryPending || status == orderhub.DeliveryFailed {
				var l lease
				if owner.Valid && until.Valid {
					l = lease{owner: owner.String, until: until.Int64}
				}
				held[id] = l
			}
		}
		return rows.Err()
	}
	if tx.onPG() {
		return held, read(tx.query(pgHeldSQL, ids))
	}
	err := tx.inChunks(ids, func(in string, args []any) error {
		return read(tx.query(`SELECT id, status, locked_by, locked_until FROM deliveries WHERE id IN (`+in+`)`, args...))
	})
	return held, err
}

// onPG reports whether the transaction is on PostgreSQL. There the statements over
// a list of delivery ids (a completion's) take the ids as one text array read by
// primary key: an IN list of 64-500 ids was planned as a sequential scan of the
// whole table while the queue grew faster than its statistics, so every completion
// read every delivery (issue 20).
func (tx queue) onPG() bool { return tx.w.d.kind() == Postgres }

// The completion's statements over delivery ids on PostgreSQL (onPG). The array
// goes through a sub-SELECT (an InitPlan) so that the planner does not see its
// length: for a custom plan of "id = ANY(500 ids)" (or a join with their unnest) it
// estimated most of a table it believed small and scanned it whole; for an array
// it cannot see it estimates a few rows and reads the primary key, whatever the
// statistics (TestPostgresDeliveryPlansStayLookups).
const (
	pgHeldSQL      = `SELECT id, status, locked_by, locked_until FROM deliveries WHERE id = ANY(CAST((SELECT $1::text[]) AS text[]))`
	pgReleaseSQL   = `UPDATE deliveries SET locked_by = NULL, locked_until = NULL WHERE id = ANY(CAST((SELECT $1::text[]) AS text[]))`
	pgDeliveredSQL = `UPDATE deliveries SET status = 'delivered', ready = 0, attempts = attempts + 1, locked_by = NULL, locked_until = NULL,
		last_status = $1, last_error = '', delivered_at = $2, updated_at = $2 WHERE id = ANY(CAST((SELECT $3::text[]) AS text[]))`
)

// insertAttempts records the attempts of results (the released ones are none).
func (tx queue) insertAttempts(results []*orderhub.AttemptResult) error {
	const cols, chunk = 9, 100
	var b strings.Builder
	args := make([]any, 0, cols*chunk)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := tx.exec(`INSERT INTO delivery_attempts (id, delivery_id, endpoint_id, attempt, started_at, latency_us, status_code, response_body, error)
			VALUES `+b.String(), args...)
		b.Reset()
		// A fresh slice: on PostgreSQL the statement may still be queued (pipelined)
		// with these arguments.
		args = make([]any, 0, cols*chunk)
		return err
	}
	for _, r := range results {
		if r.Outcome == orderhub.OutcomeReleased {
			continue
		}
		c := r.Claim
		body := r.ResponseBody
		if len(body) > 1024 {
			body = body[:1024]
		}
		if len(args) > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for i := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(len(args)+i+1))
		}
		b.WriteString(")")
		args = append(args, sortableID("att", tx.now), c.ID, c.EndpointID, c.Attempts+1, micros(r.StartedAt), r.Latency.Microseconds(), r.StatusCode,
			receiverText(body), receiverText(r.Error))
		if len(args) >= cols*chunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// inChunks calls f with "$k, …" placeholders for up to 500 of ids at a time and
// the arguments: first extra (numbered from $1), then the ids.
func (tx queue) inChunks(ids []string, f func(in string, args []any) error, extra ...any) error {
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		var b strings.Builder
		args := make([]any, 0, len(part))
		for i, id := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(len(extra)+i+1))
			args = append(args, id)
		}
		if err := f(b.String(), args); err != nil {
			return err
		}
	}
	return nil
}

// NextDeliveryDue returns when the earliest head that is not leased becomes due (ok
// false: none). Leased heads become due again when their lease expires.
func (sub Deliveries) NextDeliveryDue(ctx context.Context) (t time.Time, ok bool, err error) {
	db := sub.db
	var next sql.NullInt64
	err = db.read.QueryRowContext(ctx, nextDueSQL, micros(db.Now())).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil || !next.Valid {
		return time.Time{}, false, err
	}
	return fromMicros(next.Int64), true, nil
}

// DeliveryQueueStats returns the queue's depth and the age of its oldest entry.
func (sub Deliveries) DeliveryQueueStats(ctx context.Context) (orderhub.DeliveryStats, error) {
	db := sub.db
	var s orderhub.DeliveryStats
	var oldest sql.NullInt64
	// The count reads the deliveries_key index alone; the oldest active delivery is
	// a head (each queue's oldest is its head), found through deliveries_vendor_due
	// (its partial index holds the heads only).
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'failed')`).Scan(&s.Active); err != nil {
		return s, err
	}
	err := db.read.QueryRowContext(ctx, `SELECT MIN(created_at) FROM deliveries WHERE ready = 1 AND status IN ('pending', 'failed')`).Scan(&oldest)
	s.OldestPending = fromNullMicros(oldest)
	return s, err
}

// ---- replay ----

// ReplayDelivery puts one delivery back in its queue with a fresh retry schedule: a
// delivered or dead one is sent again, an active one is made due now. A replayed
// delivery rejoins its key's queue in seq order; only a head already in flight stays
// ahead of it, with the deliveries claimed behind it (ClaimedDelivery.Next: its
// worker sends them without looking again). (Later events that were delivered already are not sent again: a replay
// of an old event necessarily arrives after them.)
func (sub Deliveries) ReplayDelivery(ctx context.Context, vendorID, id string) (*orderhub.Delivery, error) {
	db := sub.db
	err := db.Write(ctx, func(tx *Tx) error {
		var endpointID, key, status string
		err := tx.queryRow(`SELECT endpoint_id, ordering_key, status FROM deliveries WHERE id = $1 AND ($2 = '' OR vendor_id = $2)`, id, vendorID).
			Scan(&endpointID, &key, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return orderhub.Errorf(orderhub.ENotFound, "Delivery %q not found.", id)
		}
		if err != nil {
			return err
		}
		if err := (queue{tx}).replayableEndpoint(endpointID); err != nil {
			return err
		}
		now := micros(tx.now)
		tx.wake = true // due now: the engine need not wait for its poll
		switch status {
		case orderhub.DeliveryPending, orderhub.DeliveryFailed:
			_, err := tx.exec(`UPDATE deliveries SET next_attempt_at = $2, updated_at = $2 WHERE id = $1 AND locked_by IS NULL`, id, now)
			return err
		case orderhub.DeliveryCanceled:
			return orderhub.Errorf(orderhub.EConflict, "Delivery %q was canceled with its endpoint and cannot be replayed.", id)
		}
		if _, err := tx.exec(`UPDATE deliveries SET status = 'pending', ready = CASE WHEN ordering_key = '' THEN 1 ELSE 0 END, attempts = 0,
			next_attempt_at = $2, last_error = '', delivered_at = NULL, updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		return queue{tx}.reorder(endpointID, key)
	})
	if err != nil {
		return nil, err
	}
	return sub.GetDelivery(ctx, vendorID, id)
}

func (tx queue) replayableEndpoint(id string) error {
	var enabled int
	var deleted sql.NullInt64
	if err := tx.queryRow(`SELECT enabled, deleted_at FROM endpoints WHERE id = $1`, id).Scan(&enabled, &deleted); err != nil {
		return notFound(err, orderhub.ENotFound, "Endpoint %q not found.", id)
	}
	if deleted.Valid {
		return orderhub.Errorf(orderhub.EConflict, "Endpoint %q was deleted; its deliveries cannot be replayed.", id)
	}
	if enabled == 0 {
		return orderhub.Errorf(orderhub.EConflict, "Endpoint %q is disabled; enable it before replaying.", id)
	}
	return nil
}

// DefaultReplayBatch is how many sequence numbers of an endpoint's queue one replay
// transaction covers (SetReplayBatch): a replay of a million dead deliveries is a
// series of short writes, not one long one that holds the writer for everyone.
const DefaultReplayBatch = 500

// SetReplayBatch sets how many sequence numbers one replay transaction covers
// (default DefaultReplayBatch; n < 1 restores it).
func (sub Deliveries) SetReplayBatch(n int) {
	db := sub.db
	if n < 1 {
		n = DefaultReplayBatch
	}
	db.replayBatch.Store(int64(n))
}

func (db *DB) replayBatchSize() int64 {
	if n := db.replayBatch.Load(); n > 0 {
		return n
	}
	return DefaultReplayBatch
}

// ReplayDead replays every dead delivery of an endpoint and returns how many.
//
// It works in batches (SetReplayBatch): each transaction replays the dead
// deliveries of a window of sequence numbers, in seq order, and puts their queues
// back in order, so a huge replay never holds the single writer for long and other
// vendors' writes go in between. The work is fixed when the replay starts: a
// delivery that dies while it runs (a higher seq) is not picked up. Should the
// endpoint be disabled or deleted meanwhile, the replay stops with that error after
// the batches already made (each batch is whole; the count is of those).
func (sub Deliveries) ReplayDead(ctx context.Context, vendorID, endpointID string) (int, error) {
	db := sub.db
	var lo, hi sql.NullInt64
	err := db.Write(ctx, func(tx *Tx) error {
		if err := (queue{tx}).liveEndpoint(vendorID, endpointID); err != nil {
			return err
		}
		if err := (queue{tx}).replayableEndpoint(endpointID); err != nil {
			return err
		}
		return tx.queryRow(`SELECT MIN(seq), MAX(seq) FROM deliveries WHERE endpoint_id = $1 AND status = 'dead'`, endpointID).Scan(&lo, &hi)
	})
	if err != nil || !lo.Valid {
		return 0, err
	}
	n, batch := 0, db.replayBatchSize()
	for from := lo.Int64; from <= hi.Int64; {
		to := min(from+batch-1, hi.Int64)
		var m int
		var next sql.NullInt64
		err := db.Write(ctx, func(tx *Tx) error {
			m = 0
			if err := (queue{tx}).replayableEndpoint(endpointID); err != nil {
				return err
			}
			tx.wake = true
			rows, err := tx.query(`UPDATE deliveries SET status = 'pending', ready = CASE WHEN ordering_key = '' THEN 1 ELSE 0 END, attempts = 0,
				next_attempt_at = $4, last_error = '', updated_at = $4 WHERE endpoint_id = $1 AND status = 'dead' AND seq BETWEEN $2 AND $3
				RETURNING ordering_key`, endpointID, from, to, micros(tx.now))
			if err != nil {
				return err
			}
			keys, err := collectKeys(rows, &m)
			if err != nil {
				return err
			}
			if err := (queue{tx}).reorderAll(endpointID, keys); err != nil {
				return err
			}
			// The next window starts at the next dead delivery, so sparse dead
			// deliveries cost no empty transactions.
			return tx.queryRow(`SELECT MIN(seq) FROM deliveries WHERE endpoint_id = $1 AND status = 'dead' AND seq > $2`, endpointID, to).Scan(&next)
		})
		if err != nil {
			return n, err
		}
		n += m
		if !next.Valid {
			break
		}
		from = next.Int64
	}
	return n, nil
}

// reorderAll reorders the queues of keys after a replay (reorder).
func (tx queue) reorderAll(endpointID string, keys map[string]bool) error {
	for k := range keys {
		if err := tx.reorder(endpointID, k); err != nil {
			return err
		}
	}
	return nil
}

func collectKeys(rows *sql.Rows, n *int) (map[string]bool, error) {
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		*n++
		keys[k] = true
	}
	return keys, rows.Err()
}

// ReplaySince sends again everything of a vendor since a time: the finished
// (delivered or dead) deliveries of events created since then, and deliveries for
// matching events that have none yet (for example events appended while the endpoint
// was disabled). An empty endpointID means every enabled endpoint of the vendor. It
// returns how many deliveries were queued.
//
// Like ReplayDead it works in batches of sequence numbers, one endpoint after the
// other, and covers the events that exist when it starts (their highest seq is fixed
// then); it stops with an endpoint's error should that endpoint be disabled or
// deleted while it runs.
func (sub Deliveries) ReplaySince(ctx context.Context, vendorID, endpointID string, since time.Time) (int, error) {
	db := sub.db
	if vendorID == "" && endpointID == "" {
		return 0, orderhub.Errorf(orderhub.EInvalidRequest, "Replaying since a time needs a vendor or an endpoint.")
	}
	var targets []string
	var last sql.NullInt64
	err := db.Write(ctx, func(tx *Tx) error {
		targets = nil
		if endpointID != "" {
			if err := (queue{tx}).liveEndpoint(vendorID, endpointID); err != nil {
				return err
			}
			if err := (queue{tx}).replayableEndpoint(endpointID); err != nil {
				return err
			}
			if vendorID == "" {
				if err := tx.queryRow(`SELECT vendor_id FROM endpoints WHERE id = $1`, endpointID).Scan(&vendorID); err != nil {
					return err
				}
			}
			targets = []string{endpointID}
		} else {
			rows, err := tx.query(`SELECT id FROM endpoints WHERE vendor_id = $1 AND enabled = 1 AND deleted_at IS NULL ORDER BY id`, vendorID)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				targets = append(targets, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return tx.queryRow(`SELECT MAX(seq) FROM events WHERE vendor_id = $1`, vendorID).Scan(&last)
	})
	if err != nil || !last.Valid {
		return 0, err
	}
	n := 0
	for _, ep := range targets {
		m, err := db.replayEndpointSince(ctx, vendorID, ep, since, last.Int64)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// replayEndpointSince replays one endpoint's part of ReplaySince, up to seq last, in
// batches.
func (db *DB) replayEndpointSince(ctx context.Context, vendorID, endpointID string, since time.Time, last int64) (int, error) {
	// The first seq with work: an event since the time, or a finished delivery made
	// since then (its event may be older).
	var from sql.NullInt64
	err := db.Write(ctx, func(tx *Tx) error {
		return tx.queryRow(`SELECT MIN(s) FROM (SELECT MIN(seq) AS s FROM events WHERE vendor_id = $1 AND created_at >= $2
			UNION ALL SELECT MIN(seq) FROM deliveries WHERE endpoint_id = $3 AND created_at >= $2 AND status IN ('delivered', 'dead')) AS firsts`,
			vendorID, micros(since), endpointID).Scan(&from)
	})
	if err != nil || !from.Valid {
		return 0, err
	}
	n, batch := 0, db.replayBatchSize()
	for f := from.Int64; f <= last; f += batch {
		to := min(f+batch-1, last)
		var m int
		err := db.Write(ctx, func(tx *Tx) error {
			if err := (queue{tx}).replayableEndpoint(endpointID); err != nil {
				return err
			}
			var err error
			m, err = queue{tx}.replayWindowSince(vendorID, endpointID, since, f, to)
			return err
		})
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// replayWindowSince replays the seqs from..to of an endpoint since a time: the
// finished deliveries first, so that new ones queue behind them in seq order, then
// deliveries for the matching events that have none.
func (tx queue) replayWindowSince(vendorID, endpointID string, since time.Time, from, to int64) (int, error) {
	n := 0
	now := micros(tx.now)
	tx.wake = true
	var types string
	if err := tx.queryRow(`SELECT event_types FROM endpoints WHERE id = $1`, endpointID).Scan(&types); err != nil {
		return 0, err
	}
	rows, err := tx.query(`SELECT e.id, e.type, e.ordering_key, e.seq FROM events e
		WHERE e.vendor_id = $1 AND e.seq BETWEEN $4 AND $5 AND e.created_at >= $2
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.endpoint_id = $3 AND d.seq = e.seq)
		ORDER BY e.seq`, vendorID, micros(since), endpointID, from, to)
	if err != nil {
		return 0, err
	}
	type missing struct {
		id, typ, key string
		seq          int64
	}
	var add []missing
	for rows.Next() {
		var m missing
		if err := rows.Scan(&m.id, &m.typ, &m.key, &m.seq); err != nil {
			rows.Close()
			return 0, err
		}
		if typeMatches(types, m.typ) && !directedEvent(m.typ) {
			add = append(add, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	rows, err = tx.query(`UPDATE deliveries SET status = 'pending', ready = CASE WHEN ordering_key = '' THEN 1 ELSE 0 END, attempts = 0,
		next_attempt_at = $3, last_error = '', delivered_at = NULL, updated_at = $3
		WHERE endpoint_id = $1 AND seq BETWEEN $4 AND $5 AND created_at >= $2 AND status IN ('delivered', 'dead') RETURNING ordering_key`,
		endpointID, micros(since), now, from, to)
	if err != nil {
		return 0, err
	}
	keys, err := collectKeys(rows, &n)
	if err != nil {
		return 0, err
	}
	for _, m := range add {
		if err := tx.insertDelivery(endpointID, vendorID, m.id, m.typ, m.key, m.seq); err != nil {
			return 0, err
		}
		keys[m.key] = true
		n++
	}
	return n, tx.reorderAll(endpointID, keys)
}

// ---- listings ----

const deliveryColumns = `id, vendor_id, endpoint_id, event_id, event_type, ordering_key, seq, status, attempts, next_attempt_at,
	locked_until, last_status, last_error, created_at, updated_at, delivered_at`

func scanDelivery(sc interface{ Scan(...any) error }) (*orderhub.Delivery, error) {
	d := &orderhub.Delivery{}
	var next, created, updated int64
	var locked, lastStatus, delivered sql.NullInt64
	if err := sc.Scan(&d.ID, &d.VendorID, &d.EndpointID, &d.EventID, &d.EventType, &d.OrderingKey, &d.Seq, &d.Status, &d.Attempts, &next,
		&locked, &lastStatus, &d.LastError, &created, &updated, &delivered); err != nil {
		return nil, err
	}
	if d.Status == orderhub.DeliveryPending || d.Status == orderhub.DeliveryFailed {
		if locked.Valid {
			d.InFlightUntil = fromNullMicros(locked)
		} else {
			t := fromMicros(next)
			d.NextAttemptAt = &t
		}
	}
	d.LastStatus = int(lastStatus.Int64)
	d.CreatedAt, d.UpdatedAt, d.DeliveredAt = fromMicros(created), fromMicros(updated), fromNullMicros(delivered)
	return d, nil
}

// GetDelivery returns one delivery of a vendor (any vendor when vendorID is empty).
func (sub Deliveries) GetDelivery(ctx context.Context, vendorID, id string) (*orderhub.Delivery, error) {
	db := sub.db
	d, err := scanDelivery(db.read.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = $1 AND ($2 = '' OR vendor_id = $2)`, id, vendorID))
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "Delivery %q not found.", id)
	}
	return d, nil
}

// ListDeliveries returns deliveries, newest (highest seq) first: the first page of
// ListDeliveryPage with f.Limit (default 100, at most 1000; out of range: 100).
func (sub Deliveries) ListDeliveries(ctx context.Context, f orderhub.DeliveryFilter) ([]*orderhub.Delivery, error) {
	db := sub.db
	if f.Limit <= 0 || f.Limit > orderhub.MaxDeliveryPageLimit {
		f.Limit = orderhub.DefaultDeliveryPageLimit
	}
	pg, err := db.listDeliveries(ctx, f, f.Limit, nil)
	if err != nil {
		return nil, err
	}
	return pg.Data, nil
}

// ListDeliveryPage returns one page of deliveries, newest (highest seq) first, then
// by creation time and id, so that the deliveries of one event (one seq) split across
// two pages are neither skipped nor repeated. The cursor is the keyset cursor of the
// other listings (list "deliveries"; T the seq, K the id, K2 the creation time);
// p.Limit is 1..MaxDeliveryPageLimit, 0: DefaultDeliveryPageLimit. f.Limit is not
// read; f.BeforeSeq (deprecated) still bounds the seq.
func (sub Deliveries) ListDeliveryPage(ctx context.Context, f orderhub.DeliveryFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Delivery], error) {
	db := sub.db
	limit := p.Limit
	if limit == 0 {
		limit = orderhub.DefaultDeliveryPageLimit
	}
	if limit < 1 || limit > orderhub.MaxDeliveryPageLimit {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "limit", "A page of deliveries holds 1 to %d rows, not %d.", orderhub.MaxDeliveryPageLimit, p.Limit)
	}
	c, _, err := decodePage(orderhub.Page{Cursor: p.Cursor}, "deliveries")
	if err != nil {
		return nil, err
	}
	if c != nil {
		if _, perr := strconv.ParseInt(c.K2, 10, 64); perr != nil || c.K == "" {
			return nil, orderhub.CursorRefused("deliveries")
		}
	}
	return db.listDeliveries(ctx, f, limit, c)
}

// listDeliveries reads up to limit deliveries after the cursor c (nil: from the
// newest) and the cursor of the next page.
func (db *DB) listDeliveries(ctx context.Context, f orderhub.DeliveryFilter, limit int, c *cursor) (*orderhub.PageOf[*orderhub.Delivery], error) {
	switch f.Status {
	case "", "active", orderhub.DeliveryPending, orderhub.DeliveryFailed, orderhub.DeliveryDelivered, orderhub.DeliveryDead, orderhub.DeliveryCanceled:
	default:
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "status", "Status %q is not one of pending, failed, delivered, dead, canceled, active.", f.Status)
	}
	var since int64
	if !f.Since.IsZero() {
		since = micros(f.Since)
	}
	before := f.BeforeSeq
	if before <= 0 {
		before = 1<<63 - 1
	}
	args := []any{f.VendorID, f.EndpointID, f.EventID, f.Status, f.OrderingKey, since, before, limit + 1}
	// The page after a cursor: rows sorting after the cursor's (seq, created_at, id).
	after := ""
	if c != nil {
		created, _ := strconv.ParseInt(c.K2, 10, 64)
		after = ` AND (seq < $9 OR (seq = $9 AND (created_at < $10 OR (created_at = $10 AND id < $11))))`
		args = append(args, c.T, created, c.K)
	}
	// One of three fixed statements, each served by an index: an event's deliveries
	// (vendor, seq), an endpoint's (endpoint, seq), or a vendor's or everyone's.
	rest := ` AND ($4 = '' OR status = $4 OR ($4 = 'active' AND status IN ('pending', 'failed'))) AND ($5 = '' OR ordering_key = $5)
		AND created_at >= $6 AND seq < $7` + after + ` ORDER BY seq DESC, created_at DESC, id DESC LIMIT $8`
	var q string
	switch {
	case f.EventID != "":
		q = `SELECT ` + deliveryColumns + ` FROM deliveries d
		WHERE vendor_id = (SELECT vendor_id FROM events WHERE id = $3) AND seq = (SELECT seq FROM events WHERE id = $3)
		AND ($1 = '' OR vendor_id = $1) AND ($2 = '' OR endpoint_id = $2)` + rest
	case f.EndpointID != "":
		q = `SELECT ` + deliveryColumns + ` FROM deliveries
		WHERE ($1 = '' OR vendor_id = $1) AND endpoint_id = $2 AND $3 = ''` + rest
	default:
		q = `SELECT ` + deliveryColumns + ` FROM deliveries
		WHERE ($1 = '' OR vendor_id = $1) AND $2 = '' AND $3 = ''` + rest
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &orderhub.PageOf[*orderhub.Delivery]{Data: []*orderhub.Delivery{}}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out.Data = append(out.Data, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out.Data) > limit {
		out.Data = out.Data[:limit]
		last := out.Data[limit-1]
		out.NextCursor = cursor{List: "deliveries", T: last.Seq, K: last.ID, K2: strconv.FormatInt(micros(last.CreatedAt), 10)}.encode()
	}
	return out, nil
}

// ListAttempts returns the attempts of a delivery of a vendor, oldest first.
func (sub Deliveries) ListAttempts(ctx context.Context, vendorID, deliveryID string) ([]*orderhub.Attempt, error) {
	db := sub.db
	if _, err := sub.GetDelivery(ctx, vendorID, deliveryID); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, delivery_id, endpoint_id, attempt, started_at, latency_us, status_code, response_body, error
		FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id`, deliveryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*orderhub.Attempt{}
	for rows.Next() {
		a := &orderhub.Attempt{}
		var started, latency int64
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.EndpointID, &a.Attempt, &started, &latency, &a.StatusCode, &a.ResponseBody, &a.Error); err != nil {
			return nil, err
		}
		a.StartedAt = fromMicros(started)
		a.LatencyMS = float64(latency) / 1000
		out = append(out, a)
	}
	return out, rows.Err()
}

// queue is a write transaction seen by the delivery queue: inserting, claiming,
// completing and replaying deliveries, and what that does to their endpoints.
type queue struct{ *Tx }
