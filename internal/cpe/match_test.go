package cpe

import (
	"errors"
	"testing"
)

func TestMatches(t *testing.T) {
	const tail = ":*:*:*:*:*:*:*"
	tests := []struct {
		name, criteria, target string
		want                   bool
	}{
		{"identical", "cpe:2.3:a:offis:dcmtk:3.6.6" + tail, "cpe:2.3:a:offis:dcmtk:3.6.6" + tail, true},
		{"ANY version", "cpe:2.3:a:offis:dcmtk:*" + tail, "cpe:2.3:a:offis:dcmtk:3.6.6" + tail, true},
		{"ANY matches NA", "cpe:2.3:a:offis:dcmtk:*" + tail, "cpe:2.3:a:offis:dcmtk:-" + tail, true},
		{"other version", "cpe:2.3:a:offis:dcmtk:3.6.6" + tail, "cpe:2.3:a:offis:dcmtk:3.6.7" + tail, false},
		{"other product", "cpe:2.3:a:offis:dcmtk:*" + tail, "cpe:2.3:a:offis:dcmtk2:1" + tail, false},
		{"other part", "cpe:2.3:o:offis:dcmtk:*" + tail, "cpe:2.3:a:offis:dcmtk:1" + tail, false},
		{"NA matches NA", "cpe:2.3:h:siemens:acuson_p300:-" + tail, "cpe:2.3:h:siemens:acuson_p300:-" + tail, true},
		{"NA matches ANY", "cpe:2.3:h:siemens:acuson_p300:-" + tail, "cpe:2.3:h:siemens:acuson_p300:*" + tail, true},
		{"NA rejects a value", "cpe:2.3:h:siemens:acuson_p300:-" + tail, "cpe:2.3:h:siemens:acuson_p300:1.0" + tail, false},
		{"value rejects ANY target", "cpe:2.3:a:bd:alaris:9.7" + tail, "cpe:2.3:a:bd:alaris:*" + tail, false},
		{"value rejects NA target", "cpe:2.3:a:bd:alaris:9.7" + tail, "cpe:2.3:a:bd:alaris:-" + tail, false},
		{"case-insensitive", "cpe:2.3:o:siemens:acuson_p500_firmware:va10" + tail, "cpe:2.3:o:Siemens:ACUSON_P500_Firmware:VA10" + tail, true},
		{"escaped equal", `cpe:2.3:o:abbott:merlin\@home_firmware:*` + tail, `cpe:2.3:o:Abbott:Merlin\@Home_Firmware:8.0` + tail, true},
		{"trailing star", "cpe:2.3:a:v:p:1.*" + tail, "cpe:2.3:a:v:p:1.2.3" + tail, true},
		{"trailing star mismatch", "cpe:2.3:a:v:p:1.*" + tail, "cpe:2.3:a:v:p:2.0" + tail, false},
		{"leading star", "cpe:2.3:a:*soft:p:*" + tail, "cpe:2.3:a:Microsoft:p:1" + tail, true},
		{"star matches empty", "cpe:2.3:a:micro*soft:p:*" + tail, "cpe:2.3:a:microsoft:p:1" + tail, true},
		{"question mark", "cpe:2.3:a:v:p:?.0" + tail, "cpe:2.3:a:v:p:1.0" + tail, true},
		{"question mark is one char", "cpe:2.3:a:v:p:?.0" + tail, "cpe:2.3:a:v:p:10.0" + tail, false},
		{"question mark over quoted char", `cpe:2.3:a:v:p?home:*` + tail, `cpe:2.3:a:v:p\@home:1` + tail, true},
		{"star over quoted chars", `cpe:2.3:a:v:*home:*` + tail, `cpe:2.3:a:v:p\@\!home:1` + tail, true},
		{"quoted star is text", `cpe:2.3:a:v:p:\*` + tail, "cpe:2.3:a:v:p:1" + tail, false},
		{"target_hw differs", "cpe:2.3:o:microsoft:windows_10_1507:-:*:*:*:*:*:x64:*", "cpe:2.3:o:microsoft:windows_10_1507:-:*:*:*:*:*:x86:*", false},
		{"target_hw ANY in target", "cpe:2.3:o:microsoft:windows_10_1507:-:*:*:*:*:*:x64:*", "cpe:2.3:o:microsoft:windows_10_1507:-" + tail, false},
		{"uri target", "cpe:2.3:a:microsoft:ie:8.0" + tail, "cpe:/a:Microsoft:IE:8.0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, tg := mustParse(t, tt.criteria), mustParse(t, tt.target)
			if got := c.Matches(tg); got != tt.want {
				t.Errorf("%s matches %s = %v, want %v", tt.criteria, tt.target, got, tt.want)
			}
		})
	}
}

