package console

import (
	"net/http"
	"net/url"
	"strings"

	"orderhub"
	"orderhub/manage"
)

// The catalog of seed 000: products (create, rename, delete with their purchase
// options and mappings), purchase options (create, edit, delete) and the sku + poId
// mappings the purchase hook resolves (create, point at another product or option,
// delete). Products and mappings are keyed within a vendor, so their pages name the
// vendor: ?vendor= on a GET (a vendor-scoped session's own, scopeRequest), the
// form's vendor on a POST (formVendor). The rules are package manage's, as in the
// admin API.

func (c *catalogForms) manageProductRoutes() {
	m := c.mux
	const p = Prefix
	m.HandleFunc("GET "+p+"/products/new", c.auth(c.handleNewProduct))
	m.HandleFunc("POST "+p+"/products", c.auth(c.handleCreateProduct))
	m.HandleFunc("GET "+p+"/products/{id}/edit", c.auth(c.handleEditProduct))
	m.HandleFunc("POST "+p+"/products/{id}/edit", c.auth(c.handleUpdateProduct))
	m.HandleFunc("POST "+p+"/products/{id}/delete", c.auth(c.handleDeleteProduct))
	m.HandleFunc("GET "+p+"/purchase-options/new", c.auth(c.handleNewOption))
	m.HandleFunc("POST "+p+"/purchase-options", c.auth(c.handleCreateOption))
	m.HandleFunc("GET "+p+"/purchase-options/{id}/edit", c.auth(c.handleEditOption))
	m.HandleFunc("POST "+p+"/purchase-options/{id}/edit", c.auth(c.handleUpdateOption))
	m.HandleFunc("POST "+p+"/purchase-options/{id}/delete", c.auth(c.handleDeleteOption))
	m.HandleFunc("GET "+p+"/product-mappings/new", c.auth(c.handleNewMapping))
	m.HandleFunc("POST "+p+"/product-mappings", c.auth(c.handleCreateMapping))
	m.HandleFunc("GET "+p+"/product-mappings/edit", c.auth(c.handleEditMapping))
	m.HandleFunc("POST "+p+"/product-mappings/edit", c.auth(c.handleUpdateMapping))
	m.HandleFunc("POST "+p+"/product-mappings/delete", c.auth(c.handleDeleteMapping))
}

// catalogBack returns to the vendor's catalog with a message.
func (c *catalogForms) catalogBack(w http.ResponseWriter, r *http.Request, vendor, flash string) {
	c.back(w, r, "/catalog?vendor="+url.QueryEscape(vendor), flash)
}

// ---- products ----

type productForm struct {
	New     bool
	ID      string
	Vendor  string
	Name    string
	Vendors []*orderhub.Vendor
	// Options and Mappings are the product's (its edit page).
	Options  []*orderhub.PurchaseOption
	Mappings []*orderhub.ProductMapping
	Err      formError
}

func (c *catalogForms) productPage(w http.ResponseWriter, r *http.Request, status int, f *productForm) {
	title := "New product"
	if !f.New {
		title = "Edit product " + f.ID
		f.Options, _ = c.store.Catalog.ListPurchaseOptions(r.Context(), f.Vendor, f.ID)
		all, _ := c.store.Catalog.ListProductMappings(r.Context(), f.Vendor)
		f.Mappings = nil
		for _, m := range all {
			if m.ProductID == f.ID {
				f.Mappings = append(f.Mappings, m)
			}
		}
	}
	c.render(w, r, status, "manage_product", &view{Title: title, Nav: "catalog", Data: f})
}

func (c *catalogForms) handleNewProduct(w http.ResponseWriter, r *http.Request) {
	c.blankForm(w, r, func(vs []*orderhub.Vendor, vendor string) {
		c.productPage(w, r, http.StatusOK, &productForm{New: true, Vendor: vendor, Vendors: vs})
	})
}

