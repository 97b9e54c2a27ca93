package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"orderhub"
)

// SALESmanago connector accounts (seed 002). Each account is also a delivery endpoint
// of kind salesmanago with the same id, so that everything sent to SALESmanago rides
// the delivery engine: durable, retried, ordered per key, dead letters, replay.
//
// Two kinds of events reach an account's endpoint:
//   - orderhub's own events (customer-created, contract-confirmed, …) through the
//     ordinary fan-out, filtered by the endpoint's event types (the automatic sync:
//     the types the account's mapping uses);
//   - seed 002's forwarded requests (salesmanago.* events), written by
//     AppendSalesmanagoRequest with a delivery to that one endpoint only: no other
//     endpoint of the vendor ever receives them.

// smNoSync is the event-type filter of an account that syncs nothing automatically
// (an empty filter would match every event).
const smNoSync = "salesmanago.none"

const smColumns = `a.id, a.vendor_id, a.group_key, a.name, a.base_url, a.v3_base_url, a.client_id, a.api_secret, a.owner_email, a.api_key,
	a.catalog_id, a.mapping, a.created_at, a.updated_at, e.enabled, e.disabled_reason`

const smFrom = ` FROM salesmanago_accounts a JOIN endpoints e ON e.id = a.id`

func scanSM(sc interface{ Scan(...any) error }) (*orderhub.SalesmanagoAccountRecord, error) {
	r := &orderhub.SalesmanagoAccountRecord{}
	a := &r.SalesmanagoAccount
	var mapping string
	var created, updated int64
	var enabled int
	if err := sc.Scan(&a.ID, &a.VendorID, &a.GroupKey, &a.Name, &a.BaseURL, &a.V3BaseURL, &a.ClientID, &r.SealedSecret, &a.Owner, &r.SealedAPIKey,
		&a.CatalogID, &mapping, &created, &updated, &enabled, &r.DisabledReason); err != nil {
		return nil, err
	}
	a.Mapping = &orderhub.SalesmanagoMapping{}
	if err := json.Unmarshal([]byte(mapping), a.Mapping); err != nil {
		return nil, err
	}
	a.HasAPIKey = r.SealedAPIKey != ""
	a.EndpointID = a.ID
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	r.Enabled = enabled == 1
	return r, nil
}

// smMappingJSON returns the mapping an account stores (none given: the empty one)
// and its JSON.
func smMappingJSON(m *orderhub.SalesmanagoMapping) (*orderhub.SalesmanagoMapping, []byte, error) {
	if m == nil {
		m = &orderhub.SalesmanagoMapping{}
	}
	b, err := json.Marshal(m)
	return m, b, err
}

func smEventTypes(m *orderhub.SalesmanagoMapping) string {
	types := m.SyncedEventTypes()
	if len(types) == 0 {
		return smNoSync
	}
	return strings.Join(types, " ")
}

