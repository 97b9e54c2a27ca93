package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"orderhub"
	"orderhub/connector/salesmanago"
	"orderhub/manage"
)

// The SALESmanago integration API (seed 002) and its admin API.
//
//	POST   /salesmanago/contacts          upsert a contact      → 202 {requestId}
//	DELETE /salesmanago/contacts          delete a contact      → 202 {requestId}
//	POST   /salesmanago/events            add an external event → 202 {requestId}
//	POST   /salesmanago/products          upsert products       → 202 {requestId}
//	GET    /salesmanago/contact/{sm_id}   a contact, looked up synchronously
//	GET    /salesmanago/requests/{id}     the outcome of an accepted write
//
// Callers use a vendor OAuth token with the scope salesmanago; group_key picks one
// of the vendor's accounts (unknown: 404; another vendor's: 403). Writes are
// validated as the seed states, written to the outbox with one delivery to the
// account's endpoint (ordered per contact e-mail; products per account), and sent
// by the delivery engine as real SALESmanago calls.
//
// Admin (Bearer admin token):
//
//	GET, POST   /admin/v1/vendors/{vendorId}/salesmanago/accounts
//	GET, PATCH, DELETE /admin/v1/vendors/{vendorId}/salesmanago/accounts/{accountId}
//	PUT         /admin/v1/vendors/{vendorId}/salesmanago/accounts/{accountId}/mapping
//	POST        /admin/v1/vendors/{vendorId}/salesmanago/accounts/{accountId}/test

// SalesmanagoOptions configure the SALESmanago surface.
type SalesmanagoOptions struct {
	// Sealer seals account secrets (nil: stored as-is).
	Sealer *salesmanago.Sealer
	// HTTPClient calls SALESmanago for lookups and connection tests (nil: default).
	HTTPClient *http.Client
	// LookupTimeout bounds GET /salesmanago/contact/{sm_id} (default 5 s).
	LookupTimeout time.Duration
}

func (s *Server) salesmanagoRoutes(m *http.ServeMux) {
	sm := &salesmanagoAPI{base: &s.base, sm: s.sm, manage: s.manage}
	scope := orderhub.ScopeSalesmanago
	m.HandleFunc("POST /salesmanago/contacts", s.wrap(s.requireScope(scope, sm.handleSMContact)))
	m.HandleFunc("DELETE /salesmanago/contacts", s.wrap(s.requireScope(scope, sm.handleSMDelete)))
	m.HandleFunc("POST /salesmanago/events", s.wrap(s.requireScope(scope, sm.handleSMEvent)))
	m.HandleFunc("POST /salesmanago/products", s.wrap(s.requireScope(scope, sm.handleSMProducts)))
	m.HandleFunc("GET /salesmanago/contact/{smId}", s.wrap(s.requireScope(scope, sm.handleSMLookup)))
	m.HandleFunc("GET /salesmanago/requests/{requestId}", s.wrap(s.requireScope(scope, sm.handleSMRequest)))

	const a = "/admin/v1/vendors/{vendorId}/salesmanago/accounts"
	m.HandleFunc("GET "+a, s.requireAdmin(s.wrap(sm.handleAdminListSM)))
	m.HandleFunc("POST "+a, s.requireAdmin(s.wrap(sm.handleAdminCreateSM)))
	m.HandleFunc("GET "+a+"/{accountId}", s.requireAdmin(s.wrap(sm.handleAdminGetSM)))
	m.HandleFunc("PATCH "+a+"/{accountId}", s.requireAdmin(s.wrap(sm.handleAdminUpdateSM)))
	m.HandleFunc("DELETE "+a+"/{accountId}", s.requireAdmin(s.wrap(sm.handleAdminDeleteSM)))
	m.HandleFunc("PUT "+a+"/{accountId}/mapping", s.requireAdmin(s.wrap(sm.handleAdminSMMapping)))
	m.HandleFunc("POST "+a+"/{accountId}/test", s.requireAdmin(s.wrap(sm.handleAdminTestSM)))
}

// salesmanagoAPI serves the SALESmanago integration API and its account admin API.
type salesmanagoAPI struct {
	*base
	sm     SalesmanagoOptions
	manage func() *manage.Service // Server.manage
}

