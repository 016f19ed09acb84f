package postgres

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

func migrations() ([]codec.Migration, error) {
	return codec.LoadMigrations(migrationFS, "migrations")
}

// migrateLock is the advisory lock key that serialises Migrate across
// processes ("vigil" in ASCII).
const migrateLock = 0x766967696c

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL
)`

// SchemaVersion reports the newest migration applied to the database (0 for
// an empty one) and the newest this binary embeds.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, 0, codec.Internal(err, "load migrations")
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, 0, queryErr(err, "read schema version")
	}
	if exists {
		if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return 0, 0, queryErr(err, "read schema version")
		}
	}
	return current, len(ms), nil
}

// Migrate applies the pending migrations, each in its own transaction
// holding an advisory lock, and returns how many it applied. Running it
// again, or from two processes at once, applies nothing twice.
func (s *Store) Migrate(ctx context.Context) (applied int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, codec.Internal(err, "load migrations")
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
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return false, codec.Internal(err, "begin migration %s", m.Name)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
		return false, codec.Internal(err, "lock migrations")
	}
	if _, err := tx.Exec(ctx, createMigrationsTable); err != nil {
		return false, codec.Internal(err, "create schema_migrations")
	}
	var done bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`,
		m.Version).Scan(&done); err != nil {
		return false, codec.Internal(err, "check migration %s", m.Name)
	}
	if done {
		return false, nil
	}
	// Without arguments pgx uses the simple protocol, which runs every
	// statement in the file.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return false, codec.Internal(err, "apply migration %s", m.Name)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, s.now()); err != nil {
		return false, codec.Internal(err, "record migration %s", m.Name)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, codec.Internal(err, "commit migration %s", m.Name)
	}
	return true, nil
}
