package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"net/http/httptest"
	"orderhub/hub"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/httpapi"
	"orderhub/netguard"
	"orderhub/sealing"
	"orderhub/sqlstore"
)

const testSealingKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// mint signs a token as the hub does, with a key an attacker holds.
func mint(t *testing.T, key ed25519.PrivateKey, clientID, vendorID, scope string, iat time.Time, life time.Duration) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": "orderhub", "sub": clientID, "jti": "forged", "vid": vendorID, "scope": scope,
		"iat": iat.Unix(), "exp": iat.Add(life).Unix(),
	}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// rawSigningKey reads the token signing key's stored form as someone reading the
// database would, and uses it as a key when it is one.
func rawSigningKey(t *testing.T, db *sqlstore.DB) (string, ed25519.PrivateKey) {
	t.Helper()
	v, err := db.Tenants().Setting(context.Background(), orderhub.TokenSigningKeySetting, func() (string, error) { t.Fatal("no signing key stored"); return "", nil })
	if err != nil {
		t.Fatal(err)
	}
	seed, err := hex.DecodeString(v)
	if err != nil || len(seed) != ed25519.SeedSize {
		return v, nil
	}
	return v, ed25519.NewKeyFromSeed(seed)
}

// Issue 15: the token signing key is sealed at rest. Before, whoever read the
// database could mint tokens; once the hub runs with ORDERHUB_SECRET_KEY the plain
// key is replaced by a sealed one, and tokens minted with what was read are refused.
func TestSigningKeySealedAtRest(t *testing.T) {
	h := newTestHub(t) // no sealing key: stored as-is
	stored, raw := rawSigningKey(t, h.DB)
	if raw == nil {
		t.Fatalf("without a key the signing key is stored as-is, got %q", stored)
	}
	path := "/payments/vendor/acme/contracts?externalOrderId=x"
	forged := mint(t, raw, h.ClientID, h.VendorID, orderhub.ScopeVendorOrders, time.Now(), time.Hour)
	h.jsonReq("GET", path, forged, nil).expect(200, "") // the attack this closes

	sealer, _ := sealing.New(testSealingKey)
	spec := []byte(nil)
	srv, err := httpapi.NewServer(context.Background(), httpapi.Config{Store: hub.Wrap(h.DB.Store(), h.DB), Now: h.Clock.Now, Registry: prometheus.NewRegistry(), OpenAPIJSON: spec,
		Guard: netguard.New(netguard.Options{AllowPrivate: true}), Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	h.URL = ts.URL
	now, raw2 := rawSigningKey(t, h.DB)
	if !sealing.IsSealed(now) || raw2 != nil || strings.Contains(now, stored) {
		t.Fatalf("after starting with a key the stored signing key is %q", now)
	}
	h.jsonReq("GET", path, forged, nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", path, mint(t, raw, h.ClientID, h.VendorID, orderhub.ScopeVendorOrders, time.Now(), time.Hour), nil).expect(401, orderhub.EUnauthorized)
	// Tokens the hub issues now work, and keep working after a restart.
	tok := h.token(orderhub.ScopeVendorOrders)
	h.jsonReq("GET", path, tok, nil).expect(200, "")
	srv2, err := httpapi.NewServer(context.Background(), httpapi.Config{Store: hub.Wrap(h.DB.Store(), h.DB), Now: h.Clock.Now, Registry: prometheus.NewRegistry(), Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(srv2)
	defer ts2.Close()
	h.URL = ts2.URL
	h.jsonReq("GET", path, tok, nil).expect(200, "")
	// Without the key (or with another) the hub refuses to start rather than sign
	// with a key it cannot read.
	if _, err := httpapi.NewServer(context.Background(), httpapi.Config{Store: hub.Wrap(h.DB.Store(), h.DB), Registry: prometheus.NewRegistry()}); err == nil || !strings.Contains(err.Error(), sealing.KeyEnv) {
		t.Fatalf("started without the sealing key: %v", err)
	}
}

// Issue 15: verification refuses a token claiming a longer life than the hub
// issues, and scopes its client no longer holds.
func TestTokenLifetimeAndScopesAreChecked(t *testing.T) {
	h := newTestHub(t)
	_, key := rawSigningKey(t, h.DB)
	path := "/payments/vendor/acme/contracts?externalOrderId=x"
	now := h.Clock.Now()
	h.jsonReq("GET", path, mint(t, key, h.ClientID, h.VendorID, orderhub.ScopeVendorOrders, now, time.Hour), nil).expect(200, "")
	h.jsonReq("GET", path, mint(t, key, h.ClientID, h.VendorID, orderhub.ScopeVendorOrders, now, 10*365*24*time.Hour), nil).expect(401, orderhub.EUnauthorized)
	h.jsonReq("GET", path, mint(t, key, h.ClientID, h.VendorID, orderhub.ScopeVendorOrders, now.Add(time.Hour), time.Hour), nil).expect(401, orderhub.EUnauthorized)

	// A client holding only "events" cannot use a token claiming the vendor-order scope.
	c := &orderhub.Client{VendorID: "acme", Scopes: []string{orderhub.ScopeEvents}}
	if _, err := h.DB.Tenants().CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	h.jsonReq("GET", path, mint(t, key, c.ID, "acme", orderhub.ScopeVendorOrders, now, time.Hour), nil).expect(401, orderhub.EUnauthorized)
	// A scope taken away from a client stops its tokens that carry it.
	tok := h.token(orderhub.ScopeVendorOrders)
	h.jsonReq("GET", path, tok, nil).expect(200, "")
	if _, err := rawDB(t, h).Exec(`UPDATE oauth_clients SET scopes = 'events' WHERE id = $1`, h.ClientID); err != nil {
		t.Fatal(err)
	}
	h.Clock.Add(3 * time.Second) // the client cache's lifetime
	res := h.jsonReq("GET", path, tok, nil).expect(401, orderhub.EUnauthorized)
	if !strings.Contains(string(res.Body), "no longer holds") {
		t.Fatalf("%s", res.Body)
	}
}
