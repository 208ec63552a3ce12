package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallScript runs scripts/install.sh into a temporary PREFIX (one
// build), checks the version stamped in and that every file is where its
// reader looks, then --uninstall removes exactly those files.
func TestInstallScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds sockit")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	prefix := t.TempDir()
	keep := filepath.Join(prefix, "bin", "other")
	if err := os.MkdirAll(filepath.Dir(keep), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keep, []byte("not ours\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("sh", append([]string{"../scripts/install.sh"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("install.sh %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run(prefix)
	files := []string{
		"bin/sockit",
		"share/man/man1/sockit.1",
		"share/bash-completion/completions/sockit",
		"share/zsh/site-functions/_sockit",
		"share/fish/vendor_completions.d/sockit.fish",
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(prefix, f)); err != nil {
			t.Errorf("not installed: %v", err)
		}
	}
	want, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		want = []byte("devel")
	}
	out, err := exec.Command(filepath.Join(prefix, "bin/sockit"), "--version").Output()
	if err != nil || !strings.Contains(string(out), strings.TrimSpace(string(want))) {
		t.Errorf("sockit --version = %q, %v; want the version %q", out, err, strings.TrimSpace(string(want)))
	}
	if commit, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil && !strings.Contains(string(out), "\ncommit: "+strings.TrimSpace(string(commit))) {
		t.Errorf("sockit --version = %q; want the commit %s stamped in", out, commit)
	}
	b, err := os.ReadFile(filepath.Join(prefix, "share/bash-completion/completions/sockit"))
	if err != nil || !strings.Contains(string(b), "complete -F _sockit sockit") {
		t.Errorf("bash completion: %v\n%.200s", err, b)
	}
	m, _ := os.ReadFile(filepath.Join(prefix, "share/man/man1/sockit.1"))
	if src, _ := os.ReadFile("../man/sockit.1"); string(m) != string(src) {
		t.Error("the installed man page is not man/sockit.1")
	}

	out2 := run("--uninstall", prefix)
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(prefix, f)); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", f, err)
		}
		if !strings.Contains(out2, "removed "+filepath.Join(prefix, f)) {
			t.Errorf("uninstall did not name %s:\n%s", f, out2)
		}
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("uninstall removed a file it did not install: %v", err)
	}
	run("--uninstall", prefix) // nothing left: still fine
}
