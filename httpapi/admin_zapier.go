package httpapi

import (
	"encoding/json"
	"net/http"

	"orderhub"
)

// The admin API behind the Zapier API (seed 003), per vendor:
//
//	GET, POST  /admin/v1/vendors/{vendorId}/zapier-users            (password only in the POST; generated and answered once when left out)
//	PATCH      /admin/v1/vendors/{vendorId}/zapier-users/{userId}   {email?, name?}
//	DELETE     /admin/v1/vendors/{vendorId}/zapier-users/{userId}   (ends the user's sessions)
//	POST       /admin/v1/vendors/{vendorId}/zapier-users/{userId}/reset-password   (ends the user's sessions)
//	POST       /admin/v1/vendors/{vendorId}/zapier-users/{userId}/disable|enable   (disable ends the sessions)
//	GET        /admin/v1/vendors/{vendorId}/zapier-channels         live REST-hook subscriptions
//	POST       /admin/v1/vendors/{vendorId}/orders/{orderId}/shippings    → shipping-created
//	POST       /admin/v1/vendors/{vendorId}/transactions                  → transaction-approved/-declined
//	POST       /admin/v1/vendors/{vendorId}/surveys                       → survey-created
//
// Shippings, transactions (e.g. from a payment provider) and surveys come into
// orderhub here; the Zapier triggers then deliver them.

func (s *Server) adminZapierRoutes(m *http.ServeMux) {
	h := &adminCatalogAPI{base: &s.base, manage: s.manage}
	const v = "/admin/v1/vendors/{vendorId}"
	m.HandleFunc("GET "+v+"/zapier-users", s.requireAdmin(s.wrap(h.handleAdminListZapierUsers)))
	m.HandleFunc("POST "+v+"/zapier-users", s.requireAdmin(s.wrap(h.handleAdminCreateZapierUser)))
	m.HandleFunc("PATCH "+v+"/zapier-users/{userId}", s.requireAdmin(s.wrap(h.handleAdminUpdateZapierUser)))
	m.HandleFunc("DELETE "+v+"/zapier-users/{userId}", s.requireAdmin(s.wrap(h.handleAdminDeleteZapierUser)))
	m.HandleFunc("POST "+v+"/zapier-users/{userId}/reset-password", s.requireAdmin(s.wrap(h.handleAdminResetZapierPassword)))
	m.HandleFunc("POST "+v+"/zapier-users/{userId}/disable", s.requireAdmin(s.wrap(h.handleAdminSetZapierUserEnabled(false))))
	m.HandleFunc("POST "+v+"/zapier-users/{userId}/enable", s.requireAdmin(s.wrap(h.handleAdminSetZapierUserEnabled(true))))
	m.HandleFunc("GET "+v+"/zapier-channels", s.requireAdmin(s.wrap(h.handleAdminListZapierChannels)))
	m.HandleFunc("POST "+v+"/orders/{orderId}/shippings", s.requireAdmin(s.wrap(h.handleAdminCreateShipping)))
	m.HandleFunc("POST "+v+"/transactions", s.requireAdmin(s.wrap(h.handleAdminRecordTransaction)))
	m.HandleFunc("POST "+v+"/surveys", s.requireAdmin(s.wrap(h.handleAdminCreateSurvey)))
}

func (s *adminCatalogAPI) handleAdminListZapierUsers(w http.ResponseWriter, r *http.Request) error {
	return adminSlicePage(s.base, w, r, "zapier-users", func(u *orderhub.ZapierUser) orderhub.PageKey { return createdKey(u.CreatedAt, u.ID) }, func(vendorID string) ([]*orderhub.ZapierUser, error) {
		return s.store.Catalog.ListZapierUsers(r.Context(), vendorID)
	})
}

func (s *adminCatalogAPI) handleAdminCreateZapierUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	return adminAnswer(s.base, w, r, http.StatusCreated, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (ZapierUserCredentials, error) {
		u := &orderhub.ZapierUser{VendorID: vendorID, Email: in.Email, Name: in.Name}
		generated, err := s.manage().Connectors().CreateZapierUser(r.Context(), u, in.Password)
		return ZapierUserCredentials{u, generated}, err
	})
}

// handleAdminUpdateZapierUser serves PATCH …/zapier-users/{userId} {email?, name?}.
func (s *adminCatalogAPI) handleAdminUpdateZapierUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email *string `json:"email"`
		Name  *string `json:"name"`
	}
	var id string
	// decodeSMAdmin: strict, a misspelt field is an error, not a no-op
	return adminAnswer(s.base, w, r, http.StatusOK, pathThen(r, "userId", "Zapier user", &id, bodyInto(decodeSMAdmin, w, r, &in)), func(vendorID string) (*orderhub.ZapierUser, error) {
		return s.manage().Connectors().UpdateZapierUser(r.Context(), vendorID, id, in.Email, in.Name)
	})
}

