package httpapi

import (
	"context"
	"crypto/ed25519"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"orderhub"
	"orderhub/throttle"
)

const tokenIssuer = "orderhub"

// Throttling of bad client credentials (package throttle), shared by the token
// endpoint and HTTP Basic on the order events API: after maxSecretFailures
// failures for one client id from one address within failureWindow, that client id
// is refused from that address, and after maxSourceFailures failures from one
// address (whatever the client ids) the address is, until the window ends. The
// real client, from its own address, is not affected; unknown client ids count
// exactly like wrong secrets.
const (
	maxSecretFailures = 5
	maxSourceFailures = 20
	failureWindow     = time.Minute
)

// clientCacheTTL bounds how long a revoked client's tokens may still be accepted.
const clientCacheTTL = 2 * time.Second

// Principal is an authenticated API caller.
type Principal struct {
	ClientID string
	VendorID string
	Scopes   []string
	// UserID is set for Zapier users (seed 003 logins).
	UserID string
}

// HasScope reports whether p holds scope.
func (p *Principal) HasScope(scope string) bool { return slices.Contains(p.Scopes, scope) }

type tokenClaims struct {
	jwt.RegisteredClaims
	VendorID string `json:"vid"`
	Scope    string `json:"scope"`
}

type cachedToken struct {
	p   *Principal
	exp time.Time
}

type clientState struct {
	revoked bool
	vendor  string
	scopes  []string
	checked time.Time
}

// tokenService issues and verifies signed (EdDSA JWT) access tokens. Verified
// tokens are cached for their lifetime; a client's revocation is checked on every
// request through a cache of clientCacheTTL.
type tokenService struct {
	db  orderhub.TenantStore
	key ed25519.PrivateKey
	pub ed25519.PublicKey
	ttl time.Duration
	now func() time.Time

	// rate bounds the token requests of each client address (ratelimit.go).
	rate *throttle.Rate

	// fails throttles failed client authentications (throttle.Limiter).
	fails *throttle.Limiter

	mu       sync.Mutex
	verified map[string]cachedToken
	clients  map[string]clientState
}

func newTokenService(db orderhub.TenantStore, key ed25519.PrivateKey, ttl time.Duration, now func() time.Time) *tokenService {
	return &tokenService{
		db: db, key: key, pub: key.Public().(ed25519.PublicKey), ttl: ttl, now: now,
		verified: map[string]cachedToken{}, clients: map[string]clientState{},
		rate:  throttle.NewRate(tokenRate, tokenBurst),
		fails: throttle.New(throttle.Config{PerPair: maxSecretFailures, PerSource: maxSourceFailures, Window: failureWindow}, now),
	}
}

// oauthError is an RFC 6749 section 5.2 error.
type oauthError struct {
	status      int
	code        string
	description string
	retryAfter  time.Duration
}

func (e *oauthError) Error() string { return e.code + ": " + e.description }

