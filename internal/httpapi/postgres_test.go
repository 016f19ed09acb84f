package httpapi_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/postgres"
)

// postgresDSNVar names the server the PostgreSQL variants run against; each
// run gets a fresh database on it, dropped afterwards.
const postgresDSNVar = "VIGIL_TEST_POSTGRES_DSN"

// TestConcurrentPatchPostgres runs the optimistic-concurrency contract
// against PostgreSQL, where writers really run in parallel.
func TestConcurrentPatchPostgres(t *testing.T) {
	st, _, drop := openPostgres(t)
	t.Cleanup(drop)
	testConcurrentPatch(t, newEnvOn(t, st, 0))
}

// openPostgres creates a fresh, migrated database on the server named by
// VIGIL_TEST_POSTGRES_DSN and returns a store on it, the database's DSN,
// and a function that closes the store and drops the database. It skips tb
// when the variable is unset.
func openPostgres(tb testing.TB) (core.Store, string, func()) {
	tb.Helper()
	dsn := os.Getenv(postgresDSNVar)
	if dsn == "" {
		tb.Skipf("%s is not set; skipping the PostgreSQL variant (set it to a server URL such as postgres://postgres@127.0.0.1:5432/postgres; each run creates and drops its own database)", postgresDSNVar)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to %s: %v", postgresDSNVar, err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "vigil_httpapi_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
		}
	}
	dbDSN := withDatabase(tb, dsn, name)
	st, err := postgres.Open(ctx, dbDSN, postgres.Options{})
	if err != nil {
		drop()
		tb.Fatalf("open database %s: %v", name, err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		drop()
		tb.Fatalf("migrate database %s: %v", name, err)
	}
	return st, dbDSN, func() { st.Close(); drop() }
}

// withDatabase returns dsn pointed at database name, for both DSN forms.
func withDatabase(tb testing.TB, dsn, name string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("%s: %v", postgresDSNVar, err)
		}
		u.Path = "/" + name
		return u.String()
	}
	// In the key=value form a later setting overrides an earlier one.
	return dsn + " dbname=" + name
}

// analyzePostgres gathers planner statistics, as autovacuum would have on
// any database that has been running for a while.
func analyzePostgres(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "VACUUM ANALYZE")
	return err
}
