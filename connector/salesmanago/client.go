// Package salesmanago speaks SALESmanago's real API for orderhub: the v2 contact and
// external-event calls with body authentication, the v3 product feed with the API-KEY
// header, and the classification of failures into permanent (bad credentials, a
// rejected payload) and transient (timeouts, 5xx, 429). sender.go adapts it to the
// delivery engine (seed 002's forwarding and the automatic sync).
package salesmanago

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"orderhub"
	"orderhub/netguard"
)

// Credentials identify a SALESmanago account.
type Credentials struct {
	BaseURL   string // v2 server, e.g. https://app3.salesmanago.com
	V3BaseURL string // v3 API, default https://api.salesmanago.com
	ClientID  string
	APISecret string
	Owner     string // the account user's e-mail
	APIKey    string // v3 API-KEY
}

// Client calls one account.
type Client struct {
	cred Credentials
	http *http.Client
	// Timeout bounds one call (default 15 s).
	Timeout time.Duration
	// Now is the clock of requestTime (default time.Now).
	Now func() time.Time
}

// NewClient returns a client; hc nil means a default client (no redirects).
func NewClient(cred Credentials, hc *http.Client) *Client {
	if hc == nil {
		hc = DefaultHTTPClient()
	}
	if cred.V3BaseURL == "" {
		cred.V3BaseURL = "https://api.salesmanago.com"
	}
	return &Client{cred: cred, http: hc, Timeout: 15 * time.Second, Now: time.Now}
}

// DefaultHTTPClient is the connector's HTTP client when none is given: the
// outbound guard's (package netguard) with private targets refused, no proxy from
// the environment and no redirects followed (a redirect is answered as the failure
// it is, and the credentials are never sent on to another URL).
func DefaultHTTPClient() *http.Client { return netguard.Default().Client() }

// Error is a failed call.
type Error struct {
	Op string // the API method, e.g. /api/contact/upsert
	// Status is the HTTP status (0: no response).
	Status int
	// Messages are SALESmanago's reasons (v2 message[] or v3 problems).
	Messages []string
	// Permanent: retrying the same request cannot succeed (credentials, payload).
	Permanent bool
	// Timeout: no answer in time.
	Timeout    bool
	RetryAfter time.Duration
	// Body is the first KiB of the answer.
	Body string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("SALESmanago ")
	b.WriteString(e.Op)
	switch {
	case e.Timeout:
		b.WriteString(": no answer in time")
	case e.Err != nil:
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	case e.Status != 0 && e.Status != http.StatusOK:
		b.WriteString(": HTTP ")
		b.WriteString(strconv.Itoa(e.Status))
	default:
		b.WriteString(": refused")
	}
	if len(e.Messages) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Messages, "; "))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a failure that retrying cannot fix.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// IsTimeout reports whether err is a call that got no answer in time.
func IsTimeout(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Timeout
}

// Sign returns the v2 sha: lower-case hex SHA1(apiKey + clientId + apiSecret).
func Sign(apiKey, clientID, apiSecret string) string {
	sum := sha1.Sum([]byte(apiKey + clientID + apiSecret))
	return hex.EncodeToString(sum[:])
}

func randomKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// v2Answer is the common part of every v2 answer.
type v2Answer struct {
	Success *bool           `json:"success"`
	Message json.RawMessage `json:"message"`
}

func (a *v2Answer) messages() []string {
	var ms []string
	if json.Unmarshal(a.Message, &ms) == nil {
		return ms
	}
	var m string
	if json.Unmarshal(a.Message, &m) == nil && m != "" {
		return []string{m}
	}
	return nil
}

// transientHints mark success:false answers that are worth retrying.
var transientHints = []string{"try again", "temporar", "too many", "limit exceeded", "timeout", "unavailable"}

