package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
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
// package's non-test files.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	pkgConsts := map[string]string{}
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
		for _, d := range af.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				collectConsts(g, pkgConsts)
			}
		}
	}
	var out []string
	for _, af := range parsed {
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			local := map[string]string{}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if ds, ok := n.(*ast.DeclStmt); ok {
					if g, ok := ds.Decl.(*ast.GenDecl); ok && g.Tok == token.CONST {
						collectConsts(g, local, pkgConsts)
					}
				}
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 2 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle" {
					return true
				}
				p, ok := evalString(call.Args[0], local, pkgConsts)
				if !ok {
					t.Errorf("%s: a route whose pattern this test cannot read; build it from string literals and constants", fset.Position(call.Pos()))
					return true
				}
				out = append(out, p)
				return true
			})
		}
	}
	sort.Strings(out)
	return out
}

func collectConsts(g *ast.GenDecl, into map[string]string, outer ...map[string]string) {
	scopes := append([]map[string]string{into}, outer...)
	for _, sp := range g.Specs {
		vs := sp.(*ast.ValueSpec)
		for i, name := range vs.Names {
			if i < len(vs.Values) {
				if v, ok := evalString(vs.Values[i], scopes...); ok {
					into[name.Name] = v
				}
			}
		}
	}
}

// evalString evaluates a constant string expression: literals, constants of the
// scopes (innermost first) and + of them.
func evalString(e ast.Expr, scopes ...map[string]string) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.Ident:
		for _, sc := range scopes {
			if v, ok := sc[x.Name]; ok {
				return v, true
			}
		}
		return "", false
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok1 := evalString(x.X, scopes...)
		b, ok2 := evalString(x.Y, scopes...)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return evalString(x.X, scopes...)
	}
	return "", false
}
