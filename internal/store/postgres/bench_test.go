package postgres_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-oss/vigil/internal/store/postgres"
	"github.com/vigil-oss/vigil/internal/store/storetest"
)

// seeded100k is one 100,000-device database shared by the read benchmarks,
// built on first use and dropped by TestMain.
var seeded100k struct {
	once sync.Once
	drop func() error
	s    *postgres.Store
	ds   *storetest.Dataset
	err  error
}

func seeded(b *testing.B) (*postgres.Store, *storetest.Dataset) {
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		b.Skipf("PostgreSQL benchmarks need %s", dsnVar)
	}
	x := &seeded100k
	x.once.Do(func() {
		ctx := context.Background()
		var db string
		if db, x.drop, x.err = createDatabase(dsn); x.err != nil {
			return
		}
		if x.s, x.err = postgres.Open(ctx, db, postgres.Options{}); x.err != nil {
			return
		}
		if _, x.err = x.s.Migrate(ctx); x.err != nil {
			return
		}
		if x.ds, x.err = storetest.Seed(ctx, x.s, 100_000); x.err != nil {
			return
		}
		// Autovacuum would analyse the new rows within a minute; do it now.
		var c *pgx.Conn
		if c, x.err = pgx.Connect(ctx, db); x.err != nil {
			return
		}
		defer c.Close(ctx)
		_, x.err = c.Exec(ctx, "VACUUM ANALYZE")
	})
	if x.err != nil {
		b.Fatalf("seed: %v", x.err)
	}
	return x.s, x.ds
}

func TestMain(m *testing.M) {
	code := m.Run()
	if x := &seeded100k; x.drop != nil {
		if x.s != nil {
			x.s.Close()
		}
		if err := x.drop(); err != nil {
			println(err.Error())
		}
	}
	os.Exit(code)
}

func BenchmarkCreateDevices(b *testing.B) {
	s, err := postgres.Open(b.Context(), testDatabase(b), postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	storetest.BenchCreateDevices(b, s)
}

func BenchmarkGetDevice(b *testing.B) {
	s, ds := seeded(b)
	storetest.BenchGetDevice(b, s, ds)
}

func BenchmarkListDevicesFiltered(b *testing.B) {
	s, ds := seeded(b)
	storetest.BenchListDevicesFiltered(b, s, ds)
}
