package httpapi

import (
	"net/http"
	"net/url"
	"time"

	"orderhub"
	"orderhub/manage"
)

// The admin API of the catalog and external sources (seed 000), per vendor:
//
//	GET, POST   /admin/v1/vendors/{vendorId}/products
//	PATCH, DELETE /admin/v1/vendors/{vendorId}/products/{productId}
//	GET, POST   /admin/v1/vendors/{vendorId}/purchase-options        (?productId=)
//	PATCH, DELETE /admin/v1/vendors/{vendorId}/purchase-options/{optionId}
//	GET, POST   /admin/v1/vendors/{vendorId}/product-mappings
//	PATCH, DELETE /admin/v1/vendors/{vendorId}/product-mappings?sku=…&poId=…
//	GET, POST   /admin/v1/vendors/{vendorId}/sources                 (secret shown once)
//	PATCH, DELETE /admin/v1/vendors/{vendorId}/sources/{sourceId}
//	POST        /admin/v1/vendors/{vendorId}/sources/{sourceId}/rotate-secret (new secret shown once)
//	GET         /admin/v1/vendors/{vendorId}/purchases
//
// Lists answer {"data": [...], "next_cursor": "…"} (?cursor=, limit: the admin
// lists' paging; purchases newest first, 100 a page by default); creates answer 201 with the object; updates 200
// with it; deletes 204. The rules are package manage's, shared with the console.

func (s *Server) adminCatalogRoutes(m *http.ServeMux) {
	h := &adminCatalogAPI{base: &s.base, manage: s.manage}
	const v = "/admin/v1/vendors/{vendorId}"
	m.HandleFunc("GET "+v+"/products", s.requireAdmin(s.wrap(h.handleAdminListProducts)))
	m.HandleFunc("POST "+v+"/products", s.requireAdmin(s.wrap(h.handleAdminCreateProduct)))
	m.HandleFunc("PATCH "+v+"/products/{productId}", s.requireAdmin(s.wrap(h.handleAdminUpdateProduct)))
	m.HandleFunc("DELETE "+v+"/products/{productId}", s.requireAdmin(s.wrap(h.handleAdminDeleteProduct)))
	m.HandleFunc("GET "+v+"/purchase-options", s.requireAdmin(s.wrap(h.handleAdminListOptions)))
	m.HandleFunc("POST "+v+"/purchase-options", s.requireAdmin(s.wrap(h.handleAdminCreateOption)))
	m.HandleFunc("PATCH "+v+"/purchase-options/{optionId}", s.requireAdmin(s.wrap(h.handleAdminUpdateOption)))
	m.HandleFunc("DELETE "+v+"/purchase-options/{optionId}", s.requireAdmin(s.wrap(h.handleAdminDeleteOption)))
	m.HandleFunc("GET "+v+"/product-mappings", s.requireAdmin(s.wrap(h.handleAdminListMappings)))
	m.HandleFunc("POST "+v+"/product-mappings", s.requireAdmin(s.wrap(h.handleAdminCreateMapping)))
	m.HandleFunc("PATCH "+v+"/product-mappings", s.requireAdmin(s.wrap(h.handleAdminUpdateMapping)))
	m.HandleFunc("DELETE "+v+"/product-mappings", s.requireAdmin(s.wrap(h.handleAdminDeleteMapping)))
	m.HandleFunc("GET "+v+"/sources", s.requireAdmin(s.wrap(h.handleAdminListSources)))
	m.HandleFunc("POST "+v+"/sources", s.requireAdmin(s.wrap(h.handleAdminCreateSource)))
	m.HandleFunc("PATCH "+v+"/sources/{sourceId}", s.requireAdmin(s.wrap(h.handleAdminUpdateSource)))
	m.HandleFunc("DELETE "+v+"/sources/{sourceId}", s.requireAdmin(s.wrap(h.handleAdminDeleteSource)))
	m.HandleFunc("POST "+v+"/sources/{sourceId}/rotate-secret", s.requireAdmin(s.wrap(h.handleAdminRotateSource)))
	m.HandleFunc("GET "+v+"/purchases", s.requireAdmin(s.wrap(h.handleAdminListPurchases)))
}

// DataList is the shape of admin list answers.
type DataList[T any] struct {
	Data []T `json:"data"`
}

// pathID returns a path value that names a record, or NotFound.
func pathID(r *http.Request, name, what string) (string, error) {
	v := r.PathValue(name)
	if !orderhub.IsLineText(v) {
		return "", orderhub.Errorf(orderhub.ENotFound, "%s %q not found.", what, v)
	}
	return v, nil
}

