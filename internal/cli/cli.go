// Package cli implements the vigil command line: it parses arguments,
// builds what each subcommand needs through package app, writes only to the
// injected Env streams, and returns an exit code. main calls Main and exits.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
)

// Exit codes shared by every subcommand (`vigil help` prints them).
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // the work failed or finished with rejected input (see the summary)
	ExitUsage   = 2 // bad arguments, unreadable input, or a configuration error
)

// Env is the outside world a command may touch: its streams, environment,
// and whether stdout and stderr are terminals (for progress bars).
type Env struct {
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	Getenv   func(string) string
	Terminal bool // stderr is a terminal: show progress
	// Ready, when set, is called by long-running servers with their URL once
	// they listen; tests use it to wait for a server started in-process.
	Ready func(url string)
}

// OSEnv returns an Env on the process's streams and environment.
func OSEnv(terminal bool) *Env {
	return &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Terminal: terminal}
}

type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
}

// commands is filled in by each subcommand's file; it is a constant table,
// not mutable state.
func commands() map[string]command {
	return map[string]command{
		"serve":    {"serve the REST API (and later the web console)", runServe},
		"migrate":  {"bring the database schema up to date", runMigrate},
		"import":   {"import inventory data: devices from CSV, a release's SBOM", runImport},
		"feeds":    {"import advisory data (OSV, NVD, CSAF, KEV, EPSS, VEX) into the database", runFeeds},
		"export":   {"export inventory data (devices as CSV or JSON)", runExport},
		"token":    {"create, list and revoke API tokens", runToken},
		"scan":     {"match SBOMs against advisory files, without a database", runScan},
		"discover": {"find and identify devices, flows and alerts in packet captures", runDiscover},
		"oui":      {"update or query the MAC address vendor registry", runOUI},
		"demo":     {"start a server with a demo hospital inventory", runDemo},
		"version":  {"print the version", runVersion},
	}
}

// Main runs the command line args (without the program name) and returns
// the process exit code.
func Main(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, ok := commands()[args[1]]; ok {
				return c.run(ctx, env, []string{"--help"})
			}
		}
		usage(env.Stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	c, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "vigil: unknown command %q; run 'vigil help'\n", args[0])
		return ExitUsage
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprint(w, `vigil - cybersecurity for connected medical devices

Usage: vigil COMMAND [flags]

Commands:
`)
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprint(w, `
Run 'vigil COMMAND --help' for a command's flags.

Exit codes:
  0  success
  1  the work failed, or finished with rejected input (see its summary)
  2  usage error: bad flags or arguments, unreadable input, bad configuration
  (vigil scan: 1 means findings were reported; see 'vigil scan --help')
`)
}

// newFlags returns a FlagSet that reports to env.Stderr and does not exit.
func newFlags(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: vigil %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and returns (exit code, done): done is true when
// the caller should return the code at once (help or a usage error).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, true
		}
		return ExitUsage, true
	}
	return 0, false
}

// fail prints err for a person and returns the exit code it deserves.
func fail(env *Env, cmd string, err error) int {
	msg := err.Error()
	var ce *core.Error
	if errors.As(err, &ce) && ce.Kind == core.KindInternal && ce.Message != "" && ce.Err != nil {
		msg = ce.Message + ": " + ce.Err.Error()
	}
	fmt.Fprintf(env.Stderr, "vigil %s: %s\n", cmd, strings.TrimSpace(msg))
	switch core.KindOf(err) {
	case core.KindInvalid, core.KindNotFound, core.KindTooLarge:
		return ExitUsage
	}
	return ExitFailure
}
