package feeds

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadArchiveIndex: a cache file is Vigil's own, but a user or a disk
// can damage it; reading any content must give an index or "ignore it",
// never a panic, and a written index must read back the same.
func FuzzReadArchiveIndex(f *testing.F) {
	f.Add([]byte(indexHeader + "\nosv\t\tGO-1.json\tGO-1\t2024-01-01T00:00:00Z\tGo\x1fexample.com/m\x1f\n"))
	f.Add([]byte(indexHeader + "\n\tnot an advisory document\tREADME.md\t\t\t\n"))
	f.Add([]byte("vigil-archive-index 0\n"))
	f.Add([]byte(indexHeader + "\nosv\t\tx\tid\tm\tGo\x1fa\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "i.txt")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ai, ok := readArchiveIndex(p)
		if !ok {
			return
		}
		if err := writeArchiveIndex(dir, "k", ai); err != nil {
			return // names holding separators are not cached
		}
		again, ok := readArchiveIndex(cachePath(dir, "k"))
		if !ok || len(again.Entries) != len(ai.Entries) {
			t.Fatalf("round trip lost entries: %d → %d (%v)", len(ai.Entries), len(again.Entries), ok)
		}
	})
}