// smAccount resolves a request's group_key to the caller's account. Without a
// group_key, a vendor with exactly one account uses it.
func (s *salesmanagoAPI) smAccount(r *http.Request, groupKey string) (*orderhub.SalesmanagoAccountRecord, error) {
	p := principalFrom(r)
	if groupKey == "" {
		accts, err := s.store.Connectors.ListSalesmanagoAccounts(r.Context(), p.VendorID)
		if err != nil {
			return nil, err
		}
		switch len(accts) {
		case 0:
			return nil, orderhub.FieldError(orderhub.ENotFound, "group_key", "Vendor %q has no SALESmanago account.", p.VendorID)
		case 1:
			return accts[0], nil
		}
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "group_key", "group_key is required: vendor %q has %d SALESmanago accounts.", p.VendorID, len(accts))
	}
	if !orderhub.IsLineText(groupKey) {
		return nil, orderhub.FieldError(orderhub.ENotFound, "group_key", "group_key %q is not a SALESmanago account.", groupKey)
	}
	rec, err := s.store.Connectors.SalesmanagoAccountByGroupKey(r.Context(), groupKey)
	if err != nil {
		return nil, err
	}
	if rec.VendorID != p.VendorID {
		return nil, orderhub.FieldError(orderhub.EForbidden, "group_key", "group_key %q is not an account of this client's vendor.", groupKey)
	}
	return rec, nil
}

// SalesmanagoAccepted is the answer to an accepted write.
type SalesmanagoAccepted struct {
	RequestID string `json:"requestId"`
	Type      string `json:"type"`
	GroupKey  string `json:"groupKey"`
	Status    string `json:"status"`
	StatusURL string `json:"statusUrl"`
}

func (s *salesmanagoAPI) smAccept(w http.ResponseWriter, r *http.Request, rec *orderhub.SalesmanagoAccountRecord, typ, key string, data any) error {
	req, err := s.store.Connectors.AppendSalesmanagoRequest(r.Context(), rec.VendorID, rec.ID, typ, key, data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, SalesmanagoAccepted{RequestID: req.Event.ID, Type: typ, GroupKey: rec.GroupKey,
		Status: orderhub.DeliveryPending, StatusURL: "/salesmanago/requests/" + req.Event.ID})
	return nil
}

func (s *salesmanagoAPI) handleSMContact(w http.ResponseWriter, r *http.Request) error {
	in, err := parseBody(w, r, orderhub.ParseSalesmanagoContact)
	if err != nil {
		return err
	}
	rec, err := s.smAccount(r, in.GroupKey)
	if err != nil {
		return err
	}
	return s.smAccept(w, r, rec, orderhub.EventSMContactUpsert, "contact:"+in.Data.Email,
		salesmanago.ForwardedContact{GroupKey: rec.GroupKey, Contact: in.Data})
}

func (s *salesmanagoAPI) handleSMDelete(w http.ResponseWriter, r *http.Request) error {
	in, err := parseBody(w, r, orderhub.ParseSalesmanagoDelete)
	if err != nil {
		return err
	}
	rec, err := s.smAccount(r, in.GroupKey)
	if err != nil {
		return err
	}
	return s.smAccept(w, r, rec, orderhub.EventSMContactDelete, "contact:"+in.Email, salesmanago.ForwardedDelete{GroupKey: rec.GroupKey, Email: in.Email})
}

func (s *salesmanagoAPI) handleSMEvent(w http.ResponseWriter, r *http.Request) error {
	in, err := parseBody(w, r, func(b []byte) (*orderhub.SalesmanagoEventRequest, error) {
		return orderhub.ParseSalesmanagoEvent(b, s.now())
	})
	if err != nil {
		return err
	}
	rec, err := s.smAccount(r, in.GroupKey)
	if err != nil {
		return err
	}
	key := "contact:" + in.Data.Email
	if in.Data.Email == "" {
		key = "contactId:" + in.Data.ContactID
	}
	return s.smAccept(w, r, rec, orderhub.EventSMEventAdd, key, salesmanago.ForwardedEvent{GroupKey: rec.GroupKey, Event: in.Data})
}

func (s *salesmanagoAPI) handleSMProducts(w http.ResponseWriter, r *http.Request) error {
	in, err := parseBody(w, r, orderhub.ParseSalesmanagoProducts)
	if err != nil {
		return err
	}
	rec, err := s.smAccount(r, in.GroupKey)
	if err != nil {
		return err
	}
	if !rec.HasAPIKey || rec.CatalogID == "" {
		return orderhub.FieldError(orderhub.EUnprocessable, "group_key",
			"SALESmanago account %q has no product catalog (v3 API key and catalog id); an operator must add them.", rec.GroupKey)
	}
	return s.smAccept(w, r, rec, orderhub.EventSMProductsUpsert, "products:"+rec.ID, salesmanago.ForwardedProducts{GroupKey: rec.GroupKey, Products: in.Data})
}

