package console

import (
	"context"
	"net/http"

	"orderhub"
)

// The one shape of the console's forms (issue 17: the same form handler was
// written again for every record). A form page is served by blankForm (a new
// record) or after pathRecord (an existing one); its POST reads its fields, makes
// the change through package manage and hands the result to submit.

// submit ends a form's POST: err is what the change (made through package manage)
// returned. nil: done writes the success answer. A refusal (a domain error: the
// same code, field and message as the admin API's): the form again with status
// 400, the message next to its field (*fe, then again), what the user typed kept.
// Anything else is not the user's doing: the error page.
func (c *console) submit(w http.ResponseWriter, r *http.Request, err error, fe *formError, again func(status int), done func()) {
	if err == nil {
		done()
		return
	}
	refusal, ok := refused(err)
	if !ok {
		c.failErr(w, r, err)
		return
	}
	*fe = refusal
	again(http.StatusBadRequest)
}

// blankForm serves the page of a form that creates a record: a vendor-viewer is
// refused (readOnly); show gets the vendors the session may choose from and the
// one chosen (?vendor=, or a vendor-scoped session's own).
func (c *console) blankForm(w http.ResponseWriter, r *http.Request, show func(vs []*orderhub.Vendor, vendor string)) {
	if c.readOnly(w, r) {
		return
	}
	vs, err := c.vendors(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	show(vs, vendorParam(r, vs))
}

// pathRecord reads the record the path's {id} names with get (which refuses, as
// NotFound, a record the session may not see); a failure is the error page (ok
// false: answered).
func pathRecord[T any](c *console, w http.ResponseWriter, r *http.Request, get func(ctx context.Context, id string) (T, error)) (T, bool) {
	var zero T
	id, ok := c.pathID(w, r)
	if !ok {
		return zero, false
	}
	v, err := get(r.Context(), id)
	if err != nil {
		c.failErr(w, r, err)
		return zero, false
	}
	return v, true
}

// vendorRecord reads the record of a vendor that the path's {id} names with get:
// the vendor is ?vendor= on a GET and the form's on a POST (formVendor); a record
// the session may not see is NotFound ("<what> %q not found."). ok false: answered.
func vendorRecord[T any](c *console, w http.ResponseWriter, r *http.Request, what string, get func(ctx context.Context, vendorID, id string) (T, error), vendorOf func(T) string) (T, bool) {
	var zero T
	id, ok := c.pathID(w, r)
	if !ok {
		return zero, false
	}
	vendor := r.URL.Query().Get("vendor")
	if r.Method == http.MethodPost {
		if vendor, ok = c.formVendor(w, r); !ok {
			return zero, false
		}
	}
	v, err := visible(r, what, id, vendorOf)(get(r.Context(), vendor, id))
	if err != nil {
		c.failErr(w, r, err)
		return zero, false
	}
	return v, true
}

// The console's pages and forms by area (issue 17: one type held every page and
// form, 152 methods). Each area's routes, pages and handlers are methods of its type; what they share (the
// session, rendering, the store, package manage) is the console's.
type (
	// endpointForms: webhook endpoints (manage.go).
	endpointForms struct{ *console }
	// vendorForms: vendors, promo codes, quotas, portal links, OAuth clients
	// (manage_vendor.go, manage_catalog.go, manage_clients.go).
	vendorForms struct{ *console }
	// catalogForms: products, purchase options, mappings, sources
	// (manage_products.go, manage_sources.go).
	catalogForms struct{ *console }
	// connectorForms: SALESmanago and Yespo accounts, Zapier users
	// (manage_connectors.go).
	connectorForms struct{ *console }
	// userForms: console users (manage_users.go).
	userForms struct{ *console }
	// pageViews: the pages that show things — login, dashboard, search, records,
	// endpoints, deliveries, dead letters, catalog, credentials, audit, ignored
	// events (pages.go, audit.go, ignored.go).
	pageViews struct{ *console }
)

// shownRecord reads the record the path's {id} names with get, as pathRecord; a
// record of a vendor the session may not see is NotFound ("<what> %q not found.").
func shownRecord[T any](c *console, w http.ResponseWriter, r *http.Request, what string, get func(ctx context.Context, id string) (T, error), vendorOf func(T) string) (T, bool) {
	return pathRecord(c, w, r, func(ctx context.Context, id string) (T, error) {
		return visible(r, what, id, vendorOf)(get(ctx, id))
	})
}

// visible passes a record read on (or the error reading it), refusing as NotFound a
// record of a vendor the session may not see (mayShow).
func visible[T any](r *http.Request, what, id string, vendorOf func(T) string) func(T, error) (T, error) {
	return func(v T, err error) (T, error) {
		if err == nil && !mayShow(r, vendorOf(v)) {
			err = orderhub.Errorf(orderhub.ENotFound, "%s %q not found.", what, id)
		}
		return v, err
	}
}
