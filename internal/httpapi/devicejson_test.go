package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// TestDeviceJSON checks that the hand-assembled device encoding is the
// JSON value encoding/json makes of a core.Device.
func TestDeviceJSON(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890123000, time.UTC)
	seen := at.Add(-time.Hour)
	full := &core.Device{ID: 7, AssetTag: "A<1>&", Name: "pump \"4\"", ModelID: 3, Location: core.Location{Room: "4.12"},
		Lifecycle: core.LifecycleActive, MACs: []string{"00:1a:2b:3c:4d:5e"}, IPs: []string{}, HL7: []core.HL7Endpoint{{Application: "X"}},
		LastSeen: &seen, Version: 3, CreatedAt: at, UpdatedAt: at,
		Provenance: core.Provenance{
			"name": {Source: core.SourceAPI, At: at}, "asset_tag": {Source: core.SensorSource("span<1>"), At: at.Add(time.Nanosecond)},
			"macs": {Source: core.SensorSource("ünïcode"), At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		}}
	devices := []*core.Device{full, {ID: 1, Lifecycle: core.LifecycleRetired}, {ID: 2, Provenance: core.Provenance{}}}
	for _, d := range devices {
		w := httptest.NewRecorder()
		if err := writeDevice(w, 200, d); err != nil {
			t.Fatal(err)
		}
		got := w.Body.Bytes()
		want, _ := json.Marshal(d)
		if !sameJSON(t, got, want) {
			t.Errorf("device %d:\nhand-assembled %s\nencoding/json  %s", d.ID, got, want)
		}
	}
	w := httptest.NewRecorder()
	_ = writeDevice(w, 200, full)
	if got := w.Body.Bytes(); !bytes.Contains(got, []byte(`"provenance":{"asset_tag":{"source":"sensor:span\u003c1\u003e","at":"2026-03-04T05:06:07.890123001Z"},"macs"`)) {
		t.Errorf("provenance not sorted or escaped as encoding/json does: %s", got)
	}

	for _, next := range []*core.DeviceCursor{nil, {Sort: "-name", Value: "a\"b<", ID: 9}} {
		w := httptest.NewRecorder()
		if err := writeDevicePage(w, &core.DevicePage{Devices: devices, Next: next}); err != nil {
			t.Fatal(err)
		}
		want := page[*core.Device]{Items: devices}
		if next != nil {
			want.NextCursor = next.Encode()
		}
		wantJSON, _ := json.Marshal(want)
		if !sameJSON(t, w.Body.Bytes(), wantJSON) {
			t.Errorf("page:\nhand-assembled %s\nencoding/json  %s", w.Body.Bytes(), wantJSON)
		}
	}
	w = httptest.NewRecorder()
	_ = writeDevicePage(w, &core.DevicePage{})
	if w.Body.String() != "{\"items\":[]}\n" {
		t.Errorf("empty page %q", w.Body.String())
	}
}

// sameJSON reports whether a and b are the same JSON value (member order
// aside); a must be valid JSON.
func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("invalid JSON %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

func FuzzProvenanceJSON(f *testing.F) {
	f.Add("name", "api", int64(0))
	f.Add("location.room", "sensor:a\"b", int64(1e18))
	f.Add("\xff\x00", "sensor:\u2028", int64(-5))
	f.Fuzz(func(t *testing.T, key, source string, nanos int64) {
		p := core.Provenance{key: {Source: core.Source(source), At: time.Unix(0, nanos).UTC()}, "zz": {Source: "api"}}
		want, err := json.Marshal(p)
		if err != nil {
			t.Skip() // a time encoding/json refuses; ours need not match
		}
		if got := appendProvenance(nil, p); !bytes.Equal(got, want) {
			t.Errorf("appendProvenance %s\nencoding/json    %s", got, want)
		}
	})
}
