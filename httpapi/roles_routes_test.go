package httpapi

import (
	"sort"
	"strings"
	"testing"

	"orderhub/internal/routescan"
)

// Every admin route registered in this package has a role rule (roles.go): how a
// vendor-scoped token reaches it, or that only an operator does. A route added
// without one would be refused to vendor tokens by default — safe, but undecided —
// so this test names it. The routes are read from the source (every HandleFunc and
// Handle call whose pattern is made of string literals and constants), since a
// ServeMux cannot list its patterns.
func TestEveryAdminRouteHasARoleRule(t *testing.T) {
	routes := registeredRoutes(t)
	n := 0
	for _, p := range routes {
		if _, path, _ := strings.Cut(p, " "); !strings.HasPrefix(path, "/admin/") {
			continue
		}
		n++
		if vendorAccess(p) == "" {
			t.Errorf("admin route %q has no role rule: give it one in httpapi/roles.go (vendor path, filtered list, checked read, … or operatorRoutes)", p)
		}
	}
	if n < 60 {
		t.Fatalf("only %d admin routes found in the source: is the extraction broken?", n)
	}
	// The operator-only routes, the vendor settings and the by-id rules name real routes.
	all := map[string]bool{}
	for _, p := range routes {
		all[p] = true
	}
	for _, m := range []map[string]bool{operatorRoutes, operatorWrites, vendorFilteredLists, vendorCheckedReads, vendorBodyCreates, vendorClientActions} {
		for p := range m {
			if !all[p] {
				t.Errorf("roles.go names %q, which is not a registered route", p)
			}
		}
	}
}

// registeredRoutes returns the pattern of every HandleFunc/Handle call in the
// package's non-test files, sorted.
func registeredRoutes(t testing.TB) []string {
	out := routescan.Patterns(t, "*.go")
	sort.Strings(out)
	return out
}
