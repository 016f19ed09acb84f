package core

import (
	"strings"
	"time"
)

// Source says where an attribute's value came from: "import", "api", "ui",
// "demo" or "sensor:NAME".
type Source string

const (
	SourceImport Source = "import"
	SourceAPI    Source = "api"
	SourceUI     Source = "ui"
	SourceDemo   Source = "demo"
)

// SensorSource is the provenance of an attribute observed by the named sensor.
func SensorSource(name string) Source { return Source("sensor:" + name) }

// IsSensor reports whether the value was observed rather than entered by a person.
func (s Source) IsSensor() bool { return strings.HasPrefix(string(s), "sensor:") }

// Valid reports whether s is one of the known source forms.
func (s Source) Valid() bool {
	switch s {
	case SourceImport, SourceAPI, SourceUI, SourceDemo:
		return true
	}
	return s.IsSensor() && len(s) > len("sensor:")
}

// Origin records where one attribute's current value came from and when.
type Origin struct {
	Source Source    `json:"source"`
	At     time.Time `json:"at"`
}

// Provenance maps attribute names (as in the JSON API) to their origin.
type Provenance map[string]Origin

// Set records src at t for each named attribute.
func (p Provenance) Set(src Source, t time.Time, attrs ...string) {
	for _, a := range attrs {
		// Stores keep microseconds; truncating here makes a write's response
		// equal what a later read returns.
		p[a] = Origin{Source: src, At: t.UTC().Truncate(time.Microsecond)}
	}
}

// Clone returns an independent copy.
func (p Provenance) Clone() Provenance {
	c := make(Provenance, len(p))
	for k, v := range p {
		c[k] = v
	}
	return c
}

// Clock tells the time; injected so tests and the demo are deterministic.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now().UTC() }

// FixedClock always returns T; for tests.
type FixedClock struct{ T time.Time }

func (c FixedClock) Now() time.Time { return c.T }
