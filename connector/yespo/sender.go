package yespo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"orderhub"
	"orderhub/delivery"
)

// Store is what the Sender reads (the store's connector, order and tenant sides).
type Store interface {
	YespoAccountByEndpoint(ctx context.Context, endpointID string) (*orderhub.YespoAccount, error)
	GetCustomer(ctx context.Context, vendorID, id string) (*orderhub.Customer, error)
	GetPromoCode(ctx context.Context, vendorID, code string) (*orderhub.PromoCode, error)
}

// Sender delivers the deliveries of yespo endpoints (delivery.Config.Senders["yespo"]).
//
// Contact first: Yespo keeps an order only for an existing contact. customer-created
// and customer-updated are sent as POST /api/v1/contact, and they precede the
// customer's order events, which share their ordering key (the customer id). On top
// of that the Sender upserts the contact itself before an order event unless this
// process has sent the same contact data to the endpoint recently — so an account
// created after the customer, or a contact upsert that went dead, still leaves no
// order event without its contact.
//
// Order per order: a customer's deliveries are sent one at a time in sequence by the
// delivery engine, so orderCreated is always sent before that order's
// orderDelivered/orderCancelled, retries included. Of several Yespo calls made for
// one delivery (contact, orderUpdated, orderCancelled), a failed one fails the
// delivery and the retry starts over; every call is an idempotent upsert.
type Sender struct {
	store  Store
	sealer *Sealer
	http   *http.Client
	// Timeout bounds one Yespo call (default 15 s).
	Timeout time.Duration

	mu    sync.Mutex
	known map[string]knownContact
}

type knownContact struct {
	digest string
	at     time.Time
}

const (
	knownTTL = 10 * time.Minute
	knownMax = 100_000
)

// NewSender returns a Sender; hc nil means DefaultHTTPClient.
func NewSender(store Store, sealer *Sealer, hc *http.Client) *Sender {
	if hc == nil {
		hc = DefaultHTTPClient()
	}
	if sealer == nil {
		sealer = &Sealer{}
	}
	return &Sender{store: store, sealer: sealer, http: hc, Timeout: 15 * time.Second, known: map[string]knownContact{}}
}

func (s *Sender) client(ctx context.Context, c *orderhub.ClaimedDelivery) (*Client, error) {
	acct, err := s.store.YespoAccountByEndpoint(ctx, c.EndpointID)
	if err != nil {
		return nil, err
	}
	if acct.VendorID != c.VendorID {
		return nil, errors.New("the endpoint's Yespo account belongs to another vendor")
	}
	key, err := openKey(s.sealer, acct.SealedKey, acct.VendorID)
	if err != nil {
		return nil, err
	}
	return &Client{BaseURL: acct.BaseURL, APIKey: key, HTTP: s.http, Timeout: s.Timeout}, nil
}

// Send implements delivery.Sender.
func (s *Sender) Send(ctx context.Context, c *orderhub.ClaimedDelivery) delivery.SendResult {
	switch c.EventType {
	case orderhub.EventCustomerCreated, orderhub.EventCustomerUpdated,
		orderhub.EventOrderCreated, orderhub.EventOrderUpdated,
		orderhub.EventContractCreated, orderhub.EventContractConfirmed, orderhub.EventContractCanceled:
	default:
		return delivery.SendResult{} // nothing to send to Yespo
	}
	cl, err := s.client(ctx, c)
	if err != nil {
		// No account (deleted meanwhile) or a key that cannot be opened: retrying the
		// same delivery cannot help; it goes dead and can be replayed after a fix.
		return delivery.SendResult{Err: err, Permanent: true}
	}
	sent, err := s.send(ctx, cl, c)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			return delivery.SendResult{StatusCode: ae.Status, Response: ae.Body, RetryAfter: ae.RetryAfter, Permanent: ae.Permanent(), Err: err}
		}
		var pe permanentError
		if errors.As(err, &pe) {
			return delivery.SendResult{Err: err, Permanent: true}
		}
		return delivery.SendResult{Err: err}
	}
	return delivery.SendResult{StatusCode: http.StatusOK, Response: strings.Join(sent, ", ")}
}

type permanentError struct{ error }