// handleAdminSetZapierUserEnabled serves POST …/zapier-users/{userId}/disable and
// …/enable (no body): the user as it is then.
func (s *adminCatalogAPI) handleAdminSetZapierUserEnabled(enabled bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var id string
		return adminAnswer(s.base, w, r, http.StatusOK, pathThen(r, "userId", "Zapier user", &id, nil), func(vendorID string) (*orderhub.ZapierUser, error) {
			return s.manage().Connectors().SetZapierUserEnabled(r.Context(), vendorID, id, enabled)
		})
	}
}

// ZapierUserCredentials is a Zapier user with the password orderhub generated for it
// (shown this once; empty, and left out, when the caller chose the password).
type ZapierUserCredentials struct {
	*orderhub.ZapierUser
	Password string `json:"password,omitempty"`
}

// handleAdminResetZapierPassword serves POST …/zapier-users/{userId}/reset-password
// {password?}: a new password (generated and answered once when left out); the
// user's sessions end at once, so the Zapier app must log in again.
func (s *adminCatalogAPI) handleAdminResetZapierPassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Password string `json:"password"`
	}
	var id string
	return adminAnswer(s.base, w, r, http.StatusOK, pathThen(r, "userId", "Zapier user", &id, bodyInto(decodeOptional, w, r, &in)), func(vendorID string) (ZapierUserCredentials, error) {
		u, generated, err := s.manage().Connectors().ResetZapierPassword(r.Context(), vendorID, id, in.Password)
		return ZapierUserCredentials{u, generated}, err
	})
}

func (s *adminCatalogAPI) handleAdminDeleteZapierUser(w http.ResponseWriter, r *http.Request) error {
	return s.adminDelete(w, r, func(vendorID string) error {
		id, err := pathID(r, "userId", "Zapier user")
		if err != nil {
			return err
		}
		return s.manage().Connectors().DeleteZapierUser(r.Context(), vendorID, id)
	})
}

func (s *adminCatalogAPI) handleAdminListZapierChannels(w http.ResponseWriter, r *http.Request) error {
	return adminSlicePage(s.base, w, r, "zapier-channels", func(c *orderhub.ZapierChannel) orderhub.PageKey { return createdKey(c.CreatedAt, c.ID) }, func(vendorID string) ([]*orderhub.ZapierChannel, error) {
		return s.store.Catalog.ListZapierChannels(r.Context(), vendorID)
	})
}

func (s *adminCatalogAPI) handleAdminCreateShipping(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Carrier        string `json:"carrier"`
		TrackingNumber string `json:"trackingNumber"`
		TrackingURL    string `json:"trackingUrl"`
		ExternalID     string `json:"externalId"`
	}
	var orderID string
	return adminAnswer(s.base, w, r, http.StatusCreated, pathThen(r, "orderId", "Order", &orderID, bodyInto(decodeAdmin, w, r, &in)), func(vendorID string) (*orderhub.Shipping, error) {
		sh := &orderhub.Shipping{VendorID: vendorID, OrderID: orderID, Carrier: in.Carrier, TrackingNumber: in.TrackingNumber, TrackingURL: in.TrackingURL, ExternalID: in.ExternalID}
		return sh, s.manage().Connectors().CreateShipping(r.Context(), sh)
	})
}

func (s *adminCatalogAPI) handleAdminRecordTransaction(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		CustomerID string          `json:"customerId"`
		OrderID    string          `json:"orderId"`
		ContractID string          `json:"contractId"`
		Status     string          `json:"status"`
		Amount     *orderhub.Money `json:"amount"`
		Currency   string          `json:"currency"`
		Provider   string          `json:"provider"`
		ExternalID string          `json:"externalId"`
		Message    string          `json:"message"`
	}
	return adminAnswer(s.base, w, r, http.StatusCreated, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.Transaction, error) {
		t := &orderhub.Transaction{VendorID: vendorID, Status: in.Status, Currency: in.Currency, CustomerID: in.CustomerID, OrderID: in.OrderID,
			ContractID: in.ContractID, Provider: in.Provider, ExternalID: in.ExternalID, Message: in.Message}
		return t, s.manage().Connectors().RecordTransaction(r.Context(), t, in.Amount)
	})
}

func (s *adminCatalogAPI) handleAdminCreateSurvey(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Title           string          `json:"title"`
		Description     string          `json:"description"`
		Take            string          `json:"take"`
		CaptureName     bool            `json:"captureName"`
		CapturePhone    bool            `json:"capturePhone"`
		CaptureAtEnd    bool            `json:"captureAtEnd"`
		Status          *bool           `json:"status"`
		StartQuestionID *string         `json:"startQuestionId"`
		LeadCapture     string          `json:"leadCapture"`
		Metadata        json.RawMessage `json:"metadata"`
	}
	return adminAnswer(s.base, w, r, http.StatusCreated, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.Survey, error) {
		sv := &orderhub.Survey{VendorID: vendorID, Title: in.Title, Description: in.Description, Take: in.Take, LeadCapture: in.LeadCapture,
			CaptureName: in.CaptureName, CapturePhone: in.CapturePhone, CaptureAtEnd: in.CaptureAtEnd, Status: in.Status == nil || *in.Status,
			StartQuestionID: in.StartQuestionID, Metadata: in.Metadata}
		return sv, s.manage().Connectors().CreateSurvey(r.Context(), sv)
	})
}
