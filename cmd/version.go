package cmd

import "runtime/debug"

// Version is sockit's version, set at build time with
// -ldflags "-X sockit/cmd.Version=v1.2.3"; otherwise it comes from the
// module's build information, or is "devel".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
