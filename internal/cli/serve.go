package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/config"
	"github.com/vigil-oss/vigil/internal/core"
)

// settingFlags registers the flags that override config settings and
// returns a function that loads the config (file < env < flags).
func settingFlags(env *Env, fs *flag.FlagSet, keys ...string) func() (config.Config, error) {
	file := fs.String("config", "", "TOML config file (also VIGIL_CONFIG)")
	def := config.Default()
	help := map[string]string{
		"db":               "SQLite file path or postgres:// URL (VIGIL_DB; default " + def.DB + ")",
		"addr":             "listen address HOST:PORT (VIGIL_ADDR; default " + def.Addr + ")",
		"migrate":          "apply pending schema migrations at start (VIGIL_MIGRATE)",
		"log-level":        "debug, info, warn or error (VIGIL_LOG_LEVEL; default info)",
		"max-body-bytes":   "largest request body accepted (VIGIL_MAX_BODY_BYTES; default 1048576)",
		"shutdown-timeout": "how long to wait for requests in flight at shutdown (VIGIL_SHUTDOWN_TIMEOUT; default 15s)",
	}
	vals := map[string]*string{}
	var migrate *bool
	for _, k := range keys {
		if k == "migrate" {
			migrate = fs.Bool(k, false, help[k])
			continue
		}
		vals[k] = fs.String(k, "", help[k])
	}
	return func() (config.Config, error) {
		path := *file
		if path == "" {
			path = env.Getenv("VIGIL_CONFIG")
		}
		cfg, err := config.Load(path, env.Getenv)
		if err != nil {
			return cfg, err
		}
		var setErr error
		fs.Visit(func(f *flag.Flag) {
			key := map[string]string{"log-level": "log_level", "max-body-bytes": "max_body_bytes",
				"shutdown-timeout": "shutdown_timeout"}[f.Name]
			if key == "" {
				key = f.Name
			}
			switch {
			case f.Name == "migrate" && migrate != nil:
				cfg.Migrate = *migrate
			case vals[f.Name] != nil:
				if err := cfg.Set(key, *vals[f.Name]); err != nil && setErr == nil {
					setErr = fmt.Errorf("--%s: %w", f.Name, err)
				}
			}
		})
		if setErr != nil {
			return cfg, setErr
		}
		return cfg, cfg.Validate()
	}
}

func runServe(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "serve", "serve [--addr HOST:PORT] [--db DB] [--migrate] [--config FILE]")
	load := settingFlags(env, fs, "db", "addr", "migrate", "log-level", "max-body-bytes", "shutdown-timeout")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil serve: %v\n", err)
		return ExitUsage
	}
	level, _ := cfg.Level()
	logger := app.NewLogger(env.Stderr, level)
	policy := app.SchemaCheck
	if cfg.Migrate {
		policy = app.SchemaMigrate
	}
	st, err := app.OpenStore(ctx, cfg.DB, policy)
	if err != nil {
		return fail(env, "serve", err)
	}
	defer st.Close()
	a := app.New(st, cfg, logger, core.SystemClock{})
	if err := a.Serve(ctx, env.Ready); err != nil {
		logger.Error("server stopped", "error", err.Error())
		return ExitFailure
	}
	return ExitOK
}

func runMigrate(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "migrate", "migrate --db DB [--status]")
	load := settingFlags(env, fs, "db")
	status := fs.Bool("status", false, "only print the schema version; change nothing")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil migrate: %v\n", err)
		return ExitUsage
	}
	st, err := app.OpenStore(ctx, cfg.DB, app.SchemaIgnore)
	if err != nil {
		return fail(env, "migrate", err)
	}
	defer st.Close()
	cur, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return fail(env, "migrate", err)
	}
	if *status {
		fmt.Fprintf(env.Stdout, "schema version %d of %d\n", cur, latest)
		return ExitOK
	}
	if cur > latest {
		fmt.Fprintf(env.Stderr, "vigil migrate: database schema version %d is newer than this binary's %d\n", cur, latest)
		return ExitFailure
	}
	n, err := st.Migrate(ctx)
	if err != nil {
		return fail(env, "migrate", err)
	}
	fmt.Fprintf(env.Stdout, "applied %d migration(s); schema version %d\n", n, latest)
	return ExitOK
}

// loadDemoConfig is the usual config with the demo's address and database.
func loadDemoConfig(env *Env, addr, db string) (config.Config, error) {
	cfg, err := config.Load(env.Getenv("VIGIL_CONFIG"), env.Getenv)
	if err != nil {
		return cfg, err
	}
	cfg.Addr, cfg.DB = addr, db
	return cfg, cfg.Validate()
}