// lookupTimeout bounds a synchronous call to SALESmanago (LookupTimeout, default 5 s).
func (o SalesmanagoOptions) lookupTimeout() time.Duration {
	if o.LookupTimeout > 0 {
		return o.LookupTimeout
	}
	return 5 * time.Second
}

func (s *Server) smLookupTimeout() time.Duration { return s.sm.lookupTimeout() }

// handleSMLookup serves GET /salesmanago/contact/{smId}: a synchronous
// /api/contact/basicById call with a short timeout.
func (s *salesmanagoAPI) handleSMLookup(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("smId")
	if !orderhub.IsLineText(id) || strings.TrimSpace(id) == "" || len(id) > 255 {
		return orderhub.FieldError(orderhub.ENotFound, "sm_id", "SALESmanago has no contact %q.", id)
	}
	rec, err := s.smAccount(r, strings.TrimSpace(r.URL.Query().Get("group_key")))
	if err != nil {
		return err
	}
	cl, err := salesmanago.ClientFor(rec, s.sm.Sealer, s.sm.HTTPClient)
	if err != nil {
		s.log.ErrorContext(r.Context(), "SALESmanago account secrets cannot be opened", "account", rec.ID, "err", err)
		return orderhub.Errorf(orderhub.EUnavailable, "SALESmanago account %q cannot be used now (its credentials cannot be read); an operator must check the server's configuration.", rec.GroupKey)
	}
	cl.Timeout = s.sm.lookupTimeout()
	ctx, cancel := context.WithTimeout(r.Context(), cl.Timeout)
	defer cancel()
	contacts, err := cl.ContactsByID(ctx, id)
	if err != nil {
		switch {
		case salesmanago.IsTimeout(err):
			err = orderhub.Errorf(orderhub.EUpstreamTimeout, "SALESmanago did not answer within %s.", cl.Timeout)
		default:
			err = orderhub.Errorf(orderhub.EUpstream, "SALESmanago failed: %s", strings.TrimPrefix(err.Error(), "SALESmanago "))
		}
		return err
	}
	for _, c := range contacts {
		if c.ContactID == id {
			writeJSON(w, http.StatusOK, c)
			return nil
		}
	}
	return orderhub.FieldError(orderhub.ENotFound, "sm_id", "SALESmanago has no contact %q in account %q.", id, rec.GroupKey)
}

// SalesmanagoRequestStatus is the outcome of an accepted write.
type SalesmanagoRequestStatus struct {
	RequestID     string              `json:"requestId"`
	Type          string              `json:"type"`
	AcceptedAt    time.Time           `json:"acceptedAt"`
	Status        string              `json:"status"` // pending, failed (will retry), delivered, dead, canceled
	Attempts      int                 `json:"attempts"`
	LastStatus    int                 `json:"lastStatus,omitempty"`
	LastError     string              `json:"lastError,omitempty"`
	NextAttemptAt *time.Time          `json:"nextAttemptAt,omitempty"`
	DeliveredAt   *time.Time          `json:"deliveredAt,omitempty"`
	History       []*orderhub.Attempt `json:"history"`
}

