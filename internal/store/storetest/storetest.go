// Package storetest is the conformance suite for core.Store. Every storage
// backend runs Run against fresh databases, so that all of them keep the
// conventions documented on core.Store, and page, sort, search and round-trip
// values identically. It also holds the shared benchmark bodies and the
// data set they use.
package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// Precision is the time resolution a store keeps: a time read back equals
// the time written, in UTC, truncated to Precision.
const Precision = time.Microsecond

// Run runs the suite. open must return a new, empty, unmigrated store on
// each call and arrange its cleanup with t.Cleanup; Run migrates it. Each
// group of tests gets its own store.
func Run(t *testing.T, open func(t *testing.T) core.Store) {
	t.Run("Migrate", func(t *testing.T) { testMigrate(t, open(t)) })
	groups := []struct {
		name string
		fn   func(t *testing.T, s core.Store)
	}{
		{"Sites", testSites},
		{"Zones", testZones},
		{"Manufacturers", testManufacturers},
		{"Models", testModels},
		{"Releases", testReleases},
		{"Tokens", testTokens},
		{"References", testReferences},
		{"Devices", testDevices},
		{"DeviceConcurrency", testDeviceConcurrency},
		{"CreateDevices", testCreateDevices},
		{"FindDevices", testFindDevices},
		{"ListDevices", testListDevices},
		{"InTx", testInTx},
		{"Vulns", testVulns},
		{"Observations", testObservations},
		{"Flows", testFlows},
		{"Alerts", testAlerts},
		{"SensorLists", testSensorLists},
		{"SensorReports", testSensorReports},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			s := open(t)
			if _, err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			g.fn(t, s)
		})
	}
}

func testMigrate(t *testing.T, s core.Store) {
	ctx := t.Context()
	cur, latest, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion before Migrate: %v", err)
	}
	if cur != 0 || latest < 1 {
		t.Fatalf("SchemaVersion before Migrate = %d, %d; want 0, >= 1", cur, latest)
	}
	n, err := s.Migrate(ctx)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if n != latest {
		t.Errorf("Migrate applied %d, want %d", n, latest)
	}
	cur, latest2, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion after Migrate: %v", err)
	}
	if cur != latest || latest2 != latest {
		t.Errorf("SchemaVersion after Migrate = %d, %d; want %d, %d", cur, latest2, latest, latest)
	}
	if n, err := s.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("second Migrate = %d, %v; want 0, nil", n, err)
	}
	if cur, _, _ := s.SchemaVersion(ctx); cur != latest {
		t.Errorf("SchemaVersion after second Migrate = %d, want %d", cur, latest)
	}
}

// ok fails the test at once on an unexpected error.
func ok(t testing.TB, err error, doing string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", doing, err)
	}
}

// wantErr checks that err is a *core.Error of kind k naming field (when
// field is not "").
func wantErr(t testing.TB, err error, k core.Kind, field, doing string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s", doing, k)
		return
	}
	var e *core.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v (%T) is not a *core.Error", doing, err, err)
		return
	}
	if e.Kind != k {
		t.Errorf("%s: kind %s, want %s (%v)", doing, e.Kind, k, err)
	}
	if field != "" && e.Field != field {
		t.Errorf("%s: field %q, want %q (%v)", doing, e.Field, field, err)
	}
	if e.Message == "" {
		t.Errorf("%s: error has no user message", doing)
	}
}

// same compares got and want by their JSON encoding, which shows every
// exported field, nil lists as null and times with their zone.
func same(t testing.TB, what string, got, want any) {
	t.Helper()
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("%s: marshal: %v", what, err)
	}
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// checkStamp checks that a time the store produced is set, in UTC and at
// the store's precision.
func checkStamp(t testing.TB, what string, ts time.Time) {
	t.Helper()
	switch {
	case ts.IsZero():
		t.Errorf("%s is not set", what)
	case ts.Location() != time.UTC:
		t.Errorf("%s = %v is not in UTC", what, ts)
	case !ts.Equal(ts.Truncate(Precision)):
		t.Errorf("%s = %v is finer than %v", what, ts, Precision)
	}
}

// norm is what a store gives back for a time it was given.
func norm(ts time.Time) time.Time { return ts.UTC().Truncate(Precision) }

func normPtr(ts *time.Time) *time.Time {
	if ts == nil {
		return nil
	}
	n := norm(*ts)
	return &n
}

func normProv(p core.Provenance) core.Provenance {
	out := core.Provenance{}
	for k, o := range p {
		o.At = norm(o.At)
		out[k] = o
	}
	return out
}

func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// odd is a time with nanoseconds in a zone other than UTC, to catch stores
// that keep either.
func odd(day int) time.Time {
	return time.Date(2024, time.March, day, 13, 14, 15, 123456789, time.FixedZone("CET", 3600))
}

func prov(day int) core.Provenance {
	return core.Provenance{
		"name":  {Source: core.SourceImport, At: odd(day)},
		"macs":  {Source: core.SensorSource("span-1"), At: odd(day + 1)},
		"notes": {Source: core.SourceUI, At: time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
	}
}

// pagedIDs pages through a small collection with the given page size and
// returns every id in order, failing on a repeated or unordered id.
func pagedIDs[T any](t *testing.T, what string, size int, list func(opt core.ListOptions) ([]T, error), id func(T) int64) []int64 {
	t.Helper()
	var ids []int64
	after := int64(0)
	for range 1000 {
		page, err := list(core.ListOptions{Limit: size, After: after})
		ok(t, err, "list "+what)
		if page == nil {
			t.Fatalf("list %s returned a nil slice", what)
		}
		if len(page) > size {
			t.Fatalf("list %s: page of %d rows, limit %d", what, len(page), size)
		}
		for _, x := range page {
			if id(x) <= after {
				t.Fatalf("list %s: id %d after %d", what, id(x), after)
			}
			after = id(x)
			ids = append(ids, after)
		}
		if len(page) < size {
			return ids
		}
	}
	t.Fatalf("list %s: too many pages", what)
	return nil
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
