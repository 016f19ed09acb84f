package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vigil-oss/vigil/internal/store/sqlite"
	"github.com/vigil-oss/vigil/internal/store/storetest"
)

// seeded100k is one 100,000-device store shared by the read benchmarks,
// built on first use and removed by TestMain.
var seeded100k struct {
	once sync.Once
	dir  string
	s    *sqlite.Store
	ds   *storetest.Dataset
	err  error
}

func seeded(b *testing.B) (*sqlite.Store, *storetest.Dataset) {
	x := &seeded100k
	x.once.Do(func() {
		ctx := context.Background()
		if x.dir, x.err = os.MkdirTemp("", "vigil-bench-"); x.err != nil {
			return
		}
		if x.s, x.err = sqlite.Open(ctx, filepath.Join(x.dir, "vigil.db"), sqlite.Options{}); x.err != nil {
			return
		}
		if _, x.err = x.s.Migrate(ctx); x.err != nil {
			return
		}
		if x.ds, x.err = storetest.Seed(ctx, x.s, 100_000); x.err != nil {
			return
		}
		// Reopen, as a server restarted after an import would: Close runs
		// PRAGMA optimize, so the planner then has statistics.
		if x.err = x.s.Close(); x.err != nil {
			return
		}
		x.s, x.err = sqlite.Open(ctx, filepath.Join(x.dir, "vigil.db"), sqlite.Options{})
	})
	if x.err != nil {
		b.Fatalf("seed: %v", x.err)
	}
	return x.s, x.ds
}

func TestMain(m *testing.M) {
	code := m.Run()
	if x := &seeded100k; x.dir != "" {
		if x.s != nil {
			x.s.Close()
		}
		os.RemoveAll(x.dir)
	}
	os.Exit(code)
}

func BenchmarkCreateDevices(b *testing.B) {
	s := openTemp(b)
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
