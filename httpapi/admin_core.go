package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"orderhub"
	"orderhub/console"
)

// The admin API of the core entities, across vendors (admin token):
//
//	GET, POST /admin/v1/vendors                    GET /admin/v1/vendors/{vendorId}
//	GET, POST /admin/v1/clients                    (create answers the secret once)
//	GET       /admin/v1/clients/{clientId}         POST /admin/v1/clients/{clientId}/revoke
//	POST      /admin/v1/clients/{clientId}/rotate-secret  (answers the new secret once)
//	GET, POST /admin/v1/promo-codes
//	GET       /admin/v1/customers                  GET /admin/v1/customers/{customerId}
//	GET       /admin/v1/customers/{customerId}/timeline
//	GET       /admin/v1/orders                     GET /admin/v1/orders/{orderId}
//	GET       /admin/v1/contracts                  GET /admin/v1/contracts/{contractId}
//	GET       /admin/v1/events                     GET /admin/v1/events/{eventId}
//	GET       /admin/v1/dashboard
//
// Lists answer {"data": [...], "next_cursor": "..."} newest first; pass next_cursor
// back as ?cursor= for the next page (limit 1..500, default 50). Filters are query
// parameters (vendor, email, externalOrderId, customerId, type, orderingKey, status,
// from, to as RFC 3339); an unknown parameter is refused, so that a misspelt filter
// never silently lists everything. The same store functions serve `orderhub admin`.

func (s *Server) adminCoreRoutes(m *http.ServeMux) {
	h := &adminCoreAPI{base: &s.base, manage: s.manage}
	const a = "/admin/v1"
	m.HandleFunc("GET "+a+"/vendors", s.requireAdmin(s.wrap(h.handleAdminListVendors)))
	m.HandleFunc("POST "+a+"/vendors", s.requireAdmin(s.wrap(h.handleAdminCreateVendor)))
	m.HandleFunc("GET "+a+"/vendors/{vendorId}", s.requireAdmin(s.wrap(h.handleAdminGetVendor)))
	s.adminVendorRoutes(m) // admin_vendor.go: PATCH vendors, promo code changes
	m.HandleFunc("GET "+a+"/clients", s.requireAdmin(s.wrap(h.handleAdminListClients)))
	m.HandleFunc("POST "+a+"/clients", s.requireAdmin(s.wrap(h.handleAdminCreateClient)))
	m.HandleFunc("GET "+a+"/clients/{clientId}", s.requireAdmin(s.wrap(h.handleAdminGetClient)))
	m.HandleFunc("POST "+a+"/clients/{clientId}/revoke", s.requireAdmin(s.wrap(h.handleAdminRevokeClient)))
	m.HandleFunc("POST "+a+"/clients/{clientId}/rotate-secret", s.requireAdmin(s.wrap(h.handleAdminRotateClient)))
	m.HandleFunc("GET "+a+"/promo-codes", s.requireAdmin(s.wrap(h.handleAdminListPromoCodes)))
	m.HandleFunc("POST "+a+"/promo-codes", s.requireAdmin(s.wrap(h.handleAdminCreatePromoCode)))
	m.HandleFunc("GET "+a+"/customers", s.requireAdmin(s.wrap(h.handleAdminListCustomers)))
	m.HandleFunc("GET "+a+"/customers/{customerId}", s.requireAdmin(s.wrap(h.handleAdminGetCustomer)))
	m.HandleFunc("GET "+a+"/customers/{customerId}/timeline", s.requireAdmin(s.wrap(h.handleAdminCustomerTimeline)))
	m.HandleFunc("GET "+a+"/orders", s.requireAdmin(s.wrap(h.handleAdminListOrders)))
	m.HandleFunc("GET "+a+"/orders/{orderId}", s.requireAdmin(s.wrap(h.handleAdminGetOrder)))
	m.HandleFunc("GET "+a+"/contracts", s.requireAdmin(s.wrap(h.handleAdminListContracts)))
	m.HandleFunc("GET "+a+"/contracts/{contractId}", s.requireAdmin(s.wrap(h.handleAdminGetContract)))
	m.HandleFunc("GET "+a+"/events", s.requireAdmin(s.wrap(h.handleAdminListEvents)))
	m.HandleFunc("GET "+a+"/events/{eventId}", s.requireAdmin(s.wrap(h.handleAdminGetEvent)))
	dash := orderhub.NewDashboardCache(s.store.Admin, s.store.Now, 2*time.Second)
	m.HandleFunc("GET "+a+"/dashboard", s.requireAdmin(s.wrap(func(w http.ResponseWriter, r *http.Request) error { return h.handleAdminDashboard(w, r, dash) })))

	// The web console (HTML pages with their own login; docs/console.md).
	m.Handle("/console/", console.Handler(console.Config{Store: s.store, Logger: s.log, Now: s.now, Guard: s.guard, Manage: s.manage()}))
	m.HandleFunc("GET /favicon.ico", console.Favicon)
}