func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="orderhub"`)
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.retryAfter.Round(time.Second)/time.Second)+1))
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.description})
}

// tokenRequest is the parsed body of POST /oauth/token.
type tokenRequest struct {
	grantType, clientID, clientSecret, scope string
	basic                                    bool
}

// parseTokenRequest reads the form-encoded body (RFC 6749), or — as a kindness to
// clients of an older Sesamy page — a JSON body with the same fields.
func parseTokenRequest(w http.ResponseWriter, r *http.Request) (*tokenRequest, *oauthError) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, &oauthError{status: statusOf(err), code: "invalid_request", description: orderhub.ErrorMessage(err)}
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	tr := &tokenRequest{}
	switch mt {
	case "application/json":
		var j struct {
			GrantType    string `json:"grant_type"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
			Scope        string `json:"scope"`
		}
		if err := orderhub.ReadJSON(body, &j, orderhub.JSONOptions{}); err != nil {
			// Malformed, or a field sent twice (as a repeated form parameter is refused).
			return nil, &oauthError{status: 400, code: "invalid_request", description: "The JSON body is malformed."}
		}
		tr.grantType, tr.clientID, tr.clientSecret, tr.scope = j.GrantType, j.ClientID, j.ClientSecret, j.Scope
	case "application/x-www-form-urlencoded", "":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &oauthError{status: 400, code: "invalid_request", description: "The form body is malformed."}
		}
		for k, v := range form {
			if len(v) > 1 {
				return nil, &oauthError{status: 400, code: "invalid_request", description: "Parameter " + k + " is repeated."}
			}
		}
		tr.grantType, tr.clientID, tr.clientSecret, tr.scope = form.Get("grant_type"), form.Get("client_id"), form.Get("client_secret"), form.Get("scope")
	default:
		return nil, &oauthError{status: 400, code: "invalid_request", description: "Send the token request as application/x-www-form-urlencoded."}
	}
	if u, p, ok := r.BasicAuth(); ok {
		if tr.clientID != "" && tr.clientSecret != "" {
			return nil, &oauthError{status: 400, code: "invalid_request", description: "Send client credentials either in the Authorization header or in the body, not both."}
		}
		// RFC 6749 2.3.1: the credentials are form-urlencoded inside Basic auth.
		if du, err := url.QueryUnescape(u); err == nil {
			u = du
		}
		if dp, err := url.QueryUnescape(p); err == nil {
			p = dp
		}
		tr.clientID, tr.clientSecret, tr.basic = u, p, true
	}
	if tr.grantType == "" {
		return nil, &oauthError{status: 400, code: "invalid_request", description: "grant_type is required."}
	}
	if tr.grantType != "client_credentials" {
		return nil, &oauthError{status: 400, code: "unsupported_grant_type", description: "Only the client_credentials grant is supported."}
	}
	if tr.clientID == "" || tr.clientSecret == "" {
		return nil, &oauthError{status: 401, code: "invalid_client", description: "Client authentication failed: client_id and client_secret are required."}
	}
	return tr, nil
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if wait := s.tokens.rate.Take(throttle.Source(r), s.now()); wait > 0 {
		writeOAuthError(w, &oauthError{status: 429, code: "too_many_requests", description: "Too many token requests from this address; retry later.", retryAfter: wait})
		return
	}
	tr, oe := parseTokenRequest(w, r)
	if oe != nil {
		writeOAuthError(w, oe)
		return
	}
	tok, scopes, oe := s.tokens.issue(r.Context(), tr, throttle.Source(r))
	if oe != nil {
		writeOAuthError(w, oe)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}{tok, "Bearer", int(s.tokens.ttl / time.Second), strings.Join(scopes, " ")})
}

// Per-client request rate of POST /oauth/token, on top of the per-client-id
// throttling of bad secrets (oauth.go): a token lives an hour, so a well-behaved
// client asks for a few an hour; a client address asking faster than tokenRate
// (after a burst of tokenBurst) is answered 429 with Retry-After. The address is
// throttle.Source (the TCP peer; an IPv6 address by its /64): behind a reverse proxy every client shares the proxy's
// address, so put the limit at the proxy there (docs/reliability.md).
const (
	tokenRate  = 5.0 // requests per second, sustained
	tokenBurst = 30
)

var errInvalidClient = &oauthError{status: 401, code: "invalid_client", description: "Client authentication failed."}

func (ts *tokenService) issue(ctx context.Context, tr *tokenRequest, source string) (string, []string, *oauthError) {
	now := ts.now()
	if wait := ts.fails.Wait(tr.clientID, source); wait > 0 {
		return "", nil, &oauthError{status: 429, code: "too_many_requests", description: "Too many failed authentication attempts from this address; retry later.", retryAfter: wait}
	}
	c, err := ts.db.GetClient(ctx, tr.clientID)
	if err != nil {
		if orderhub.ErrorCode(err) == orderhub.ENotFound {
			ts.fails.Failed(tr.clientID, source) // as a wrong secret: no oracle
			return "", nil, errInvalidClient
		}
		return "", nil, &oauthError{status: 503, code: "temporarily_unavailable", description: "The server could not check the client; retry."}
	}
	if !orderhub.SecretMatches(tr.clientSecret, c.SecretHash) {
		ts.fails.Failed(tr.clientID, source)
		return "", nil, errInvalidClient
	}
	ts.fails.Succeeded(tr.clientID, source)
	if c.RevokedAt != nil {
		return "", nil, &oauthError{status: 401, code: "invalid_client", description: "This client has been revoked."}
	}
	granted := c.Scopes
	if req := strings.Fields(tr.scope); len(req) > 0 {
		granted = nil
		for _, sc := range req {
			sc = orderhub.NormalizeScope(sc)
			if !slices.Contains(c.Scopes, sc) {
				return "", nil, &oauthError{status: 400, code: "invalid_scope", description: "The client is not allowed the scope " + strconv.Quote(sc) + "."}
			}
			if !slices.Contains(granted, sc) {
				granted = append(granted, sc)
			}
		}
	}
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: tokenIssuer, Subject: c.ID, ID: orderhub.NewID("tok"),
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ts.ttl)),
		},
		VendorID: c.VendorID, Scope: strings.Join(granted, " "),
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims).SignedString(ts.key)
	if err != nil {
		return "", nil, &oauthError{status: 500, code: "server_error", description: "The token could not be signed."}
	}
	return tok, granted, nil
}

