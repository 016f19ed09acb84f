// Package app is Vigil's composition root: the only package that imports
// the concrete stores. It opens the database a DSN names, checks its schema,
// and wires stores, services, HTTP handlers, logging and metrics together
// for the CLI.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/vigil-oss/vigil/internal/config"
	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/httpapi"
	"github.com/vigil-oss/vigil/internal/server"
	"github.com/vigil-oss/vigil/internal/service"
	"github.com/vigil-oss/vigil/internal/store/postgres"
	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

// IsPostgres reports whether db names a PostgreSQL database rather than a
// SQLite file.
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// SchemaPolicy says what OpenStore does about the schema.
type SchemaPolicy int

const (
	// SchemaCheck creates the schema of a brand-new, empty database but
	// refuses one whose schema is out of date: upgrading a database that
	// holds data is the operator's decision (vigil migrate, or --migrate).
	SchemaCheck SchemaPolicy = iota
	// SchemaMigrate applies every pending migration.
	SchemaMigrate
	// SchemaIgnore opens the database as it is (vigil migrate itself).
	SchemaIgnore
)

// OpenStore opens the SQLite file or PostgreSQL database db names.
func OpenStore(ctx context.Context, db string, policy SchemaPolicy) (core.Store, error) {
	var (
		st  core.Store
		err error
	)
	if IsPostgres(db) {
		st, err = postgres.Open(ctx, db, postgres.Options{})
	} else {
		st, err = sqlite.Open(ctx, db, sqlite.Options{})
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redact(db), err)
	}
	cur, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("read schema version of %s: %w", redact(db), err)
	}
	migrate, err := schemaDecision(cur, latest, policy)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("database %s: %w", redact(db), err)
	}
	if migrate {
		if _, err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, fmt.Errorf("migrate %s: %w", redact(db), err)
		}
	}
	return st, nil
}

// schemaDecision says whether to migrate a database at schema version cur
// to latest under policy, or why it must be refused.
func schemaDecision(cur, latest int, policy SchemaPolicy) (migrate bool, err error) {
	switch {
	case policy == SchemaIgnore || cur == latest:
		return false, nil
	case cur > latest:
		return false, core.Errorf(core.KindInvalid,
			"schema version %d is newer than this vigil binary knows (%d): use a newer vigil", cur, latest)
	case cur > 0 && policy != SchemaMigrate:
		return false, core.Errorf(core.KindInvalid,
			"schema version %d is out of date (this vigil needs %d): back the database up, then run 'vigil migrate --db DB' or start with --migrate", cur, latest)
	}
	return true, nil
}

// redact hides a password in a database URL before it is printed or logged.
func redact(db string) string {
	if !IsPostgres(db) {
		return db
	}
	at := strings.LastIndex(db, "@")
	scheme := strings.Index(db, "://")
	if at < 0 || scheme < 0 {
		return db
	}
	userinfo := db[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return db[:scheme+3] + userinfo[:i] + ":xxxxx" + db[at:]
	}
	return db
}

// Redact is redact for callers outside the package.
func Redact(db string) string { return redact(db) }

// NewLogger returns the JSON logger every command uses.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// App is a wired Vigil: store, services and the HTTP handler.
type App struct {
	Store     core.Store
	Inventory *service.Inventory
	Tokens    *service.Tokens
	Vulns     *service.Vulns
	Sensors   *service.Sensors
	Logger    *slog.Logger
	Registry  *prometheus.Registry
	cfg       config.Config
}

// New wires an App around an open store.
func New(st core.Store, cfg config.Config, logger *slog.Logger, clock core.Clock) *App {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &App{
		Store:     st,
		Inventory: service.NewInventory(st, clock),
		Tokens:    service.NewTokens(st, clock),
		Vulns:     service.NewVulns(st, clock, nil),
		Sensors:   service.NewSensors(st, clock),
		Logger:    logger,
		Registry:  reg,
		cfg:       cfg,
	}
}

// ServerConfig returns the HTTP server's configuration.
func (a *App) ServerConfig(ready func(string)) server.Config {
	return server.Config{
		Addr:            a.cfg.Addr,
		API:             a.APIHandler(),
		Store:           a.Store,
		Logger:          a.Logger,
		Registry:        a.Registry,
		ShutdownTimeout: a.cfg.ShutdownTimeout.Duration,
		Ready:           ready,
	}
}

// APIHandler returns the /api/v1 handler.
func (a *App) APIHandler() http.Handler {
	return httpapi.New(httpapi.Config{
		Inventory:    a.Inventory,
		Tokens:       a.Tokens,
		Vulns:        a.Vulns,
		Sensors:      a.Sensors,
		Logger:       a.Logger,
		MaxBodyBytes: a.cfg.MaxBodyBytes,
	})
}

// Serve runs the HTTP server until ctx ends.
func (a *App) Serve(ctx context.Context, ready func(string)) error {
	return server.Run(ctx, a.ServerConfig(ready))
}
