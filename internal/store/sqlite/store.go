// Package sqlite is Vigil's SQLite store: core.Store on modernc.org/sqlite
// (pure Go, no cgo). It owns the SQLite schema and its embedded, append-only
// migrations, and nothing else: it neither validates domain rules nor logs.
//
// The database runs in WAL mode with foreign keys on. Writes go through one
// connection whose transactions take the write lock up front (BEGIN
// IMMEDIATE), so writers queue in Go rather than failing with SQLITE_BUSY;
// reads use a separate pool of query-only connections and never wait for
// writers.
//
// Times are kept as integer microseconds in UTC; a value read back equals
// the one written, converted to UTC and truncated to the microsecond.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Clock stamps CreatedAt, UpdatedAt and RevokedAt; nil is the system clock.
	Clock core.Clock
	// ReadConns caps the read pool; 0 means max(4, GOMAXPROCS).
	ReadConns int
}

// Store is a core.Store backed by one SQLite database file.
type Store struct {
	*inventory
	wdb *sql.DB // one connection: all writes and transactions
	rdb *sql.DB // query-only connections (the same as wdb for :memory:)
}

var _ core.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path; ":memory:" gives a
// private in-memory database on a single connection, for tests. Open does
// not migrate: check SchemaVersion and call Migrate.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, core.Invalid("path", "is required")
	}
	clock := opts.Clock
	if clock == nil {
		clock = core.SystemClock{}
	}
	memory := path == ":memory:"
	uri := "file:" + escapePath(path)
	// mmap spares a system call per page read beyond the page cache, which
	// sorts over many rows feel; 1 GiB is a cap, not an allocation.
	common := "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=cache_size(-16000)" +
		"&_pragma=mmap_size(1073741824)&_pragma=temp_store(memory)"
	// The default 4 KiB page: 16 KiB pages cut system calls per committed
	// byte, but the driver's allocator maps each such page on its own and
	// unmaps it on close, which cost a whole import more than it saved.
	wdb, err := sql.Open("sqlite", uri+"?"+common+
		"&_journal_mode=WAL&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, codec.Internal(err, "open sqlite database")
	}
	// One writer: SQLite serialises writers anyway, and queueing in the pool
	// beats spinning on SQLITE_BUSY.
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxIdleTime(0)
	wdb.SetConnMaxLifetime(0)
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, core.Wrap(core.KindUnavailable, err, "open sqlite database")
	}
	rdb := wdb
	if !memory {
		n := opts.ReadConns
		if n <= 0 {
			n = max(4, runtime.GOMAXPROCS(0))
		}
		rdb, err = sql.Open("sqlite", uri+"?"+common+"&_pragma=query_only(1)")
		if err != nil {
			wdb.Close()
			return nil, codec.Internal(err, "open sqlite database")
		}
		rdb.SetMaxOpenConns(n)
		rdb.SetMaxIdleConns(n)
		rdb.SetConnMaxIdleTime(0)
		rdb.SetConnMaxLifetime(0)
		if err := rdb.PingContext(ctx); err != nil {
			rdb.Close()
			wdb.Close()
			return nil, core.Wrap(core.KindUnavailable, err, "open sqlite database")
		}
	}
	return &Store{
		inventory: &inventory{read: rdb, write: wdb, db: wdb, clock: clock},
		wdb:       wdb,
		rdb:       rdb,
	}, nil
}

// escapePath makes a file path safe inside a "file:" URI.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// Close refreshes the query planner's statistics and closes the database.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Best effort: optimize only analyses tables whose statistics are stale.
	_, _ = s.wdb.ExecContext(ctx, "PRAGMA optimize")
	var errs []error
	if s.rdb != s.wdb {
		errs = append(errs, s.rdb.Close())
	}
	errs = append(errs, s.wdb.Close())
	if err := errors.Join(errs...); err != nil {
		return codec.Internal(err, "close sqlite database")
	}
	return nil
}

// InTx runs fn in one immediate transaction on the writer connection. Use
// only inv inside fn: a write through the Store itself would wait for the
// writer connection that fn's transaction holds. A method of inv that fails
// leaves no partial effect, and the transaction may go on.
func (s *Store) InTx(ctx context.Context, fn func(inv core.Inventory) error) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return codec.Internal(err, "begin transaction")
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(&inventory{read: tx, write: tx, clock: s.clock}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return codec.Internal(err, "commit transaction")
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// inventory implements core.Inventory and core.TokenStore, either on the
// pools or inside one transaction.
type inventory struct {
	read  querier
	write querier
	db    *sql.DB // the writer pool; nil inside a transaction
	clock core.Clock
}

func (v *inventory) now() time.Time { return codec.Time(v.clock.Now()) }

// atomic runs fn's statements so that they take effect together or not at
// all: in a transaction of their own or, inside InTx, under a savepoint, so
// that a failure leaves the enclosing transaction as it was.
func (v *inventory) atomic(ctx context.Context, fn func(q querier) error) error {
	if v.db != nil {
		tx, err := v.db.BeginTx(ctx, nil)
		if err != nil {
			return codec.Internal(err, "begin transaction")
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return codec.Internal(err, "commit transaction")
		}
		return nil
	}
	if _, err := v.write.ExecContext(ctx, "SAVEPOINT op"); err != nil {
		return codec.Internal(err, "begin savepoint")
	}
	if err := fn(v.write); err != nil {
		// The rollback must run even when ctx is what failed.
		bg := context.WithoutCancel(ctx)
		_, _ = v.write.ExecContext(bg, "ROLLBACK TO op")
		_, _ = v.write.ExecContext(bg, "RELEASE op")
		return err
	}
	if _, err := v.write.ExecContext(ctx, "RELEASE op"); err != nil {
		return codec.Internal(err, "release savepoint")
	}
	return nil
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(n int64) time.Time { return time.UnixMicro(n).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func fromNullMicros(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
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
	return d.String()
}

func fromNullDate(s sql.NullString) (*core.Date, error) {
	if !s.Valid {
		return nil, nil
	}
	d, err := core.ParseDate(s.String)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// listArgs applies ListOptions' rules.
func listArgs(opt core.ListOptions) (after int64, limit int, err error) {
	limit, err = codec.Limit(opt.Limit)
	return max(opt.After, 0), limit, err
}

// decodeErr reports a stored value this binary cannot read.
func decodeErr(err error, what string) error {
	return codec.Internal(err, "decode stored %s", what)
}

// queryErr wraps a failed read.
func queryErr(err error, format string, args ...any) error {
	return codec.Internal(err, "%s", fmt.Sprintf(format, args...))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
