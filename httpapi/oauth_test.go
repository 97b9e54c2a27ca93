package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func TestTokenWithOAuth2Library(t *testing.T) {
	h := newTestHub(t)
	cfg := clientcredentials.Config{
		ClientID: h.ClientID, ClientSecret: h.Secret, TokenURL: h.URL + "/oauth/token",
		Scopes: []string{"paymentsContractThirdPartyOnboarding"},
	}
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader} {
		cfg.AuthStyle = style
		tok, err := cfg.Token(context.Background())
		if err != nil {
			t.Fatalf("style %v: %v", style, err)
		}
		if tok.TokenType != "Bearer" || tok.AccessToken == "" || time.Until(tok.Expiry) < 59*time.Minute || time.Until(tok.Expiry) > 61*time.Minute {
			t.Fatalf("token %+v", tok)
		}
		// The library's HTTP client carries the token to the Vendor Order API.
		res, err := cfg.Client(context.Background()).Post(h.URL+orderPath+"?confirm=true", "application/json", strings.NewReader(seedExample))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("order with library client: %d", res.StatusCode)
		}
	}
	// A wrong secret surfaces as the library's RetrieveError with invalid_client.
	cfg.ClientSecret = "wrong"
	_, err := cfg.Token(context.Background())
	var re *oauth2.RetrieveError
	if !asRetrieveError(err, &re) || re.ErrorCode != "invalid_client" || re.Response.StatusCode != 401 {
		t.Fatalf("wrong secret: %v", err)
	}
}

func asRetrieveError(err error, re **oauth2.RetrieveError) bool {
	e, ok := err.(*oauth2.RetrieveError)
	if ok {
		*re = e
	}
	return ok
}

func TestTokenEndpointErrors(t *testing.T) {
	h := newTestHub(t)
	form := func(kv ...string) []byte {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return []byte(v.Encode())
	}
	const formCT = "application/x-www-form-urlencoded"
	cases := []struct {
		name   string
		ct     string
		body   []byte
		hdr    map[string]string
		status int
		code   string
	}{
		{"no grant type", formCT, form("client_id", h.ClientID, "client_secret", h.Secret), nil, 400, "invalid_request"},
		{"password grant", formCT, form("grant_type", "password", "client_id", h.ClientID, "client_secret", h.Secret), nil, 400, "unsupported_grant_type"},
		{"unknown client", formCT, form("grant_type", "client_credentials", "client_id", "nobody", "client_secret", "x"), nil, 401, "invalid_client"},
		{"no credentials", formCT, form("grant_type", "client_credentials"), nil, 401, "invalid_client"},
		{"bad secret", formCT, form("grant_type", "client_credentials", "client_id", h.Other.ClientID, "client_secret", "nope"), nil, 401, "invalid_client"},
		{"unknown scope", formCT, form("grant_type", "client_credentials", "client_id", h.ClientID, "client_secret", h.Secret, "scope", "admin"), nil, 400, "invalid_scope"},
		{"repeated parameter", formCT, []byte("grant_type=client_credentials&grant_type=client_credentials"), nil, 400, "invalid_request"},
		{"both basic and body", formCT, form("grant_type", "client_credentials", "client_id", h.ClientID, "client_secret", h.Secret),
			map[string]string{"Authorization": "Basic " + basic(h.ClientID, h.Secret)}, 400, "invalid_request"},
		{"xml body", "application/xml", []byte("<x/>"), nil, 400, "invalid_request"},
		{"bad json", "application/json", []byte("{"), nil, 400, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do("POST", "/oauth/token", c.ct, c.body, c.hdr)
			var e tokenError
			json.Unmarshal(r.Body, &e)
			if r.Status != c.status || e.Error != c.code || e.Description == "" {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, c.status, c.code)
			}
			if r.Status == 401 && r.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Fatal("token responses must not be cached")
			}
		})
	}
}

func basic(id, secret string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func TestTokenScopesAndFormats(t *testing.T) {
	h := newTestHub(t)
	// JSON body and the older scope spelling, as a kindness to older clients.
	r := h.do("POST", "/oauth/token", "application/json",
		[]byte(`{"grant_type":"client_credentials","client_id":"`+h.ClientID+`","client_secret":"`+h.Secret+`","scope":"payments:contract:third-party-onboarding"}`), nil).expect(200, "")
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	r.JSON(&tr)
	if tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 || tr.Scope != "paymentsContractThirdPartyOnboarding" {
		t.Fatalf("token response %s", r.Body)
	}
	// No scope requested: all of the client's scopes.
	h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", []byte("grant_type=client_credentials"),
		map[string]string{"Authorization": "Basic " + basic(h.ClientID, h.Secret)}).expect(200, "").JSON(&tr)
	if len(strings.Fields(tr.Scope)) != 4 {
		t.Fatalf("default scopes %q", tr.Scope)
	}
	// A subset of the client's scopes can be requested.
	h.tokenFor(h.ClientID, h.Secret, "events salesmanago")
}

func TestBadSecretsAreThrottled(t *testing.T) {
	h := newTestHub(t)
	bad := []byte(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.ClientID}, "client_secret": {"wrong"}}.Encode())
	good := []byte(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.ClientID}, "client_secret": {h.Secret}}.Encode())
	for range 5 {
		h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", bad, nil).expect(401, "")
	}
	r := h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", good, nil)
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("after 5 failures: %d %s", r.Status, r.Body)
	}
	// Another client is not affected.
	h.tokenFor(h.Other.ClientID, h.Other.Secret, "")
	// The window passes.
	h.Clock.Add(61 * time.Second)
	h.do("POST", "/oauth/token", "application/x-www-form-urlencoded", good, nil).expect(200, "")
}

func TestRevokedClientGetsNoToken(t *testing.T) {
	h := newTestHub(t)
	if err := h.DB.Tenants().RevokeClient(context.Background(), h.ClientID); err != nil {
		t.Fatal(err)
	}
	r := h.do("POST", "/oauth/token", "application/x-www-form-urlencoded",
		[]byte(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.ClientID}, "client_secret": {h.Secret}}.Encode()), nil)
	if r.Status != 401 || !contains(string(r.Body), "revoked") {
		t.Fatalf("revoked client: %d %s", r.Status, r.Body)
	}
}