// send makes the Yespo calls of one delivery and returns what it sent.
func (s *Sender) send(ctx context.Context, cl *Client, c *orderhub.ClaimedDelivery) ([]string, error) {
	var sent []string
	switch c.EventType {
	case orderhub.EventCustomerCreated, orderhub.EventCustomerUpdated:
		var cust orderhub.Customer
		if err := json.Unmarshal(c.EventData, &cust); err != nil {
			return nil, permanentError{fmt.Errorf("the %s event is not a customer: %w", c.EventType, err)}
		}
		if err := s.ensureContact(ctx, cl, c.EndpointID, &cust, true); err != nil {
			return nil, err
		}
		return []string{"contact"}, nil
	}
	var customerID string
	var build func(*orderhub.Customer) ([][]byte, error)
	switch c.EventType {
	case orderhub.EventOrderCreated, orderhub.EventOrderUpdated:
		var o orderhub.Order
		if err := json.Unmarshal(c.EventData, &o); err != nil {
			return nil, permanentError{fmt.Errorf("the %s event is not an order: %w", c.EventType, err)}
		}
		if o.ContractID != "" {
			// A contract's order: the contract events bring it to Yespo (under the
			// contract's externalOrderId), so it is not sent twice.
			return []string{"nothing (the order of contract " + o.ContractID + " is sent with the contract's events)"}, nil
		}
		customerID = o.CustomerID
		build = func(cust *orderhub.Customer) ([][]byte, error) { return OrderEvents(c.EventType, &o, cust) }
	default: // contracts
		var k orderhub.Contract
		if err := json.Unmarshal(c.EventData, &k); err != nil {
			return nil, permanentError{fmt.Errorf("the %s event is not a contract: %w", c.EventType, err)}
		}
		customerID = k.UserID
		var promo *orderhub.PromoCode
		if k.PromoCode != "" {
			p, err := s.store.GetPromoCode(ctx, c.VendorID, k.PromoCode)
			switch {
			case err == nil:
				promo = p
			case orderhub.ErrorCode(err) != orderhub.ENotFound:
				return nil, err
			}
		}
		build = func(cust *orderhub.Customer) ([][]byte, error) { return ContractEvents(c.EventType, &k, cust, promo) }
	}
	cust, err := s.store.GetCustomer(ctx, c.VendorID, customerID)
	if err != nil {
		if orderhub.ErrorCode(err) == orderhub.ENotFound {
			return nil, permanentError{err}
		}
		return nil, err
	}
	bodies, err := build(cust)
	if err != nil {
		return nil, permanentError{err}
	}
	if err := s.ensureContact(ctx, cl, c.EndpointID, cust, false); err != nil {
		return nil, err
	}
	sent = append(sent, "contact")
	for _, b := range bodies {
		if err := cl.GenerateEvent(ctx, b); err != nil {
			return sent, err
		}
		var ev struct {
			EventTypeKey string `json:"eventTypeKey"`
		}
		_ = json.Unmarshal(b, &ev)
		sent = append(sent, ev.EventTypeKey)
	}
	return sent, nil
}

// ensureContact upserts the customer's contact unless (force false) the same data
// was sent to the endpoint within knownTTL.
func (s *Sender) ensureContact(ctx context.Context, cl *Client, endpointID string, cust *orderhub.Customer, force bool) error {
	ct := ContactFor(cust)
	b, _ := json.Marshal(ct)
	sum := sha256.Sum256(b)
	digest := hex.EncodeToString(sum[:])
	k := endpointID + "\x00" + cust.ID
	now := time.Now()
	if !force {
		s.mu.Lock()
		kc, ok := s.known[k]
		s.mu.Unlock()
		if ok && kc.digest == digest && now.Sub(kc.at) < knownTTL {
			return nil
		}
	}
	if err := cl.UpsertContact(ctx, ct); err != nil {
		return err
	}
	s.mu.Lock()
	if len(s.known) >= knownMax {
		clear(s.known)
	}
	s.known[k] = knownContact{digest: digest, at: now}
	s.mu.Unlock()
	return nil
}

// Connector administers vendors' Yespo accounts (httpapi.YespoAdmin, the CLI).
type Connector struct {
	Store  orderhub.ConnectorRecords
	Sealer *Sealer
	HTTP   *http.Client
}

// NewConnector returns a Connector; sealer nil stores keys as-is, hc nil means
// DefaultHTTPClient.
func NewConnector(st orderhub.ConnectorRecords, sealer *Sealer, hc *http.Client) *Connector {
	if sealer == nil {
		sealer = &Sealer{}
	}
	if hc == nil {
		hc = DefaultHTTPClient()
	}
	return &Connector{Store: st, Sealer: sealer, HTTP: hc}
}

// NormalizeBaseURL trims a base URL given with /api/v1 (or a trailing slash).
func NormalizeBaseURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	for _, suf := range []string{"/api/v1", "/api/v2", "/api"} {
		u = strings.TrimSuffix(u, suf)
	}
	return u
}

// SaveAccount creates or updates a vendor's account and its yespo endpoint; an
// empty apiKey keeps the stored one.
func (x *Connector) SaveAccount(ctx context.Context, vendorID, baseURL, apiKey string) (*orderhub.YespoAccount, error) {
	sealed := ""
	if apiKey != "" {
		var err error
		if sealed, err = sealKey(x.Sealer, apiKey, vendorID); err != nil {
			return nil, err
		}
	}
	return x.Store.SaveYespoAccount(ctx, vendorID, NormalizeBaseURL(baseURL), sealed, EventTypes)
}

// TestAccount calls Yespo's account/info with the vendor's stored key.
func (x *Connector) TestAccount(ctx context.Context, vendorID string) (json.RawMessage, error) {
	a, err := x.Store.GetYespoAccount(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	key, err := openKey(x.Sealer, a.SealedKey, vendorID)
	if err != nil {
		return nil, err
	}
	cl := &Client{BaseURL: a.BaseURL, APIKey: key, HTTP: x.HTTP, Timeout: 10 * time.Second}
	return cl.AccountInfo(ctx)
}

// KeyEncrypted reports whether a stored key is encrypted.
func (x *Connector) KeyEncrypted(sealed string) bool { return IsSealed(sealed) }
