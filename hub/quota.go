package hub

import "orderhub"

// CheckQuota is the quota rule (orderhub.QuotaDefs, docs/quotas.md): one more of
// what quota name counts may be created while the vendor's usage is under its
// limit — the vendor's own (an override), else def, the server's default. user is
// the Zapier user of the per-user quota. Over the limit it fails with
// EQuotaExceeded; limit and used say what it compared.
func CheckQuota(tx orderhub.QuotaTx, vendorID, name, user string, def int) (limit, used int, err error) {
	limit = def
	override, ok, err := tx.QuotaOverride(vendorID, name)
	if err != nil {
		return 0, 0, err
	}
	if ok {
		limit = override
	}
	if used, err = tx.QuotaUsage(vendorID, name, user); err != nil {
		return 0, 0, err
	}
	if used >= limit {
		return limit, used, orderhub.QuotaError(vendorID, name, user, limit, used)
	}
	return limit, used, nil
}