// v2 calls a v2 method with the body auth added to body, and decodes the answer into out.
func (c *Client) v2(ctx context.Context, method string, body map[string]any, out any) error {
	key := randomKey()
	body["clientId"] = c.cred.ClientID
	body["apiKey"] = key
	body["requestTime"] = c.now().UnixMilli()
	body["sha"] = Sign(key, c.cred.ClientID, c.cred.APISecret)
	b, err := json.Marshal(body)
	if err != nil {
		return &Error{Op: method, Permanent: true, Err: err}
	}
	raw, err := c.do(ctx, method, c.cred.BaseURL, b, nil)
	if err != nil {
		return err
	}
	var a v2Answer
	if err := json.Unmarshal(raw, &a); err != nil || a.Success == nil {
		// Not SALESmanago's JSON (a proxy's page?): worth another try.
		return &Error{Op: method, Status: http.StatusOK, Body: clip(raw), Err: errors.New("the answer is not SALESmanago's JSON")}
	}
	if !*a.Success {
		msgs := a.messages()
		perm := true
		low := strings.ToLower(strings.Join(msgs, " "))
		for _, h := range transientHints {
			if strings.Contains(low, h) {
				perm = false
			}
		}
		return &Error{Op: method, Status: http.StatusOK, Messages: msgs, Permanent: perm, Body: clip(raw)}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return &Error{Op: method, Status: http.StatusOK, Body: clip(raw), Err: fmt.Errorf("decoding the answer: %w", err)}
		}
	}
	return nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func clip(b []byte) string {
	if len(b) > 1024 {
		b = b[:1024]
	}
	return string(b)
}

// do sends one request and classifies transport and HTTP failures; it returns the
// body of a 2xx answer.
func (c *Client) do(ctx context.Context, path, base string, body []byte, header http.Header) ([]byte, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := strings.TrimRight(base, "/") + path
	method := http.MethodPost
	var rd io.Reader = bytes.NewReader(body)
	if body == nil {
		method, rd = http.MethodGet, nil
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &Error{Op: path, Permanent: true, Err: fmt.Errorf("bad base URL: %w", unwrapURL(err))}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	req.Header.Set("User-Agent", "orderhub-salesmanago/1")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, &Error{Op: path, Timeout: true}
		}
		return nil, &Error{Op: path, Err: unwrapURL(err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, &Error{Op: path, Timeout: true}
		}
		return nil, &Error{Op: path, Status: resp.StatusCode, Err: err}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return raw, nil
	}
	e := &Error{Op: path, Status: resp.StatusCode, Body: clip(raw), Messages: answerMessages(raw)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		e.RetryAfter = orderhub.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	default:
		// 3xx (a moved server), 401/403 (credentials), 400/404/422 (payload, method).
		e.Permanent = true
	}
	return nil, e
}

