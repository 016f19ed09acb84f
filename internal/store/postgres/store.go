// Package postgres is Vigil's PostgreSQL store: core.Store on
// github.com/jackc/pgx/v5 (pgxpool, native protocol). It owns the
// PostgreSQL schema and its embedded, append-only migrations, and nothing
// else: it neither validates domain rules nor logs.
//
// Bulk device imports use COPY. Every method inside InTx runs under a
// savepoint, so a method that fails leaves the transaction usable, as in
// the SQLite store. Times are timestamptz (microseconds); a value read back
// equals the one written, converted to UTC and truncated to the microsecond.
package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Clock stamps CreatedAt, UpdatedAt and RevokedAt; nil is the system clock.
	Clock core.Clock
	// MaxConns caps the connection pool; 0 keeps pgxpool's default
	// (max(4, GOMAXPROCS)) or the DSN's pool_max_conns.
	MaxConns int32
}

// Store is a core.Store backed by a PostgreSQL database.
type Store struct {
	*inventory
	pool *pgxpool.Pool
}

var _ core.Store = (*Store)(nil)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string, as libpq takes). Open does not migrate: check
// SchemaVersion and call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx masks the password in this error.
		return nil, core.Wrap(core.KindInvalid, err, "invalid PostgreSQL connection string")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	clock := opts.Clock
	if clock == nil {
		clock = core.SystemClock{}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, core.Wrap(core.KindUnavailable, err, "connect to PostgreSQL")
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, core.Wrap(core.KindUnavailable, err, "connect to PostgreSQL")
	}
	return &Store{inventory: &inventory{q: pool, clock: clock}, pool: pool}, nil
}

// Close closes the pool, waiting for connections in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// InTx runs fn in one READ COMMITTED transaction.
func (s *Store) InTx(ctx context.Context, fn func(inv core.Inventory) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return codec.Internal(err, "begin transaction")
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(&inventory{q: tx, inTx: true, clock: s.clock}); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return codec.Internal(err, "commit transaction")
	}
	return nil
}

// querier is what *pgxpool.Pool and pgx.Tx have in common. Begin on a
// pool starts a transaction, on a transaction a savepoint.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// inventory implements core.Inventory and core.TokenStore, on the pool or
// inside one transaction.
type inventory struct {
	q     querier
	inTx  bool
	clock core.Clock
}

func (v *inventory) now() time.Time { return codec.Time(v.clock.Now()) }

// atomic runs fn's statements so that they take effect together or not at
// all: in a transaction of their own or, inside InTx, under a savepoint, so
// that a failure leaves the enclosing transaction usable.
func (v *inventory) atomic(ctx context.Context, fn func(q querier) error) error {
	tx, err := v.q.Begin(ctx)
	if err != nil {
		return codec.Internal(err, "begin transaction")
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return codec.Internal(err, "commit transaction")
	}
	return nil
}

// one runs a single-statement write: directly on the pool, where the
// statement is its own transaction, or under a savepoint inside InTx, where
// a failed statement would otherwise abort the whole transaction.
func (v *inventory) one(ctx context.Context, fn func(q querier) error) error {
	if !v.inTx {
		return fn(v.q)
	}
	return v.atomic(ctx, fn)
}

// nullID stores an unset (zero) reference as NULL.
func nullID[T ~int64](id T) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

func nullDate(d *core.Date) any {
	if d == nil {
		return nil
	}
	return d.Time
}

func fromNullDate(t *time.Time) *core.Date {
	if t == nil {
		return nil
	}
	return &core.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

// utc converts a time read back to UTC; pgx returns the local zone.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// listArgs applies ListOptions' rules.
func listArgs(opt core.ListOptions) (after int64, limit int, err error) {
	limit, err = codec.Limit(opt.Limit)
	return max(opt.After, 0), limit, err
}

func decodeErr(err error, what string) error {
	return codec.Internal(err, "decode stored %s", what)
}

func queryErr(err error, doing string) error {
	return codec.Internal(err, "%s", doing)
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
