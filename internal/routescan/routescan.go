// Package routescan reads the route patterns of a package from its source, for
// tests: a ServeMux cannot list its patterns. Every HandleFunc/Handle call's pattern
// must be a string constant expression (literals, package or local constants, +);
// one the scan cannot evaluate fails the test rather than escaping it.
package routescan

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ParseGoFiles parses the non-test Go files matching glob (positions in fset).
func ParseGoFiles(t testing.TB, glob string) (fset *token.FileSet, parsed []*ast.File) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	fset = token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
	}
	return fset, parsed
}

// Patterns returns the pattern of every HandleFunc/Handle call in the non-test Go
// files matching glob.
func Patterns(t testing.TB, glob string) []string {
	t.Helper()
	fset, parsed := ParseGoFiles(t, glob)
	pkgConsts := map[string]ast.Expr{}
	for _, f := range parsed {
		for _, d := range f.Decls {
			collectConsts(d, pkgConsts)
		}
	}
	var patterns []string
	for _, f := range parsed {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			locals := map[string]ast.Expr{}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if ds, ok := n.(*ast.DeclStmt); ok {
					collectConsts(ds.Decl, locals)
				}
				return true
			})
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 2 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
					return true
				}
				p, ok := constString(call.Args[0], locals, pkgConsts, 0)
				if !ok {
					t.Errorf("%s: the route pattern is not a string constant expression; the route scan cannot read it", fset.Position(call.Pos()))
					return true
				}
				patterns = append(patterns, p)
				return true
			})
		}
	}
	return patterns
}

// collectConsts records the constants a declaration defines.
func collectConsts(d ast.Decl, into map[string]ast.Expr) {
	gd, ok := d.(*ast.GenDecl)
	if !ok || gd.Tok != token.CONST {
		return
	}
	for _, s := range gd.Specs {
		vs := s.(*ast.ValueSpec)
		for i, id := range vs.Names {
			if i < len(vs.Values) {
				into[id.Name] = vs.Values[i]
			}
		}
	}
}

// constString evaluates a string constant expression: literals, constants and +.
func constString(e ast.Expr, locals, pkg map[string]ast.Expr, depth int) (string, bool) {
	if depth > 20 {
		return "", false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return constString(e.X, locals, pkg, depth+1)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := constString(e.X, locals, pkg, depth+1)
		b, ok2 := constString(e.Y, locals, pkg, depth+1)
		return a + b, ok1 && ok2
	case *ast.Ident:
		if v, ok := locals[e.Name]; ok {
			return constString(v, locals, pkg, depth+1)
		}
		if v, ok := pkg[e.Name]; ok {
			return constString(v, nil, pkg, depth+1)
		}
	}
	return "", false
}