// wholeParam reads the whole-number query parameter name, from lo to hi; def when
// it is not given.
func wholeParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, orderhub.FieldError(orderhub.EInvalidRequest, name, "%s must be a whole number from %d to %d, got %q.", name, lo, hi, v)
	}
	return n, nil
}

// AdminQuery parses the paging and filter parameters of an admin listing; allowed
// names the filters the listing takes (cursor and limit are always allowed). The
// console uses it too.
func AdminQuery(q url.Values, allowed ...string) (orderhub.AdminFilter, orderhub.Page, error) {
	var f orderhub.AdminFilter
	var p orderhub.Page
	for name, vs := range q {
		if name != "cursor" && name != "limit" && !slices.Contains(allowed, name) {
			return f, p, orderhub.FieldError(orderhub.EInvalidRequest, name, "Unknown query parameter %q; this list takes %s.", name, strings.Join(append([]string{"cursor", "limit"}, allowed...), ", "))
		}
		if len(vs) > 1 {
			return f, p, orderhub.FieldError(orderhub.EInvalidRequest, name, "Query parameter %s is given %d times.", name, len(vs))
		}
		if !orderhub.IsLineText(vs[0]) {
			return f, p, orderhub.FieldError(orderhub.EInvalidRequest, name, "Query parameter %s contains control characters or invalid UTF-8.", name)
		}
		if len(vs[0]) > 1000 {
			return f, p, orderhub.FieldError(orderhub.EInvalidRequest, name, "Query parameter %s is longer than 1000 characters.", name)
		}
	}
	p.Cursor = q.Get("cursor")
	var err error
	if p.Limit, err = wholeParam(q, "limit", 0, 1, orderhub.MaxPageLimit); err != nil {
		return f, p, err
	}
	f.VendorID = q.Get("vendor")
	f.Email = q.Get("email")
	f.ExternalOrderID = q.Get("externalOrderId")
	f.CustomerID = q.Get("customerId")
	f.Type = q.Get("type")
	f.OrderingKey = q.Get("orderingKey")
	f.Status = q.Get("status")
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := q.Get(t.name)
		if v == "" {
			continue
		}
		tm, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return f, p, orderhub.FieldError(orderhub.EInvalidRequest, t.name, "%s must be an RFC 3339 time such as 2026-11-23T08:00:00Z, got %q.", t.name, v)
		}
		*t.dst = tm
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, p, orderhub.FieldError(orderhub.EInvalidRequest, "to", "to must be after from.")
	}
	return f, p, nil
}

// adminPage answers one page of a listing.
func adminPage[T any](w http.ResponseWriter, r *http.Request, list func(orderhub.AdminFilter, orderhub.Page) (*orderhub.PageOf[T], error), allowed ...string) error {
	f, p, err := AdminQuery(r.URL.Query(), allowed...)
	if err != nil {
		return err
	}
	pg, err := list(f, p)
	if err != nil {
		return PageError(err)
	}
	writeJSON(w, http.StatusOK, pg)
	return nil
}