func (s *salesmanagoAPI) handleSMRequest(w http.ResponseWriter, r *http.Request) error {
	p := principalFrom(r)
	id := r.PathValue("requestId")
	if !orderhub.IsLineText(id) {
		return orderhub.Errorf(orderhub.ENotFound, "SALESmanago request %q not found.", id)
	}
	ev, err := s.store.Connectors.GetSalesmanagoRequestEvent(r.Context(), p.VendorID, id)
	if err != nil {
		return err
	}
	ds, err := s.store.Deliveries.ListDeliveries(r.Context(), orderhub.DeliveryFilter{VendorID: p.VendorID, EventID: ev.ID, Limit: 10})
	if err != nil {
		return err
	}
	out := SalesmanagoRequestStatus{RequestID: ev.ID, Type: ev.Type, AcceptedAt: ev.CreatedAt, Status: orderhub.DeliveryCanceled, History: []*orderhub.Attempt{}}
	if len(ds) > 0 {
		d := ds[0]
		out.Status, out.Attempts, out.LastStatus, out.LastError = d.Status, d.Attempts, d.LastStatus, d.LastError
		out.NextAttemptAt, out.DeliveredAt = d.NextAttemptAt, d.DeliveredAt
		if out.History, err = s.store.Deliveries.ListAttempts(r.Context(), p.VendorID, d.ID); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ---- admin ----

// SalesmanagoAccountCreated is the answer to creating an account.
type SalesmanagoAccountCreated struct {
	*orderhub.SalesmanagoAccountRecord
	// SecretsEncrypted says whether the secrets were encrypted (ORDERHUB_SECRET_KEY
	// set) or stored as-is.
	SecretsEncrypted bool `json:"secretsEncrypted"`
}

// handleAdminListSM pages the vendor's accounts, oldest first, like the catalog lists.
func (s *salesmanagoAPI) handleAdminListSM(w http.ResponseWriter, r *http.Request) error {
	return adminSlicePage(s.base, w, r, "salesmanago-accounts", func(a *orderhub.SalesmanagoAccountRecord) orderhub.PageKey { return createdKey(a.CreatedAt, a.ID) }, func(vendorID string) ([]*orderhub.SalesmanagoAccountRecord, error) {
		return s.store.Connectors.ListSalesmanagoAccounts(r.Context(), vendorID)
	})
}

func (s *salesmanagoAPI) handleAdminCreateSM(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	if err != nil {
		return err
	}
	var in orderhub.SalesmanagoAccountInput
	if err := decodeSMAdmin(w, r, &in); err != nil {
		return err
	}
	rec, err := s.manage().Connectors().CreateSalesmanagoAccount(r.Context(), vendorID, &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, SalesmanagoAccountCreated{rec, s.sm.Sealer.Encrypts()})
	return nil
}

func (s *salesmanagoAPI) adminSMAccount(r *http.Request) (*orderhub.SalesmanagoAccountRecord, error) {
	vendorID, err := s.adminVendor(r)
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "accountId", "SALESmanago account")
	if err != nil {
		return nil, err
	}
	return s.store.Connectors.GetSalesmanagoAccount(r.Context(), vendorID, id)
}

func (s *salesmanagoAPI) handleAdminGetSM(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.adminSMAccount(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// handleAdminUpdateSM changes an account's settings or rotates its secrets; the id
// and endpoint stay, so its dead deliveries can be replayed afterwards.
func (s *salesmanagoAPI) handleAdminUpdateSM(w http.ResponseWriter, r *http.Request) error {
	return changeSMAccount(s, w, r, s.manage().Connectors().UpdateSalesmanagoAccount)
}

func (s *salesmanagoAPI) handleAdminDeleteSM(w http.ResponseWriter, r *http.Request) error {
	vendorID, err := s.adminVendor(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "accountId", "SALESmanago account")
	if err != nil {
		return err
	}
	if err := s.manage().Connectors().DeleteSalesmanagoAccount(r.Context(), vendorID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *salesmanagoAPI) handleAdminSMMapping(w http.ResponseWriter, r *http.Request) error {
	return changeSMAccount(s, w, r, s.manage().Connectors().SetSalesmanagoMapping)
}

// changeSMAccount changes the account of the path with a body of type T, read
// strictly (decodeSMAdmin), and answers the account as changed.
func changeSMAccount[T any](s *salesmanagoAPI, w http.ResponseWriter, r *http.Request,
	change func(ctx context.Context, vendorID, id string, in *T) (*orderhub.SalesmanagoAccountRecord, error)) error {
	rec, err := s.adminSMAccount(r)
	if err != nil {
		return err
	}
	var in T
	if err := decodeSMAdmin(w, r, &in); err != nil {
		return err
	}
	out, err := change(r.Context(), rec.VendorID, rec.ID, &in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleAdminTestSM tests an account's credentials against SALESmanago; the answer
// is 200 with ok and the reasons either way.
func (s *salesmanagoAPI) handleAdminTestSM(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.adminSMAccount(r)
	var res salesmanago.TestResult
	if err == nil {
		_, res, err = s.manage().Connectors().TestSalesmanagoAccount(r.Context(), rec.VendorID, rec.ID)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// decodeSMAdmin reads an admin body strictly: a misspelt setting is an error.
func decodeSMAdmin(w http.ResponseWriter, r *http.Request, v any) error {
	return readJSON(w, r, v, orderhub.JSONOptions{KnownFields: true})
}
