package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"orderhub"
)

// Connector accounts (SALESmanago, Yespo) and Zapier users (issue 18): a page that
// lists them (/console/connectors) and the forms that create, change and delete
// them through package manage, as the admin API does. An operator manages every
// vendor's, a vendor-admin its own vendor's; a vendor-viewer reads. Secrets the
// user types (API secrets and keys) are sealed by manage and never shown again, not
// even on a refused form; a password orderhub generates for a Zapier user is shown
// once.

func (c *connectorForms) manageConnectorRoutes() {
	m := c.mux
	const p = Prefix
	m.HandleFunc("GET "+p+"/connectors", c.auth(c.handleConnectors))
	m.HandleFunc("GET "+p+"/salesmanago/new", c.auth(c.handleNewSM))
	m.HandleFunc("POST "+p+"/salesmanago", c.auth(c.handleCreateSM))
	m.HandleFunc("GET "+p+"/salesmanago/{id}/edit", c.auth(c.handleEditSM))
	m.HandleFunc("POST "+p+"/salesmanago/{id}/edit", c.auth(c.handleUpdateSM))
	m.HandleFunc("POST "+p+"/salesmanago/{id}/mapping", c.auth(c.handleSMMapping))
	m.HandleFunc("POST "+p+"/salesmanago/{id}/delete", c.auth(c.handleDeleteSM))
	m.HandleFunc("POST "+p+"/salesmanago/{id}/test", c.auth(c.handleTestSM))
	m.HandleFunc("GET "+p+"/yespo", c.auth(c.handleYespoForm))
	m.HandleFunc("POST "+p+"/yespo", c.auth(c.handleSaveYespo))
	m.HandleFunc("POST "+p+"/yespo/delete", c.auth(c.handleDeleteYespo))
	m.HandleFunc("POST "+p+"/yespo/test", c.auth(c.handleTestYespo))
	m.HandleFunc("GET "+p+"/zapier-users/new", c.auth(c.handleNewZapierUser))
	m.HandleFunc("POST "+p+"/zapier-users", c.auth(c.handleCreateZapierUser))
	m.HandleFunc("POST "+p+"/zapier-users/{id}/reset-password", c.auth(c.handleResetZapierPassword))
	m.HandleFunc("POST "+p+"/zapier-users/{id}/delete", c.auth(c.handleDeleteZapierUser))
	m.HandleFunc("POST "+p+"/zapier-users/{id}/disable", c.auth(c.handleSetZapierUserEnabled(false)))
	m.HandleFunc("POST "+p+"/zapier-users/{id}/enable", c.auth(c.handleSetZapierUserEnabled(true)))
	m.HandleFunc("GET "+p+"/zapier-users/{id}/edit", c.auth(c.handleEditZapierUser))
	m.HandleFunc("POST "+p+"/zapier-users/{id}/edit", c.auth(c.handleUpdateZapierUser))
}

// On returns the message of an error on field ("" for another field).
func (e formError) On(field string) string {
	if e.Field == field {
		return e.Message
	}
	return ""
}

// ---- the list ----

type yespoRow struct {
	VendorID string
	Account  *orderhub.YespoAccount
}

type connectorsView struct {
	Vendor  string
	SM      []*orderhub.SalesmanagoAccountRecord
	Yespo   []yespoRow
	Zapier  []*orderhub.ZapierUser
	Vendors []*orderhub.Vendor
}

// pageVendors are the vendors a list shows: the session's, or the ?vendor= one, or
// every vendor.
func (c *connectorForms) pageVendors(r *http.Request) (string, []*orderhub.Vendor, error) {
	vs, err := c.vendors(r)
	if err != nil {
		return "", nil, err
	}
	v := scopeVendor(r)
	if v == "" {
		v = r.URL.Query().Get("vendor")
	}
	if v == "" {
		return "", vs, nil
	}
	for _, x := range vs {
		if x.ID == v {
			return v, []*orderhub.Vendor{x}, nil
		}
	}
	return v, nil, nil
}

