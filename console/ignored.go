package console

import (
	"net/http"
	"orderhub"
)

// handleIgnored lists the inbound events orderhub did not apply (Yespo order events
// with a missing parameter, an unknown contact, …), with their reasons, per vendor.
func (c *pageViews) handleIgnored(w http.ResponseWriter, r *http.Request) {
	vs, err := c.vendors(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	vendor := vendorParam(r, vs)
	reason := r.URL.Query().Get("reason")
	if !orderhub.IsLineText(reason) || len(reason) > 100 {
		reason = ""
	}
	data := map[string]any{"Vendor": vendor, "Reason": reason}
	if vendor != "" {
		evs, err := c.store.Connectors.ListIgnoredEvents(r.Context(), orderhub.IgnoredEventFilter{VendorID: vendor, Reason: reason, Limit: 200})
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		rows := make([]map[string]any, 0, len(evs))
		for _, e := range evs {
			rows = append(rows, map[string]any{"E": e, "Body": excerpt(string(e.Body), 400)})
		}
		data["Events"] = rows
	}
	c.render(w, r, http.StatusOK, "ignored", &view{Title: "Ignored inbound events", Nav: "ignored", Vendors: vs, Data: data})
}
