package service_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
)

// BenchmarkRematch is the server's re-matching after a feed import: 1,000
// releases, each with the 1,530-component Go SBOM (1.5 million components),
// against the Go vulnerability database. Each iteration starts from a new
// service, so it also pays for building the matcher from the stored
// documents, as the first re-match after an import does.
func BenchmarkRematch(b *testing.B) {
	zipPath := filepath.Join(shared, "match/vulndb-go-a752ea54.zip")
	sbomPath := filepath.Join(shared, "match/go-1x.cdx.json")
	needShared(b, zipPath)
	importBackendsB(b, func(b *testing.B, st core.Store) {
		ctx := context.Background()
		inv := service.NewInventory(st, core.SystemClock{})
		v := service.NewVulns(st, core.SystemClock{}, nil)
		if _, err := v.ImportFeeds(ctx, []string{zipPath}, nil); err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile(sbomPath)
		if err != nil {
			b.Fatal(err)
		}
		releases := 1000
		if n := os.Getenv("VIGIL_BENCH_RELEASES"); n != "" {
			fmt.Sscan(n, &releases)
		}
		start := time.Now()
		var ids []core.ReleaseID
		for i := range releases {
			r := release(b, inv, fmt.Sprintf("Maker %d", i%20), fmt.Sprintf("Model %d", i%100), fmt.Sprintf("1.%d", i))
			ids = append(ids, r.ID)
			// The first SBOM is matched by ImportSBOM; the rest are
			// stored the same way and matched below.
			if _, err := v.ImportSBOM(ctx, r.ID, "go-1x.cdx.json", data); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("setup: %d releases with SBOMs in %v", releases, time.Since(start))
		if p := os.Getenv("VIGIL_BENCH_CPUPROFILE"); p != "" {
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		b.ResetTimer()
		for b.Loop() {
			fresh := service.NewVulns(st, core.SystemClock{}, nil)
			n, err := fresh.Rematch(ctx, ids)
			if err != nil {
				b.Fatal(err)
			}
			if n != releases*1865 {
				b.Fatalf("%d findings, want %d", n, releases*1865)
			}
		}
	})
}

// importBackendsB runs a benchmark on SQLite, and on PostgreSQL when
// VIGIL_TEST_POSTGRES_DSN is set.
func importBackendsB(b *testing.B, fn func(b *testing.B, st core.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, openImportSQLite(b)) })
	if os.Getenv("VIGIL_TEST_POSTGRES_DSN") != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, openImportPostgres(b)) })
	}
}
