package sbom

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

const dataDir = "../../../shared/data"

// data returns the path of a shared data file, skipping the test when the
// shared data is not checked out beside the repository.
func data(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(dataDir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared test data %s not available: %v", p, err)
	}
	return p
}

func readData(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(data(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	schemasOnce sync.Once
	schemas     *Schemas
	schemasErr  error
)

func testSchemas(t testing.TB) *Schemas {
	t.Helper()
	dir := data(t, "sbom/schema")
	schemasOnce.Do(func() { schemas, schemasErr = LoadSchemas(os.DirFS(dir)) })
	if schemasErr != nil {
		t.Fatal(schemasErr)
	}
	return schemas
}

// files lists regular files under a shared data directory whose base name
// matches the filter, sorted, as paths relative to dataDir.
func files(t testing.TB, rel string, keep func(name string) bool) []string {
	t.Helper()
	root := data(t, rel)
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !keep(d.Name()) {
			return err
		}
		r, _ := filepath.Rel(dataDir, p)
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func hasSuffix(s ...string) func(string) bool {
	return func(name string) bool {
		for _, x := range s {
			if strings.HasSuffix(name, x) {
				return true
			}
		}
		return false
	}
}
