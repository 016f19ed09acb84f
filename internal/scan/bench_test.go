package scan

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRun is the in-process cost of scanning the 1,530-component SBOM
// against the Go vulnerability database zip, with schema validation (see
// BenchmarkScanCommand in internal/cli for the whole process).
func BenchmarkRun(b *testing.B) {
	zipPath := filepath.Join(matchDir, "vulndb-go-a752ea54.zip")
	needData(b, zipPath)
	sch := schemas(b)
	files := []string{filepath.Join(matchDir, "go-1x.cdx.json")}
	if n := os.Getenv("VIGIL_BENCH_FILES"); n == "10" {
		for range 9 {
			files = append(files, files[0])
		}
	}
	cache := ""
	if os.Getenv("VIGIL_BENCH_CACHE") != "" {
		cache = b.TempDir()
	}
	for b.Loop() {
		if _, err := Run(context.Background(), Options{SBOMs: files, Advisories: []string{zipPath}, Schemas: sch, CacheDir: cache}); err != nil {
			b.Fatal(err)
		}
	}
}
