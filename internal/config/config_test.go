package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "vigil.toml")
	if err := os.WriteFile(file, []byte("db = \"/srv/file.db\"\naddr = \"0.0.0.0:9000\"\nshutdown_timeout = \"30s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"VIGIL_ADDR": "127.0.0.1:7000", "VIGIL_MIGRATE": "true"}
	c, err := Load(file, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "/srv/file.db" || c.Addr != "127.0.0.1:7000" || !c.Migrate ||
		c.ShutdownTimeout.Duration != 30*time.Second || c.LogLevel != "info" {
		t.Fatalf("precedence wrong: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.toml")
	_ = os.WriteFile(unknown, []byte("colour = \"red\"\n"), 0o600)
	broken := filepath.Join(dir, "broken.toml")
	_ = os.WriteFile(broken, []byte("db = \n"), 0o600)
	none := func(string) string { return "" }
	for name, tc := range map[string]struct {
		path string
		env  map[string]string
		want string
	}{
		"unknown setting":  {unknown, nil, "colour"},
		"broken file":      {broken, nil, "broken.toml"},
		"missing file":     {filepath.Join(dir, "nope.toml"), nil, "nope.toml"},
		"bad env bool":     {"", map[string]string{"VIGIL_MIGRATE": "perhaps"}, "VIGIL_MIGRATE"},
		"bad env duration": {"", map[string]string{"VIGIL_SHUTDOWN_TIMEOUT": "soon"}, "VIGIL_SHUTDOWN_TIMEOUT"},
	} {
		t.Run(name, func(t *testing.T) {
			getenv := none
			if tc.env != nil {
				getenv = func(k string) string { return tc.env[k] }
			}
			_, err := Load(tc.path, getenv)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error naming %q, got %v", tc.want, err)
			}
		})
	}
	c := Default()
	c.LogLevel = "loud"
	if err := c.Validate(); err == nil {
		t.Error("bad log level validated")
	}
	c = Default()
	c.MaxBodyBytes = 10
	if err := c.Validate(); err == nil {
		t.Error("tiny body limit validated")
	}
}