// adminVendor returns the {vendorId} of the path after checking that it exists.
func (s *base) adminVendor(r *http.Request) (string, error) {
	id, err := pathID(r, "vendorId", "Vendor")
	if err != nil {
		return "", err
	}
	v, err := s.store.Tenants.GetVendor(r.Context(), id)
	if err != nil {
		return "", err
	}
	return v.ID, nil
}

// decodeAdmin reads and decodes a JSON body into v.
func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readJSONBody(w, r)
	if err != nil {
		return err
	}
	return orderhub.ReadJSON(body, v, orderhub.JSONOptions{})
}

// adminAnswer is the shape of most admin calls on a vendor's records: the vendor of
// the path must exist, then read (nil: nothing more) checks the rest of the path and
// reads the body, then change runs; what it returns is answered with status, or the
// first error is returned (404 for the path before 400 for the body).
func adminAnswer[T any](b *base, w http.ResponseWriter, r *http.Request, status int, read func() error, change func(vendorID string) (T, error)) error {
	vendorID, err := b.adminVendor(r)
	if err == nil && read != nil {
		err = read()
	}
	var out T
	if err == nil {
		out, err = change(vendorID)
	}
	return answer(w, status, out, err)
}

// bodyInto is a read for adminAnswer: decode (decodeAdmin, decodeOptional, decodeSMAdmin)
// of the request's JSON body into in.
func bodyInto(decode func(http.ResponseWriter, *http.Request, any) error, w http.ResponseWriter, r *http.Request, in any) func() error {
	return func() error { return decode(w, r, in) }
}

// pathThen is a read for adminAnswer: the path value name into id (pathID, so an
// unknown one is a 404 before the body is read), then next (nil: nothing more).
func pathThen(r *http.Request, name, what string, id *string, next func() error) func() error {
	return func() (err error) {
		if *id, err = pathID(r, name, what); err == nil && next != nil {
			err = next()
		}
		return err
	}
}

// noStore marks an answer that shows a secret once as not to be cached (an
// Idempotency-Key keeps it sealed), unless err says there is no answer; it returns err.
func noStore(w http.ResponseWriter, err error) error {
	if err == nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	return err
}

// adminSlicePage answers one page (?cursor=, limit; next_cursor) of a vendor's list
// that the store reads whole, from list(vendorID) in the order key follows
// (orderhub.PageSlice): the catalog lists, endpoints, Zapier users and channels.
// Other query parameters are the handler's.
func adminSlicePage[T any](b *base, w http.ResponseWriter, r *http.Request, listing string, key func(T) orderhub.PageKey, list func(vendorID string) ([]T, error)) error {
	vendorID, p, err := b.adminVendorPage(r)
	if err != nil {
		return err
	}
	items, err := list(vendorID)
	if err != nil {
		return err
	}
	pg, err := orderhub.PageSlice(items, p, listing, key)
	if err != nil {
		return PageError(err)
	}
	writeJSON(w, http.StatusOK, pg)
	return nil
}

// adminVendorPage returns the vendor of the path (adminVendor) and the page the query
// asks for (pageParams).
func (b *base) adminVendorPage(r *http.Request) (string, orderhub.Page, error) {
	vendorID, err := b.adminVendor(r)
	if err != nil {
		return "", orderhub.Page{}, err
	}
	p, err := pageParams(r.URL.Query())
	return vendorID, p, err
}

// pageParams reads the cursor and limit query parameters (AdminQuery's rules and
// words) and leaves the others to the handler.
func pageParams(q url.Values) (orderhub.Page, error) {
	only := url.Values{}
	for _, name := range []string{"cursor", "limit"} {
		if vs, ok := q[name]; ok {
			only[name] = vs
		}
	}
	_, p, err := AdminQuery(only)
	return p, err
}

// createdKey is the place of a row in a list ordered by creation time and id.
func createdKey(at time.Time, id string) orderhub.PageKey {
	return orderhub.PageKey{T: at.UnixMicro(), K2: id}
}

// adminDelete runs del and answers 204.
func (b *base) adminDelete(w http.ResponseWriter, r *http.Request, del func(vendorID string) error) error {
	vendorID, err := b.adminVendor(r)
	if err == nil {
		err = del(vendorID)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *adminCatalogAPI) handleAdminListProducts(w http.ResponseWriter, r *http.Request) error {
	return adminSlicePage(s.base, w, r, "products", func(p *orderhub.Product) orderhub.PageKey { return createdKey(p.CreatedAt, p.ID) }, func(vendorID string) ([]*orderhub.Product, error) {
		return s.store.Catalog.ListProducts(r.Context(), vendorID)
	})
}

func (s *adminCatalogAPI) handleAdminCreateProduct(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	return adminAnswer(s.base, w, r, http.StatusCreated, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.Product, error) {
		p := &orderhub.Product{VendorID: vendorID, ID: in.ID, Name: in.Name}
		return p, s.manage().Catalog().CreateProduct(r.Context(), p)
	})
}

