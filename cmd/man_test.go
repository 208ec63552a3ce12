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
