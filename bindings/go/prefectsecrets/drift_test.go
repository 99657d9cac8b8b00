package prefectsecrets

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The C header is the one source of truth for the C ABI. These tests read it and fail when
// this package has fallen behind it: a status code or a server flavour missing here, or
// one the header does not have; an exported function the cgo code never calls (see
// goUnusedExports for the deliberate ones). The numbers themselves are never written here:
// each constant is bound to its enumerator (StatusAuth = int32(C.SECRET_ERR_AUTH)), so cgo
// takes it from the header.
//
// The header read is the repository's include/prefect_secrets.h; outside the repository
// (the module as `go get` fetches it) the copy of the release archive's header that
// scripts/dist-bindings puts into the published module's package directory. Either way it
// is the header cgo compiled the package against (TestHeaderSource checks this).

// goUnusedExports are the header's functions this package deliberately does not call,
// each with the reason. An entry the package does call, or the header no longer has,
// fails the test too, so the list cannot go stale.
var goUnusedExports = map[string]string{
	"secret_get": "the caller-buffer protocol: Get calls secret_get_alloc instead, which sizes " +
		"and allocates the value in the same call (no size query, no second round trip)",
	"secret_get_json": "the caller-buffer protocol: GetJSON calls secret_get_json_alloc instead " +
		"(see secret_get)",
	"secret_explain": "the caller-buffer protocol: Explain calls secret_explain_alloc instead, " +
		"which sizes and allocates the report in the same call (see secret_get)",
	"secret_config_view": "the caller-buffer protocol: ConfigView calls secret_config_view_alloc " +
		"instead (see secret_explain)",
	"secret_context_set": "ContextSet calls secret_context_set_bytes, so a value with NUL bytes " +
		"is passed whole",
}

type cEnumerator struct {
	name  string
	value int64
}

const (
	// repoHeader is the repository's header, seen from this directory (also secrets.go's
	// #cgo CPPFLAGS include directory).
	repoHeader = "../../../include/prefect_secrets.h"
	// packagedHeader is the published module's copy, in this directory; never in the
	// repository (gitignored).
	packagedHeader = "prefect_secrets.h"
)

// driftHeader is the text of the C header (see above) and the path it was read from: the
// repository's, else (a packaged module) the package directory's.
func driftHeader(t *testing.T) (string, string) {
	t.Helper()
	path := repoHeader
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		path = packagedHeader
		b, err = os.ReadFile(path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b), path
}

var (
	cLineComment  = regexp.MustCompile(`//[^\n]*`)
	cBlockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	cEnumerLine   = regexp.MustCompile(`^(SECRET_[A-Z0-9_]+)\s*=\s*(-?[0-9]+)\s*,?$`)
	cPrototype    = regexp.MustCompile(`\b(secret_[a-z0-9_]+)\s*\(([^)]*)\)\s*;`)
	cCall         = regexp.MustCompile(`\b(secret_[a-z0-9_]+)\s*\(`)
)

func stripCComments(s string) string {
	return cLineComment.ReplaceAllString(cBlockComment.ReplaceAllString(s, " "), "")
}

// headerEnum is the enumerators of `enum <name> { ... };` in the header, in order. Every
// line of the body must be an enumerator (so a format change fails loudly instead of
// making the comparison vacuous).
func headerEnum(t *testing.T, header, path, name string) []cEnumerator {
	t.Helper()
	text := stripCComments(header)
	start := regexp.MustCompile(`(?m)^enum ` + name + `\b`).FindStringIndex(text)
	if start == nil {
		t.Fatalf("%s: no `enum %s`", path, name)
	}
	rest := text[start[1]:]
	open, end := strings.Index(rest, "{"), strings.Index(rest, "};")
	if open < 0 || end < open {
		t.Fatalf("%s: enum %s has no { ... };", path, name)
	}
	var out []cEnumerator
	for _, line := range strings.Split(rest[open+1:end], "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := cEnumerLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s: enum %s: cannot read the line %q (expected SECRET_NAME = number,)", path, name, line)
		}
		v, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cEnumerator{m[1], v})
	}
	if len(out) == 0 {
		t.Fatalf("%s: enum %s has no enumerators", path, name)
	}
	return out
}

