package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-oss/vigil/internal/store/postgres"
	"github.com/vigil-oss/vigil/internal/store/storetest"
)

func BenchmarkReplaceFindings(b *testing.B) {
	if testing.Short() {
		b.Skip("slow")
	}
	s, err := postgres.Open(b.Context(), testDatabase(b), postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	storetest.BenchReplaceFindings(b, s)
}

func TestMatchPackFallback(t *testing.T) {
	dsn := testDatabase(t)
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	storetest.MatchPackFallback(t, s, func(t *testing.T) {
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		if _, err := conn.Exec(t.Context(), `UPDATE sboms SET match_pack = NULL`); err != nil {
			t.Fatal(err)
		}
	})
}
