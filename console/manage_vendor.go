package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"orderhub"
	"orderhub/manage"
)

// Vendor settings (issue 18): editing a vendor (its name and who may embed its
// portal; operators only; vendors are never deleted), its quotas (operators only),
// its promo codes (edit, deactivate, delete an unused one) and its portal links
// (an operator, or a vendor-admin of the vendor). Each form calls the function of
// package manage that the admin API calls.

func (c *vendorForms) manageVendorRoutes() {
	m := c.mux
	const p = Prefix
	m.HandleFunc("GET "+p+"/vendors/{id}/edit", c.auth(c.handleEditVendor))
	m.HandleFunc("POST "+p+"/vendors/{id}/edit", c.auth(c.handleUpdateVendor))
	m.HandleFunc("GET "+p+"/vendors/{id}/quotas", c.auth(c.handleEditQuotas))
	m.HandleFunc("POST "+p+"/vendors/{id}/quotas", c.auth(c.handleUpdateQuotas))
	m.HandleFunc("GET "+p+"/vendors/{id}/portal-links/new", c.auth(c.handleNewPortalLink))
	m.HandleFunc("POST "+p+"/vendors/{id}/portal-links", c.auth(c.handleCreatePortalLink))
	c.managePromoRoutes()
}

type vendorEditForm struct {
	*orderhub.Vendor
	Name           string
	FrameAncestors string
	Err            formError
}

func (c *vendorForms) vendorEditPage(w http.ResponseWriter, r *http.Request, status int, f *vendorEditForm) {
	c.render(w, r, status, "vendor_edit", &view{Title: "Vendor " + f.ID, Nav: "catalog", Data: f})
}

// editedVendor reads the vendor named by the path, for an operator.
func (c *vendorForms) editedVendor(w http.ResponseWriter, r *http.Request) (*orderhub.Vendor, bool) {
	if c.operatorOnly(w, r, "vendors") {
		return nil, false
	}
	id, ok := c.pathID(w, r)
	if !ok {
		return nil, false
	}
	v, err := c.store.Tenants.GetVendor(r.Context(), id)
	if err != nil {
		c.failErr(w, r, err)
		return nil, false
	}
	return v, true
}

func (c *vendorForms) handleEditVendor(w http.ResponseWriter, r *http.Request) {
	v, ok := c.editedVendor(w, r)
	if !ok {
		return
	}
	fa, err := c.store.Tenants.PortalFrameAncestors(r.Context(), v.ID)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.vendorEditPage(w, r, http.StatusOK, &vendorEditForm{Vendor: v, Name: v.Name, FrameAncestors: strings.Join(fa, "\n")})
}

func (c *vendorForms) handleUpdateVendor(w http.ResponseWriter, r *http.Request) {
	v, ok := c.editedVendor(w, r)
	if !ok {
		return
	}
	f := &vendorEditForm{Vendor: v, Name: r.PostForm.Get("name"), FrameAncestors: r.PostForm.Get("frameAncestors")}
	cur, err := c.store.Tenants.PortalFrameAncestors(r.Context(), v.ID)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	// Only what the form changes is sent, so that the audit log holds real changes.
	var in manage.VendorUpdate
	if strings.TrimSpace(f.Name) != v.Name {
		in.Name = &f.Name
	}
	fa := splitList(strings.ReplaceAll(f.FrameAncestors, " ", ","))
	if fa == nil {
		fa = []string{}
	}
	if !slices.Equal(fa, cur) {
		in.FrameAncestors = &fa
	}
	if in.Name == nil && in.FrameAncestors == nil {
		c.back(w, r, "/catalog?vendor="+url.QueryEscape(v.ID), "Vendor "+v.ID+": nothing changed.")
		return
	}
	_, err = c.manage.Vendors().UpdateVendor(change(r, "vendor.update", v.ID, v.ID), v.ID, in)
	c.submit(w, r, err, &f.Err, func(status int) { c.vendorEditPage(w, r, status, f) }, func() { c.back(w, r, "/catalog?vendor="+url.QueryEscape(v.ID), "Vendor "+v.ID+" saved.") })
}

// ---- promo codes: edit, deactivate / activate, delete ----

