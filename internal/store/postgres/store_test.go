package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/postgres"
	"github.com/vigil-oss/vigil/internal/store/storetest"
)

const dsnVar = "VIGIL_TEST_POSTGRES_DSN"

// testDatabase creates a database of its own for this run from the DSN in
// VIGIL_TEST_POSTGRES_DSN, drops it when tb ends, and returns its DSN.
// Without the variable it skips tb.
func testDatabase(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		tb.Skipf("PostgreSQL tests need %s, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", dsnVar)
	}
	db, drop, err := createDatabase(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// createDatabase creates vigil_test_<random> through the server dsn names
// and returns its DSN and a func that drops it.
func createDatabase(dsn string) (string, func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", dsnVar, err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "vigil_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create test database: %w", err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return fmt.Errorf("drop test database %s: %w", name, err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop test database %s: %w", name, err)
		}
		return nil
	}
	db, err := withParam(dsn, "dbname", name)
	if err != nil {
		return "", nil, errors.Join(err, drop())
	}
	return db, drop, nil
}

// withParam sets one connection parameter in a URL or key=value DSN.
func withParam(dsn, key, value string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", dsnVar, err)
		}
		if key == "dbname" {
			u.Path = "/" + value
			return u.String(), nil
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	// In key=value form the last setting of a key wins.
	return dsn + " " + key + "=" + value, nil
}

func TestConformance(t *testing.T) {
	dsn := testDatabase(t)
	ctx := t.Context()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	// Each store of the suite gets a schema of its own in the run's
	// database: far quicker than a database each.
	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) core.Store {
		schema := fmt.Sprintf("s%d", n.Add(1))
		if _, err := admin.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		sdsn, err := withParam(dsn, "search_path", schema)
		if err != nil {
			t.Fatal(err)
		}
		s, err := postgres.Open(t.Context(), sdsn, postgres.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