func (c *catalogForms) handleCreateProduct(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	f := &productForm{New: true, ID: strings.TrimSpace(r.PostForm.Get("id")), Vendor: vendor, Name: r.PostForm.Get("name")}
	p := &orderhub.Product{ID: f.ID, VendorID: vendor, Name: f.Name}
	if p.ID == "" {
		p.ID = orderhub.NewID("prd") // so that the audit entry names it
	}
	err := c.manage.Catalog().CreateProduct(change(r, "product.create", p.ID, vendor), p)
	c.submit(w, r, err, &f.Err, func(status int) {
		f.Vendors, _ = c.vendors(r)
		c.productPage(w, r, status, f)
	}, func() { c.catalogBack(w, r, vendor, "Product "+p.ID+" created.") })
}

// managedProduct reads the product named by the path of the request's vendor
// (?vendor= on a GET, the form's on a POST).
func (c *catalogForms) managedProduct(w http.ResponseWriter, r *http.Request) (*orderhub.Product, bool) {
	return vendorRecord(c.console, w, r, "Product", c.store.Catalog.GetProduct, func(p *orderhub.Product) string { return p.VendorID })
}

func (c *catalogForms) handleEditProduct(w http.ResponseWriter, r *http.Request) {
	p, ok := openForm(c.console, w, r, c.managedProduct)
	if !ok {
		return
	}
	c.productPage(w, r, http.StatusOK, &productForm{ID: p.ID, Vendor: p.VendorID, Name: p.Name})
}

func (c *catalogForms) handleUpdateProduct(w http.ResponseWriter, r *http.Request) {
	p, ok := c.managedProduct(w, r)
	if !ok {
		return
	}
	f := &productForm{ID: p.ID, Vendor: p.VendorID, Name: r.PostForm.Get("name")}
	name := f.Name
	_, err := c.manage.Catalog().UpdateProduct(change(r, "product.update", p.ID, p.VendorID), p.VendorID, p.ID, &name)
	c.submit(w, r, err, &f.Err, func(status int) { c.productPage(w, r, status, f) }, func() { c.catalogBack(w, r, p.VendorID, "Product "+p.ID+" saved.") })
}

func (c *catalogForms) handleDeleteProduct(w http.ResponseWriter, r *http.Request) {
	p, ok := c.managedProduct(w, r)
	if !ok {
		return
	}
	if err := c.manage.Catalog().DeleteProduct(change(r, "product.delete", p.ID, p.VendorID), p.VendorID, p.ID); err != nil {
		c.failErr(w, r, err)
		return
	}
	c.catalogBack(w, r, p.VendorID, "Product "+p.ID+" deleted, with its purchase options and mappings.")
}

// ---- purchase options ----

type optionForm struct {
	New bool
	orderhub.PurchaseOption
	Products []*orderhub.Product
	Periods  []string
	Err      formError
}

func (c *catalogForms) optionPage(w http.ResponseWriter, r *http.Request, status int, f *optionForm) {
	f.Products, _ = c.store.Catalog.ListProducts(r.Context(), f.VendorID)
	f.Periods = orderhub.BillingPeriods
	title := "New purchase option"
	if !f.New {
		title = "Edit purchase option " + f.ID
	}
	c.render(w, r, status, "manage_option", &view{Title: title, Nav: "catalog", Data: f})
}

// queryVendor is the vendor a form page is for: ?vendor= (a vendor-scoped session's
// own), else the last vendor.
func (c *catalogForms) queryVendor(w http.ResponseWriter, r *http.Request) (string, bool) {
	vs, err := c.vendors(r)
	if err != nil {
		c.failErr(w, r, err)
		return "", false
	}
	return vendorParam(r, vs), true
}

func (c *catalogForms) handleNewOption(w http.ResponseWriter, r *http.Request) {
	vendor, ok := openForm(c.console, w, r, c.queryVendor)
	if !ok {
		return
	}
	f := &optionForm{New: true}
	f.VendorID, f.ProductID, f.BillingPeriod = vendor, r.URL.Query().Get("product"), "month"
	c.optionPage(w, r, http.StatusOK, f)
}

