package sqlite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) core.Store {
		s, err := Open(t.Context(), ":memory:", Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestOpenAwkwardPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd ?name#1%20.db")
	for range 2 { // create, then reopen
		s, err := Open(t.Context(), path, Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v", path, err)
		}
		if _, err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		if cur, latest, err := s.SchemaVersion(t.Context()); err != nil || cur != latest {
			t.Fatalf("SchemaVersion = %d, %d, %v", cur, latest, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not created under its own name: %v", err)
	}
	if _, err := Open(t.Context(), "", Options{}); !core.IsKind(err, core.KindInvalid) {
		t.Errorf("Open(\"\") = %v, want invalid", err)
	}
}

func TestEmbeddedMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("embedded migrations: %d, %v", len(ms), err)
	}
}
