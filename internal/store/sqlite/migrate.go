package sqlite

import (
	"context"
	"embed"

	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// Migrations are append-only: NNNN_description.sql, numbered from 1 without
// gaps. A shipped file is never edited.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations returns the embedded migrations in order, checking that they
// are numbered 1..n.
func migrations() ([]codec.Migration, error) {
	return codec.LoadMigrations(migrationFS, "migrations")
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
func (s *Store) apply(ctx context.Context, m codec.Migration) (bool, error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return false, codec.Internal(err, "begin migration %s", m.Name)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
		return false, codec.Internal(err, "check migration %s", m.Name)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, codec.Internal(err, "apply migration %s", m.Name)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, micros(s.now())); err != nil {
		return false, codec.Internal(err, "record migration %s", m.Name)
	}
	if err := tx.Commit(); err != nil {
		return false, codec.Internal(err, "commit migration %s", m.Name)
	}
	return true, nil
}