var errBadToken = orderhub.Errorf(orderhub.EUnauthorized, "Invalid or expired token.")

// verify checks a bearer token and returns its principal.
func (ts *tokenService) verify(ctx context.Context, tok string) (*Principal, error) {
	now := ts.now()
	ts.mu.Lock()
	ct, ok := ts.verified[tok]
	ts.mu.Unlock()
	if !ok {
		var claims tokenClaims
		_, err := jwt.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return ts.pub, nil },
			jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer(tokenIssuer), jwt.WithExpirationRequired(),
			jwt.WithTimeFunc(func() time.Time { return now }))
		if err != nil {
			if errors.Is(err, jwt.ErrTokenExpired) {
				return nil, orderhub.Errorf(orderhub.EUnauthorized, "The access token has expired; obtain a new one.")
			}
			return nil, errBadToken
		}
		// A token lives at most as long as this server issues them: one claiming a
		// longer life (or no issue time, or one in the future) was not issued here.
		if claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > ts.ttl+time.Second ||
			claims.IssuedAt.After(now.Add(time.Minute)) {
			return nil, errBadToken
		}
		ct = cachedToken{p: &Principal{ClientID: claims.Subject, VendorID: claims.VendorID, Scopes: strings.Fields(claims.Scope)}, exp: claims.ExpiresAt.Time}
		ts.mu.Lock()
		if len(ts.verified) > 100_000 {
			for k, v := range ts.verified {
				if !now.Before(v.exp) {
					delete(ts.verified, k)
				}
			}
			if len(ts.verified) > 100_000 {
				clear(ts.verified)
			}
		}
		ts.verified[tok] = ct
		ts.mu.Unlock()
	}
	if !now.Before(ct.exp) {
		return nil, orderhub.Errorf(orderhub.EUnauthorized, "The access token has expired; obtain a new one.")
	}
	if err := ts.checkClient(ctx, ct.p, now); err != nil {
		return nil, err
	}
	return ct.p, nil
}

func (ts *tokenService) checkClient(ctx context.Context, p *Principal, now time.Time) error {
	ts.mu.Lock()
	st, ok := ts.clients[p.ClientID]
	ts.mu.Unlock()
	if !ok || now.Sub(st.checked) > clientCacheTTL || now.Before(st.checked) {
		c, err := ts.db.GetClient(ctx, p.ClientID)
		switch {
		case orderhub.ErrorCode(err) == orderhub.ENotFound:
			st = clientState{revoked: true, checked: now}
		case err != nil:
			return err
		default:
			st = clientState{revoked: c.RevokedAt != nil, vendor: c.VendorID, scopes: c.Scopes, checked: now}
		}
		ts.mu.Lock()
		ts.clients[p.ClientID] = st
		ts.mu.Unlock()
	}
	if st.revoked || st.vendor != p.VendorID {
		return orderhub.Errorf(orderhub.EUnauthorized, "The client of this token has been revoked.")
	}
	for _, sc := range p.Scopes {
		if !slices.Contains(st.scopes, sc) {
			return orderhub.Errorf(orderhub.EUnauthorized, "The token carries the scope %q, which its client no longer holds; obtain a new token.", sc)
		}
	}
	return nil
}

// bearer extracts the bearer token of a request.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// requireScope wraps h with bearer-token authentication and a scope check. The
// principal is available through principalFrom.
func (s *Server) requireScope(scope string, h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		tok, ok := bearer(r)
		if !ok {
			return orderhub.Errorf(orderhub.EUnauthorized, "Missing bearer token: send Authorization: Bearer <access token>.")
		}
		p, err := s.tokens.verify(r.Context(), tok)
		if err != nil {
			return err
		}
		if !p.HasScope(scope) {
			return orderhub.Errorf(orderhub.EForbidden, "The access token lacks the scope %q.", scope)
		}
		return h(w, withPrincipal(r, p))
	}
}

// vendorPath checks that the request's {vendorId} is the caller's vendor.
func vendorPath(r *http.Request) (string, error) {
	vendorID := r.PathValue("vendorId")
	if p := principalFrom(r); p == nil || p.VendorID != vendorID {
		return "", orderhub.Errorf(orderhub.EForbidden, "This client is not authorized for vendor %q.", vendorID)
	}
	return vendorID, nil
}
