package console

import (
	"net/http"
	"net/url"
	"strings"

	"orderhub"
)

// External sources (seed 000's HOOK sources, which call POST /hooks/purchases with
// their secret): create (the secret shown once), rename, rotate the secret (the new
// one shown once, the old one refused at once), delete. An operator manages every
// vendor's sources, a vendor-admin its own vendor's; the rules are package manage's,
// as in the admin API.

func (c *catalogForms) manageSourceRoutes() {
	m := c.mux
	const p = Prefix
	m.HandleFunc("GET "+p+"/sources/new", c.auth(c.handleNewSource))
	m.HandleFunc("POST "+p+"/sources", c.auth(c.handleCreateSource))
	m.HandleFunc("GET "+p+"/sources/{id}/edit", c.auth(c.handleEditSource))
	m.HandleFunc("POST "+p+"/sources/{id}/edit", c.auth(c.handleUpdateSource))
	m.HandleFunc("POST "+p+"/sources/{id}/rotate-secret", c.auth(c.handleRotateSource))
	m.HandleFunc("POST "+p+"/sources/{id}/delete", c.auth(c.handleDeleteSource))
}

type sourceForm struct {
	New     bool
	ID      string
	Vendor  string
	Name    string
	Type    string
	Types   []string
	Vendors []*orderhub.Vendor
	Err     formError
	// Secret is the new source's or the rotated secret, shown once.
	Secret  string
	Rotated bool
}

func (c *catalogForms) sourcePage(w http.ResponseWriter, r *http.Request, status int, f *sourceForm) {
	f.Types = orderhub.SourceTypes
	title := "New source"
	switch {
	case f.Secret != "":
		title = "Source " + f.ID
	case !f.New:
		title = "Edit source " + f.ID
	}
	c.render(w, r, status, "manage_source", &view{Title: title, Nav: "catalog", Data: f})
}

func (c *catalogForms) handleNewSource(w http.ResponseWriter, r *http.Request) {
	c.blankForm(w, r, func(vs []*orderhub.Vendor, vendor string) {
		c.sourcePage(w, r, http.StatusOK, &sourceForm{New: true, Vendor: vendor, Type: orderhub.SourceTypeHook, Vendors: vs})
	})
}

func (c *catalogForms) handleCreateSource(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	f := &sourceForm{New: true, ID: strings.TrimSpace(r.PostForm.Get("id")), Vendor: vendor, Name: r.PostForm.Get("name"), Type: r.PostForm.Get("type")}
	src := &orderhub.Source{ID: f.ID, VendorID: vendor, Name: f.Name, Type: f.Type}
	if src.ID == "" {
		src.ID = orderhub.NewID("src") // so that the audit entry names it
	}
	secret, err := c.manage.Catalog().CreateSource(change(r, "source.create", src.ID, vendor), src)
	c.submit(w, r, err, &f.Err, func(status int) {
		f.Vendors, _ = c.vendors(r)
		c.sourcePage(w, r, status, f)
	}, func() {
		// No redirect: the secret is shown on this answer only.
		c.sourcePage(w, r, http.StatusOK, &sourceForm{ID: src.ID, Vendor: src.VendorID, Name: src.Name, Type: src.Type, Secret: secret})
	})
}

// managedSource reads the source named by the path: another vendor's is not found
// for a vendor-scoped session.
func (c *catalogForms) managedSource(w http.ResponseWriter, r *http.Request) (*orderhub.Source, bool) {
	return shownRecord(c.console, w, r, "Source", c.store.Catalog.GetSource, func(s *orderhub.Source) string { return s.VendorID })
}

func (c *catalogForms) handleEditSource(w http.ResponseWriter, r *http.Request) {
	src, ok := openForm(c.console, w, r, c.managedSource)
	if !ok {
		return
	}
	c.sourcePage(w, r, http.StatusOK, &sourceForm{ID: src.ID, Vendor: src.VendorID, Name: src.Name, Type: src.Type})
}

func (c *catalogForms) handleUpdateSource(w http.ResponseWriter, r *http.Request) {
	src, ok := c.managedSource(w, r)
	if !ok {
		return
	}
	f := &sourceForm{ID: src.ID, Vendor: src.VendorID, Name: r.PostForm.Get("name"), Type: src.Type}
	name := f.Name
	_, err := c.manage.Catalog().UpdateSource(change(r, "source.update", src.ID, src.VendorID), src.VendorID, src.ID, &name)
	c.submit(w, r, err, &f.Err, func(status int) { c.sourcePage(w, r, status, f) }, func() { c.back(w, r, "/catalog?vendor="+url.QueryEscape(src.VendorID), "Source "+src.ID+" saved.") })
}

func (c *catalogForms) handleRotateSource(w http.ResponseWriter, r *http.Request) {
	src, ok := c.managedSource(w, r)
	if !ok {
		return
	}
	src, secret, err := c.manage.Catalog().RotateSourceSecret(change(r, "source.rotate-secret", src.ID, src.VendorID), src.VendorID, src.ID)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.sourcePage(w, r, http.StatusOK, &sourceForm{ID: src.ID, Vendor: src.VendorID, Name: src.Name, Type: src.Type, Secret: secret, Rotated: true})
}

func (c *catalogForms) handleDeleteSource(w http.ResponseWriter, r *http.Request) {
	src, ok := c.managedSource(w, r)
	if !ok {
		return
	}
	if err := c.manage.Catalog().DeleteSource(change(r, "source.delete", src.ID, src.VendorID), src.VendorID, src.ID); err != nil {
		c.failErr(w, r, err)
		return
	}
	c.back(w, r, "/catalog?vendor="+url.QueryEscape(src.VendorID), "Source "+src.ID+" deleted; its secret no longer works.")
}