func (c *vendorForms) managePromoRoutes() {
	m := c.mux
	const p = Prefix
	m.HandleFunc("GET "+p+"/vendors/{vendor}/promo-codes/{code}/edit", c.auth(c.handleEditPromo))
	m.HandleFunc("POST "+p+"/vendors/{vendor}/promo-codes/{code}/edit", c.auth(c.handleUpdatePromo))
	m.HandleFunc("POST "+p+"/vendors/{vendor}/promo-codes/{code}/active", c.auth(c.handlePromoActive))
	m.HandleFunc("POST "+p+"/vendors/{vendor}/promo-codes/{code}/delete", c.auth(c.handleDeletePromo))
}

type promoEditForm struct {
	Cur           *orderhub.PromoCode
	ProductName   string
	Price         string
	Currency      string
	BillingPeriod string
	BindingMonths string
	Delivery      string
	Uses          int
	Periods       []string
	Deliveries    []string
	Err           formError
}

func (c *vendorForms) promoEditPage(w http.ResponseWriter, r *http.Request, status int, f *promoEditForm) {
	f.Periods, f.Deliveries = orderhub.BillingPeriods, []string{orderhub.DeliveryDigital, orderhub.DeliveryPrint, orderhub.DeliveryBundle}
	if f.Uses == 0 {
		f.Uses, _ = c.store.Tenants.PromoCodeUses(r.Context(), f.Cur.VendorID, f.Cur.Code)
	}
	c.render(w, r, status, "promo_edit", &view{Title: "Promo code " + f.Cur.Code, Nav: "catalog", Data: f})
}

// managedPromo reads the promo code named by the path, within the session's vendor
// (another vendor's is not found).
func (c *vendorForms) managedPromo(w http.ResponseWriter, r *http.Request) (*orderhub.PromoCode, bool) {
	vendor, code := r.PathValue("vendor"), r.PathValue("code")
	var p *orderhub.PromoCode
	var err error = orderhub.Errorf(orderhub.ENotFound, "Promo code %q of vendor %q not found.", code, vendor)
	if orderhub.IsLineText(vendor) && orderhub.IsLineText(code) && mayShow(r, vendor) {
		p, err = c.store.Tenants.AdminGetPromoCode(r.Context(), vendor, code)
	}
	if err != nil {
		c.failErr(w, r, err)
		return nil, false
	}
	return p, true
}

func (c *vendorForms) handleEditPromo(w http.ResponseWriter, r *http.Request) {
	p, ok := openForm(c.console, w, r, c.managedPromo)
	if !ok {
		return
	}
	c.promoEditPage(w, r, http.StatusOK, &promoEditForm{Cur: p, ProductName: p.ProductName, Price: p.Price, Currency: p.Currency,
		BillingPeriod: p.BillingPeriod, BindingMonths: strconv.Itoa(p.BindingMonths), Delivery: p.Delivery})
}

func (c *vendorForms) handleUpdatePromo(w http.ResponseWriter, r *http.Request) {
	p, ok := c.managedPromo(w, r)
	if !ok {
		return
	}
	pf := r.PostForm
	f := &promoEditForm{Cur: p, ProductName: pf.Get("productName"), Price: strings.TrimSpace(pf.Get("price")), Currency: strings.TrimSpace(pf.Get("currency")),
		BillingPeriod: pf.Get("billingPeriod"), BindingMonths: strings.TrimSpace(pf.Get("bindingMonths")), Delivery: pf.Get("delivery")}
	// Only what the form changes is sent: a used code's unchanged terms are no change.
	var in orderhub.PromoCodeUpdate
	for _, x := range []struct {
		dst      **string
		got, cur string
	}{{&in.ProductName, f.ProductName, p.ProductName}, {&in.Price, f.Price, p.Price}, {&in.Currency, f.Currency, p.Currency},
		{&in.BillingPeriod, f.BillingPeriod, p.BillingPeriod}, {&in.Delivery, f.Delivery, p.Delivery}} {
		if x.got != x.cur {
			v := x.got
			*x.dst = &v
		}
	}
	var err error
	if f.BindingMonths != strconv.Itoa(p.BindingMonths) {
		n, perr := strconv.Atoi(f.BindingMonths)
		if perr != nil {
			// The API's JSON decoding refuses a non-number; the form says so by field.
			err = orderhub.FieldError(orderhub.EInvalidRequest, "bindingMonths", "bindingMonths must be a whole number.")
		}
		in.BindingMonths = &n
	}
	if err == nil && in == (orderhub.PromoCodeUpdate{}) {
		c.back(w, r, "/catalog?vendor="+url.QueryEscape(p.VendorID), "Promo code "+p.Code+": nothing changed.")
		return
	}
	if err == nil {
		_, err = c.manage.Vendors().UpdatePromoCode(change(r, "promo-code.update", p.Code, p.VendorID), p.VendorID, p.Code, in)
	}
	c.submit(w, r, err, &f.Err, func(status int) { c.promoEditPage(w, r, status, f) }, func() { c.back(w, r, "/catalog?vendor="+url.QueryEscape(p.VendorID), "Promo code "+p.Code+" saved.") })
}