// answerMessages extracts v2 message[] or v3 problems[].message from an answer.
func answerMessages(raw []byte) []string {
	var v struct {
		Message  json.RawMessage `json:"message"`
		Problems []struct {
			ReasonCode int    `json:"reasonCode"`
			Message    string `json:"message"`
		} `json:"problems"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	for _, p := range v.Problems {
		out = append(out, fmt.Sprintf("%s (reasonCode %d)", p.Message, p.ReasonCode))
	}
	if len(out) == 0 {
		a := v2Answer{Message: v.Message}
		out = a.messages()
	}
	return out
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// ---- API v2 ----

// Address is a contact's postal address.
type Address struct {
	StreetAddress string `json:"streetAddress,omitempty"`
	ZipCode       string `json:"zipCode,omitempty"`
	City          string `json:"city,omitempty"`
	Country       string `json:"country,omitempty"`
}

// Contact is the contact of an upsert.
type Contact struct {
	Email      string   `json:"email"`
	Name       string   `json:"name,omitempty"`
	Phone      string   `json:"phone,omitempty"`
	Fax        string   `json:"fax,omitempty"`
	Company    string   `json:"company,omitempty"`
	ExternalID string   `json:"externalId,omitempty"`
	State      string   `json:"state,omitempty"`
	Address    *Address `json:"address,omitempty"`
}

// Upsert is the body of /api/contact/upsert (without the auth fields).
type Upsert struct {
	Contact    Contact           `json:"contact"`
	Tags       []string          `json:"tags,omitempty"`
	RemoveTags []string          `json:"removeTags,omitempty"`
	Properties map[string]string `json:"properties,omitempty"`
	ForceOptIn bool              `json:"forceOptIn,omitempty"`
	NewEmail   string            `json:"newEmail,omitempty"`
}

func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	m := map[string]any{}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	_ = d.Decode(&m)
	return m
}

// UpsertContact creates or updates a contact and returns its contactId.
func (c *Client) UpsertContact(ctx context.Context, u Upsert) (string, error) {
	body := toMap(u)
	body["owner"] = c.cred.Owner
	var out struct {
		ContactID string `json:"contactId"`
	}
	err := c.v2(ctx, "/api/contact/upsert", body, &out)
	return out.ContactID, err
}

// DeleteContact deletes a contact by e-mail; it reports whether one was deleted.
func (c *Client) DeleteContact(ctx context.Context, email string) (bool, error) {
	var out struct {
		Result bool `json:"result"`
	}
	err := c.v2(ctx, "/api/contact/delete", map[string]any{"owner": c.cred.Owner, "email": email}, &out)
	return out.Result, err
}

// ExtEvent is the contactEvent of /api/contact/addContactExtEvent.
type ExtEvent struct {
	Date                int64        `json:"date"` // Unix ms
	Description         string       `json:"description,omitempty"`
	Products            string       `json:"products,omitempty"`
	Location            string       `json:"location,omitempty"`
	Value               *json.Number `json:"value,omitempty"`
	ContactExtEventType string       `json:"contactExtEventType"`
	ExternalID          string       `json:"externalId,omitempty"`
	ShopDomain          string       `json:"shopDomain,omitempty"`
	// Details are detail1…detailN.
	Details map[string]string `json:"-"`
}

// AddExtEvent records an external event on the contact with email (or contactID)
// and returns the eventId.
func (c *Client) AddExtEvent(ctx context.Context, email, contactID string, forceOptIn bool, ev ExtEvent) (string, error) {
	ce := toMap(ev)
	for k, v := range ev.Details {
		ce[k] = v
	}
	body := map[string]any{"owner": c.cred.Owner, "contactEvent": ce}
	if email != "" {
		body["email"] = email
	} else {
		body["contactId"] = contactID
	}
	if forceOptIn {
		body["forceOptIn"] = true
	}
	var out struct {
		EventID string `json:"eventId"`
	}
	err := c.v2(ctx, "/api/contact/addContactExtEvent", body, &out)
	return out.EventID, err
}

// ContactInfo is a contact as /api/contact/basicById answers it.
type ContactInfo struct {
	ContactID  string            `json:"contactId"`
	Name       string            `json:"name,omitempty"`
	Email      string            `json:"email"`
	Phone      string            `json:"phone,omitempty"`
	Fax        string            `json:"fax,omitempty"`
	Company    string            `json:"company,omitempty"`
	ExternalID string            `json:"externalId,omitempty"`
	State      string            `json:"state,omitempty"`
	Score      json.Number       `json:"score,omitempty"`
	OptedOut   bool              `json:"optedOut"`
	Deleted    bool              `json:"deleted"`
	CreatedOn  json.Number       `json:"createdOn,omitempty"`
	ModifiedOn json.Number       `json:"modifiedOn,omitempty"`
	Address    map[string]string `json:"address,omitempty"`
}

// ContactsByID returns the contacts with the given ids (missing ones are left out).
func (c *Client) ContactsByID(ctx context.Context, ids ...string) ([]ContactInfo, error) {
	var out struct {
		Contacts []ContactInfo `json:"contacts"`
	}
	err := c.v2(ctx, "/api/contact/basicById", map[string]any{"owner": c.cred.Owner, "id": ids}, &out)
	return out.Contacts, err
}

// ---- API v3 ----

// SystemDetails are v3 product system details.
type SystemDetails struct {
	Brand  string `json:"brand,omitempty"`
	Gender string `json:"gender,omitempty"`
	Season string `json:"season,omitempty"`
	Color  string `json:"color,omitempty"`
}

// Product is a v3 product.
type Product struct {
	ProductID     string            `json:"productId"`
	Name          string            `json:"name"`
	MainCategory  string            `json:"mainCategory,omitempty"`
	Categories    []string          `json:"categories,omitempty"`
	Description   string            `json:"description,omitempty"`
	ProductURL    string            `json:"productUrl,omitempty"`
	MainImageURL  string            `json:"mainImageUrl,omitempty"`
	ImageURLs     []string          `json:"imageUrls,omitempty"`
	Available     *bool             `json:"available,omitempty"`
	Active        *bool             `json:"active,omitempty"`
	Quantity      *int64            `json:"quantity,omitempty"`
	Price         *json.Number      `json:"price,omitempty"`
	DiscountPrice *json.Number      `json:"discountPrice,omitempty"`
	SystemDetails *SystemDetails    `json:"systemDetails,omitempty"`
	CustomDetails map[string]string `json:"customDetails,omitempty"`
}

// MaxProductsPerCall is v3's limit of products per upsert.
const MaxProductsPerCall = 100

// UpsertProducts upserts products into a catalog in calls of at most 100.
func (c *Client) UpsertProducts(ctx context.Context, catalogID string, ps []Product) error {
	if c.cred.APIKey == "" {
		return &Error{Op: "/v3/product/upsert", Permanent: true, Err: errors.New("the account has no v3 API key")}
	}
	if catalogID == "" {
		return &Error{Op: "/v3/product/upsert", Permanent: true, Err: errors.New("the account has no product catalog id")}
	}
	for start := 0; start < len(ps); start += MaxProductsPerCall {
		part := ps[start:min(start+MaxProductsPerCall, len(ps))]
		b, err := json.Marshal(map[string]any{"catalogId": catalogID, "products": part})
		if err != nil {
			return &Error{Op: "/v3/product/upsert", Permanent: true, Err: err}
		}
		if _, err := c.do(ctx, "/v3/product/upsert", c.cred.V3BaseURL, b, http.Header{"Api-Key": {c.cred.APIKey}}); err != nil {
			return err
		}
	}
	return nil
}

// Catalogs lists the v3 product catalogs (GET /v3/product/catalogList).
func (c *Client) Catalogs(ctx context.Context) ([]string, error) {
	raw, err := c.do(ctx, "/v3/product/catalogList", c.cred.V3BaseURL, nil, http.Header{"Api-Key": {c.cred.APIKey}})
	if err != nil {
		return nil, err
	}
	var out struct {
		Catalogs []struct {
			CatalogID string `json:"catalogId"`
		} `json:"catalogs"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, &Error{Op: "/v3/product/catalogList", Status: 200, Body: clip(raw), Err: err}
	}
	var ids []string
	for _, c := range out.Catalogs {
		ids = append(ids, c.CatalogID)
	}
	return ids, nil
}

