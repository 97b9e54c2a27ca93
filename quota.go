package orderhub

import (
	"fmt"
	"strconv"
	"strings"
)

// Quotas bound what multiplies the hub's work per vendor: each live endpoint is one
// more delivery of every event it subscribes to, each Zapier channel one more REST
// hook, each client, source or account one more credential to check. A create
// that would go over a limit fails with EQuotaExceeded, in the same transaction
// as the create (docs/quotas.md). Every limit has a server-wide default (built in,
// or set with `orderhub serve -quota NAME=N`) and an optional per-vendor override
// (PUT /admin/v1/vendors/{vendorId}/quotas, `orderhub admin quotas set`).

// Quota names (the keys of the admin API's quota objects and of -quota).
const (
	QuotaEndpoints             = "endpoints"
	QuotaWebhookEndpoints      = "webhookEndpoints"
	QuotaZapierChannelsPerUser = "zapierChannelsPerUser"
	QuotaZapierUsers           = "zapierUsers"
	QuotaOAuthClients          = "oauthClients"
	QuotaSalesmanagoAccounts   = "salesmanagoAccounts"
	QuotaSources               = "sources"
	QuotaPromoCodes            = "promoCodes"
	QuotaProducts              = "products"
	QuotaPurchaseOptions       = "purchaseOptions"
	QuotaProductMappings       = "productMappings"
)

// MaxQuotaLimit is the largest limit a default or an override may set.
const MaxQuotaLimit = 1_000_000

// QuotaDef describes one limit.
type QuotaDef struct {
	Name string
	// What is counted, in the plural ("live webhook endpoints").
	Counts string
	// PerUser is true when the limit applies to each Zapier user of the vendor
	// rather than to the vendor as a whole.
	PerUser bool
	// Default is the built-in server-wide default.
	Default int
	// Why says what the limit protects.
	Why string
}

// QuotaDefs lists every quota, in display order.
var QuotaDefs = []QuotaDef{
	{Name: QuotaEndpoints, Counts: "live delivery endpoints of all kinds (webhooks, Zapier channels, connector accounts)", Default: 200,
		Why: "every event of the vendor fans out to at most this many deliveries"},
	{Name: QuotaWebhookEndpoints, Counts: "live webhook endpoints", Default: 50,
		Why: "each endpoint is one more delivery of every event it subscribes to"},
	{Name: QuotaZapierChannelsPerUser, Counts: "live Zapier channels (REST-hook subscriptions)", PerUser: true, Default: 100,
		Why: "each channel is one more delivery of every event it subscribes to"},
	{Name: QuotaZapierUsers, Counts: "Zapier users", Default: 50,
		Why: "each user can subscribe channels and log in (bcrypt checks)"},
	{Name: QuotaOAuthClients, Counts: "unrevoked OAuth clients", Default: 50,
		Why: "each client has its own token and rate-limit budget"},
	{Name: QuotaSalesmanagoAccounts, Counts: "live SALESmanago accounts", Default: 10,
		Why: "each account is a delivery endpoint and a credential"},
	{Name: QuotaSources, Counts: "live external purchase sources (hook sources)", Default: 100,
		Why: "each source is a credential that can post purchases"},
	{Name: QuotaPromoCodes, Counts: "promo codes", Default: 10_000,
		Why: "promo codes are listed in full by the console and the admin API"},
	{Name: QuotaProducts, Counts: "catalog products", Default: 10_000,
		Why: "products are listed in full by the purchase dropdowns and the console"},
	{Name: QuotaPurchaseOptions, Counts: "purchase options (of all the vendor's products)", Default: 10_000,
		Why: "purchase options are listed in full by the console"},
	{Name: QuotaProductMappings, Counts: "product mappings (sku + poId)", Default: 100_000,
		Why: "mappings are listed in full by the console and the admin API"},
}

// LookupQuota returns the definition of a quota name.
func LookupQuota(name string) (QuotaDef, bool) {
	for _, d := range QuotaDefs {
		if d.Name == name {
			return d, true
		}
	}
	return QuotaDef{}, false
}

