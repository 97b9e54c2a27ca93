package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"maps"

	"orderhub"
)

// Quotas (orderhub.QuotaDefs, docs/quotas.md). Each create that a quota bounds
// calls tx.checkQuota (the rule: orderhub.CheckQuota) inside its own write transaction, before its INSERT: the
// writer runs one transaction at a time (on PostgreSQL under a cluster-wide
// advisory lock), so concurrent creates, from one instance or several, cannot
// together go over a limit.

// quotaUsage counts what a quota limits for a vendor ($1). The per-user quota
// counts the busiest user here; quotaUserUsage counts one user ($1).
var quotaUsage = map[string]string{
	orderhub.QuotaEndpoints:        `SELECT COUNT(*) FROM endpoints WHERE vendor_id = $1 AND deleted_at IS NULL`,
	orderhub.QuotaWebhookEndpoints: `SELECT COUNT(*) FROM endpoints WHERE vendor_id = $1 AND deleted_at IS NULL AND kind = '` + orderhub.EndpointWebhook + `'`,
	orderhub.QuotaZapierChannelsPerUser: `SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM zapier_channels c JOIN endpoints e ON e.id = c.id
		WHERE c.vendor_id = $1 AND e.deleted_at IS NULL GROUP BY c.user_id) per_user`,
	orderhub.QuotaZapierUsers:         `SELECT COUNT(*) FROM zapier_users WHERE vendor_id = $1`,
	orderhub.QuotaOAuthClients:        `SELECT COUNT(*) FROM oauth_clients WHERE vendor_id = $1 AND revoked_at IS NULL`,
	orderhub.QuotaSalesmanagoAccounts: `SELECT COUNT(*) FROM salesmanago_accounts WHERE vendor_id = $1 AND deleted_at IS NULL`,
	orderhub.QuotaSources:             `SELECT COUNT(*) FROM sources WHERE vendor_id = $1 AND deleted_at IS NULL`,
	orderhub.QuotaPromoCodes:          `SELECT COUNT(*) FROM promo_codes WHERE vendor_id = $1`,
	orderhub.QuotaProducts:            `SELECT COUNT(*) FROM products WHERE vendor_id = $1`,
	orderhub.QuotaPurchaseOptions:     `SELECT COUNT(*) FROM purchase_options WHERE vendor_id = $1`,
	orderhub.QuotaProductMappings:     `SELECT COUNT(*) FROM product_mappings WHERE vendor_id = $1`,
}

const quotaUserUsage = `SELECT COUNT(*) FROM zapier_channels c JOIN endpoints e ON e.id = c.id WHERE c.user_id = $1 AND e.deleted_at IS NULL`

// SetQuotaDefaults sets the server-wide defaults (`serve -quota`): limits names
// the quotas that differ from the built-in defaults. Call it before serving.
func (sub Tenants) SetQuotaDefaults(limits map[string]int) error {
	m := orderhub.DefaultQuotas()
	for name, n := range limits {
		if err := orderhub.ValidateQuotaLimit("", name, n); err != nil {
			return err
		}
		m[name] = n
	}
	sub.db.quotas.Store(&m)
	return nil
}

// QuotaDefaults returns the server-wide defaults in force.
func (sub Tenants) QuotaDefaults() map[string]int {
	if m := sub.db.quotas.Load(); m != nil {
		return maps.Clone(*m)
	}
	return orderhub.DefaultQuotas()
}

func (db *DB) quotaDefault(name string) int {
	if m := db.quotas.Load(); m != nil {
		return (*m)[name]
	}
	d, _ := orderhub.LookupQuota(name)
	return d.Default
}

// checkQuota applies the quota rule (orderhub.CheckQuota) to one more of what quota
// name counts, with the server's default limit; a refusal is logged and observed.
// user is the Zapier user of the per-user quota.
func (tx *Tx) checkQuota(vendorID, name, user string) error {
	db := tx.w.db
	limit, used, err := orderhub.CheckQuota((*orderTx)(tx), vendorID, name, user, db.quotaDefault(name))
	if orderhub.ErrorCode(err) == orderhub.EQuotaExceeded {
		db.log.Info("quota exceeded", "vendor", vendorID, "quota", name, "limit", limit, "used", used)
		if f := db.quotaObserver.Load(); f != nil {
			(*f)(name)
		}
	}
	return err
}

