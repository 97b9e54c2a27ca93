package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"orderhub"
)

// The console's forms that create and change things (issue 18 part 1). Each form
// calls the function of package manage that the admin API's handler calls, so a
// form refuses what the API refuses, with the API's message, shown next to the
// form. Roles: an operator manages every vendor; a vendor-admin its own vendor's
// records; a vendor-viewer sees no forms (its POSTs are refused by scopeRequest).
// Every change is recorded in the audit log by the store's writer (the Change that
// auth or change puts in the request's context).

func (c *console) manageRoutes() {
	m := c.mux
	e := &endpointForms{c}
	const p = Prefix
	m.HandleFunc("GET "+p+"/endpoints/new", c.auth(e.handleNewEndpoint))
	m.HandleFunc("POST "+p+"/endpoints", c.auth(e.handleCreateEndpoint))
	m.HandleFunc("GET "+p+"/endpoints/{id}/edit", c.auth(e.handleEditEndpoint))
	m.HandleFunc("POST "+p+"/endpoints/{id}/edit", c.auth(e.handleUpdateEndpoint))
	m.HandleFunc("POST "+p+"/endpoints/{id}/delete", c.auth(e.handleDeleteEndpoint))
	(&vendorForms{c}).manageClientRoutes()
	(&vendorForms{c}).manageCatalogRoutes()
	(&userForms{c}).manageUserRoutes()
	(&connectorForms{c}).manageConnectorRoutes()
	(&catalogForms{c}).manageSourceRoutes()
	(&catalogForms{c}).manageProductRoutes()
	(&vendorForms{c}).manageVendorRoutes() // manage_vendor.go: vendor, quota, promo code and portal link forms
}

// openForm reads what a form edits: a read-only session is refused first, then
// load reads it (and answers the request itself when it cannot).
func openForm[T any](c *console, w http.ResponseWriter, r *http.Request, load func(http.ResponseWriter, *http.Request) (T, bool)) (T, bool) {
	if c.readOnly(w, r) {
		var zero T
		return zero, false
	}
	return load(w, r)
}

// mayChange reports whether the session's role may use the forms.
func mayChange(r *http.Request) bool {
	s := session(r)
	return s != nil && s.Role != orderhub.RoleVendorViewer
}

// readOnly refuses a vendor-viewer the form pages.
func (c *console) readOnly(w http.ResponseWriter, r *http.Request) bool {
	if mayChange(r) {
		return false
	}
	s := session(r)
	c.fail(w, r, http.StatusForbidden, "Read only", "Your role ("+s.Role+") can look at vendor "+s.VendorID+" but not change it.")
	return true
}

// formVendor is the vendor a form names: a vendor-scoped session's own vendor
// (another one is refused), the form's for an operator.
func (c *console) formVendor(w http.ResponseWriter, r *http.Request) (string, bool) {
	v := strings.TrimSpace(r.PostForm.Get("vendor"))
	if s := scopeVendor(r); s != "" {
		if v != "" && v != s {
			c.fail(w, r, http.StatusForbidden, "Not your vendor", "You work with vendor "+s+"; this form names vendor "+v+".")
			return "", false
		}
		return s, true
	}
	return v, true
}

// change returns r's context recording the change as action on the resource (its
// type is action's first part) of vendor: for the routes whose path does not name
// the action the way the admin API's does.
func change(r *http.Request, action, id, vendor string) context.Context {
	ch := consoleChange(r, session(r))
	ch.Action, ch.ResourceID, ch.VendorID = action, id, vendor
	ch.ResourceType, _, _ = strings.Cut(action, ".")
	return orderhub.WithChange(r.Context(), ch)
}

// formError is a refused form's message and the field at fault (the API's names).
type formError struct {
	Message string
	Field   string
}

// refused turns a domain error into the message shown next to the form; other errors
// are not the user's doing (ok false: render them as errors).
func refused(err error) (formError, bool) {
	var e *orderhub.Error
	if !errors.As(err, &e) || e.Code == orderhub.EInternal {
		return formError{}, false
	}
	return formError{Message: e.Message, Field: e.Field}, true
}

// splitList splits a text field of comma- or line-separated values.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ---- webhook endpoints ----

type endpointForm struct {
	New         bool
	ID          string
	Vendor      string
	Kind        string
	URL         string
	Description string
	EventTypes  string
	Connector   bool
	Vendors     []*orderhub.Vendor
	Err         formError
}

