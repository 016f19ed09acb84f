package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/vigil-oss/vigil/internal/store/sqlite"

	"github.com/vigil-oss/vigil/internal/store/storetest"
)

func BenchmarkReplaceFindings(b *testing.B) {
	s := openTemp(b)
	if _, err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	storetest.BenchReplaceFindings(b, s)
}

func TestMatchPackFallback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	storetest.MatchPackFallback(t, s, func(t *testing.T) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`UPDATE sboms SET match_pack = NULL`); err != nil {
			t.Fatal(err)
		}
	})
}
