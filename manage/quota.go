package manage

import (
	"context"
	"strings"

	"orderhub"
)

// SetVendorQuotas changes a vendor's quota overrides (PUT
// /admin/v1/vendors/{vendorId}/quotas, the console's quota form, orderhub admin
// quotas set): a name with a limit sets its override, a name with nil removes it
// (back to the server-wide default), an empty set changes nothing. An unknown name is refused (its field is the
// name); the store checks the limits. Operators only: the surfaces refuse vendor
// sessions and tokens.
func (s *Vendors) SetVendorQuotas(ctx context.Context, vendorID string, set map[string]*int) (*orderhub.VendorQuotas, error) {
	for _, name := range sortedKeys(set) {
		if _, ok := orderhub.LookupQuota(name); !ok {
			return nil, orderhub.FieldError(orderhub.EInvalidRequest, name, "Unknown quota %q; the quotas are %s.", name, strings.Join(orderhub.QuotaNames(), ", "))
		}
	}
	return s.Store.Tenants.SetVendorQuotas(ctx, vendorID, set)
}

// QuotaLimitError is the refusal of a quota limit that is not a whole number (the
// API's JSON value, the console's field).
func QuotaLimitError(name string) error {
	return orderhub.FieldError(orderhub.EInvalidRequest, name, "The %s limit must be an integer from 0 to %d, or null for the default.", name, orderhub.MaxQuotaLimit)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ { // insertion sort: a handful of names
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