// CreateSalesmanagoAccount creates an account of in.VendorID and its endpoint in one
// transaction. in must be validated (orderhub.ValidateSalesmanagoAccount) and carry
// its id (the secrets are sealed with it); sealedSecret and sealedAPIKey are the
// sealed apiSecret and v3 key ("" for none).
func (sub Connectors) CreateSalesmanagoAccount(ctx context.Context, in *orderhub.SalesmanagoAccountInput, sealedSecret, sealedAPIKey string) (*orderhub.SalesmanagoAccountRecord, error) {
	if err := validSlug("account id", in.ID); err != nil {
		return nil, err
	}
	if sealedSecret == "" {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "apiSecret", "apiSecret is required.")
	}
	m, mapping, err := smMappingJSON(in.Mapping)
	if err != nil {
		return nil, err
	}
	err = sub.db.Write(ctx, func(tx *Tx) error {
		var exists int
		if err := tx.requireVendorQuota(in.VendorID, orderhub.QuotaSalesmanagoAccounts); err != nil {
			return err
		}
		if err := tx.checkQuota(in.VendorID, orderhub.QuotaEndpoints, ""); err != nil {
			return err
		}
		if err := tx.queryRow(`SELECT COUNT(*) FROM salesmanago_accounts WHERE group_key = $1 AND deleted_at IS NULL`, in.GroupKey).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return orderhub.FieldError(orderhub.EConflict, "groupKey", "groupKey %q is taken; group keys are unique across vendors.", in.GroupKey)
		}
		now := micros(tx.now)
		secret, err := tx.newSecret(in.ID)
		if err != nil {
			return err
		}
		from, err := tx.currentSeq(in.VendorID)
		if err != nil {
			return err
		}
		tx.endpointsChanged()
		if err := tx.changed(orderhub.FieldError(orderhub.EConflict, "id", "An account or endpoint with id %q exists already.", in.ID),
			`INSERT INTO endpoints (id, vendor_id, kind, url, description, event_types, secret, enabled, created_at, updated_at, from_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $9) ON CONFLICT (id) DO NOTHING`,
			in.ID, in.VendorID, orderhub.EndpointSalesmanago, in.BaseURL, "SALESmanago account "+in.GroupKey, smEventTypes(m), secret, now, from); err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO salesmanago_accounts (id, vendor_id, group_key, name, base_url, v3_base_url, client_id, api_secret, owner_email,
			api_key, catalog_id, mapping, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
			in.ID, in.VendorID, in.GroupKey, in.Name, in.BaseURL, in.V3BaseURL, in.ClientID, sealedSecret, in.Owner, sealedAPIKey,
			in.CatalogID, string(mapping), now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub.GetSalesmanagoAccount(ctx, in.VendorID, in.ID)
}

func smNotFound(id string) error {
	return orderhub.Errorf(orderhub.ENotFound, "SALESmanago account %q not found.", id)
}

// GetSalesmanagoAccount returns a live account of a vendor (any vendor when vendorID
// is empty).
func (sub Connectors) GetSalesmanagoAccount(ctx context.Context, vendorID, id string) (*orderhub.SalesmanagoAccountRecord, error) {
	r, err := scanSM(sub.db.read.QueryRowContext(ctx, `SELECT `+smColumns+smFrom+` WHERE a.id = $1 AND ($2 = '' OR a.vendor_id = $2) AND a.deleted_at IS NULL`, id, vendorID))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, smNotFound(id)
		}
		return nil, err
	}
	return r, nil
}

// SalesmanagoAccountByGroupKey returns the live account with a group key, of any
// vendor: the caller checks that it is the caller's.
func (sub Connectors) SalesmanagoAccountByGroupKey(ctx context.Context, groupKey string) (*orderhub.SalesmanagoAccountRecord, error) {
	r, err := scanSM(sub.db.read.QueryRowContext(ctx, `SELECT `+smColumns+smFrom+` WHERE a.group_key = $1 AND a.deleted_at IS NULL`, groupKey))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, orderhub.FieldError(orderhub.ENotFound, "group_key", "group_key %q is not a SALESmanago account.", groupKey)
		}
		return nil, err
	}
	return r, nil
}

// ListSalesmanagoAccounts returns the live accounts of a vendor (every vendor when
// vendorID is empty), oldest first.
func (sub Connectors) ListSalesmanagoAccounts(ctx context.Context, vendorID string) ([]*orderhub.SalesmanagoAccountRecord, error) {
	return queryAll(ctx, sub.db, `SELECT `+smColumns+smFrom+` WHERE ($1 = '' OR a.vendor_id = $1) AND a.deleted_at IS NULL
		ORDER BY a.created_at, a.id`, scanSM, vendorID)
}

