package postgres

import (
	"strings"
	"testing"
	"testing/fstest"

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

func TestLoadMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("embedded migrations: %d, %v", len(ms), err)
	}
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		ok    bool
	}{
		{"in order", fstest.MapFS{"m/0001_a.sql": {}, "m/0002_b.sql": {}, "m/README": {}}, true},
		{"gap", fstest.MapFS{"m/0001_a.sql": {}, "m/0003_c.sql": {}}, false},
		{"twice", fstest.MapFS{"m/0001_a.sql": {}, "m/1_b.sql": {}}, false},
		{"unnumbered", fstest.MapFS{"m/init.sql": {}}, false},
	} {
		_, err := loadMigrations(c.files, "m")
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
}
