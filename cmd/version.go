package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version, Commit and Date describe the build. scripts/install.sh sets
// them with -ldflags "-X sockit/cmd.Version=v1.2.3 -X sockit/cmd.Commit=...
// -X sockit/cmd.Date=..."; left empty, they come from the module's build
// information (a go build in a git checkout stamps vcs.revision and
// vcs.time), or read "devel" and "unknown".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// buildInfo returns the commit, whether the tree had changes, and the
// commit's date, from the ldflags or the build information.
func buildInfo() (commit string, modified bool, date string) {
	commit, date = Commit, Date
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if commit == "" {
					commit = s.Value
				}
			case "vcs.time":
				if date == "" {
					date = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if strings.HasSuffix(commit, "-dirty") {
		commit, modified = strings.TrimSuffix(commit, "-dirty"), true
	}
	if commit == "" {
		commit = "unknown"
	}
	if date == "" {
		date = "unknown"
	}
	return commit, modified, date
}

// versionText is what --version prints: the version, then the commit
// (with "(modified)" when built from a changed tree), the build date and
// the Go version and platform, one per line.
func versionText(v string) string {
	commit, modified, date := buildInfo()
	if modified {
		commit += " (modified)"
	}
	return fmt.Sprintf("sockit %s\ncommit: %s\nbuilt:  %s\ngo:     %s %s/%s\n", v, commit, date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