// headerFunctions is the names of the functions the header declares.
func headerFunctions(t *testing.T, header, path string) []string {
	t.Helper()
	var names []string
	for _, m := range cPrototype.FindAllStringSubmatch(stripCComments(header), -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		t.Fatalf("%s: no secret_* function prototypes found", path)
	}
	return names
}

// packageFiles parses this package's non-test Go files, every build tag included.
func packageFiles(t *testing.T) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = f
	}
	if len(files) == 0 {
		t.Fatal("no Go files in the package directory")
	}
	return fset, files
}

type goConst struct {
	name  string
	cName string // the C enumerator it is bound to: SECRET_OK of int32(C.SECRET_OK); "" if none (reported)
	where string // file:line
}

// boundConsts is the package-level constants accepted by keep (name, type: the declared
// one, else the conversion's, int32 of int32(C.X)), each with the C enumerator it is bound
// to. The numbers are the header's alone: a constant that is not C.X, or T(C.X), fails.
func boundConsts(t *testing.T, keep func(name, typ string) bool) []goConst {
	t.Helper()
	fset, files := packageFiles(t)
	var out []goConst
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					var value ast.Expr
					if i < len(vs.Values) {
						value = vs.Values[i]
					}
					typ := ""
					if id, ok := vs.Type.(*ast.Ident); ok {
						typ = id.Name
					} else if call, ok := value.(*ast.CallExpr); ok && len(call.Args) == 1 {
						if id, ok := call.Fun.(*ast.Ident); ok {
							typ = id.Name
						}
					}
					if !keep(n.Name, typ) {
						continue
					}
					where := fset.Position(n.Pos()).String()
					cName, ok := boundEnumerator(value)
					if !ok {
						if typ == "" {
							typ = "int32"
						}
						t.Errorf("%s: %s is not bound to the header: write it as %s(C.<its enumerator>), "+
							"so that its number is written only in the Rust enum (and the header made from it)",
							where, n.Name, typ)
					}
					out = append(out, goConst{n.Name, cName, where})
				}
			}
		}
	}
	return out
}

// boundEnumerator is X of C.X or T(C.X).
func boundEnumerator(e ast.Expr) (string, bool) {
	if call, ok := e.(*ast.CallExpr); ok && len(call.Args) == 1 {
		e = call.Args[0]
	}
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "C" {
		return "", false
	}
	return sel.Sel.Name, true
}

// driftKey is a C or Go name reduced for comparison: SECRET_ERR_INVALID_ARGUMENT,
// StatusInvalidArgument and ErrInvalidArgument all give INVALIDARGUMENT.
func driftKey(name string, prefixes ...string) string {
	for _, p := range prefixes {
		name = strings.TrimPrefix(name, p)
	}
	return strings.ToUpper(strings.ReplaceAll(name, "_", ""))
}

