package app

import (
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
)

func TestSchemaDecision(t *testing.T) {
	tests := []struct {
		name        string
		cur, latest int
		policy      SchemaPolicy
		migrate     bool
		refused     bool
	}{
		{"fresh database gets its schema", 0, 3, SchemaCheck, true, false},
		{"up to date", 3, 3, SchemaCheck, false, false},
		{"out of date is refused", 2, 3, SchemaCheck, false, true},
		{"out of date with --migrate", 2, 3, SchemaMigrate, true, false},
		{"newer than binary", 4, 3, SchemaMigrate, false, true},
		{"newer than binary, check", 4, 3, SchemaCheck, false, true},
		{"ignore", 2, 3, SchemaIgnore, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := schemaDecision(tt.cur, tt.latest, tt.policy)
			if m != tt.migrate || (err != nil) != tt.refused {
				t.Fatalf("schemaDecision(%d, %d) = %v, %v", tt.cur, tt.latest, m, err)
			}
			if err != nil && !core.IsKind(err, core.KindInvalid) {
				t.Fatalf("refusal kind = %s", core.KindOf(err))
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://vigil:s3cret@db:5432/vigil": "postgres://vigil:xxxxx@db:5432/vigil",
		"postgres://vigil@db/vigil":             "postgres://vigil@db/vigil",
		"/var/lib/vigil/vigil.db":               "/var/lib/vigil/vigil.db",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
