package codec

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

var awkward = []string{"", "plain", `quo"te`, `back\slash`, "new\nline\ttab\r", "\x01\x1f", "<html>&amp;",
	"Ünïcödé ✓ 𝄞", "\u2028\u2029", "bad\xffutf8", "nul\x00byte"}

func TestEncodersRoundTrip(t *testing.T) {
	for _, s := range awkward {
		want := s
		if !json.Valid([]byte(Strings([]string{s}))) {
			t.Fatalf("Strings(%q) is not JSON: %s", s, Strings([]string{s}))
		}
		// What encoding/json makes of the string is what we must give back.
		var viaStd string
		b, _ := json.Marshal(s)
		_ = json.Unmarshal(b, &viaStd)
		want = viaStd

		l, err := ParseStrings([]byte(Strings([]string{s, "x"})))
		if err != nil || !reflect.DeepEqual(l, []string{want, "x"}) {
			t.Errorf("Strings(%q) came back as %q, %v", s, l, err)
		}
		h := []core.HL7Endpoint{{Application: s, Facility: s}, {Application: "A"}}
		gh, err := ParseHL7([]byte(HL7(h)))
		wh := []core.HL7Endpoint{{Application: want, Facility: want}, {Application: "A"}}
		if err != nil || !reflect.DeepEqual(gh, wh) {
			t.Errorf("HL7(%q) came back as %+v, %v", s, gh, err)
		}
		loc := core.Location{Building: s, Room: "1"}
		gl, err := ParseLocation([]byte(Location(loc)))
		if err != nil || gl != (core.Location{Building: want, Room: "1"}) {
			t.Errorf("Location(%q) came back as %+v, %v", s, gl, err)
		}
		at := time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.FixedZone("X", -7*3600))
		p := core.Provenance{s: {Source: core.Source(s), At: at}, "b": {Source: core.SourceAPI, At: time.Time{}}}
		gp, err := ParseProvenance([]byte(Provenance(p)))
		wp := core.Provenance{want: {Source: core.Source(want), At: Time(at)}, "b": {Source: core.SourceAPI, At: time.Time{}.UTC()}}
		if err != nil || !reflect.DeepEqual(gp, wp) {
			t.Errorf("Provenance(%q) came back as %+v, %v", s, gp, err)
		}
	}
	if got := Provenance(core.Provenance{"b": {At: time.Unix(0, 0)}, "a": {At: time.Unix(0, 0)}}); !strings.HasPrefix(got, `{"a":`) {
		t.Errorf("Provenance keys not sorted: %s", got)
	}
	for _, l := range [][]int{nil, {}, {1}, {1, 4094, -3}} {
		got, err := ParseInts([]byte(Ints(l)))
		if err != nil || !reflect.DeepEqual(got, NonNil(l)) {
			t.Errorf("Ints(%v) came back as %v, %v", l, got, err)
		}
	}
	if Strings(nil) != "[]" || HL7(nil) != "[]" || Location(core.Location{}) != "{}" || Provenance(nil) != "{}" {
		t.Errorf("empty values do not encode as empty JSON")
	}
}

func TestSort(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Sort
		ok   bool
	}{
		{"", Sort{Key: "id", Column: "d.id"}, true},
		{"-last_seen", Sort{Key: "last_seen", Column: "d.last_seen", Desc: true}, true},
		{"name", Sort{Key: "name", Column: "d.name"}, true},
		{"--name", Sort{}, false},
		{"owner", Sort{}, false},
	} {
		got, err := ParseSort(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseSort(%q) = %+v, %v", c.in, got, err)
		}
	}
	if !SameSort("", "id") || SameSort("", "-id") || !SameSort("-name", "-name") {
		t.Errorf("SameSort")
	}
}

func BenchmarkProvenance(b *testing.B) {
	p := core.Provenance{"asset_tag": {Source: core.SourceImport, At: time.Unix(1700000000, 5)},
		"macs": {Source: core.SensorSource("span-1"), At: time.Unix(1700000000, 0)},
		"ips":  {Source: core.SensorSource("span-1"), At: time.Unix(1700000000, 0)}}
	b.ReportAllocs()
	for b.Loop() {
		_ = Provenance(p)
	}
}
