package postgres

import (
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
)

func TestOpenErrors(t *testing.T) {
	_, err := Open(t.Context(), "postgres://u:secret@[::1", Options{})
	if !core.IsKind(err, core.KindInvalid) {
		t.Errorf("malformed DSN: %v, want invalid", err)
	}
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
	_, err = Open(t.Context(), "postgres://u:secret@127.0.0.1:1/x?connect_timeout=2", Options{})
	if !core.IsKind(err, core.KindUnavailable) {
		t.Errorf("unreachable server: %v, want unavailable", err)
	}
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestEmbeddedMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("embedded migrations: %d, %v", len(ms), err)
	}
}
