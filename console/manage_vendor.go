package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"orderhub"
	"orderhub/manage"
)

// Vendor settings (issue 18): editing a vendor (its name and who may embed its
// portal; operators only; vendors are never deleted), its quotas (operators only),
// its promo codes (edit, deactivate, delete an unused one) and its portal links
// (an operator, or a vendor-admin of the vendor). Each form calls the function of
// package manage that the admin API calls.

func (c *console) manageVendorRoutes() {
	m := c.mux
	const p = Prefix
	m.HandleFunc("GET "+p+"/vendors/{id}/edit", c.auth(c.handleEditVendor))
	m.HandleFunc("POST "+p+"/vendors/{id}/edit", c.auth(c.handleUpdateVendor))
}

type vendorEditForm struct {
	*orderhub.Vendor
	Name           string
	FrameAncestors string
	Err            formError
}

func (c *console) vendorEditPage(w http.ResponseWriter, r *http.Request, status int, f *vendorEditForm) {
	c.render(w, r, status, "vendor_edit", &view{Title: "Vendor " + f.ID, Nav: "catalog", Data: f})
}

// editedVendor reads the vendor named by the path, for an operator.
func (c *console) editedVendor(w http.ResponseWriter, r *http.Request) (*orderhub.Vendor, bool) {
	if c.operatorOnly(w, r) {
		return nil, false
	}
	id, ok := c.pathID(w, r)
	if !ok {
		return nil, false
	}
	v, err := c.db.GetVendor(r.Context(), id)
	if err != nil {
		c.failErr(w, r, err)
		return nil, false
	}
	return v, true
}

func (c *console) handleEditVendor(w http.ResponseWriter, r *http.Request) {
	v, ok := c.editedVendor(w, r)
	if !ok {
		return
	}
	fa, err := c.db.PortalFrameAncestors(r.Context(), v.ID)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.vendorEditPage(w, r, http.StatusOK, &vendorEditForm{Vendor: v, Name: v.Name, FrameAncestors: strings.Join(fa, "\n")})
}

func (c *console) handleUpdateVendor(w http.ResponseWriter, r *http.Request) {
	v, ok := c.editedVendor(w, r)
	if !ok {
		return
	}
	f := &vendorEditForm{Vendor: v, Name: r.PostForm.Get("name"), FrameAncestors: r.PostForm.Get("frameAncestors")}
	cur, err := c.db.PortalFrameAncestors(r.Context(), v.ID)
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
	if _, err := c.manage.UpdateVendor(change(r, "vendor.update", v.ID, v.ID), v.ID, in); err != nil {
		fe, ok := refused(err)
		if !ok {
			c.failErr(w, r, err)
			return
		}
		f.Err = fe
		c.vendorEditPage(w, r, http.StatusBadRequest, f)
		return
	}
	c.back(w, r, "/catalog?vendor="+url.QueryEscape(v.ID), "Vendor "+v.ID+" saved.")
}
