package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// Migrations are append-only: NNNN_description.sql, numbered from 1 without
// gaps. A shipped file is never edited.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order, checking that they
// are numbered 1..n.
func migrations() ([]migration, error) {
	return loadMigrations(migrationFS, "migrations")
}

func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and _", name)
		}
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
) STRICT`

// SchemaVersion reports the newest migration applied to the database (0 for
// an empty one) and the newest this binary embeds.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, 0, codec.Internal(err, "load migrations")
	}
	current, err = s.currentVersion(ctx, s.rdb)
	if err != nil {
		return 0, 0, err
	}
	return current, len(ms), nil
}

func (s *Store) currentVersion(ctx context.Context, q querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err != nil {
		return 0, queryErr(err, "read schema version")
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, queryErr(err, "read schema version")
	}
	return v, nil
}

// Migrate applies the pending migrations, each in its own immediate
// transaction, and returns how many it applied. Running it again, or from
// two processes at once, applies nothing twice.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, codec.Internal(err, "load migrations")
	}
	if _, err := s.wdb.ExecContext(ctx, createMigrationsTable); err != nil {
		return 0, codec.Internal(err, "create schema_migrations")
	}
	for _, m := range ms {
		did, err := s.apply(ctx, m)
		if err != nil {
			return applied, err
		}
		if did {
			applied++
		}
	}
	return applied, nil
}

// apply runs one migration unless it is already recorded.
func (s *Store) apply(ctx context.Context, m migration) (bool, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return false, codec.Internal(err, "begin migration %s", m.name)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
		return false, codec.Internal(err, "check migration %s", m.name)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, codec.Internal(err, "apply migration %s", m.name)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, micros(s.now())); err != nil {
		return false, codec.Internal(err, "record migration %s", m.name)
	}
	if err := tx.Commit(); err != nil {
		return false, codec.Internal(err, "commit migration %s", m.name)
	}
	return true, nil
}
