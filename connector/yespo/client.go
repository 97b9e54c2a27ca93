// Package yespo is orderhub's Yespo (formerly eSputnik) connector: a client of the
// real API (../shared/docs/protocols.md, Yespo section), the delivery Sender that
// forwards every order change of a vendor to its Yespo account as Generate events
// (seed 004's order events) after making sure the contact exists, and the account
// administration (API keys sealed with ORDERHUB_SECRET_KEY).
package yespo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"orderhub"
	"orderhub/netguard"
)

// Client calls one Yespo account. Auth is HTTP Basic: any user name, the API key as
// the password.
type Client struct {
	BaseURL string // e.g. https://yespo.io (no /api/v1)
	APIKey  string
	HTTP    *http.Client
	// Timeout bounds one call (default 15 s).
	Timeout time.Duration
}

// DefaultHTTPClient is the connector's HTTP client when none is given: the
// outbound guard's (package netguard) with private targets refused, no proxy from
// the environment and no redirects followed (a redirect is answered as the failure
// it is, and the credentials are never sent on to another URL).
func DefaultHTTPClient() *http.Client { return netguard.Default().Client() }

// APIError is a non-2xx answer of Yespo.
type APIError struct {
	Status     int
	Body       string // the first KiB
	RetryAfter time.Duration
	Call       string // e.g. "POST /api/v1/event"
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("Yespo answered %d to %s", e.Status, e.Call)
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
		msg += " (the API key is wrong or lacks the permission)"
	}
	if e.Status >= 300 && e.Status < 400 {
		msg += " (a redirect: check the account's base URL)"
	}
	if b := strings.TrimSpace(e.Body); b != "" {
		msg += ": " + b
	}
	return msg
}

// Permanent reports whether retrying cannot help: bad credentials, a rejected
// request (4xx other than 408 and 429) or a redirect (a wrong base URL).
func (e *APIError) Permanent() bool {
	return e.Status >= 300 && e.Status < 500 && e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

func (c *Client) call(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return nil, err
			}
		}
		rd = bytes.NewReader(b)
	}
	t := c.Timeout
	if t <= 0 {
		t = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return nil, errors.New("the Yespo base URL is not valid")
	}
	req.SetBasicAuth("orderhub", c.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	}
	hc := c.HTTP
	if hc == nil {
		hc = DefaultHTTPClient()
	}
	res, err := hc.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("Yespo did not answer %s %s within %s", method, path, t)
		}
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap() // drop the URL: it is configuration, errors are shown to operators
		}
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		e := &APIError{Status: res.StatusCode, Body: string(b), Call: method + " " + path}
		if len(e.Body) > 1024 {
			e.Body = e.Body[:1024]
		}
		e.RetryAfter = orderhub.ParseRetryAfter(res.Header.Get("Retry-After"), time.Now())
		return b, e
	}
	return b, nil
}

// AccountInfo calls GET /api/v1/account/info (the key check).
func (c *Client) AccountInfo(ctx context.Context) (json.RawMessage, error) {
	b, err := c.call(ctx, http.MethodGet, "/api/v1/account/info", nil)
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, errors.New("Yespo's account/info answer is not JSON")
	}
	return b, nil
}

// UpsertContact calls POST /api/v1/contact.
func (c *Client) UpsertContact(ctx context.Context, ct *orderhub.YespoContact) error {
	_, err := c.call(ctx, http.MethodPost, "/api/v1/contact", ct)
	return err
}

// GenerateEvent calls POST /api/v1/event with a body built by EventBody.
func (c *Client) GenerateEvent(ctx context.Context, body []byte) error {
	_, err := c.call(ctx, http.MethodPost, "/api/v1/event", body)
	return err
}
