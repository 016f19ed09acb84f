// Package config owns Vigil's settings: one Config struct, loaded once from
// defaults, then a TOML file, then VIGIL_* environment variables; command-line
// flags are applied last by the CLI. Nothing else reads the environment.
package config

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is every setting of a Vigil process.
type Config struct {
	// DB is a SQLite file path or a postgres:// URL.
	DB string `toml:"db"`
	// Addr is the HTTP listen address, HOST:PORT.
	Addr string `toml:"addr"`
	// Migrate lets serve bring an out-of-date schema up to date at start.
	Migrate bool `toml:"migrate"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `toml:"log_level"`
	// MaxBodyBytes bounds every request body.
	MaxBodyBytes int64 `toml:"max_body_bytes"`
	// ShutdownTimeout is how long serve waits for requests in flight.
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
}

// Duration is a time.Duration written as "15s" in TOML.
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// Default returns the built-in settings.
func Default() Config {
	return Config{
		DB:              "vigil.db",
		Addr:            "127.0.0.1:8080",
		LogLevel:        "info",
		MaxBodyBytes:    1 << 20,
		ShutdownTimeout: Duration{15 * time.Second},
	}
}

// Env names: VIGIL_ plus the upper-cased TOML key.
var envKeys = []string{"db", "addr", "migrate", "log_level", "max_body_bytes", "shutdown_timeout"}

// Load returns the defaults overlaid with the TOML file at path (skipped when
// path is "") and then with VIGIL_* variables read through getenv. It does
// not validate: flags may still override a bad value, so the caller applies
// them and then calls Validate.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
		md, err := toml.Decode(string(b), &c)
		if err != nil {
			return c, fmt.Errorf("config file %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return c, fmt.Errorf("config file %s: unknown setting %q", path, und[0].String())
		}
	}
	for _, k := range envKeys {
		name := "VIGIL_" + strings.ToUpper(k)
		v := getenv(name)
		if v == "" {
			continue
		}
		if err := c.Set(k, v); err != nil {
			return c, fmt.Errorf("environment %s: %w", name, err)
		}
	}
	return c, nil
}

// Set assigns one setting from its text form.
func (c *Config) Set(key, v string) error {
	switch key {
	case "db":
		c.DB = v
	case "addr":
		c.Addr = v
	case "migrate":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		c.Migrate = b
	case "log_level":
		c.LogLevel = v
	case "max_body_bytes":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number of bytes", v)
		}
		c.MaxBodyBytes = n
	case "shutdown_timeout":
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 15s", v)
		}
		c.ShutdownTimeout = Duration{d}
	default:
		return fmt.Errorf("unknown setting %q", key)
	}
	return nil
}

// Validate checks the settings hang together.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.DB) == "" {
		return fmt.Errorf("db: a database path or postgres:// URL is required")
	}
	if _, err := c.Level(); err != nil {
		return err
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("max_body_bytes: %d is below the minimum of 1024", c.MaxBodyBytes)
	}
	if c.ShutdownTimeout.Duration <= 0 {
		return fmt.Errorf("shutdown_timeout: must be positive")
	}
	return nil
}

// Level parses LogLevel.
func (c *Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("log_level: %q is not debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}
