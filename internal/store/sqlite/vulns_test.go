package sqlite_test

import (
	"testing"

	"github.com/vigil-oss/vigil/internal/store/storetest"
)

func BenchmarkReplaceFindings(b *testing.B) {
	s := openTemp(b)
	if _, err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	storetest.BenchReplaceFindings(b, s)
}
