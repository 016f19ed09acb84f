package csaf

import (
	"errors"
	"reflect"
	"testing"

	"github.com/vigil-oss/vigil/internal/versions"
)

func c(op versions.Op, v string) versions.Constraint { return versions.Constraint{Op: op, Version: v} }

func TestParseVersionRange(t *testing.T) {
	const (
		lt = versions.OpLT
		le = versions.OpLE
		gt = versions.OpGT
		ge = versions.OpGE
		eq = versions.OpEQ
	)
	tests := []struct {
		in   string
		all  bool
		cs   []versions.Constraint
		list []string
	}{
		{in: "All versions", all: true},
		{in: "all versions", all: true},
		{in: "*", all: true},
		{in: "* (end-of-life 2011)", all: true},
		{in: "<=3.5", cs: []versions.Constraint{c(le, "3.5")}},
		{in: "< 4.2", cs: []versions.Constraint{c(lt, "4.2")}},
		{in: "<  4.2", cs: []versions.Constraint{c(lt, "4.2")}},
		{in: ">= 1.0 <2.0", cs: []versions.Constraint{c(ge, "1.0"), c(lt, "2.0")}},
		{in: ">= 1.0.0  | <= 1.3.1", cs: []versions.Constraint{c(ge, "1.0.0"), c(le, "1.3.1")}},
		{in: ">=BT02 | <= BT06", cs: []versions.Constraint{c(ge, "BT02"), c(le, "BT06")}},
		{in: "<V2.1.0", cs: []versions.Constraint{c(lt, "2.1.0")}},
		{in: "all versions prior to 2.1", cs: []versions.Constraint{c(lt, "2.1")}},
		{in: "All versions < 8.0", cs: []versions.Constraint{c(lt, "8.0")}},
		{in: "2.1 and prior", cs: []versions.Constraint{c(le, "2.1")}},
		{in: "2.3.6 and  below", cs: []versions.Constraint{c(le, "2.3.6")}},
		{in: "2.0 and later", cs: []versions.Constraint{c(ge, "2.0")}},
		{in: "versions 1.0 through 1.4", cs: []versions.Constraint{c(ge, "1.0"), c(le, "1.4")}},
		{in: "1.0 - 1.4", cs: []versions.Constraint{c(ge, "1.0"), c(le, "1.4")}},
		{in: "prior to 2.1", cs: []versions.Constraint{c(lt, "2.1")}},
		{in: "before 2.1", cs: []versions.Constraint{c(lt, "2.1")}},
		{in: "up to 3.0", cs: []versions.Constraint{c(le, "3.0")}},
		{in: "after 3.0", cs: []versions.Constraint{c(gt, "3.0")}},
		{in: "3.2.x", cs: []versions.Constraint{c(ge, "3.2"), c(lt, "3.3")}},
		{in: "5.x.x", cs: []versions.Constraint{c(ge, "5"), c(lt, "6")}},
		{in: "<= 11.x", cs: []versions.Constraint{c(lt, "12")}},
		{in: "< 3.x", cs: []versions.Constraint{c(lt, "3")}},
		{in: "<= 1.54 (integrated into GE MobileLink)", cs: []versions.Constraint{c(le, "1.54")}},
		{in: "< 1.8.4 Service Pack 01", cs: []versions.Constraint{c(lt, "1.8.4 Service Pack 01")}},
		{in: "<= K", cs: []versions.Constraint{c(le, "K")}},
		{in: "<=2023.3_Build_9342", cs: []versions.Constraint{c(le, "2023.3_Build_9342")}},
		{in: "1.0.0-rc1", cs: []versions.Constraint{c(eq, "1.0.0-rc1")}},
		{in: "V4.1", cs: []versions.Constraint{c(eq, "4.1")}},
		{in: "IGS", cs: []versions.Constraint{c(eq, "IGS")}},
		{in: "3.0|3.1", list: []string{"3.0", "3.1"}},
		{in: "4.20 | 4.20 SR1 | 4.30", list: []string{"4.20", "4.20 SR1", "4.30"}},
		{in: "2131 and 2141", list: []string{"2131", "2141"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseVersionRange(tt.in)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if r.All != tt.all || !reflect.DeepEqual(r.Constraints, tt.cs) || !reflect.DeepEqual(r.Versions, tt.list) || r.Text != tt.in {
				t.Errorf("got all=%v cs=%v list=%q text=%q", r.All, r.Constraints, r.Versions, r.Text)
			}
		})
	}
}

func TestParseVersionRangeVers(t *testing.T) {
	r, err := ParseVersionRange("vers:generic/>=1.0|<=2.3")
	if err != nil || r.Vers == nil || r.All {
		t.Fatalf("got %+v, %v", r, err)
	}
	for v, want := range map[string]bool{"1.0": true, "2.3": true, "2.4": false, "0.9": false} {
		if got, err := r.Contains(v, versions.Firmware); err != nil || got != want {
			t.Errorf("Contains(%s) = %v, %v; want %v", v, got, err, want)
		}
	}
	r, err = ParseVersionRange("vers:all/*")
	if err != nil || !r.All {
		t.Errorf("vers:all/*: got %+v, %v", r, err)
	}
}

func TestParseVersionRangeErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"<  july 1 2017",
		"< august 28",
		"<May 2018",
		"<15.2{7}E2",
		"<=11.2 on Windows 8.1 with IIS 7.5",
		"6.x (Wireless Battery Modules (16 | 16D38 | >= 20D29 | <= v20D32)",
		"9.x (with Wireless Battery Modules >= 22D19 | <= v22D28)",
		">= 1.0 | >= 2.0",
		"<= 1.0 | <= 2.0",
		"Version A, Firmware A.03.09",
		"with wireless option (shipped between 2016-August 2018)",
		"UDI/Model/NDC number ZXP425 (10-Pack) | ZXR425 (10-Pack Canada)",
		"vers:generic/>=2.0|>=1.0|<",
		"1.0 ü",
		"<",
	} {
		if r, err := ParseVersionRange(in); !errors.Is(err, ErrRange) {
			t.Errorf("ParseVersionRange(%q) = %+v, %v; want ErrRange", in, r, err)
		}
	}
}

func TestVersionRangeContains(t *testing.T) {
	tests := []struct {
		rng    string
		scheme versions.Scheme
		v      string
		want   bool
	}{
		{"<= 3.0.1.56", versions.Firmware, "3.0.1.56", true},
		{"< 3.0.1.56", versions.Firmware, "3.0.1.56", false},
		{"< 3.0.1.56", versions.Firmware, "3.0.1.9", true},
		{">= 3.0.1.10", versions.Firmware, "3.0.1.9", false},
		{"< VA48A", versions.Firmware, "VA47C", true},
		{"< VA48A", versions.Firmware, "VA48A", false},
		{"VA48A", versions.Firmware, "va48a", true},
		{"<= R2.1.5 build 7", versions.Firmware, "R2.1.5 build 7", true},
		{"<= R2.1.5 build 7", versions.Firmware, "R2.1.5 build 8", false},
		{"<V2.1.0", versions.Firmware, "v2.0.9", true},
		{"<V2.1.0", versions.Firmware, "2.1.0", false},
		{"3.2.x", versions.Firmware, "3.2.17", true},
		{"3.2.x", versions.Firmware, "3.3.0", false},
		{"<= 11.x", versions.Firmware, "11.99", true},
		{"<= 11.x", versions.Firmware, "12.0", false},
		{"All versions", versions.Firmware, "anything", true},
		{"BT03 | BT04 | BT06", versions.Firmware, "BT04", true},
		{"BT03 | BT04 | BT06", versions.Firmware, "BT05", false},
		{">= 1.0.0 <2.0.0", versions.Semver, "1.9.9", true},
		{">= 1.0.0 <2.0.0", versions.Semver, "2.0.0-rc.1", true},
		{">= 1.0.0 <2.0.0", versions.Semver, "2.0.0", false},
		{"versions 1.0.0 through 1.4.0", versions.Semver, "1.4.0", true},
		{"prior to 2.1.0", versions.Semver, "2.1.0", false},
	}
	for _, tt := range tests {
		r, err := ParseVersionRange(tt.rng)
		if err != nil {
			t.Fatalf("%q: %v", tt.rng, err)
		}
		got, err := r.Contains(tt.v, tt.scheme)
		if err != nil || got != tt.want {
			t.Errorf("%q.Contains(%q, %s) = %v, %v; want %v", tt.rng, tt.v, tt.scheme, got, err, tt.want)
		}
	}
	r, _ := ParseVersionRange(">= 1.0.0")
	if _, err := r.Contains("not-semver", versions.Semver); err == nil {
		t.Error("Contains with an invalid semver: want an error")
	}
}

// TestRealRangesParse parses every product_version_range of the CISA
// advisories: all but the known unparseable forms must be understood.
func TestRealRangesParse(t *testing.T) {
	var ok, failed int
	for _, f := range append(globData(t, "cisa-icsma/*.json"), globData(t, "cisa-icsa/*.json")...) {
		d, _, err := Decode(readFile(t, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range d.Products() {
			if p.VersionRange == "" {
				continue
			}
			if _, err := ParseVersionRange(p.VersionRange); err != nil {
				failed++
			} else {
				ok++
			}
		}
	}
	// 15 ranges (12 distinct texts) are dates, platform qualifiers, a Cisco
	// "{7}" train or nested battery-module
	// conditions, which must not be guessed.
	if ok != 140 || failed != 15 {
		t.Errorf("parsed %d ranges, %d not understood; want 140 and 15", ok, failed)
	}
}

// A trailing "model X" limits a range to one model number, as Baxter's
// advisories write it.
func TestVersionRangeModel(t *testing.T) {
	for _, tc := range []struct{ in, model, v string }{
		{"8.x model 35700BAX2", "35700BAX2", "8.01.03"},
		{"v6.x model 35700BAX", "35700BAX", "6.05"},
		{"<= 9.33.1 Model 8015", "8015", "9.19"},
	} {
		r, err := ParseVersionRange(tc.in)
		if err != nil || r.Model != tc.model || r.Text != tc.in {
			t.Errorf("%q: %+v, %v", tc.in, r, err)
			continue
		}
		if in, err := r.Contains(tc.v, versions.Firmware); err != nil || !in {
			t.Errorf("%q does not contain %s (%v)", tc.in, tc.v, err)
		}
	}
	if _, err := ParseVersionRange("model 35700BAX2"); err == nil {
		t.Error("a model alone parsed as a range")
	}
}
