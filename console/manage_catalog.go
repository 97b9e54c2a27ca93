package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"orderhub"
)

// Vendors (create; operators only) and promo codes (create; an operator for every
// vendor, a vendor-admin for its own).

func (c *vendorForms) manageCatalogRoutes() {
	m := c.mux
	const p = Prefix
	m.HandleFunc("GET "+p+"/vendors/new", c.auth(c.handleNewVendor))
	m.HandleFunc("POST "+p+"/vendors", c.auth(c.handleCreateVendor))
	m.HandleFunc("GET "+p+"/promo-codes/new", c.auth(c.handleNewPromo))
	m.HandleFunc("POST "+p+"/promo-codes", c.auth(c.handleCreatePromo))
}

// operatorOnly refuses a vendor-scoped session the pages that manage what (vendors,
// console users).
func (c *console) operatorOnly(w http.ResponseWriter, r *http.Request, what string) bool {
	if v := scopeVendor(r); v != "" {
		c.fail(w, r, http.StatusForbidden, "Operators only", "Only operators manage "+what+"; you work with vendor "+v+".")
		return true
	}
	return false
}

type vendorForm struct {
	ID, Name string
	Err      formError
}

func (c *vendorForms) handleNewVendor(w http.ResponseWriter, r *http.Request) {
	if c.operatorOnly(w, r, "vendors") {
		return
	}
	c.render(w, r, http.StatusOK, "manage_vendor", &view{Title: "New vendor", Nav: "catalog", Data: &vendorForm{}})
}

func (c *vendorForms) handleCreateVendor(w http.ResponseWriter, r *http.Request) {
	if c.operatorOnly(w, r, "vendors") {
		return
	}
	f := &vendorForm{ID: strings.TrimSpace(r.PostForm.Get("id")), Name: r.PostForm.Get("name")}
	v := &orderhub.Vendor{ID: f.ID, Name: f.Name}
	err := c.manage.Vendors().CreateVendor(change(r, "vendor.create", f.ID, f.ID), v)
	c.submit(w, r, err, &f.Err, func(status int) {
		c.render(w, r, status, "manage_vendor", &view{Title: "New vendor", Nav: "catalog", Data: f})
	}, func() { c.back(w, r, "/catalog?vendor="+url.QueryEscape(v.ID), "Vendor "+v.ID+" created.") })
}

type promoForm struct {
	orderhub.PromoCode
	BindingMonths string
	Vendors       []*orderhub.Vendor
	Err           formError
}

func (c *vendorForms) promoPage(w http.ResponseWriter, r *http.Request, status int, f *promoForm) {
	f.Vendors, _ = c.vendors(r)
	c.render(w, r, status, "manage_promo", &view{Title: "New promo code", Nav: "catalog", Data: f})
}

func (c *vendorForms) handleNewPromo(w http.ResponseWriter, r *http.Request) {
	c.blankForm(w, r, func(vs []*orderhub.Vendor, vendor string) {
		f := &promoForm{BindingMonths: "0"}
		f.VendorID, f.BillingPeriod, f.Delivery = vendor, "month", "digital"
		c.promoPage(w, r, http.StatusOK, f)
	})
}

func (c *vendorForms) handleCreatePromo(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	pf := r.PostForm
	f := &promoForm{BindingMonths: strings.TrimSpace(pf.Get("bindingMonths"))}
	f.PromoCode = orderhub.PromoCode{VendorID: vendor, Code: strings.TrimSpace(pf.Get("code")), ProductName: pf.Get("productName"), Price: strings.TrimSpace(pf.Get("price")),
		Currency: strings.TrimSpace(pf.Get("currency")), BillingPeriod: pf.Get("billingPeriod"), Delivery: pf.Get("delivery")}
	n, err := strconv.Atoi(f.BindingMonths)
	if f.BindingMonths == "" {
		n, err = 0, nil
	}
	if err != nil {
		// The API's JSON decoding refuses a non-number; the form says so by field.
		err = orderhub.FieldError(orderhub.EInvalidRequest, "bindingMonths", "bindingMonths must be a whole number.")
	} else {
		p := f.PromoCode
		p.BindingMonths = n
		err = c.manage.Vendors().CreatePromoCode(change(r, "promo-code.create", p.Code, vendor), &p)
	}
	c.submit(w, r, err, &f.Err, func(status int) { c.promoPage(w, r, status, f) }, func() { c.back(w, r, "/catalog?vendor="+url.QueryEscape(vendor), "Promo code "+f.Code+" created.") })
}