// Every status of enum SecretStatus is a Status* constant of this package (named after it:
// SECRET_ERR_AUTH is StatusAuth) bound to it (int32(C.SECRET_ERR_AUTH), so the numbers are
// the header's), named by statusName, and each error status has its sentinel (ErrAuth); no
// Status* constant or Err* sentinel lacks a status.
func TestStatusesMatchHeader(t *testing.T) {
	header, path := driftHeader(t)
	statuses := headerEnum(t, header, path, "SecretStatus")

	goStatus := map[string]goConst{} // by key
	for _, c := range boundConsts(t, func(name, _ string) bool {
		return strings.HasPrefix(name, "Status") && len(name) > len("Status")
	}) {
		goStatus[driftKey(c.name, "Status")] = c
	}
	inHeader := map[string]cEnumerator{}
	for _, s := range statuses {
		key := driftKey(s.name, "SECRET_", "ERR_")
		inHeader[key] = s
		c, ok := goStatus[key]
		switch {
		case !ok:
			t.Errorf("%s has %s = %d, but this package has no constant for it: add Status%s = int32(C.%[2]s) "+
				"to errors.go (and to statusName, and an Err sentinel for an error status)",
				path, s.name, s.value, goCamel(s.name, "SECRET_", "ERR_"))
			continue
		case c.cName != s.name && c.cName != "":
			t.Errorf("%s: %s is C.%s, want C.%s", c.where, c.name, c.cName, s.name)
		}
		if got := statusName(int32(s.value)); got != s.name {
			t.Errorf("statusName(%d) = %q, want %q (the header's name): update the switch in errors.go",
				s.value, got, s.name)
		}
	}
	for key, c := range goStatus {
		if _, ok := inHeader[key]; !ok {
			t.Errorf("%s: %s is not a status of %s (enum SecretStatus): remove it, or add the status to the library",
				c.where, c.name, path)
		}
	}

	// The sentinels: var ErrX = &Error{Code: StatusX}, one per error status.
	type sentinel struct{ name, code string }
	sentinels := map[string]sentinel{} // by key
	_, files := packageFiles(t)
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Err") || i >= len(vs.Values) {
						continue
					}
					if code, ok := sentinelCode(vs.Values[i]); ok {
						sentinels[driftKey(n.Name, "Err")] = sentinel{n.Name, code}
					}
				}
			}
		}
	}
	for _, s := range statuses {
		if s.value >= 0 {
			continue
		}
		key := driftKey(s.name, "SECRET_", "ERR_")
		sn, ok := sentinels[key]
		switch {
		case !ok:
			t.Errorf("%s has the error status %s = %d, but errors.go has no sentinel Err%s = &Error{Code: Status%[4]s}",
				path, s.name, s.value, goCamel(s.name, "SECRET_", "ERR_"))
		case driftKey(sn.code, "Status") != key:
			t.Errorf("the sentinel %s for %s has Code: %s", sn.name, s.name, sn.code)
		}
	}
	for key, sn := range sentinels {
		if s, ok := inHeader[key]; !ok || s.value >= 0 {
			t.Errorf("the sentinel %s (Code: %s) matches no error status of %s", sn.name, sn.code, path)
		}
	}
}

// sentinelCode is X of &Error{Code: X, ...}.
func sentinelCode(e ast.Expr) (string, bool) {
	u, ok := e.(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return "", false
	}
	cl, ok := u.X.(*ast.CompositeLit)
	if !ok {
		return "", false
	}
	if id, ok := cl.Type.(*ast.Ident); !ok || id.Name != "Error" {
		return "", false
	}
	for _, el := range cl.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Code" {
			if v, ok := kv.Value.(*ast.Ident); ok {
				return v.Name, true
			}
		}
	}
	return "", false
}

// goCamel is a suggested Go name for a C enumerator: SECRET_ERR_INVALID_ARGUMENT gives
// InvalidArgument (for a message only; the comparison is driftKey's).
func goCamel(name string, prefixes ...string) string {
	for _, p := range prefixes {
		name = strings.TrimPrefix(name, p)
	}
	var b strings.Builder
	for _, w := range strings.Split(name, "_") {
		if w != "" {
			b.WriteString(w[:1] + strings.ToLower(w[1:]))
		}
	}
	return b.String()
}

