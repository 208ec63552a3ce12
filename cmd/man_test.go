package cmd

import (
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite man/sockit.1 from the CLI definitions")

// TestManPage fails when man/sockit.1 is not what the CLI definitions
// generate; go test ./cmd -run TestManPage -update (scripts/man.sh)
// rewrites it.
func TestManPage(t *testing.T) {
	const path = "../man/sockit.1"
	app := newApp(&env{stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &strings.Builder{}})
	want := manPage(app)
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("man/sockit.1 is stale: run scripts/man.sh")
	}
	for _, s := range []string{".SH EXIT STATUS", ".SH EXAMPLES", "sockit connect", "sockit listen", "sockit echo", `\-\-idle\-timeout`, `\-\-retry\-delay`, `\-\-addr\-file`} {
		if !strings.Contains(want, s) {
			t.Errorf("man page lacks %q", s)
		}
	}
	// man(1) must render it without warnings, where it is installed.
	if _, err := exec.LookPath("groff"); err == nil {
		out, err := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", path).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff: %v\n%s", err, out)
		}
	}
}

// TestReadmeFlags fails when a flag or command is missing from README.md.
func TestReadmeFlags(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(&env{stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &strings.Builder{}})
	for _, c := range app.VisibleCommands() {
		if !strings.Contains(string(readme), "sockit "+c.Name) {
			t.Errorf("README.md does not mention sockit %s", c.Name)
		}
		for _, f := range c.Flags {
			found := false
			for _, n := range f.Names() { // any alias will do: `-v`, `-s/--source`
				dash := "--"
				if len(n) == 1 {
					dash = "-"
				}
				found = found || strings.Contains(string(readme), "`"+dash+n)
			}
			if !found {
				t.Errorf("README.md does not mention --%s of sockit %s", f.Names()[0], c.Name)
			}
		}
	}
}
