package console

import (
	"net/http"
	"slices"
	"strings"

	"orderhub"
)

// OAuth clients: create (the secret shown once), rotate the secret (the new one
// shown once), revoke (pages.go). An operator manages every vendor's clients, a
// vendor-admin its own vendor's.

func (c *vendorForms) manageClientRoutes() {
	m := c.mux
	const p = Prefix
	m.HandleFunc("GET "+p+"/clients/new", c.auth(c.handleNewClient))
	m.HandleFunc("POST "+p+"/clients", c.auth(c.handleCreateClient))
	m.HandleFunc("POST "+p+"/clients/{id}/rotate-secret", c.auth(c.handleRotateClient))
}

type clientForm struct {
	ID      string
	Vendor  string
	Name    string
	Scopes  []string
	Known   []string
	Vendors []*orderhub.Vendor
	Err     formError
	// Secret is the new client's or the rotated secret, shown once.
	Secret  string
	Rotated bool
}

// Has reports whether the form has scope s ticked.
func (f *clientForm) Has(s string) bool { return slices.Contains(f.Scopes, s) }

func (c *vendorForms) clientPage(w http.ResponseWriter, r *http.Request, status int, f *clientForm) {
	f.Known = orderhub.KnownScopes
	title := "New OAuth client"
	if f.Secret != "" {
		title = "OAuth client " + f.ID
	}
	c.render(w, r, status, "manage_client", &view{Title: title, Nav: "credentials", Data: f})
}

func (c *vendorForms) handleNewClient(w http.ResponseWriter, r *http.Request) {
	c.blankForm(w, r, func(vs []*orderhub.Vendor, vendor string) {
		c.clientPage(w, r, http.StatusOK, &clientForm{Vendor: vendor, Vendors: vs})
	})
}

func (c *vendorForms) handleCreateClient(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	f := &clientForm{ID: strings.TrimSpace(r.PostForm.Get("clientId")), Vendor: vendor, Name: r.PostForm.Get("name"), Scopes: r.PostForm["scopes"]}
	cl := &orderhub.Client{ID: f.ID, VendorID: vendor, Name: f.Name, Scopes: slices.Clone(f.Scopes)}
	if cl.ID == "" {
		cl.ID = orderhub.NewID("cli")
	}
	secret, err := c.manage.Vendors().CreateClient(change(r, "client.create", cl.ID, vendor), cl)
	c.submit(w, r, err, &f.Err, func(status int) {
		f.Vendors, _ = c.vendors(r)
		c.clientPage(w, r, status, f)
	}, func() {
		f.ID, f.Scopes, f.Secret = cl.ID, cl.Scopes, secret
		c.clientPage(w, r, http.StatusOK, f)
	})
}

func (c *vendorForms) handleRotateClient(w http.ResponseWriter, r *http.Request) {
	cl, ok := shownRecord(c.console, w, r, "Client", c.store.Tenants.GetClient, func(v *orderhub.ClientWithSecret) string { return v.VendorID })
	if !ok {
		return
	}
	id := cl.ID
	_, secret, err := c.manage.Vendors().RotateClientSecret(change(r, "client.rotate-secret", id, cl.VendorID), id)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.clientPage(w, r, http.StatusOK, &clientForm{ID: id, Vendor: cl.VendorID, Name: cl.Name, Scopes: cl.Scopes, Secret: secret, Rotated: true})
}
