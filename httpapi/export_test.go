package httpapi

import (
	"strings"
	"testing"
)

// For the external tests: the admin routes as the source registers them, and how a
// vendor token reaches each (roles.go).

// AdminRoutes returns every registered /admin/ route pattern ("METHOD /path").
func AdminRoutes(t *testing.T) []string {
	var out []string
	for _, p := range registeredRoutes(t) {
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/admin/") {
			out = append(out, p)
		}
	}
	return out
}

// VendorAccess is vendorAccess (roles.go).
var VendorAccess = vendorAccess

// AccessOperator and AccessVendorSetting name the accesses that refuse a vendor
// token; AccessFilteredList the cross-vendor lists.
const (
	AccessOperator      = accessOperator
	AccessVendorSetting = accessVendorSetting
	AccessFilteredList  = accessFilteredList
)
