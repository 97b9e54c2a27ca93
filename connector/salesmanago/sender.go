package salesmanago

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"orderhub"
	"orderhub/delivery"
)

// Store is what the Sender reads (orderhub.Store's sub-stores).
type Store interface {
	GetSalesmanagoAccount(ctx context.Context, vendorID, id string) (*orderhub.SalesmanagoAccountRecord, error)
	GetCustomer(ctx context.Context, vendorID, id string) (*orderhub.Customer, error)
	GetPromoCode(ctx context.Context, vendorID, code string) (*orderhub.PromoCode, error)
}

// Sender delivers the deliveries of salesmanago endpoints (delivery.Config.Senders):
// seed 002's forwarded requests (salesmanago.* events) and the automatic sync of
// orderhub's own events, as real SALESmanago calls.
//
// Contact before event: an external event is only sent after its contact has been
// upserted. Events of a customer share an ordering key (the customer id), so a
// customer-created delivery is sent before that customer's contract-confirmed; on
// top of that, the Sender upserts the contact itself before every automatic event
// unless this process has upserted the same contact data for the account recently —
// so a contact upsert that went dead, an account created after the customer, or a
// contact deleted in SALESmanago still leave no event without its contact.
type Sender struct {
	store  Store
	sealer *Sealer
	http   *http.Client
	// Timeout bounds one SALESmanago call (default 15 s).
	Timeout time.Duration
	// Now is the clock of requestTime (default time.Now).
	Now func() time.Time
	// AccountCacheTTL is how long an account (its settings and secrets) is reused
	// before it is read again (default 5 s; negative: read for every delivery).
	AccountCacheTTL time.Duration

	mu       sync.Mutex
	accounts map[string]cachedAccount
	known    map[string]knownContact
}

type cachedAccount struct {
	rec *orderhub.SalesmanagoAccountRecord
	at  time.Time
}

type knownContact struct {
	digest string
	at     time.Time
}

const (
	accountCacheTTL = 5 * time.Second
	knownTTL        = 10 * time.Minute
	knownMax        = 100_000
)

// NewSender returns a Sender; hc nil means DefaultHTTPClient.
func NewSender(store Store, sealer *Sealer, hc *http.Client) *Sender {
	if hc == nil {
		hc = DefaultHTTPClient()
	}
	if sealer == nil {
		sealer = &Sealer{}
	}
	return &Sender{store: store, sealer: sealer, http: hc, Timeout: 15 * time.Second, Now: time.Now, AccountCacheTTL: accountCacheTTL,
		accounts: map[string]cachedAccount{}, known: map[string]knownContact{}}
}

// ClientFor returns a client for an account record, its secrets opened with sealer.
func ClientFor(rec *orderhub.SalesmanagoAccountRecord, sealer *Sealer, hc *http.Client) (*Client, error) {
	if sealer == nil {
		sealer = &Sealer{}
	}
	a := rec.SalesmanagoAccount
	cred, err := credentials(sealer, a.ID, a.BaseURL, a.V3BaseURL, a.ClientID, a.Owner, rec.SealedSecret, rec.SealedAPIKey)
	if err != nil {
		return nil, err
	}
	return NewClient(cred, hc), nil
}

func (s *Sender) account(ctx context.Context, c *orderhub.ClaimedDelivery) (*orderhub.SalesmanagoAccountRecord, error) {
	now := time.Now()
	s.mu.Lock()
	ca, ok := s.accounts[c.EndpointID]
	s.mu.Unlock()
	if ok && now.Sub(ca.at) < s.AccountCacheTTL {
		return ca.rec, nil
	}
	rec, err := s.store.GetSalesmanagoAccount(ctx, c.VendorID, c.EndpointID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.accounts) > 10_000 {
		clear(s.accounts)
	}
	s.accounts[c.EndpointID] = cachedAccount{rec: rec, at: now}
	s.mu.Unlock()
	return rec, nil
}