func (c *catalogForms) handleCreateOption(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	pf := r.PostForm
	f := &optionForm{New: true, PurchaseOption: orderhub.PurchaseOption{VendorID: vendor, ID: strings.TrimSpace(pf.Get("id")), ProductID: pf.Get("productId"), Name: pf.Get("name"),
		Price: pf.Get("price"), Currency: pf.Get("currency"), BillingPeriod: pf.Get("billingPeriod")}}
	o := f.PurchaseOption
	if o.ID == "" {
		o.ID = orderhub.NewID("po") // so that the audit entry names it
	}
	err := c.manage.Catalog().CreatePurchaseOption(change(r, "purchase-option.create", o.ID, vendor), &o)
	c.submit(w, r, err, &f.Err, func(status int) { c.optionPage(w, r, status, f) }, func() {
		c.back(w, r, "/products/"+url.PathEscape(o.ProductID)+"/edit?vendor="+url.QueryEscape(vendor), "Purchase option "+o.ID+" created.")
	})
}

// managedOption reads the purchase option named by the path of the request's
// vendor (?vendor= on a GET, the form's on a POST).
func (c *catalogForms) managedOption(w http.ResponseWriter, r *http.Request) (*orderhub.PurchaseOption, bool) {
	return vendorRecord(c.console, w, r, "Purchase option", c.store.Catalog.GetPurchaseOption, func(o *orderhub.PurchaseOption) string { return o.VendorID })
}

func (c *catalogForms) handleEditOption(w http.ResponseWriter, r *http.Request) {
	o, ok := openForm(c.console, w, r, c.managedOption)
	if !ok {
		return
	}
	c.optionPage(w, r, http.StatusOK, &optionForm{PurchaseOption: *o})
}

func (c *catalogForms) handleUpdateOption(w http.ResponseWriter, r *http.Request) {
	o, ok := c.managedOption(w, r)
	if !ok {
		return
	}
	pf := r.PostForm
	f := &optionForm{PurchaseOption: *o}
	f.Name, f.Price, f.Currency, f.BillingPeriod = pf.Get("name"), pf.Get("price"), pf.Get("currency"), pf.Get("billingPeriod")
	in := manage.OptionUpdate{Name: &f.Name, Price: &f.Price, Currency: &f.Currency, BillingPeriod: &f.BillingPeriod}
	_, err := c.manage.Catalog().UpdatePurchaseOption(change(r, "purchase-option.update", o.ID, o.VendorID), o.VendorID, o.ID, in)
	c.submit(w, r, err, &f.Err, func(status int) { c.optionPage(w, r, status, f) }, func() {
		c.back(w, r, "/products/"+url.PathEscape(o.ProductID)+"/edit?vendor="+url.QueryEscape(o.VendorID), "Purchase option "+o.ID+" saved.")
	})
}

func (c *catalogForms) handleDeleteOption(w http.ResponseWriter, r *http.Request) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	if err := c.manage.Catalog().DeletePurchaseOption(change(r, "purchase-option.delete", id, vendor), vendor, id); err != nil {
		c.failErr(w, r, err)
		return
	}
	back := "/catalog?vendor=" + url.QueryEscape(vendor)
	if p := r.PostForm.Get("product"); p != "" {
		back = "/products/" + url.PathEscape(p) + "/edit?vendor=" + url.QueryEscape(vendor)
	}
	c.back(w, r, back, "Purchase option "+id+" deleted.")
}

// ---- sku + poId mappings ----

type mappingForm struct {
	New bool
	orderhub.ProductMapping
	Products []*orderhub.Product
	Options  []*orderhub.PurchaseOption
	Err      formError
}

func (c *catalogForms) mappingPage(w http.ResponseWriter, r *http.Request, status int, f *mappingForm) {
	f.Products, _ = c.store.Catalog.ListProducts(r.Context(), f.VendorID)
	f.Options, _ = c.store.Catalog.ListPurchaseOptions(r.Context(), f.VendorID, "")
	title := "New product mapping"
	if !f.New {
		title = "Edit mapping " + f.SKU + " / " + f.POID
	}
	c.render(w, r, status, "manage_mapping", &view{Title: title, Nav: "catalog", Data: f})
}

