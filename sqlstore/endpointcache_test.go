package sqlstore

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"orderhub"
)

// The fan-out targets of a vendor are cached for the rest of a write transaction
// (liveEndpoints); every write that changes them must say so (endpointsChanged).

// endpointWrite finds a statement that writes endpoints; for an UPDATE, group 2 is
// its SET list.
var endpointWrite = regexp.MustCompile(`(?is)\b(INSERT\s+INTO\s+endpoints\b|DELETE\s+FROM\s+endpoints\b|UPDATE\s+endpoints\s+SET\s+(.*?)(?:\bWHERE\b|$))`)

// fanoutColumns are the endpoints columns liveEndpoints reads (or selects by).
var fanoutColumns = map[string]bool{"id": true, "vendor_id": true, "enabled": true, "deleted_at": true, "event_types": true}

// setColumns returns the columns an UPDATE's SET list assigns.
func setColumns(set string) []string {
	var cols []string
	depth, start := 0, 0
	part := func(s string) {
		if name, _, ok := strings.Cut(s, "="); ok {
			cols = append(cols, strings.ToLower(strings.TrimSpace(name)))
		}
	}
	for i, r := range set {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				part(set[start:i])
				start = i + 1
			}
		}
	}
	part(set[start:])
	return cols
}

// Every statement in the package that inserts, deletes or updates fan-out columns
// of endpoints is preceded, in the same function, by a call of endpointsChanged. A
// new write to endpoints that forgets it fails here (on either engine a stale cache
// would send an event to a disabled endpoint, or miss a new one).
func TestEndpointWritesInvalidateFanoutCache(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			stack = append(stack, n)
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			q, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			m := endpointWrite.FindStringSubmatch(q)
			if m == nil {
				return true
			}
			needs := !strings.HasPrefix(strings.ToUpper(m[1]), "UPDATE")
			for _, c := range setColumns(m[2]) {
				needs = needs || fanoutColumns[c]
			}
			if !needs {
				return true
			}
			found++
			// The innermost function around the statement.
			var body *ast.BlockStmt
			for i := len(stack) - 1; i >= 0 && body == nil; i-- {
				switch fn := stack[i].(type) {
				case *ast.FuncLit:
					body = fn.Body
				case *ast.FuncDecl:
					body = fn.Body
				}
			}
			called := false
			if body != nil {
				ast.Inspect(body, func(n ast.Node) bool {
					if c, ok := n.(*ast.CallExpr); ok && c.Pos() < lit.Pos() {
						if s, ok := c.Fun.(*ast.SelectorExpr); ok && s.Sel.Name == "endpointsChanged" {
							called = true
						}
					}
					return !called
				})
			}
			if !called {
				t.Errorf("%s: %.60q changes endpoints that fan-out caches, but its function does not call tx.endpointsChanged() before it", fset.Position(lit.Pos()), q)
			}
			return true
		})
	}
	// Creating, updating, enabling, disabling and deleting endpoints, and the
	// connector and Zapier accounts that make theirs.
	if found < 10 {
		t.Fatalf("found %d statements writing endpoints; the pattern no longer finds them", found)
	}
}

// Within one batch (one transaction, one cache), each change an earlier request made
// to the vendor's endpoints through the store's methods reaches the fan-out of the
// events appended after it.
func TestEndpointChangesReachFanoutWithinBatch(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := openEngine(t, engine)
			ctx := context.Background()
			if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme", Name: "Acme"}); err != nil {
				t.Fatal(err)
			}
			if err := db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{ID: "ep1", VendorID: "acme", URL: "https://example.com/1"}); err != nil {
				t.Fatal(err)
			}
			appendEv := func(key string) func() error {
				return func() error {
					return db.Write(ctx, func(tx *Tx) error {
						_, err := tx.appendEvent("acme", orderhub.EventOrderCreated, key, map[string]string{})
						return err
					})
				}
			}
			errs := holdCalls(t, db,
				appendEv("k0"), // ep1, and the cache is filled
				func() error {
					return db.Deliveries().CreateEndpoint(ctx, &orderhub.Endpoint{ID: "ep2", VendorID: "acme", URL: "https://example.com/2"})
				},
				appendEv("k1"), // ep1, ep2
				func() error {
					_, err := db.Deliveries().UpdateEndpoint(ctx, "acme", "ep2", orderhub.EndpointUpdate{EventTypes: &[]string{orderhub.EventOrderUpdated}})
					return err
				},
				appendEv("k2"), // ep1
				func() error { _, err := db.Deliveries().SetEndpointEnabled(ctx, "acme", "ep1", false, ""); return err },
				appendEv("k3"), // none
				func() error { _, err := db.Deliveries().SetEndpointEnabled(ctx, "acme", "ep1", true, ""); return err },
				appendEv("k4"), // ep1
				func() error { return db.Deliveries().DeleteEndpoint(ctx, "acme", "ep1", "gone") },
				appendEv("k5"), // none
			)
			for i, err := range errs {
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			want := "k0→ep1 k1→ep1 k1→ep2 k2→ep1 k4→ep1"
			if g := deliveryTargets(t, db, `WHERE e.type = $1`, orderhub.EventOrderCreated); g != want {
				t.Fatalf("deliveries %s, want %s", g, want)
			}
		})
	}
}