// QuotaNames returns the quota names in display order.
func QuotaNames() []string {
	out := make([]string, len(QuotaDefs))
	for i, d := range QuotaDefs {
		out[i] = d.Name
	}
	return out
}

// DefaultQuotas returns the built-in defaults.
func DefaultQuotas() map[string]int {
	out := make(map[string]int, len(QuotaDefs))
	for _, d := range QuotaDefs {
		out[d.Name] = d.Default
	}
	return out
}

// ValidateQuotaLimit checks a limit for a quota name (field is the request field
// to blame).
func ValidateQuotaLimit(field, name string, limit int) error {
	if _, ok := LookupQuota(name); !ok {
		return FieldError(EInvalidRequest, field, "Unknown quota %q; the quotas are %s.", name, strings.Join(QuotaNames(), ", "))
	}
	if limit < 0 || limit > MaxQuotaLimit {
		return FieldError(EInvalidRequest, field, "The %s limit must be an integer from 0 to %d, got %d.", name, MaxQuotaLimit, limit)
	}
	return nil
}

// ParseQuotaSetting parses NAME=N (or NAME=default when allowDefault, returning
// reset) as given to `serve -quota` and `admin quotas set --limit`.
func ParseQuotaSetting(s string, allowDefault bool) (name string, limit int, reset bool, err error) {
	name, val, ok := strings.Cut(strings.TrimSpace(s), "=")
	name, val = strings.TrimSpace(name), strings.TrimSpace(val)
	if !ok || name == "" || val == "" {
		return "", 0, false, Errorf(EInvalidRequest, "%q is not NAME=N; the quotas are %s.", s, strings.Join(QuotaNames(), ", "))
	}
	if allowDefault && val == "default" {
		if _, ok := LookupQuota(name); !ok {
			return "", 0, false, ValidateQuotaLimit("", name, 0)
		}
		return name, 0, true, nil
	}
	n, err := strconv.Atoi(val)
	if err != nil {
		what := "an integer"
		if allowDefault {
			what += ` or "default"`
		}
		return "", 0, false, Errorf(EInvalidRequest, "%s: %q is not %s.", name, val, what)
	}
	if err := ValidateQuotaLimit("", name, n); err != nil {
		return "", 0, false, err
	}
	return name, n, false, nil
}

// QuotaError is the EQuotaExceeded error of a create that would go over a limit:
// it names the limit, its value, and how to raise it. user is the Zapier user id
// of a per-user limit ("" otherwise).
func QuotaError(vendorID, name, user string, limit, used int) *Error {
	d, _ := LookupQuota(name)
	who := fmt.Sprintf("Vendor %q has", vendorID)
	if d.PerUser {
		who = fmt.Sprintf("Zapier user %q of vendor %q has", user, vendorID)
	}
	return Errorf(EQuotaExceeded,
		"Quota exceeded: %s %d %s; the %s limit is %d (%s). Delete one, or raise the limit: PUT /admin/v1/vendors/%s/quotas with {\"%s\": %d} or `orderhub admin quotas set --vendor %s --limit %s=%d`.",
		who, used, d.Counts, name, limit, d.Why, vendorID, name, suggestRaise(limit), vendorID, name, suggestRaise(limit))
}

// suggestRaise is the example value in a quota message: twice the limit (at least 10).
func suggestRaise(limit int) int { return min(max(2*limit, 10), MaxQuotaLimit) }

// CheckQuota is the quota rule (QuotaDefs, docs/quotas.md): one more of what quota
// name counts may be created while the vendor's usage is under its limit — the
// vendor's own (an override), else def, the server's default. user is the Zapier
// user of the per-user quota. Over the limit it fails with EQuotaExceeded; limit
// and used say what it compared. The store runs it inside each create it bounds;
// it lives here, a function of QuotaTx, so that storage need not import package hub.
func CheckQuota(tx QuotaTx, vendorID, name, user string, def int) (limit, used int, err error) {
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
		return limit, used, QuotaError(vendorID, name, user, limit, used)
	}
	return limit, used, nil
}
