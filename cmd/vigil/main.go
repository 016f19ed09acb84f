// Command vigil is Vigil's one binary: command-line tool and server. It
// builds a context that ends on SIGINT or SIGTERM, hands the arguments to
// cli.Main, and exits with the code it returns. VIGIL_CPUPROFILE=FILE
// writes a CPU profile of the whole run, for the benchmarks in
// docs/benchmarks.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"golang.org/x/term"

	"github.com/vigil-oss/vigil/internal/cli"
)

func main() {
	if p := os.Getenv("VIGIL_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer f.Close()
				defer pprof.StopCPUProfile()
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.OSEnv(term.IsTerminal(int(os.Stderr.Fd()))), os.Args[1:])
	stop()
	pprof.StopCPUProfile()
	os.Exit(code)
}