// Send implements delivery.Sender.
func (s *Sender) Send(ctx context.Context, c *orderhub.ClaimedDelivery) delivery.SendResult {
	rec, err := s.account(ctx, c)
	if err != nil {
		if orderhub.ErrorCode(err) == orderhub.ENotFound {
			return delivery.SendResult{Err: fmt.Errorf("the SALESmanago account %s no longer exists", c.EndpointID), Permanent: true}
		}
		return delivery.SendResult{Err: fmt.Errorf("reading the SALESmanago account: %w", err)}
	}
	cl, err := ClientFor(rec, s.sealer, s.http)
	if err != nil {
		// A key problem is fixed by configuration: retried, not dead.
		return delivery.SendResult{Err: err}
	}
	cl.Timeout, cl.Now = s.Timeout, s.Now
	// Finish within the claim's lease (a delivery may take several calls, e.g.
	// products in batches): after it, the delivery could be claimed again.
	if !c.LockedUntil.IsZero() {
		if d := time.Until(c.LockedUntil) - time.Second; d > time.Second {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
	}
	out, err := s.send(ctx, cl, rec, c)
	if err != nil {
		res := delivery.SendResult{Err: err}
		var e *Error
		if errors.As(err, &e) {
			res.StatusCode, res.Permanent, res.RetryAfter, res.Response = e.Status, e.Permanent, e.RetryAfter, e.Body
			if res.StatusCode == http.StatusOK {
				res.StatusCode = 0 // a refusal with HTTP 200: not a success to the engine
			}
		}
		var pe *payloadError
		if errors.As(err, &pe) {
			res.Permanent = true
		}
		return res
	}
	if out == "" {
		return delivery.SendResult{} // nothing to send for this event
	}
	return delivery.SendResult{StatusCode: http.StatusOK, Response: out}
}

// payloadError is an event orderhub cannot turn into a call (a permanent failure).
type payloadError struct{ msg string }

func (e *payloadError) Error() string { return e.msg }

// ForwardedContact is the data of a salesmanago.contact.upsert event.
type ForwardedContact struct {
	GroupKey string                      `json:"groupKey"`
	Contact  orderhub.SalesmanagoContact `json:"contact"`
}

// ForwardedDelete is the data of a salesmanago.contact.delete event.
type ForwardedDelete struct {
	GroupKey string `json:"groupKey"`
	Email    string `json:"email"`
}

// ForwardedEvent is the data of a salesmanago.event.add event.
type ForwardedEvent struct {
	GroupKey string                    `json:"groupKey"`
	Event    orderhub.SalesmanagoEvent `json:"event"`
}

// ForwardedProducts is the data of a salesmanago.products.upsert event.
type ForwardedProducts struct {
	GroupKey string                        `json:"groupKey"`
	Products []orderhub.SalesmanagoProduct `json:"products"`
}

func answer(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// send makes the calls of one delivery and returns a short summary for operators
// ("" when there was nothing to send).
func (s *Sender) send(ctx context.Context, cl *Client, rec *orderhub.SalesmanagoAccountRecord, c *orderhub.ClaimedDelivery) (string, error) {
	m := rec.Mapping
	switch c.EventType {
	case orderhub.EventSMContactUpsert:
		var f ForwardedContact
		if err := json.Unmarshal(c.EventData, &f); err != nil {
			return "", &payloadError{"bad forwarded contact: " + err.Error()}
		}
		u := forwardedUpsert(m, &f.Contact)
		id, err := cl.UpsertContact(ctx, u)
		if err != nil {
			return "", err
		}
		s.remember(c.EndpointID, u)
		return answer(map[string]string{"contactId": id}), nil

	case orderhub.EventSMContactDelete:
		var f ForwardedDelete
		if err := json.Unmarshal(c.EventData, &f); err != nil {
			return "", &payloadError{"bad forwarded delete: " + err.Error()}
		}
		s.forget(c.EndpointID, f.Email)
		deleted, err := cl.DeleteContact(ctx, f.Email)
		if err != nil {
			return "", err
		}
		return answer(map[string]bool{"result": deleted}), nil

	case orderhub.EventSMEventAdd:
		var f ForwardedEvent
		if err := json.Unmarshal(c.EventData, &f); err != nil {
			return "", &payloadError{"bad forwarded event: " + err.Error()}
		}
		e := f.Event
		ev := ExtEvent{Date: e.Date, Description: e.Description, Products: e.Products, Location: e.Location, Value: e.Value,
			ContactExtEventType: e.ContactExtEventType, ExternalID: e.ExternalID, ShopDomain: e.ShopDomain, Details: e.Details}
		id, err := cl.AddExtEvent(ctx, e.Email, e.ContactID, m.ForceOptIn, ev)
		if err != nil {
			return "", err
		}
		return answer(map[string]string{"eventId": id}), nil

	case orderhub.EventSMProductsUpsert:
		var f ForwardedProducts
		if err := json.Unmarshal(c.EventData, &f); err != nil {
			return "", &payloadError{"bad forwarded products: " + err.Error()}
		}
		ps := make([]Product, 0, len(f.Products))
		for i := range f.Products {
			ps = append(ps, V3Product(&f.Products[i]))
		}
		if err := cl.UpsertProducts(ctx, rec.CatalogID, ps); err != nil {
			return "", err
		}
		return answer(map[string]any{"catalogId": rec.CatalogID, "products": len(ps), "calls": (len(ps) + MaxProductsPerCall - 1) / MaxProductsPerCall}), nil

	case orderhub.EventCustomerCreated, orderhub.EventCustomerUpdated:
		if !m.ContactsSynced() {
			return "", nil
		}
		var cu orderhub.Customer
		if err := json.Unmarshal(c.EventData, &cu); err != nil {
			return "", &payloadError{"bad customer event: " + err.Error()}
		}
		if cu.Email == "" {
			return "", nil // SALESmanago contacts are keyed by e-mail
		}
		u := customerUpsert(m, &cu, c.EventData)
		id, err := cl.UpsertContact(ctx, u)
		if err != nil {
			return "", err
		}
		s.remember(c.EndpointID, u)
		return answer(map[string]string{"contactId": id}), nil
	}

	em, ok := m.EventMappings()[c.EventType]
	if !ok {
		return "", nil // not mapped for this account
	}
	if strings.HasPrefix(c.EventType, "order-") {
		var o struct {
			ContractID string `json:"contractId"`
		}
		if json.Unmarshal(c.EventData, &o) == nil && o.ContractID != "" {
			return "", nil // a contract's order: its contract events are the ones synced
		}
	}
	// Every synced event type is keyed by its customer.
	cu, err := s.store.GetCustomer(ctx, c.VendorID, c.OrderingKey)
	if err != nil {
		if orderhub.ErrorCode(err) == orderhub.ENotFound {
			return "", &payloadError{fmt.Sprintf("event %s: customer %q not found", c.EventType, c.OrderingKey)}
		}
		return "", err
	}
	if cu.Email == "" {
		return "", nil
	}
	data, err := decodeExact(c.EventData)
	if err != nil {
		return "", &payloadError{"bad event data: " + err.Error()}
	}
	custJSON, _ := json.Marshal(cu)
	fields := fieldSource{"data": data, "customer": decodeMap(custJSON)}

	contactID := ""
	if u := customerUpsert(m, cu, c.EventData); s.needsUpsert(c.EndpointID, u) {
		if contactID, err = cl.UpsertContact(ctx, u); err != nil {
			return "", err
		}
		s.remember(c.EndpointID, u)
	}
	ev := s.syncEvent(ctx, c, m, em, fields)
	eventID, err := cl.AddExtEvent(ctx, cu.Email, "", m.ForceOptIn, ev)
	if err != nil {
		if e := (*Error)(nil); errors.As(err, &e) && strings.Contains(strings.ToLower(strings.Join(e.Messages, " ")), "contact not found") {
			// Deleted in SALESmanago meanwhile: forget it, so the retry upserts first.
			s.forget(c.EndpointID, cu.Email)
			e.Permanent = false
		}
		return "", err
	}
	out := map[string]string{"eventId": eventID, "type": ev.ContactExtEventType}
	if contactID != "" {
		out["contactId"] = contactID
	}
	return answer(out), nil
}

func decodeMap(b []byte) map[string]any {
	m, _ := decodeExact(b)
	return m
}

// decodeExact decodes a JSON object keeping numbers exact (json.Number): amounts
// are forwarded as they were stored, never through float64.
func decodeExact(b []byte) (map[string]any, error) {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	err := d.Decode(&m)
	return m, err
}

// ---- known contacts ----

func contactDigest(u Upsert) string {
	b, _ := json.Marshal(u)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

func knownKey(endpoint, email string) string { return endpoint + "\x00" + strings.ToLower(email) }

func (s *Sender) needsUpsert(endpoint string, u Upsert) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.known[knownKey(endpoint, u.Contact.Email)]
	return !ok || k.digest != contactDigest(u) || time.Since(k.at) > knownTTL
}

func (s *Sender) remember(endpoint string, u Upsert) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.known) >= knownMax {
		clear(s.known)
	}
	s.known[knownKey(endpoint, u.Contact.Email)] = knownContact{digest: contactDigest(u), at: time.Now()}
}