// quotaOverride returns the vendor's own limit of a quota, if it has one.
func (tx *Tx) quotaOverride(vendorID, name string) (int, bool, error) {
	var override int
	switch err := tx.queryRow(`SELECT value FROM vendor_quotas WHERE vendor_id = $1 AND name = $2`, vendorID, name).Scan(&override); {
	case err == nil:
		return override, true, nil
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	default:
		return 0, false, err
	}
}

// quotaUsage counts what quota name limits: the vendor's, or user's for the
// per-user quota.
func (tx *Tx) quotaUsage(vendorID, name, user string) (int, error) {
	q, arg := quotaUsage[name], vendorID
	if name == orderhub.QuotaZapierChannelsPerUser {
		q, arg = quotaUserUsage, user
	}
	var used int
	err := tx.queryRow(q, arg).Scan(&used)
	return used, err
}

// SetQuotaObserver registers f to observe every create refused by a quota
// (metrics). It may be called while the database is in use.
func (sub Tenants) SetQuotaObserver(f func(quota string)) {
	sub.db.quotaObserver.Store(&f)
}

// GetVendorQuotas returns every quota of a vendor with its usage.
func (sub Tenants) GetVendorQuotas(ctx context.Context, vendorID string) (*orderhub.VendorQuotas, error) {
	if _, err := sub.GetVendor(ctx, vendorID); err != nil {
		return nil, err
	}
	overrides := map[string]int{}
	rows, err := sub.db.read.QueryContext(ctx, `SELECT name, value FROM vendor_quotas WHERE vendor_id = $1`, vendorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			return nil, err
		}
		overrides[name] = v
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := &orderhub.VendorQuotas{VendorID: vendorID, Quotas: make([]orderhub.VendorQuota, 0, len(orderhub.QuotaDefs))}
	for _, d := range orderhub.QuotaDefs {
		per := ""
		if d.PerUser {
			per = " per Zapier user"
		}
		q := orderhub.VendorQuota{Name: d.Name, Description: "Limit on " + d.Counts + per + ": " + d.Why + ".", PerUser: d.PerUser, Default: sub.db.quotaDefault(d.Name)}
		q.Limit = q.Default
		if v, ok := overrides[d.Name]; ok {
			q.Override, q.Limit = &v, v
		}
		if err := sub.db.read.QueryRowContext(ctx, quotaUsage[d.Name], vendorID).Scan(&q.Used); err != nil {
			return nil, err
		}
		out.Quotas = append(out.Quotas, q)
	}
	return out, nil
}

// SetVendorQuotas changes a vendor's overrides: a name with a limit sets its
// override, a name with nil removes it (back to the server-wide default). Lowering
// a limit below the usage keeps what exists and refuses new creates.
func (sub Tenants) SetVendorQuotas(ctx context.Context, vendorID string, set map[string]*int) (*orderhub.VendorQuotas, error) {
	for name, v := range set {
		n := 0
		if v != nil {
			n = *v
		}
		if err := orderhub.ValidateQuotaLimit(name, name, n); err != nil {
			return nil, err
		}
	}
	err := sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.requireVendor(vendorID); err != nil {
			return err
		}
		for _, name := range orderhub.QuotaNames() {
			v, ok := set[name]
			switch {
			case !ok:
			case v == nil:
				if _, err := tx.exec(`DELETE FROM vendor_quotas WHERE vendor_id = $1 AND name = $2`, vendorID, name); err != nil {
					return err
				}
			default:
				if _, err := tx.exec(`INSERT INTO vendor_quotas (vendor_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
					ON CONFLICT (vendor_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
					vendorID, name, *v, micros(tx.now)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sub.GetVendorQuotas(ctx, vendorID)
}