func (c *connectorForms) handleConnectors(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	vendor, shown, err := c.pageVendors(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	all, _ := c.vendors(r)
	d := &connectorsView{Vendor: vendor, Vendors: all}
	for _, v := range shown {
		sm, err := c.store.Connectors.ListSalesmanagoAccounts(ctx, v.ID)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		d.SM = append(d.SM, sm...)
		row := yespoRow{VendorID: v.ID}
		if a, err := c.store.Connectors.GetYespoAccount(ctx, v.ID); err == nil {
			row.Account = a
		} else if orderhub.ErrorCode(err) != orderhub.ENotFound {
			c.failErr(w, r, err)
			return
		}
		d.Yespo = append(d.Yespo, row)
		zs, err := c.store.Catalog.ListZapierUsers(ctx, v.ID)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		d.Zapier = append(d.Zapier, zs...)
	}
	c.render(w, r, http.StatusOK, "connectors", &view{Title: "Connector accounts and Zapier users", Nav: "endpoints", Data: d})
}

// ---- SALESmanago accounts ----

type smForm struct {
	New bool
	orderhub.SalesmanagoAccountInput
	HasAPIKey  bool
	Mapping    string // the mapping as JSON (edit page)
	MappingErr formError
	Vendors    []*orderhub.Vendor
	Err        formError
}

func (c *connectorForms) smPage(w http.ResponseWriter, r *http.Request, status int, f *smForm) {
	title := "New SALESmanago account"
	if !f.New {
		title = "SALESmanago account " + f.ID
	}
	if f.New && f.Vendors == nil {
		f.Vendors, _ = c.vendors(r)
	}
	c.render(w, r, status, "manage_salesmanago", &view{Title: title, Nav: "endpoints", Data: f})
}

func (c *connectorForms) handleNewSM(w http.ResponseWriter, r *http.Request) {
	c.blankForm(w, r, func(vs []*orderhub.Vendor, vendor string) {
		f := &smForm{New: true, Vendors: vs}
		f.VendorID, f.V3BaseURL = vendor, orderhub.SalesmanagoDefaultV3BaseURL
		c.smPage(w, r, http.StatusOK, f)
	})
}

func (c *connectorForms) handleCreateSM(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	pf := r.PostForm
	in := orderhub.SalesmanagoAccountInput{ID: strings.TrimSpace(pf.Get("id")), GroupKey: pf.Get("groupKey"), Name: pf.Get("name"),
		BaseURL: pf.Get("baseUrl"), V3BaseURL: pf.Get("v3BaseUrl"), ClientID: pf.Get("clientId"), APISecret: pf.Get("apiSecret"),
		Owner: pf.Get("owner"), APIKey: pf.Get("apiKey"), CatalogID: pf.Get("catalogId")}
	f := &smForm{New: true, SalesmanagoAccountInput: in}
	f.VendorID, f.APISecret, f.APIKey = vendor, "", "" // a refused form does not carry secrets back
	if in.ID == "" {
		in.ID = orderhub.NewID("sm")
	}
	rec, err := c.manage.Connectors().CreateSalesmanagoAccount(change(r, "salesmanago-account.create", in.ID, vendor), vendor, &in)
	c.submit(w, r, err, &f.Err, func(status int) { c.smPage(w, r, status, f) }, func() {
		c.back(w, r, "/connectors?vendor="+url.QueryEscape(vendor), "SALESmanago account "+rec.GroupKey+" ("+rec.ID+") created; "+c.sealedNote()+".")
	})
}

// sealedNote says how the secrets just saved are stored.
func (c *console) sealedNote() string {
	if c.manage.SMSealer.Encrypts() {
		return "its secrets are encrypted and will not be shown again"
	}
	return "its secrets are stored unencrypted (ORDERHUB_SECRET_KEY is not set) and will not be shown again"
}

// managedSM reads the account named by the path, within the session's vendor.
func (c *connectorForms) managedSM(w http.ResponseWriter, r *http.Request) (*orderhub.SalesmanagoAccountRecord, bool) {
	return pathRecord(c.console, w, r, func(ctx context.Context, id string) (*orderhub.SalesmanagoAccountRecord, error) {
		return c.store.Connectors.GetSalesmanagoAccount(ctx, scopeVendor(r), id)
	})
}

func smFormOf(rec *orderhub.SalesmanagoAccountRecord) *smForm {
	a := rec.SalesmanagoAccount
	f := &smForm{SalesmanagoAccountInput: orderhub.SalesmanagoAccountInput{ID: a.ID, VendorID: a.VendorID, GroupKey: a.GroupKey, Name: a.Name,
		BaseURL: a.BaseURL, V3BaseURL: a.V3BaseURL, ClientID: a.ClientID, Owner: a.Owner, CatalogID: a.CatalogID}, HasAPIKey: a.HasAPIKey}
	if a.Mapping != nil {
		f.Mapping = prettyJSON(a.Mapping)
	}
	return f
}

func (c *connectorForms) handleEditSM(w http.ResponseWriter, r *http.Request) {
	rec, ok := openForm(c.console, w, r, c.managedSM)
	if !ok {
		return
	}
	c.smPage(w, r, http.StatusOK, smFormOf(rec))
}

func (c *connectorForms) handleUpdateSM(w http.ResponseWriter, r *http.Request) {
	rec, ok := c.managedSM(w, r)
	if !ok {
		return
	}
	pf := r.PostForm
	cur := rec.SalesmanagoAccount
	var p orderhub.SalesmanagoAccountPatch
	// Only what changed is set, as an API client would send it.
	changed := func(dst **string, name, was string) {
		if v := pf.Get(name); v != was {
			*dst = &v
		}
	}
	changed(&p.Name, "name", cur.Name)
	changed(&p.BaseURL, "baseUrl", cur.BaseURL)
	changed(&p.V3BaseURL, "v3BaseUrl", cur.V3BaseURL)
	changed(&p.ClientID, "clientId", cur.ClientID)
	changed(&p.Owner, "owner", cur.Owner)
	changed(&p.CatalogID, "catalogId", cur.CatalogID)
	if v := pf.Get("apiSecret"); v != "" {
		p.APISecret = &v
	}
	if v := pf.Get("apiKey"); v != "" {
		p.APIKey = &v
	} else if pf.Get("removeApiKey") != "" {
		p.APIKey = new(string)
	}
	f := smFormOf(rec)
	f.Name, f.BaseURL, f.V3BaseURL, f.ClientID, f.Owner, f.CatalogID = pf.Get("name"), pf.Get("baseUrl"), pf.Get("v3BaseUrl"), pf.Get("clientId"), pf.Get("owner"), pf.Get("catalogId")
	_, err := c.manage.Connectors().UpdateSalesmanagoAccount(change(r, "salesmanago-account.update", rec.ID, rec.VendorID), rec.VendorID, rec.ID, &p)
	c.submit(w, r, err, &f.Err, func(status int) { c.smPage(w, r, status, f) }, func() {
		c.back(w, r, "/connectors?vendor="+url.QueryEscape(rec.VendorID), "SALESmanago account "+rec.GroupKey+" saved.")
	})
}

func (c *connectorForms) handleSMMapping(w http.ResponseWriter, r *http.Request) {
	rec, ok := c.managedSM(w, r)
	if !ok {
		return
	}
	raw := r.PostForm.Get("mapping")
	var m orderhub.SalesmanagoMapping
	err := orderhub.ReadJSON([]byte(raw), &m, orderhub.JSONOptions{KnownFields: true}) // as PUT …/mapping reads its body
	if err == nil {
		_, err = c.manage.Connectors().SetSalesmanagoMapping(change(r, "salesmanago-account.mapping", rec.ID, rec.VendorID), rec.VendorID, rec.ID, &m)
	}
	f := smFormOf(rec)
	f.Mapping = raw
	c.submit(w, r, err, &f.MappingErr, func(status int) { c.smPage(w, r, status, f) }, func() {
		c.back(w, r, "/salesmanago/"+url.PathEscape(rec.ID)+"/edit", "Mapping of SALESmanago account "+rec.GroupKey+" saved.")
	})
}

func (c *connectorForms) handleDeleteSM(w http.ResponseWriter, r *http.Request) {
	rec, ok := c.managedSM(w, r)
	if !ok {
		return
	}
	if err := c.manage.Connectors().DeleteSalesmanagoAccount(change(r, "salesmanago-account.delete", rec.ID, rec.VendorID), rec.VendorID, rec.ID); err != nil {
		c.failErr(w, r, err)
		return
	}
	c.back(w, r, "/connectors?vendor="+url.QueryEscape(rec.VendorID), "SALESmanago account "+rec.GroupKey+" deleted.")
}

// handleTestSM tests an account's stored credentials (POST …/test in the API) and
// tells the outcome on its edit page.
func (c *connectorForms) handleTestSM(w http.ResponseWriter, r *http.Request) {
	rec, ok := c.managedSM(w, r)
	if !ok {
		return
	}
	_, res, err := c.manage.Connectors().TestSalesmanagoAccount(r.Context(), rec.VendorID, rec.ID)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	msg := "Connection test of " + rec.GroupKey + ": OK — SALESmanago accepted the credentials"
	if res.V3Checked {
		msg += " (API v2 and v3"
		if rec.CatalogID != "" {
			msg += ", catalog " + rec.CatalogID + " found"
		}
		msg += ")"
	}
	if !res.OK {
		var why []string
		if !res.V2OK {
			why = append(why, "API v2: "+res.V2Error)
		}
		if res.V3Error != "" {
			why = append(why, "API v3: "+res.V3Error)
		}
		msg = "Connection test of " + rec.GroupKey + " FAILED — " + strings.Join(why, "; ")
	}
	c.back(w, r, "/salesmanago/"+url.PathEscape(rec.ID)+"/edit", msg+".")
}

// ---- Yespo accounts (one per vendor) ----

type yespoForm struct {
	Vendor    string
	BaseURL   string
	Existing  *orderhub.YespoAccount
	Available bool // the server has the Yespo connector
	Err       formError
}

func (c *connectorForms) yespoPage(w http.ResponseWriter, r *http.Request, status int, f *yespoForm) {
	f.Available = c.manage.Connectors().YespoConfigured() == nil
	c.render(w, r, status, "manage_yespo", &view{Title: "Yespo account of " + f.Vendor, Nav: "endpoints", Data: f})
}

// yespoVendor is the vendor a Yespo form is about: the session's, or the named one
// (?vendor= or the form's), which must exist.
func (c *connectorForms) yespoVendor(w http.ResponseWriter, r *http.Request, named string) (string, *orderhub.YespoAccount, bool) {
	v := scopeVendor(r)
	if v != "" && named != "" && named != v {
		c.fail(w, r, http.StatusForbidden, "Not your vendor", "You work with vendor "+v+"; this form names vendor "+named+".")
		return "", nil, false
	}
	if v == "" {
		v = named
	}
	if _, err := c.store.Tenants.GetVendor(r.Context(), v); err != nil || v == "" {
		c.fail(w, r, http.StatusNotFound, "Not found", "Vendor "+v+" not found.")
		return "", nil, false
	}
	a, err := c.store.Connectors.GetYespoAccount(r.Context(), v)
	if err != nil && orderhub.ErrorCode(err) != orderhub.ENotFound {
		c.failErr(w, r, err)
		return "", nil, false
	}
	return v, a, true
}

func (c *connectorForms) handleYespoForm(w http.ResponseWriter, r *http.Request) {
	if c.readOnly(w, r) {
		return
	}
	v, a, ok := c.yespoVendor(w, r, r.URL.Query().Get("vendor"))
	if !ok {
		return
	}
	f := &yespoForm{Vendor: v, Existing: a, BaseURL: "https://yespo.io"}
	if a != nil {
		f.BaseURL = a.BaseURL
	}
	c.yespoPage(w, r, http.StatusOK, f)
}

func (c *connectorForms) handleSaveYespo(w http.ResponseWriter, r *http.Request) {
	v, a, ok := c.yespoVendor(w, r, strings.TrimSpace(r.PostForm.Get("vendor")))
	if !ok {
		return
	}
	base := r.PostForm.Get("baseUrl")
	var key *string
	if k := r.PostForm.Get("apiKey"); k != "" || a == nil {
		key = &k // a new account needs one: an empty key is refused as the API refuses it
	}
	action := "yespo-account.set"
	_, err := c.manage.Connectors().SaveYespoAccount(change(r, action, v, v), v, &base, key)
	f := &yespoForm{Vendor: v, Existing: a, BaseURL: base}
	c.submit(w, r, err, &f.Err, func(status int) { c.yespoPage(w, r, status, f) }, func() {
		c.back(w, r, "/connectors?vendor="+url.QueryEscape(v), "Yespo account of "+v+" saved; its API key is sealed and will not be shown again.")
	})
}

func (c *connectorForms) handleDeleteYespo(w http.ResponseWriter, r *http.Request) {
	v, _, ok := c.yespoVendor(w, r, strings.TrimSpace(r.PostForm.Get("vendor")))
	if !ok {
		return
	}
	if err := c.manage.Connectors().DeleteYespoAccount(change(r, "yespo-account.delete", v, v), v); err != nil {
		c.failErr(w, r, err)
		return
	}
	c.back(w, r, "/connectors?vendor="+url.QueryEscape(v), "Yespo account of "+v+" deleted.")
}

// handleTestYespo calls Yespo's account/info with the stored key (POST …/yespo/test
// in the API) and tells the outcome on the account's page.
func (c *connectorForms) handleTestYespo(w http.ResponseWriter, r *http.Request) {
	v, _, ok := c.yespoVendor(w, r, strings.TrimSpace(r.PostForm.Get("vendor")))
	if !ok {
		return
	}
	_, failed, err := c.manage.Connectors().TestYespoAccount(r.Context(), v)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	msg := "Connection test: OK — Yespo accepted the API key of " + v + "."
	if failed != nil {
		msg = "Connection test FAILED — " + failed.Error()
	}
	c.back(w, r, "/yespo?vendor="+url.QueryEscape(v), msg)
}

// ---- Zapier users ----

type zapierForm struct {
	orderhub.ZapierUser
	Vendors []*orderhub.Vendor
	Err     formError
	// Password is a generated password, shown once; Reset says it replaced one.
	Password string
	Done     bool
	Reset    bool
	Edit     bool
}

func (c *connectorForms) zapierPage(w http.ResponseWriter, r *http.Request, status int, f *zapierForm) {
	title := "New Zapier user"
	if f.Done || f.Edit {
		title = "Zapier user " + f.Email
	}
	if !f.Done && !f.Edit && f.Vendors == nil {
		f.Vendors, _ = c.vendors(r)
	}
	c.render(w, r, status, "manage_zapier", &view{Title: title, Nav: "endpoints", Data: f})
}

func (c *connectorForms) handleNewZapierUser(w http.ResponseWriter, r *http.Request) {
	c.blankForm(w, r, func(vs []*orderhub.Vendor, vendor string) {
		f := &zapierForm{Vendors: vs}
		f.VendorID = vendor
		c.zapierPage(w, r, http.StatusOK, f)
	})
}

func (c *connectorForms) handleCreateZapierUser(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	u := &orderhub.ZapierUser{ID: orderhub.NewUUID(), VendorID: vendor, Email: strings.TrimSpace(r.PostForm.Get("email")), Name: r.PostForm.Get("name")}
	f := &zapierForm{ZapierUser: *u}
	generated, err := c.manage.Connectors().CreateZapierUser(change(r, "zapier-user.create", u.ID, vendor), u, r.PostForm.Get("password"))
	c.submit(w, r, err, &f.Err, func(status int) { c.zapierPage(w, r, status, f) }, func() {
		c.zapierPage(w, r, http.StatusOK, &zapierForm{ZapierUser: *u, Password: generated, Done: true})
	})
}

// managedZapierUser reads the user named by the path, of the form's vendor (a
// vendor-scoped session's own).
func (c *connectorForms) managedZapierUser(w http.ResponseWriter, r *http.Request) (*orderhub.ZapierUser, bool) {
	id, ok := c.pathID(w, r)
	if !ok {
		return nil, false
	}
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return nil, false
	}
	u, err := c.store.Catalog.GetZapierUser(r.Context(), vendor, id)
	if err != nil {
		c.failErr(w, r, err)
		return nil, false
	}
	return u, true
}