// PageError words a listing's refusal of its cursor query parameter (an
// orderhub.CursorRefused from the store) for the admin API; other errors pass
// unchanged. The CLI's lists use it too.
func PageError(err error) error {
	if list, ok := orderhub.RefusedCursor(err); ok {
		return orderhub.FieldError(orderhub.EInvalidRequest, "cursor", "cursor is not a cursor of this %s listing; pass the next_cursor of a previous answer unchanged.", list)
	}
	return err
}

// adminGet answers one record named by a path value.
func adminGet[T any](w http.ResponseWriter, r *http.Request, name, what string, get func(id string) (T, error)) error {
	id, err := pathID(r, name, what)
	if err != nil {
		return err
	}
	v, err := get(id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *adminCoreAPI) handleAdminListVendors(w http.ResponseWriter, r *http.Request) error {
	return adminPage(w, r, func(_ orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Vendor], error) {
		return s.store.Admin.AdminListVendors(r.Context(), p)
	})
}

func (s *adminCoreAPI) handleAdminCreateVendor(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	err := decodeAdmin(w, r, &in)
	v := &orderhub.Vendor{ID: in.ID, Name: in.Name}
	if err == nil {
		err = s.manage().Vendors().CreateVendor(r.Context(), v)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *adminCoreAPI) handleAdminGetVendor(w http.ResponseWriter, r *http.Request) error {
	return adminGet(w, r, "vendorId", "Vendor", func(id string) (*orderhub.Vendor, error) { return s.store.Tenants.GetVendor(r.Context(), id) })
}

func (s *adminCoreAPI) handleAdminListClients(w http.ResponseWriter, r *http.Request) error {
	return adminPage(w, r, func(f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Client], error) {
		return s.store.Admin.AdminListClients(r.Context(), f, p)
	}, "vendor", "status", "from", "to")
}

// CreatedClient is a client as created: its secret is shown this once.
type CreatedClient struct {
	*orderhub.Client
	ClientSecret string `json:"clientSecret"`
}

func (s *adminCoreAPI) handleAdminCreateClient(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ID       string   `json:"clientId"`
		VendorID string   `json:"vendorId"`
		Name     string   `json:"name"`
		Scopes   []string `json:"scopes"`
	}
	err := decodeAdmin(w, r, &in)
	c := &orderhub.Client{ID: in.ID, VendorID: in.VendorID, Name: in.Name, Scopes: in.Scopes}
	var secret string
	if err == nil {
		secret, err = s.manage().Vendors().CreateClient(r.Context(), c)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, CreatedClient{Client: c, ClientSecret: secret})
	return nil
}

func (s *adminCoreAPI) handleAdminGetClient(w http.ResponseWriter, r *http.Request) error {
	return adminGet(w, r, "clientId", "Client", func(id string) (*orderhub.Client, error) {
		c, err := s.store.Tenants.GetClient(r.Context(), id)
		if err != nil {
			return nil, err
		}
		return &c.Client, nil
	})
}

func (s *adminCoreAPI) handleAdminRevokeClient(w http.ResponseWriter, r *http.Request) error {
	return adminGet(w, r, "clientId", "Client", func(id string) (*orderhub.Client, error) {
		return s.manage().Vendors().RevokeClient(r.Context(), id)
	})
}

// handleAdminRotateClient gives a client a new secret, answered this once (the old
// one stops working at once).
func (s *adminCoreAPI) handleAdminRotateClient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "clientId", "Client")
	var c *orderhub.Client
	var secret string
	if err == nil {
		c, secret, err = s.manage().Vendors().RotateClientSecret(r.Context(), id)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, CreatedClient{Client: c, ClientSecret: secret})
	return nil
}

func (s *adminCoreAPI) handleAdminListPromoCodes(w http.ResponseWriter, r *http.Request) error {
	return adminPage(w, r, func(f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.PromoCode], error) {
		return s.store.Admin.AdminListPromoCodes(r.Context(), f, p)
	}, "vendor", "from", "to")
}