func (s *Sender) forget(endpoint, email string) {
	s.mu.Lock()
	delete(s.known, knownKey(endpoint, email))
	s.mu.Unlock()
}

// ---- mapping ----

// fieldSource resolves mapping field paths: customer.<field>, data.<field>….
type fieldSource map[string]any

// resolve returns the text of a field path or a 'fixed text' ("" when absent).
func (f fieldSource) resolve(path string) string {
	if len(path) >= 2 && strings.HasPrefix(path, "'") && strings.HasSuffix(path, "'") {
		return path[1 : len(path)-1]
	}
	var cur any = map[string]any(f)
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		if cur, ok = m[part]; !ok {
			return ""
		}
	}
	switch v := cur.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

func properties(m *orderhub.SalesmanagoMapping, f fieldSource) map[string]string {
	if len(m.Properties) == 0 {
		return nil
	}
	out := map[string]string{}
	for name, path := range m.Properties {
		if v := f.resolve(path); v != "" {
			out[name] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// forwardedUpsert maps a seed 002 contact onto /api/contact/upsert.
func forwardedUpsert(m *orderhub.SalesmanagoMapping, c *orderhub.SalesmanagoContact) Upsert {
	u := Upsert{Contact: Contact{Email: c.Email, Name: c.Name, Phone: c.Phone, Fax: c.Fax, Company: c.Company},
		Tags: m.Tags, ForceOptIn: m.ForceOptIn}
	if c.StreetAddress != "" || c.ZipCode != "" || c.City != "" || c.Country != "" {
		u.Contact.Address = &Address{StreetAddress: c.StreetAddress, ZipCode: c.ZipCode, City: c.City, Country: c.Country}
	}
	raw, _ := json.Marshal(c)
	u.Properties = properties(m, fieldSource{"data": decodeMap(raw)})
	return u
}

// customerUpsert maps an orderhub customer onto /api/contact/upsert.
func customerUpsert(m *orderhub.SalesmanagoMapping, cu *orderhub.Customer, data json.RawMessage) Upsert {
	name := cu.FullName
	if name == "" {
		name = strings.TrimSpace(cu.FirstName + " " + cu.LastName)
	}
	u := Upsert{Contact: Contact{Email: cu.Email, Name: clipRunes(name, 255), Phone: cu.Phone, ExternalID: cu.ID},
		Tags: m.Tags, ForceOptIn: m.ForceOptIn}
	if a := cu.Address; !a.IsZero() {
		street := strings.TrimSpace(strings.TrimSpace(a.Street + " " + a.Street2))
		u.Contact.Address = &Address{StreetAddress: street, ZipCode: a.Zip, City: a.City, Country: a.Country}
	}
	custJSON, _ := json.Marshal(cu)
	u.Properties = properties(m, fieldSource{"customer": decodeMap(custJSON), "data": decodeMap(data)})
	return u
}

// syncEvent builds the external event of an automatically synced orderhub event.
func (s *Sender) syncEvent(ctx context.Context, c *orderhub.ClaimedDelivery, m *orderhub.SalesmanagoMapping, em orderhub.SalesmanagoEventMapping, f fieldSource) ExtEvent {
	d := func(path string) string { return f.resolve("data." + path) }
	ev := ExtEvent{Date: c.EventTime.UnixMilli(), ContactExtEventType: em.Type, ShopDomain: m.ShopDomain, Location: m.Location}
	var value string
	switch {
	case strings.HasPrefix(c.EventType, "contract-"):
		ev.ExternalID = d("contractId")
		ev.Description = d("productName")
		ev.Products = d("promoCode")
		if ev.Products == "" {
			ev.Products = d("productName")
		}
		if c.EventType != orderhub.EventContractCanceled && d("promoCode") != "" {
			if p, err := s.store.GetPromoCode(ctx, c.VendorID, d("promoCode")); err == nil {
				if minor, err := orderhub.ParseDecimal(p.Price); err == nil {
					q := int64(1)
					if n, err := strconv.ParseInt(d("quantity"), 10, 64); err == nil && n > 0 {
						q = n
					}
					value = orderhub.FormatDecimal(minor * q)
				}
			}
		}
	case strings.HasPrefix(c.EventType, "order-"):
		ev.ExternalID = d("externalOrderId")
		if ev.ExternalID == "" {
			ev.ExternalID = d("id")
		}
		ev.Description = "Order " + d("number")
		if items, ok := f["data"].(map[string]any)["items"].([]any); ok {
			var names []string
			for _, it := range items {
				im, _ := it.(map[string]any)
				n, _ := im["externalItemId"].(string)
				if n == "" {
					n, _ = im["name"].(string)
				}
				if n != "" {
					names = append(names, strings.ReplaceAll(n, ",", " "))
				}
			}
			ev.Products = strings.Join(names, ",")
		}
		value = d("total")
	case strings.HasPrefix(c.EventType, "shipping-"):
		ev.ExternalID = d("id")
		ev.Description = strings.TrimSpace(d("carrier") + " " + d("trackingNumber"))
	case strings.HasPrefix(c.EventType, "transaction-"):
		ev.ExternalID = d("externalId")
		if ev.ExternalID == "" {
			ev.ExternalID = d("id")
		}
		ev.Description = strings.TrimSpace(d("status") + " " + d("provider") + " " + d("message"))
		value = d("amount")
	}
	if em.Description != "" {
		ev.Description = f.resolve(em.Description)
	}
	if value != "" {
		n := json.Number(value)
		ev.Value = &n
	}
	for k, path := range em.Details {
		if v := f.resolve(path); v != "" {
			if ev.Details == nil {
				ev.Details = map[string]string{}
			}
			ev.Details[k] = clipRunes(v, orderhub.SMMaxDetail)
		}
	}
	ev.Description = clipRunes(ev.Description, orderhub.SMMaxDescription)
	ev.Products = clipRunes(ev.Products, orderhub.SMMaxProducts)
	ev.ExternalID = clipRunes(ev.ExternalID, orderhub.SMMaxExternalID)
	return ev
}

// V3Product maps a seed 002 product onto API v3 (sex → systemDetails.gender,
// special_price → discountPrice, image_url → mainImageUrl, image2_url → imageUrls,
// stock_available → quantity, detail1…5 → customDetails).
func V3Product(p *orderhub.SalesmanagoProduct) Product {
	out := Product{ProductID: p.ID, Name: p.Name, Description: p.Description, MainCategory: p.Category, ProductURL: p.URL,
		MainImageURL: p.ImageURL, Price: p.Price, DiscountPrice: p.SpecialPrice, Quantity: p.StockAvailable}
	if p.SubCategory != "" {
		out.Categories = []string{p.SubCategory}
	}
	if p.Image2URL != "" {
		out.ImageURLs = []string{p.Image2URL}
	}
	if p.StockAvailable != nil {
		avail := *p.StockAvailable > 0
		out.Available = &avail
	}
	sd := SystemDetails{Brand: p.Brand, Season: p.Season, Color: p.Color}
	if p.Sex != nil {
		sd.Gender = strconv.FormatInt(*p.Sex, 10)
	}
	if sd != (SystemDetails{}) {
		out.SystemDetails = &sd
	}
	for i, v := range []string{p.Detail1, p.Detail2, p.Detail3, p.Detail4, p.Detail5} {
		if v != "" {
			if out.CustomDetails == nil {
				out.CustomDetails = map[string]string{}
			}
			out.CustomDetails["detail"+strconv.Itoa(i+1)] = v
		}
	}
	return out
}