func (c *connectorForms) handleEditZapierUser(w http.ResponseWriter, r *http.Request) {
	if c.readOnly(w, r) {
		return
	}
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	vendor := scopeVendor(r)
	if vendor == "" {
		vendor = r.URL.Query().Get("vendor")
	}
	u, err := c.store.Catalog.GetZapierUser(r.Context(), vendor, id)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.zapierPage(w, r, http.StatusOK, &zapierForm{ZapierUser: *u, Edit: true})
}

func (c *connectorForms) handleUpdateZapierUser(w http.ResponseWriter, r *http.Request) {
	u, ok := c.managedZapierUser(w, r)
	if !ok {
		return
	}
	email, name := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("name")
	f := &zapierForm{ZapierUser: *u, Edit: true}
	f.Email, f.Name = email, name
	var pe, pn *string // only what changed, as an API client would send it
	if email != u.Email {
		pe = &email
	}
	if name != u.Name {
		pn = &name
	}
	_, err := c.manage.Connectors().UpdateZapierUser(change(r, "zapier-user.update", u.ID, u.VendorID), u.VendorID, u.ID, pe, pn)
	c.submit(w, r, err, &f.Err, func(status int) { c.zapierPage(w, r, status, f) }, func() {
		c.back(w, r, "/connectors?vendor="+url.QueryEscape(u.VendorID), "Zapier user "+email+" saved.")
	})
}