// nameUpdate is the body of the renames (products, sources): nil name, unchanged.
type nameUpdate struct {
	Name *string `json:"name"`
}

func (s *adminCatalogAPI) handleAdminUpdateProduct(w http.ResponseWriter, r *http.Request) error {
	var in nameUpdate
	return adminAnswer(s.base, w, r, http.StatusOK, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.Product, error) {
		return s.manage().Catalog().UpdateProduct(r.Context(), vendorID, r.PathValue("productId"), in.Name)
	})
}

func (s *adminCatalogAPI) handleAdminDeleteProduct(w http.ResponseWriter, r *http.Request) error {
	return s.adminDelete(w, r, func(vendorID string) error {
		return s.manage().Catalog().DeleteProduct(r.Context(), vendorID, r.PathValue("productId"))
	})
}

func (s *adminCatalogAPI) handleAdminListOptions(w http.ResponseWriter, r *http.Request) error {
	return adminSlicePage(s.base, w, r, "purchase-options", func(o *orderhub.PurchaseOption) orderhub.PageKey {
		return orderhub.PageKey{K: o.ProductID, T: o.CreatedAt.UnixMicro(), K2: o.ID}
	}, func(vendorID string) ([]*orderhub.PurchaseOption, error) {
		product := r.URL.Query().Get("productId")
		if !orderhub.IsLineText(product) {
			return nil, nil // no product has such an id
		}
		return s.store.Catalog.ListPurchaseOptions(r.Context(), vendorID, product)
	})
}

func (s *adminCatalogAPI) handleAdminCreateOption(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ID            string `json:"id"`
		ProductID     string `json:"productId"`
		Name          string `json:"name"`
		Price         string `json:"price"`
		Currency      string `json:"currency"`
		BillingPeriod string `json:"billingPeriod"`
	}
	return adminAnswer(s.base, w, r, http.StatusCreated, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.PurchaseOption, error) {
		o := &orderhub.PurchaseOption{VendorID: vendorID, ID: in.ID, ProductID: in.ProductID, Name: in.Name, Price: in.Price, Currency: in.Currency, BillingPeriod: in.BillingPeriod}
		return o, s.manage().Catalog().CreatePurchaseOption(r.Context(), o)
	})
}

func (s *adminCatalogAPI) handleAdminUpdateOption(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name          *string `json:"name"`
		Price         *string `json:"price"`
		Currency      *string `json:"currency"`
		BillingPeriod *string `json:"billingPeriod"`
	}
	return adminAnswer(s.base, w, r, http.StatusOK, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.PurchaseOption, error) {
		return s.manage().Catalog().UpdatePurchaseOption(r.Context(), vendorID, r.PathValue("optionId"), manage.OptionUpdate{Name: in.Name, Price: in.Price, Currency: in.Currency, BillingPeriod: in.BillingPeriod})
	})
}

func (s *adminCatalogAPI) handleAdminDeleteOption(w http.ResponseWriter, r *http.Request) error {
	return s.adminDelete(w, r, func(vendorID string) error {
		return s.manage().Catalog().DeletePurchaseOption(r.Context(), vendorID, r.PathValue("optionId"))
	})
}

func (s *adminCatalogAPI) handleAdminListMappings(w http.ResponseWriter, r *http.Request) error {
	return adminSlicePage(s.base, w, r, "product-mappings", func(m *orderhub.ProductMapping) orderhub.PageKey { return orderhub.PageKey{K: m.SKU, K2: m.POID} }, func(vendorID string) ([]*orderhub.ProductMapping, error) {
		return s.store.Catalog.ListProductMappings(r.Context(), vendorID)
	})
}

func (s *adminCatalogAPI) handleAdminCreateMapping(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		SKU              string `json:"sku"`
		POID             string `json:"poId"`
		ProductID        string `json:"productId"`
		PurchaseOptionID string `json:"purchaseOptionId"`
	}
	return adminAnswer(s.base, w, r, http.StatusCreated, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.ProductMapping, error) {
		m := &orderhub.ProductMapping{VendorID: vendorID, SKU: in.SKU, POID: in.POID, ProductID: in.ProductID, PurchaseOptionID: in.PurchaseOptionID}
		return m, s.manage().Catalog().CreateProductMapping(r.Context(), m)
	})
}