func TestRangeContains(t *testing.T) {
	tests := []struct {
		name    string
		r       Range
		version string
		want    bool
	}{
		{"end including, at bound", Range{EndIncluding: "2.4a"}, "2.4a", true},
		{"end including, below", Range{EndIncluding: "2.4a"}, "2.4", true},
		{"end including, above by letter", Range{EndIncluding: "2.4a"}, "2.4b", false},
		{"end including, above", Range{EndIncluding: "2.4a"}, "2.5", false},
		{"end excluding, below", Range{EndExcluding: "1.8.6"}, "1.8.5", true},
		{"end excluding, at bound", Range{EndExcluding: "1.8.6"}, "1.8.6", false},
		{"start including, at bound", Range{StartIncluding: "4.0", EndExcluding: "4.0e"}, "4.0", true},
		{"start including, inside", Range{StartIncluding: "4.0", EndExcluding: "4.0e"}, "4.0d", true},
		{"start including, end excluded", Range{StartIncluding: "4.0", EndExcluding: "4.0e"}, "4.0e", false},
		{"start including, below", Range{StartIncluding: "4.0", EndExcluding: "4.0e"}, "3.9", false},
		{"start excluding, at bound", Range{StartExcluding: "va10"}, "va10", false},
		{"start excluding, above", Range{StartExcluding: "va10"}, "vb10", true},
		{"start excluding, above numerically", Range{StartExcluding: "va10"}, "va11", true},
		{"all four", Range{StartIncluding: "6.0", StartExcluding: "5", EndIncluding: "6.05", EndExcluding: "7"}, "6.05", true},
		{"no bounds", Range{}, "anything", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.r.Contains(tt.version, fallbackCompare)
			if err != nil || got != tt.want {
				t.Errorf("%v contains %q = %v, %v; want %v", tt.r, tt.version, got, err, tt.want)
			}
		})
	}
	if _, err := (Range{EndExcluding: "1"}).Contains("0", nil); !errors.Is(err, ErrNoCompare) {
		t.Errorf("nil Compare: err = %v, want ErrNoCompare", err)
	}
	boom := errors.New("unorderable")
	_, err := (Range{EndExcluding: "1"}).Contains("x", func(a, b string) (int, error) { return 0, boom })
	if !errors.Is(err, boom) {
		t.Errorf("comparator error not wrapped: %v", err)
	}
	if got := (Range{StartIncluding: "4.0", EndExcluding: "4.0e"}).String(); got != ">= 4.0, < 4.0e" {
		t.Errorf("Range.String() = %q", got)
	}
}

func TestCriterionMatches(t *testing.T) {
	cr := Criterion{
		Vulnerable: true,
		Criteria:   "cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:*:*:*:*:*:*:*:*",
		Range:      Range{EndIncluding: "2.4a"},
	}
	tests := []struct {
		target string
		want   bool
	}{
		{"cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.4a:*:*:*:*:*:*:*", true},
		{"cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.3:*:*:*:*:*:*:*", true},
		{"cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.4b:*:*:*:*:*:*:*", false},
		// A range needs a version to place.
		{"cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:*:*:*:*:*:*:*:*", false},
		{"cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:-:*:*:*:*:*:*:*", false},
		{"cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.*:*:*:*:*:*:*:*", false},
		{"cpe:2.3:o:medtronic:minimed_paradigm_723_firmware:2.4a:*:*:*:*:*:*:*", false},
	}
	for _, tt := range tests {
		got, err := cr.Matches(mustParse(t, tt.target), fallbackCompare)
		if err != nil || got != tt.want {
			t.Errorf("criterion matches %s = %v, %v; want %v", tt.target, got, err, tt.want)
		}
	}
	if _, err := (Criterion{Criteria: "cpe:2.3:bad"}).Matches(WFN{}, fallbackCompare); err == nil {
		t.Error("malformed criteria gave no error")
	}
}