func (c *catalogForms) handleNewMapping(w http.ResponseWriter, r *http.Request) {
	vendor, ok := openForm(c.console, w, r, c.queryVendor)
	if !ok {
		return
	}
	f := &mappingForm{New: true}
	f.VendorID, f.ProductID = vendor, r.URL.Query().Get("product")
	c.mappingPage(w, r, http.StatusOK, f)
}

// mappingFromForm reads a mapping form (the product and option ids as posted).
func mappingFromForm(r *http.Request, vendor string) orderhub.ProductMapping {
	pf := r.PostForm
	return orderhub.ProductMapping{VendorID: vendor, SKU: pf.Get("sku"), POID: pf.Get("poId"), ProductID: pf.Get("productId"), PurchaseOptionID: pf.Get("purchaseOptionId")}
}

func (c *catalogForms) handleCreateMapping(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	f := &mappingForm{New: true, ProductMapping: mappingFromForm(r, vendor)}
	m := f.ProductMapping
	err := c.manage.Catalog().CreateProductMapping(change(r, "product-mapping.create", "", vendor), &m)
	c.submit(w, r, err, &f.Err, func(status int) { c.mappingPage(w, r, status, f) }, func() {
		c.catalogBack(w, r, vendor, "sku "+m.SKU+", poId "+m.POID+" now map to product "+m.ProductID+".")
	})
}

func (c *catalogForms) handleEditMapping(w http.ResponseWriter, r *http.Request) {
	if c.readOnly(w, r) {
		return
	}
	q := r.URL.Query()
	sku, poID := q.Get("sku"), q.Get("poId")
	if !orderhub.IsLineText(sku) || !orderhub.IsLineText(poID) {
		c.fail(w, r, http.StatusNotFound, "Not found", "No such mapping.")
		return
	}
	m, err := c.store.Catalog.GetProductMapping(r.Context(), q.Get("vendor"), sku, poID)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.mappingPage(w, r, http.StatusOK, &mappingForm{ProductMapping: *m})
}

func (c *catalogForms) handleUpdateMapping(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	f := &mappingForm{ProductMapping: mappingFromForm(r, vendor)}
	// The mapping must exist (in the session's vendor) before its form is shown again.
	if !orderhub.IsLineText(f.SKU) || !orderhub.IsLineText(f.POID) {
		c.fail(w, r, http.StatusNotFound, "Not found", "No such mapping.")
		return
	}
	if _, err := c.store.Catalog.GetProductMapping(r.Context(), vendor, f.SKU, f.POID); err != nil {
		c.failErr(w, r, err)
		return
	}
	in := manage.MappingUpdate{ProductID: &f.ProductID, PurchaseOptionID: &f.PurchaseOptionID}
	_, err := c.manage.Catalog().UpdateProductMapping(change(r, "product-mapping.update", "", vendor), vendor, f.SKU, f.POID, in)
	c.submit(w, r, err, &f.Err, func(status int) { c.mappingPage(w, r, status, f) }, func() { c.catalogBack(w, r, vendor, "Mapping sku "+f.SKU+", poId "+f.POID+" saved.") })
}

func (c *catalogForms) handleDeleteMapping(w http.ResponseWriter, r *http.Request) {
	vendor, ok := c.formVendor(w, r)
	if !ok {
		return
	}
	sku, poID := r.PostForm.Get("sku"), r.PostForm.Get("poId")
	if err := c.manage.Catalog().DeleteProductMapping(change(r, "product-mapping.delete", "", vendor), vendor, sku, poID); err != nil {
		c.failErr(w, r, err)
		return
	}
	c.catalogBack(w, r, vendor, "Mapping sku "+sku+", poId "+poID+" deleted.")
}
