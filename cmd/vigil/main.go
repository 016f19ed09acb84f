// Command vigil is Vigil's one binary: command-line tool and server. It
// builds a context that ends on SIGINT or SIGTERM, hands the arguments to
// cli.Main, and exits with the code it returns.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/vigil-oss/vigil/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.OSEnv(term.IsTerminal(int(os.Stderr.Fd()))), os.Args[1:])
	stop()
	os.Exit(code)
}