// UpdateSalesmanagoMapping replaces an account's mapping (validated by the caller)
// and its endpoint's event types; it applies to events appended afterwards.
func (sub Connectors) UpdateSalesmanagoMapping(ctx context.Context, vendorID, id string, m *orderhub.SalesmanagoMapping) (*orderhub.SalesmanagoAccountRecord, error) {
	m, mapping, err := smMappingJSON(m)
	if err != nil {
		return nil, err
	}
	err = sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.changed(smNotFound(id),
			`UPDATE salesmanago_accounts SET mapping = $3, updated_at = $4 WHERE id = $1 AND vendor_id = $2 AND deleted_at IS NULL`,
			id, vendorID, string(mapping), micros(tx.now)); err != nil {
			return err
		}
		tx.endpointsChanged()
		_, err = tx.exec(`UPDATE endpoints SET event_types = $2, updated_at = $3 WHERE id = $1`, id, smEventTypes(m), micros(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub.GetSalesmanagoAccount(ctx, vendorID, id)
}

// DeleteSalesmanagoAccount deletes an account and its endpoint: its group key is free
// again, and its active deliveries are canceled (the history is kept).
func (sub Connectors) DeleteSalesmanagoAccount(ctx context.Context, vendorID, id string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.changed(smNotFound(id),
			`UPDATE salesmanago_accounts SET deleted_at = $3, updated_at = $3 WHERE id = $1 AND vendor_id = $2 AND deleted_at IS NULL`,
			id, vendorID, micros(tx.now)); err != nil {
			return err
		}
		return tx.deleteEndpoint(id, "SALESmanago account deleted")
	})
}

func (tx *Tx) salesmanagoAccountState(vendorID, accountID string) (exists, enabled bool, reason string, err error) {
	var on int
	err = tx.queryRow(`SELECT e.enabled, e.disabled_reason`+smFrom+` WHERE a.id = $1 AND a.vendor_id = $2 AND a.deleted_at IS NULL`,
		accountID, vendorID).Scan(&on, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, "", nil
	}
	return err == nil, on != 0, reason, err
}

// GetSalesmanagoRequestEvent returns one forwarded request (a salesmanago.* event) of a vendor.
func (sub Connectors) GetSalesmanagoRequestEvent(ctx context.Context, vendorID, eventID string) (*orderhub.Event, error) {
	ev := &orderhub.Event{}
	var data string
	var created int64
	err := sub.db.read.QueryRowContext(ctx, `SELECT id, vendor_id, seq, type, ordering_key, data, created_at FROM events
		WHERE id = $1 AND vendor_id = $2 AND type LIKE 'salesmanago.%'`, eventID, vendorID).
		Scan(&ev.ID, &ev.VendorID, &ev.Seq, &ev.Type, &ev.OrderingKey, &data, &created)
	if err != nil {
		return nil, notFound(err, orderhub.ENotFound, "SALESmanago request %q not found.", eventID)
	}
	ev.Data, ev.CreatedAt = json.RawMessage(data), fromMicros(created)
	return ev, nil
}

// UpdateSalesmanagoAccount stores an account's changed settings: in is the whole
// validated account (its secrets ignored); sealedSecret and sealedAPIKey replace the
// stored secrets when not nil. The endpoint's URL follows the base URL.
func (sub Connectors) UpdateSalesmanagoAccount(ctx context.Context, vendorID, id string, in *orderhub.SalesmanagoAccountInput, sealedSecret, sealedAPIKey *string) (*orderhub.SalesmanagoAccountRecord, error) {
	err := sub.db.Write(ctx, func(tx *Tx) error {
		now := micros(tx.now)
		if err := tx.changed(smNotFound(id),
			`UPDATE salesmanago_accounts SET name = $3, base_url = $4, v3_base_url = $5, client_id = $6, owner_email = $7, catalog_id = $8,
			api_secret = COALESCE($9, api_secret), api_key = COALESCE($10, api_key), updated_at = $11
			WHERE id = $1 AND vendor_id = $2 AND deleted_at IS NULL`,
			id, vendorID, in.Name, in.BaseURL, in.V3BaseURL, in.ClientID, in.Owner, in.CatalogID, sealedSecret, sealedAPIKey, now); err != nil {
			return err
		}
		_, err := tx.exec(`UPDATE endpoints SET url = $2, updated_at = $3 WHERE id = $1`, id, in.BaseURL, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub.GetSalesmanagoAccount(ctx, vendorID, id)
}

// directedEvent reports whether an event type is written for one endpoint only
// (seed 002's forwarded requests): replays never give such an event to another
// endpoint.
func directedEvent(typ string) bool { return strings.HasPrefix(typ, "salesmanago.") }