func (c *endpointForms) endpointFormPage(w http.ResponseWriter, r *http.Request, status int, f *endpointForm) {
	title := "New endpoint"
	if !f.New {
		title = "Edit endpoint " + f.ID
	}
	c.render(w, r, status, "manage_endpoint", &view{Title: title, Nav: "endpoints", Data: f})
}

func (c *endpointForms) handleNewEndpoint(w http.ResponseWriter, r *http.Request) {
	c.blankForm(w, r, func(vs []*orderhub.Vendor, vendor string) {
		c.endpointFormPage(w, r, http.StatusOK, &endpointForm{New: true, Vendor: vendor, Kind: orderhub.EndpointWebhook, Vendors: vs})
	})
}

func (c *endpointForms) handleCreateEndpoint(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	f := &endpointForm{New: true, Vendor: vendor, Kind: r.PostForm.Get("kind"), URL: strings.TrimSpace(r.PostForm.Get("url")),
		Description: r.PostForm.Get("description"), EventTypes: r.PostForm.Get("eventTypes")}
	ep := &orderhub.Endpoint{ID: orderhub.NewID("ep"), VendorID: vendor, Kind: f.Kind, URL: f.URL, Description: f.Description, EventTypes: splitList(f.EventTypes)}
	err := c.manage.Endpoints().CreateEndpoint(change(r, "endpoint.create", ep.ID, vendor), ep)
	c.submit(w, r, err, &f.Err, func(status int) {
		f.Vendors, _ = c.vendors(r)
		c.endpointFormPage(w, r, status, f)
	}, func() { c.endpointPageWith(w, r, ep.ID, ep.Secret, "Endpoint created.") })
}

// endpointPageWith renders the endpoint page with a message: after a create, whose
// secret is shown this once (no redirect, so it never travels in a cookie or URL).
func (c *console) endpointPageWith(w http.ResponseWriter, r *http.Request, id, secret, flash string) {
	r.AddCookie(&http.Cookie{Name: flashCookie, Value: url.QueryEscape(flash)})
	c.endpointPage(w, r, id, secret)
}

// managedEndpoint reads the endpoint named by the path, within the session's vendor.
func (c *console) managedEndpoint(w http.ResponseWriter, r *http.Request) (*orderhub.Endpoint, bool) {
	return pathRecord(c, w, r, func(ctx context.Context, id string) (*orderhub.Endpoint, error) {
		return c.store.Deliveries.GetEndpoint(ctx, scopeVendor(r), id)
	})
}

func (c *endpointForms) handleEditEndpoint(w http.ResponseWriter, r *http.Request) {
	e, ok := openForm(c.console, w, r, c.managedEndpoint)
	if !ok {
		return
	}
	c.endpointFormPage(w, r, http.StatusOK, &endpointForm{ID: e.ID, Vendor: e.VendorID, Kind: e.Kind, URL: e.URL, Description: e.Description,
		EventTypes: strings.Join(e.EventTypes, ", "), Connector: isConnector(e.Kind)})
}

func (c *endpointForms) handleUpdateEndpoint(w http.ResponseWriter, r *http.Request) {
	e, ok := c.managedEndpoint(w, r)
	if !ok {
		return
	}
	f := &endpointForm{ID: e.ID, Vendor: e.VendorID, Kind: e.Kind, URL: strings.TrimSpace(r.PostForm.Get("url")), Description: r.PostForm.Get("description"),
		EventTypes: r.PostForm.Get("eventTypes"), Connector: isConnector(e.Kind)}
	types := splitList(f.EventTypes)
	if types == nil {
		types = []string{} // every type
	}
	in := orderhub.EndpointUpdate{URL: &f.URL, Description: &f.Description, EventTypes: &types}
	_, err := c.manage.Endpoints().UpdateEndpoint(change(r, "endpoint.update", e.ID, e.VendorID), e.VendorID, e.ID, in)
	c.submit(w, r, err, &f.Err, func(status int) { c.endpointFormPage(w, r, status, f) },
		func() { c.back(w, r, "/endpoints/"+url.PathEscape(e.ID), "Endpoint saved.") })
}

func (c *endpointForms) handleDeleteEndpoint(w http.ResponseWriter, r *http.Request) {
	e, ok := c.managedEndpoint(w, r)
	if !ok {
		return
	}
	if err := c.manage.Endpoints().DeleteEndpoint(change(r, "endpoint.delete", e.ID, e.VendorID), e.VendorID, e.ID); err != nil {
		c.failErr(w, r, err)
		return
	}
	c.back(w, r, "/endpoints", "Endpoint "+endpointTitle(e)+" deleted.")
}
