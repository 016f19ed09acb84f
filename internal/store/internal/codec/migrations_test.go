package codec

import (
	"testing"
	"testing/fstest"
)

func TestLoadMigrations(t *testing.T) {
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
		ms, err := LoadMigrations(c.files, "m")
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
		if c.ok && (len(ms) != 2 || ms[0].Version != 1 || ms[1].Name != "0002_b.sql") {
			t.Errorf("%s: loaded %+v", c.name, ms)
		}
	}
}
