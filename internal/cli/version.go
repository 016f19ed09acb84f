package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is set at link time (-ldflags "-X …/cli.Version=v1.2.3"); builds
// from a checkout report the VCS revision instead.
var Version = "dev"

func runVersion(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "version", "version")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
	}
	fmt.Fprintf(env.Stdout, "vigil %s%s %s\n", Version, rev, runtime.Version())
	return ExitOK
}