func (s *adminCoreAPI) handleAdminCreatePromoCode(w http.ResponseWriter, r *http.Request) error {
	var p orderhub.PromoCode
	err := decodeAdmin(w, r, &p)
	if err == nil {
		err = s.manage().Vendors().CreatePromoCode(r.Context(), &p)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &p)
	return nil
}

func (s *adminCoreAPI) handleAdminListCustomers(w http.ResponseWriter, r *http.Request) error {
	return adminPage(w, r, func(f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Customer], error) {
		return s.store.Admin.AdminListCustomers(r.Context(), f, p)
	}, "vendor", "email", "from", "to")
}

func (s *adminCoreAPI) handleAdminGetCustomer(w http.ResponseWriter, r *http.Request) error {
	return adminGet(w, r, "customerId", "Customer", func(id string) (*orderhub.Customer, error) { return s.store.Admin.AdminGetCustomer(r.Context(), id) })
}

// Timeline is the answer of the customer timeline.
type Timeline struct {
	Customer *orderhub.Customer       `json:"customer"`
	Data     []orderhub.TimelineEntry `json:"data"`
}

func (s *adminCoreAPI) handleAdminCustomerTimeline(w http.ResponseWriter, r *http.Request) error {
	limit, err := wholeParam(r.URL.Query(), "limit", 200, 1, 1000)
	if err != nil {
		return err
	}
	return adminGet(w, r, "customerId", "Customer", func(id string) (*Timeline, error) {
		c, err := s.store.Admin.AdminGetCustomer(r.Context(), id)
		if err != nil {
			return nil, err
		}
		tl, err := s.store.Admin.CustomerTimeline(r.Context(), id, limit)
		if err != nil {
			return nil, err
		}
		return &Timeline{Customer: c, Data: tl}, nil
	})
}

func (s *adminCoreAPI) handleAdminListOrders(w http.ResponseWriter, r *http.Request) error {
	return adminPage(w, r, func(f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Order], error) {
		return s.store.Admin.AdminListOrders(r.Context(), f, p)
	}, "vendor", "email", "externalOrderId", "customerId", "status", "from", "to")
}

func (s *adminCoreAPI) handleAdminGetOrder(w http.ResponseWriter, r *http.Request) error {
	return adminGet(w, r, "orderId", "Order", func(id string) (*orderhub.Order, error) { return s.store.Admin.AdminGetOrder(r.Context(), id) })
}

func (s *adminCoreAPI) handleAdminListContracts(w http.ResponseWriter, r *http.Request) error {
	return adminPage(w, r, func(f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Contract], error) {
		return s.store.Admin.AdminListContracts(r.Context(), f, p)
	}, "vendor", "email", "externalOrderId", "customerId", "status", "from", "to")
}

func (s *adminCoreAPI) handleAdminGetContract(w http.ResponseWriter, r *http.Request) error {
	return adminGet(w, r, "contractId", "Contract", func(id string) (*orderhub.Contract, error) { return s.store.Admin.AdminGetContract(r.Context(), id) })
}

func (s *adminCoreAPI) handleAdminListEvents(w http.ResponseWriter, r *http.Request) error {
	return adminPage(w, r, func(f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Event], error) {
		return s.store.Admin.AdminListEvents(r.Context(), f, p)
	}, "vendor", "type", "orderingKey", "from", "to")
}

func (s *adminCoreAPI) handleAdminGetEvent(w http.ResponseWriter, r *http.Request) error {
	return adminGet(w, r, "eventId", "Event", func(id string) (*orderhub.Event, error) { return s.store.Admin.AdminGetEvent(r.Context(), id) })
}

func (s *adminCoreAPI) handleAdminDashboard(w http.ResponseWriter, r *http.Request, dash *orderhub.DashboardCache) error {
	minutes, err := wholeParam(r.URL.Query(), "minutes", 15, 1, 120)
	if err != nil {
		return err
	}
	d, err := dash.Get(r.Context(), minutes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
