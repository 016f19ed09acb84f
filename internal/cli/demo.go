package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/demo"
)

func runDemo(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "demo", "demo [--addr HOST:PORT] [--data DIR]")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT (port 0 picks a free one)")
	dir := fs.String("data", "", "directory for the demo database vigil.db (default: a new temporary directory)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "vigil demo: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "vigil-demo-")
		if err != nil {
			return fail(env, "demo", err)
		}
		*dir = d
	} else if err := os.MkdirAll(*dir, 0o750); err != nil {
		return fail(env, "demo", err)
	}
	dbPath := filepath.Join(*dir, "vigil.db")
	if _, err := os.Stat(dbPath); err == nil {
		fmt.Fprintf(env.Stderr, "vigil demo: %s already exists; the demo needs a fresh database: pick another --data directory or remove it\n", dbPath)
		return ExitUsage
	}
	cfg, err := loadDemoConfig(env, *addr, dbPath)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil demo: %v\n", err)
		return ExitUsage
	}
	level, _ := cfg.Level()
	logger := app.NewLogger(env.Stderr, level)
	st, err := app.OpenStore(ctx, dbPath, app.SchemaMigrate)
	if err != nil {
		return fail(env, "demo", err)
	}
	defer st.Close()
	a := app.New(st, cfg, logger, core.SystemClock{})
	sum, err := demo.Load(ctx, a.Inventory)
	if err != nil {
		return fail(env, "demo", fmt.Errorf("load the demo hospital: %w", err))
	}
	// The feeds go in after the hospital's transaction has committed: the
	// findings are computed against the stored releases.
	vsum, err := demo.LoadVulns(ctx, a.Inventory, a.Vulns)
	if err != nil {
		return fail(env, "demo", fmt.Errorf("load the demo advisories: %w", err))
	}
	// A capture of the demo hospital's traffic, made in memory, through the
	// sensor: observed identities, flows and alerts.
	tsum, err := demo.LoadTraffic(ctx, a.Inventory, a.Sensors)
	if err != nil {
		return fail(env, "demo", fmt.Errorf("load the demo traffic: %w", err))
	}
	secret, _, err := a.Tokens.Create(ctx, "demo-admin", core.RoleAdmin)
	if err != nil {
		return fail(env, "demo", err)
	}
	fmt.Fprintf(env.Stdout, "Demo hospital: %d sites, %d zones, %d manufacturers, %d models, %d releases, %d devices\nDatabase: %s\n",
		sum.Sites, sum.Zones, sum.Manufacturers, sum.Models, sum.Releases, sum.Devices, dbPath)
	fmt.Fprintf(env.Stdout, "Demo findings: %d findings on %d releases from %d CISA advisories (KEV entries: %d, NVD records: %d, SBOMs attached: %d)\n",
		vsum.Findings, vsum.Releases, vsum.Advisories, vsum.KEV, vsum.NVD, vsum.SBOMs)
	fmt.Fprintf(env.Stdout, "Demo sensor: %d packets of demo traffic, %d devices observed, %d flows, %d alerts\n",
		tsum.Packets, tsum.Devices, tsum.Flows, tsum.Alerts)
	ready := func(url string) {
		fmt.Fprintf(env.Stdout, "URL: %s\nToken: %s\n", url, secret)
		fmt.Fprintf(env.Stdout, "Try: curl -H 'Authorization: Bearer %s' '%s/api/v1/devices?limit=5'\n", secret, url)
		if env.Ready != nil {
			env.Ready(url)
		}
	}
	if err := a.Serve(ctx, ready); err != nil {
		logger.Error("server stopped", "error", err.Error())
		return ExitFailure
	}
	return ExitOK
}