func (c *vendorForms) handlePromoActive(w http.ResponseWriter, r *http.Request) {
	p, ok := c.managedPromo(w, r)
	if !ok {
		return
	}
	active := r.PostForm.Get("active") == "true"
	if _, err := c.manage.Vendors().UpdatePromoCode(change(r, "promo-code.update", p.Code, p.VendorID), p.VendorID, p.Code, orderhub.PromoCodeUpdate{Active: &active}); err != nil {
		c.failErr(w, r, err)
		return
	}
	msg := "Promo code " + p.Code + " deactivated: new orders with it are refused; its contracts keep it."
	if active {
		msg = "Promo code " + p.Code + " active again."
	}
	c.back(w, r, "/catalog?vendor="+url.QueryEscape(p.VendorID), msg)
}

func (c *vendorForms) handleDeletePromo(w http.ResponseWriter, r *http.Request) {
	p, ok := c.managedPromo(w, r)
	if !ok {
		return
	}
	if err := c.manage.Vendors().DeletePromoCode(change(r, "promo-code.delete", p.Code, p.VendorID), p.VendorID, p.Code); err != nil {
		c.failErr(w, r, err)
		return
	}
	c.back(w, r, "/catalog?vendor="+url.QueryEscape(p.VendorID), "Promo code "+p.Code+" deleted.")
}

// ---- quotas (operators only) ----

type quotaRow struct {
	orderhub.VendorQuota
	Value string // the override field as shown (empty: the default)
	Err   string
}

type quotaForm struct {
	Vendor string
	Rows   []quotaRow
	Err    formError
}

func (c *vendorForms) quotaPage(w http.ResponseWriter, r *http.Request, status int, f *quotaForm) {
	for i := range f.Rows {
		if f.Rows[i].Name == f.Err.Field {
			f.Rows[i].Err = f.Err.Message
		}
	}
	c.render(w, r, status, "vendor_quotas", &view{Title: "Quotas of " + f.Vendor, Nav: "catalog", Data: f})
}

// editedQuotas reads the quotas of the vendor named by the path, for an operator.
func (c *vendorForms) editedQuotas(w http.ResponseWriter, r *http.Request) (*orderhub.VendorQuotas, bool) {
	v, ok := c.editedVendor(w, r)
	if !ok {
		return nil, false
	}
	q, err := c.store.Tenants.GetVendorQuotas(r.Context(), v.ID)
	if err != nil {
		c.failErr(w, r, err)
		return nil, false
	}
	return q, true
}

func (c *vendorForms) handleEditQuotas(w http.ResponseWriter, r *http.Request) {
	q, ok := c.editedQuotas(w, r)
	if !ok {
		return
	}
	f := &quotaForm{Vendor: q.VendorID}
	for _, x := range q.Quotas {
		row := quotaRow{VendorQuota: x}
		if x.Override != nil {
			row.Value = strconv.Itoa(*x.Override)
		}
		f.Rows = append(f.Rows, row)
	}
	c.quotaPage(w, r, http.StatusOK, f)
}