// TestResult is the outcome of a connection test.
type TestResult struct {
	V2OK      bool     `json:"v2Ok"`
	V2Error   string   `json:"v2Error,omitempty"`
	V3Checked bool     `json:"v3Checked"`
	V3OK      bool     `json:"v3Ok"`
	V3Error   string   `json:"v3Error,omitempty"`
	Catalogs  []string `json:"catalogs,omitempty"`
	// CatalogFound is set when a catalog id was given and v3 was checked.
	CatalogFound bool `json:"catalogFound"`
	OK           bool `json:"ok"`
}

// Test checks the credentials: a v2 call that changes nothing (basicById of an id
// that cannot exist: auth and owner are checked) and, with a v3 key, the catalog list.
func (c *Client) Test(ctx context.Context, catalogID string) TestResult {
	var r TestResult
	if _, err := c.ContactsByID(ctx, "orderhub-connection-test"); err != nil {
		r.V2Error = err.Error()
	} else {
		r.V2OK = true
	}
	if c.cred.APIKey != "" {
		r.V3Checked = true
		cats, err := c.Catalogs(ctx)
		if err != nil {
			r.V3Error = err.Error()
		} else {
			r.V3OK, r.Catalogs = true, cats
			for _, id := range cats {
				if id == catalogID {
					r.CatalogFound = true
				}
			}
			if catalogID != "" && !r.CatalogFound {
				r.V3Error = fmt.Sprintf("catalog %q is not in the account's catalog list", catalogID)
			}
		}
	}
	r.OK = r.V2OK && (!r.V3Checked || (r.V3OK && (catalogID == "" || r.CatalogFound)))
	return r
}