func (s *adminCatalogAPI) handleAdminUpdateMapping(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ProductID        *string `json:"productId"`
		PurchaseOptionID *string `json:"purchaseOptionId"`
	}
	q := r.URL.Query()
	return adminAnswer(s.base, w, r, http.StatusOK, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.ProductMapping, error) {
		return s.manage().Catalog().UpdateProductMapping(r.Context(), vendorID, q.Get("sku"), q.Get("poId"), manage.MappingUpdate{ProductID: in.ProductID, PurchaseOptionID: in.PurchaseOptionID})
	})
}

func (s *adminCatalogAPI) handleAdminDeleteMapping(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return s.adminDelete(w, r, func(vendorID string) error {
		return s.manage().Catalog().DeleteProductMapping(r.Context(), vendorID, q.Get("sku"), q.Get("poId"))
	})
}

func (s *adminCatalogAPI) handleAdminListSources(w http.ResponseWriter, r *http.Request) error {
	return adminSlicePage(s.base, w, r, "sources", func(src *orderhub.Source) orderhub.PageKey { return createdKey(src.CreatedAt, src.ID) }, func(vendorID string) ([]*orderhub.Source, error) {
		typ := r.URL.Query().Get("type")
		if !orderhub.IsLineText(typ) {
			return nil, nil
		}
		return s.store.Catalog.ListSources(r.Context(), vendorID, typ)
	})
}

// CreatedSource is the answer of creating a source: the only time its secret is
// shown.
type CreatedSource struct {
	*orderhub.Source
	Secret string `json:"secret"`
}

func (s *adminCatalogAPI) handleAdminCreateSource(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	}
	return adminAnswer(s.base, w, r, http.StatusCreated, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (CreatedSource, error) {
		src := &orderhub.Source{VendorID: vendorID, ID: in.ID, Name: in.Name, Type: in.Type}
		secret, err := s.manage().Catalog().CreateSource(r.Context(), src)
		return CreatedSource{Source: src, Secret: secret}, noStore(w, err)
	})
}

func (s *adminCatalogAPI) handleAdminUpdateSource(w http.ResponseWriter, r *http.Request) error {
	var in nameUpdate
	return adminAnswer(s.base, w, r, http.StatusOK, bodyInto(decodeAdmin, w, r, &in), func(vendorID string) (*orderhub.Source, error) {
		return s.manage().Catalog().UpdateSource(r.Context(), vendorID, r.PathValue("sourceId"), in.Name)
	})
}

// handleAdminRotateSource gives a source a new secret (shown in this answer only);
// the old one stops working at once. No body.
func (s *adminCatalogAPI) handleAdminRotateSource(w http.ResponseWriter, r *http.Request) error {
	var in struct{} // no fields; a body, if sent, must be a JSON object within the size limit
	return adminAnswer(s.base, w, r, http.StatusOK, bodyInto(decodeOptional, w, r, &in), func(vendorID string) (CreatedSource, error) {
		src, secret, err := s.manage().Catalog().RotateSourceSecret(r.Context(), vendorID, r.PathValue("sourceId"))
		return CreatedSource{Source: src, Secret: secret}, noStore(w, err)
	})
}

func (s *adminCatalogAPI) handleAdminDeleteSource(w http.ResponseWriter, r *http.Request) error {
	return s.adminDelete(w, r, func(vendorID string) error {
		return s.manage().Catalog().DeleteSource(r.Context(), vendorID, r.PathValue("sourceId"))
	})
}

// handleAdminListPurchases pages the vendor's purchases, newest first, with the keyset
// cursor of the other lists (?cursor=, limit 1..500; 100 a page unless limit says).
func (s *adminCatalogAPI) handleAdminListPurchases(w http.ResponseWriter, r *http.Request) error {
	vendorID, p, err := s.adminVendorPage(r)
	if err != nil {
		return err
	}
	source := r.URL.Query().Get("source")
	if !orderhub.IsLineText(source) { // no source has such an id
		writeJSON(w, http.StatusOK, orderhub.PageOf[*orderhub.PurchaseResult]{Data: []*orderhub.PurchaseResult{}})
		return nil
	}
	pg, err := s.store.Orders.ListPurchasePage(r.Context(), orderhub.PurchaseFilter{VendorID: vendorID, SourceID: source}, p)
	if err != nil {
		return PageError(err)
	}
	writeJSON(w, http.StatusOK, pg)
	return nil
}