func (c *vendorForms) handleUpdateQuotas(w http.ResponseWriter, r *http.Request) {
	q, ok := c.editedQuotas(w, r)
	if !ok {
		return
	}
	// Only the overrides the form changes are sent (an empty field: the default).
	f := &quotaForm{Vendor: q.VendorID}
	set := map[string]*int{}
	var bad error
	for _, x := range q.Quotas {
		row := quotaRow{VendorQuota: x, Value: strings.TrimSpace(r.PostForm.Get(x.Name))}
		f.Rows = append(f.Rows, row)
		switch n, perr := strconv.Atoi(row.Value); {
		case row.Value == "":
			if x.Override != nil {
				set[x.Name] = nil
			}
		case perr != nil:
			if bad == nil {
				bad = manage.QuotaLimitError(x.Name)
			}
		case x.Override == nil || *x.Override != n:
			set[x.Name] = &n
		}
	}
	if bad == nil && len(set) == 0 {
		c.back(w, r, "/catalog?vendor="+url.QueryEscape(q.VendorID), "Quotas of "+q.VendorID+": nothing changed.")
		return
	}
	err := bad
	if err == nil {
		ctx := change(r, "quota.set", q.VendorID, q.VendorID)
		orderhub.ChangeFrom(ctx).Request = set // as the admin API's body
		_, err = c.manage.Vendors().SetVendorQuotas(ctx, q.VendorID, set)
	}
	c.submit(w, r, err, &f.Err, func(status int) { c.quotaPage(w, r, status, f) }, func() {
		c.back(w, r, "/catalog?vendor="+url.QueryEscape(q.VendorID), "Quotas of "+q.VendorID+" saved.")
	})
}

// ---- portal links (an operator, or a vendor-admin of the vendor) ----

type portalLinkForm struct {
	Vendor     string
	Access     string
	TTLSeconds string
	Err        formError
	// Link is the made link, shown once (Full: with this console's origin).
	Link *manage.PortalLink
	Full string
}

func (c *vendorForms) portalLinkPage(w http.ResponseWriter, r *http.Request, status int, f *portalLinkForm) {
	c.render(w, r, status, "portal_link", &view{Title: "Portal link for " + f.Vendor, Nav: "catalog", Data: f})
}

// linkVendor is the vendor named by the path, when the session may manage it
// (another vendor's is not found).
func (c *vendorForms) linkVendor(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, ok := c.pathID(w, r)
	if !ok {
		return "", false
	}
	var err error = orderhub.Errorf(orderhub.ENotFound, "Vendor %q not found.", id)
	if mayShow(r, id) {
		_, err = c.store.Tenants.GetVendor(r.Context(), id)
	}
	if err != nil {
		c.failErr(w, r, err)
		return "", false
	}
	return id, true
}

func (c *vendorForms) handleNewPortalLink(w http.ResponseWriter, r *http.Request) {
	if c.readOnly(w, r) {
		return
	}
	v, ok := c.linkVendor(w, r)
	if !ok {
		return
	}
	c.portalLinkPage(w, r, http.StatusOK, &portalLinkForm{Vendor: v, Access: manage.PortalRead, TTLSeconds: "3600"})
}

func (c *vendorForms) handleCreatePortalLink(w http.ResponseWriter, r *http.Request) {
	v, ok := c.linkVendor(w, r)
	if !ok {
		return
	}
	f := &portalLinkForm{Vendor: v, Access: r.PostForm.Get("access"), TTLSeconds: strings.TrimSpace(r.PostForm.Get("ttlSeconds"))}
	ttl, err := strconv.ParseInt(f.TTLSeconds, 10, 64)
	if err != nil {
		// The API's JSON decoding refuses a non-number; the form says so by field.
		err = orderhub.FieldError(orderhub.EInvalidRequest, "ttlSeconds", "ttlSeconds must be a whole number of seconds.")
	} else {
		f.Link, err = c.manage.Vendors().CreatePortalLink(change(r, "portal-link.create", v, v), v, f.Access, ttl, time.Now())
	}
	c.submit(w, r, err, &f.Err, func(status int) { c.portalLinkPage(w, r, status, f) }, func() {
		scheme := "http"
		if c.secureRequest(r) {
			scheme = "https"
		}
		f.Full = scheme + "://" + r.Host + f.Link.URL
		c.portalLinkPage(w, r, http.StatusOK, f)
	})
}