func (c *connectorForms) handleResetZapierPassword(w http.ResponseWriter, r *http.Request) {
	u, ok := c.managedZapierUser(w, r)
	if !ok {
		return
	}
	u, generated, err := c.manage.Connectors().ResetZapierPassword(change(r, "zapier-user.reset-password", u.ID, u.VendorID), u.VendorID, u.ID, "")
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.zapierPage(w, r, http.StatusOK, &zapierForm{ZapierUser: *u, Password: generated, Done: true, Reset: true})
}

func (c *connectorForms) handleSetZapierUserEnabled(enabled bool) http.HandlerFunc {
	action, done := "zapier-user.disable", " disabled; their sessions ended."
	if enabled {
		action, done = "zapier-user.enable", " enabled; they can log in with their password again."
	}
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := c.managedZapierUser(w, r)
		if !ok {
			return
		}
		if _, err := c.manage.Connectors().SetZapierUserEnabled(change(r, action, u.ID, u.VendorID), u.VendorID, u.ID, enabled); err != nil {
			c.failErr(w, r, err)
			return
		}
		c.back(w, r, "/connectors?vendor="+url.QueryEscape(u.VendorID), "Zapier user "+u.Email+done)
	}
}

func (c *connectorForms) handleDeleteZapierUser(w http.ResponseWriter, r *http.Request) {
	u, ok := c.managedZapierUser(w, r)
	if !ok {
		return
	}
	if err := c.manage.Connectors().DeleteZapierUser(change(r, "zapier-user.delete", u.ID, u.VendorID), u.VendorID, u.ID); err != nil {
		c.failErr(w, r, err)
		return
	}
	c.back(w, r, "/connectors?vendor="+url.QueryEscape(u.VendorID), "Zapier user "+u.Email+" deleted; their sessions ended.")
}
