package orderhub

// Tenant values of the store: vendors' names, tokens and roles, promo code updates,
// quotas, portal settings and sealed secrets (moved from package sqlstore, issue 17).

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/url"
	"orderhub/sealing"
	"strings"
	"time"
)

// PortalKeySetting names the settings row of the key that signs portal links, and
// is the context its sealed form is bound to.
const PortalKeySetting = "portal_link_key"

// NewPortalKeyValue returns the stored form of a fresh portal link key: sealed with
// s (ORDERHUB_SECRET_KEY) when it has a key, as the token signing key is.
func NewPortalKeyValue(s *sealing.Sealer) (string, error) {
	v := RandomHex(32)
	if s.Encrypts() {
		return s.Seal(v, PortalKeySetting)
	}
	return v, nil
}

// MaxFrameAncestors bounds a vendor's list of embedding origins.
const MaxFrameAncestors = 20

// CleanFrameAncestors checks a list of origins (https://shop.example) that may embed
// a vendor's portal and returns them as stored (scheme://host).
func CleanFrameAncestors(origins []string) ([]string, error) {
	if len(origins) > MaxFrameAncestors {
		return nil, FieldError(EInvalidRequest, "frameAncestors", "At most %d origins may embed the portal.", MaxFrameAncestors)
	}
	clean := []string{}
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
			u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(o, " ;,'\"") || !IsLineText(o) {
			return nil, FieldError(EInvalidRequest, "frameAncestors", "%q is not an origin such as https://shop.example (scheme and host, optionally a port).", o)
		}
		clean = append(clean, u.Scheme+"://"+u.Host)
	}
	return clean, nil
}

// PromoCodeUpdate is a change of a promo code; nil fields stay as they are.
type PromoCodeUpdate struct {
	ProductName   *string `json:"productName"`
	Price         *string `json:"price"`
	Currency      *string `json:"currency"`
	BillingPeriod *string `json:"billingPeriod"`
	BindingMonths *int    `json:"bindingMonths"`
	Delivery      *string `json:"delivery"`
	// Active false deactivates the code, true activates it again.
	Active *bool `json:"active"`
}

// VendorQuota is one quota of a vendor: its limit and how much of it is used.
type VendorQuota struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// PerUser: the limit applies to each Zapier user; Used is the busiest user's.
	PerUser  bool `json:"perUser"`
	Limit    int  `json:"limit"`
	Default  int  `json:"default"`
	Override *int `json:"override"`
	Used     int  `json:"used"`
}

// VendorQuotas are the quotas of a vendor.
type VendorQuotas struct {
	VendorID string        `json:"vendorId"`
	Quotas   []VendorQuota `json:"quotas"`
}

// EndpointSecretContext binds a sealed signing secret to its endpoint.
func EndpointSecretContext(endpointID string) string { return "endpoint:" + endpointID }

// Where sealed secrets live, and the context each is bound to.
const (
	// SecretTokenKey is the token signing key (settings row TokenSigningKeySetting).
	SecretTokenKey = "token signing key"
	// SecretPortalKey is the key that signs portal links (settings row
	// PortalKeySetting).
	SecretPortalKey = "portal link key"
	// SecretWebhook is an endpoint's signing secret (current or previous).
	SecretWebhook = "webhook signing secret"
	// SecretYespo is a Yespo account's API key (bound to "yespo:" + vendor id).
	SecretYespo = "Yespo API key"
	// SecretSalesmanago is a SALESmanago account's apiSecret or API key (bound to
	// the account id).
	SecretSalesmanago = "SALESmanago secret"
	// SecretIdempotent is an admin answer kept for Idempotency-Key replays that
	// holds a one-time secret (idempotency.go; bound to scope and key).
	SecretIdempotent = "idempotent answer with a secret"
)

// TokenSigningKeySetting names the settings row of the token signing key, and is
// the context its sealed form is bound to.
const TokenSigningKeySetting = "token_signing_key_ed25519"

// ResealReport counts the secrets ResealSecrets rewrote, by kind.
type ResealReport map[string]int

// HashSecret returns the stored form of a high-entropy generated secret (client
// secrets, source secrets): hex SHA-256. Passwords chosen by people use a slow hash
// instead; generated 256-bit secrets do not need one.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SecretMatches compares a presented secret with a stored hash in constant time.
func SecretMatches(secret, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(hash)) == 1
}

// ClientWithSecret is a client and the hash of its secret (for authentication).
type ClientWithSecret struct {
	Client
	SecretHash string
}

// AdminToken is an admin API credential. Role is RoleOperator (every vendor) or a
// vendor role (RoleVendorAdmin, RoleVendorViewer) bound to VendorID.
type AdminToken struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	VendorID  string     `json:"vendorId,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

// Roles of console users and admin tokens (issue 18).
const (
	RoleOperator     = "operator"      // every vendor, every action
	RoleVendorAdmin  = "vendor-admin"  // one vendor: reads and changes
	RoleVendorViewer = "vendor-viewer" // one vendor: reads only
)

// Roles lists the roles.
var Roles = []string{RoleOperator, RoleVendorAdmin, RoleVendorViewer}

// MaxVendorName bounds a vendor's display name.
const MaxVendorName = 200

// ValidVendorName checks a vendor's display name: 1 to 200 characters of text on
// one line (leading and trailing spaces are dropped).
func ValidVendorName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if n == "" || len(n) > MaxVendorName || !IsLineText(n) {
		return "", FieldError(EInvalidRequest, "name", "A vendor's name must be 1 to %d characters of text on one line.", MaxVendorName)
	}
	return n, nil
}
