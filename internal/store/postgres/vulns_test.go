package postgres_test

import (
	"testing"

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
