package scan

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestArchiveIndexCache scans twice with a cache directory: the first run
// writes the archive's index, the second builds from it and must report
// exactly the same findings; a damaged index file is ignored and rewritten.
func TestArchiveIndexCache(t *testing.T) {
	zipPath := filepath.Join(matchDir, "vulndb-go-a752ea54.zip")
	needData(t, zipPath)
	cache := t.TempDir()
	opts := Options{SBOMs: []string{filepath.Join(matchDir, "go-1x.cdx.json")}, Advisories: []string{zipPath}, CacheDir: cache}
	run := func() *Report {
		t.Helper()
		rep, err := Run(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	cold := run()
	files, _ := filepath.Glob(filepath.Join(cache, "archive-index-*.txt"))
	if len(files) != 1 {
		t.Fatalf("cache holds %v, want one index", files)
	}
	warm := run()
	if len(cold.Findings) != 1865 || !reflect.DeepEqual(cold.Findings, warm.Findings) {
		t.Fatalf("cold %d findings, warm %d; they differ", len(cold.Findings), len(warm.Findings))
	}
	if err := os.WriteFile(files[0], []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if again := run(); !reflect.DeepEqual(cold.Findings, again.Findings) {
		t.Fatal("a damaged index changed the findings")
	}
	if b, err := os.ReadFile(files[0]); err != nil || len(b) < 1000 {
		t.Errorf("damaged index not rewritten (%d bytes, %v)", len(b), err)
	}
}