// Every flavour of enum SecretServerFlavor is a ServerFlavor constant (named after it:
// SECRET_SERVER_PREFECT_3 is ServerPrefect3) bound to it (ServerFlavor(C.SECRET_SERVER_PREFECT_3))
// with a name of its own in String(); no ServerFlavor constant lacks a flavour.
func TestServerFlavorsMatchHeader(t *testing.T) {
	header, path := driftHeader(t)
	flavors := headerEnum(t, header, path, "SecretServerFlavor")

	goFlavor := map[string]goConst{}
	for _, c := range boundConsts(t, func(_, typ string) bool { return typ == "ServerFlavor" }) {
		goFlavor[driftKey(c.name, "Server")] = c
	}
	inHeader := map[string]bool{}
	for _, f := range flavors {
		key := driftKey(f.name, "SECRET_SERVER_")
		inHeader[key] = true
		c, ok := goFlavor[key]
		switch {
		case !ok:
			t.Errorf("%s has %s = %d, but this package has no ServerFlavor constant for it: add "+
				"Server%s = ServerFlavor(C.%[2]s) to flavor.go (and its name to String)",
				path, f.name, f.value, goCamel(f.name, "SECRET_SERVER_"))
			continue
		case c.cName != f.name && c.cName != "":
			t.Errorf("%s: %s is C.%s, want C.%s", c.where, c.name, c.cName, f.name)
		}
		if s := ServerFlavor(f.value).String(); strings.HasPrefix(s, "ServerFlavor(") {
			t.Errorf("ServerFlavor(%d).String() = %q: give %s its cloud.server_flavor name in flavor.go", f.value, s, f.name)
		}
	}
	for key, c := range goFlavor {
		if !inHeader[key] {
			t.Errorf("%s: %s is not a flavour of %s (enum SecretServerFlavor)", c.where, c.name, path)
		}
	}
}

// Every function the header declares is called by this package's cgo code, as C.secret_x
// from Go or as secret_x(...) in a cgo preamble (most calls go through a C helper there,
// which reads secret_last_error() in the same cgo call), unless goUnusedExports says why not.
func TestExportsAreWrapped(t *testing.T) {
	header, path := driftHeader(t)
	exports := headerFunctions(t, header, path)

	used := map[string][]string{} // name -> files
	fset, files := packageFiles(t)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := files[name]
		// From Go: C.secret_x.
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "C" && strings.HasPrefix(sel.Sel.Name, "secret_") {
					used[sel.Sel.Name] = append(used[sel.Sel.Name], fset.Position(sel.Pos()).String())
				}
			}
			return true
		})
		// From the cgo preamble: the comment right above import "C", C comments removed.
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.IMPORT || gd.Doc == nil || !importsC(gd) {
				continue
			}
			for _, m := range cCall.FindAllStringSubmatch(stripCComments(preamble(gd.Doc)), -1) {
				used[m[1]] = append(used[m[1]], name+" (cgo preamble)")
			}
		}
	}

	declared := map[string]bool{}
	for _, fn := range exports {
		declared[fn] = true
		reason, excepted := goUnusedExports[fn]
		switch {
		case excepted && len(used[fn]) > 0:
			t.Errorf("%s is in goUnusedExports (%s) but the package calls it (%s): remove the exception",
				fn, reason, strings.Join(used[fn], ", "))
		case !excepted && len(used[fn]) == 0:
			t.Errorf("%s declares %s, but no non-test Go file of this package calls it (C.%[2]s, or %[2]s(...) in a "+
				"cgo preamble): wrap it in secrets.go, or add it to goUnusedExports in drift_test.go with the reason",
				path, fn)
		}
	}
	for fn := range goUnusedExports {
		if !declared[fn] {
			t.Errorf("goUnusedExports lists %s, which %s does not declare: remove it", fn, path)
		}
	}
	for fn, where := range used {
		if !declared[fn] {
			t.Errorf("%s calls %s, which %s does not declare", strings.Join(where, ", "), fn, path)
		}
	}
}

func importsC(gd *ast.GenDecl) bool {
	for _, s := range gd.Specs {
		if is, ok := s.(*ast.ImportSpec); ok && is.Path.Value == `"C"` {
			return true
		}
	}
	return false
}

// preamble is the C text of a cgo preamble: the comments' text without the // or /* */
// that make them Go comments.
func preamble(cg *ast.CommentGroup) string {
	var b strings.Builder
	for _, c := range cg.List {
		switch {
		case strings.HasPrefix(c.Text, "//"):
			b.WriteString(strings.TrimPrefix(c.Text, "//"))
		case strings.HasPrefix(c.Text, "/*"):
			b.WriteString(strings.TrimSuffix(strings.TrimPrefix(c.Text, "/*"), "*/"))
		}
		b.WriteString("\n")
	}
	return b.String()
}
