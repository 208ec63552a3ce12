package cmd

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The package layout of docs/ARCHITECTURE.md (and DESIGN.md): which of
// our packages each may import.
// Sub-packages inherit their top-level package's rule.
var allowedImports = map[string][]string{
	".":       {"cmd"},
	"cmd":     {"listen", "connect", "ipc", "pipe", "tls", "addr", "serve", "transfer", "proxyproto", "scan", "proxy", "udp"},
	"listen":  {"pipe", "addr", "proxyproto"},
	"serve":   {"pipe"},
	"connect": {"ipc", "pipe", "addr", "proxy"},
	"ipc":     {"pipe", "addr"},
	"pipe":    {},
	"tls":     {},
	"addr":    {},
	// transfer is the file-transfer protocol of send and recv; it imports
	// nothing of ours.
	"transfer": {},
	// proxyproto is the PROXY protocol header (HAProxy v1 and v2); it
	// imports nothing of ours.
	"proxyproto": {},
	// scan finds which ports accept connections; it imports nothing of
	// ours (cmd resolves the host through connect).
	"scan": {},
	// proxy speaks SOCKS5, SOCKS4/4a and HTTP CONNECT for --proxy and
	// sockit proxy; it imports nothing of ours but pipe (and addr's
	// host-name check, for the server's target rules).
	"proxy": {"pipe", "addr"},
	// udp is the datagram socket of connect, listen, echo and relay -u,
	// and the session table of listen -u -k and relay; it reports
	// through pipe's events and taps and binds an addr.Addr.
	"udp": {"pipe", "addr"},
}

// belowCmdModules are the modules besides the standard library that a
// package below cmd may import, by package path prefix, with the reason.
var belowCmdModules = map[string][]string{
	// every package: raw socket calls the syscall package lacks
	"": {"golang.org/x/sys/"},
	// udp: recvmmsg and sendmmsg (ipv4/ipv6 PacketConn.ReadBatch and
	// WriteBatch), which neither the standard library nor x/sys wraps
	// for a net.PacketConn; echo -u needs them to beat a ReadFrom loop
	"udp": {"golang.org/x/net/ipv4", "golang.org/x/net/ipv6"},
}

// cliOnly are the modules only cmd may import.
var cliOnly = []string{"github.com/urfave/cli", "github.com/fatih/color", "github.com/mattn/go-isatty"}

// TestLayout keeps the import graph and the output rules honest: imports
// point one way, only cmd uses the CLI libraries, the packages below cmd
// import only the standard library (and x/sys) besides ours, and none of
// them prints or touches os.Stdout, os.Stderr or os.Exit.
func TestLayout(t *testing.T) {
	root := ".."
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		top := "."
		if dir := filepath.Dir(rel); dir != "." {
			top = strings.Split(filepath.ToSlash(dir), "/")[0]
		}
		allowed, known := allowedImports[top]
		if !known {
			if top == "scripts" || top == "man" || top == "docs" {
				return nil
			}
			t.Errorf("%s: package outside the layout of DESIGN.md", rel)
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case strings.HasPrefix(p, "sockit/") || p == "sockit":
				ours := strings.Split(strings.TrimPrefix(p, "sockit/"), "/")[0]
				if ours != top && !slices.Contains(allowed, ours) {
					t.Errorf("%s imports %s: %s may import only %v", rel, p, top, allowed)
				}
			case slices.ContainsFunc(cliOnly, func(m string) bool { return strings.HasPrefix(p, m) }):
				if top != "cmd" {
					t.Errorf("%s imports %s: only cmd may", rel, p)
				}
			case strings.Contains(strings.Split(p, "/")[0], "."): // not the standard library
				if top != "cmd" && !allowedModule(top, p) {
					t.Errorf("%s imports %s: packages below cmd use the standard library", rel, p)
				}
			}
		}
		if top != "cmd" && top != "." {
			checkQuiet(t, fset, path, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// allowedModule reports whether package top (below cmd) may import the
// module package p.
func allowedModule(top, p string) bool {
	for _, key := range []string{"", top} {
		for _, m := range belowCmdModules[key] {
			if strings.HasPrefix(p, m) {
				return true
			}
		}
	}
	return false
}

// TestLayoutSeparatesDialFromAccept: what connect and the handlers may
// reach, directly or through others, never includes the accept loops, so
// connect --exec runs a handler without importing listen. TestLayout
// holds every package to its direct imports, so the closure of the table
// bounds what each can import at all (go list -deps agrees).
func TestLayoutSeparatesDialFromAccept(t *testing.T) {
	reach := func(from string) map[string]bool {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(p string) {
			for _, q := range allowedImports[p] {
				if !seen[q] {
					seen[q] = true
					walk(q)
				}
			}
		}
		walk(from)
		return seen
	}
	for from, never := range map[string][]string{
		"connect": {"listen", "serve", "cmd"},
		"serve":   {"listen", "connect", "ipc", "cmd"},
		"listen":  {"serve", "connect", "cmd"},
	} {
		r := reach(from)
		for _, p := range never {
			if r[p] {
				t.Errorf("%s can reach %s through the table of allowed imports", from, p)
			}
		}
	}
}

// checkQuiet reports prints, logs, exits and uses of the process's
// standard streams in a file of a package below cmd.
func checkQuiet(t *testing.T, fset *token.FileSet, path, rel string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	banned := map[string]bool{
		"os.Stdout": true, "os.Stderr": true, "os.Stdin": true, "os.Exit": true,
		"fmt.Print": true, "fmt.Printf": true, "fmt.Println": true,
		"log.Print": true, "log.Printf": true, "log.Println": true, "log.Fatal": true, "log.Fatalf": true,
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && banned[id.Name+"."+sel.Sel.Name] {
			t.Errorf("%s: %s uses %s.%s: only cmd prints and exits", rel, fset.Position(sel.Pos()), id.Name, sel.Sel.Name)
		}
		return true
	})
}
