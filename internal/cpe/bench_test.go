package cpe

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkParseFormatted(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFormatted("cpe:2.3:o:siemens:acuson_sc2000_firmware:4.0d:*:*:*:*:*:*:*"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFormattedEscaped(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFormatted(`cpe:2.3:o:abbott:merlin\@home_firmware:8\.0:*:*:*:*:*:*:*`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseURI(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseURI("cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkString(b *testing.B) {
	w := mustParse(b, "cpe:2.3:o:siemens:acuson_sc2000_firmware:4.0d:*:*:*:*:*:*:*")
	b.ReportAllocs()
	for b.Loop() {
		_ = w.String()
	}
}

func BenchmarkMatches(b *testing.B) {
	c := mustParse(b, "cpe:2.3:o:siemens:acuson_sc2000_firmware:*:*:*:*:*:*:*:*")
	t := mustParse(b, "cpe:2.3:o:Siemens:ACUSON_SC2000_Firmware:4.0d:*:*:*:*:*:*:*")
	b.ReportAllocs()
	for b.Loop() {
		if !c.Matches(t) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkMatchesWildcard(b *testing.B) {
	c := mustParse(b, "cpe:2.3:o:siemens:acuson_*_firmware:4.?:*:*:*:*:*:*:*")
	t := mustParse(b, "cpe:2.3:o:siemens:acuson_sc2000_firmware:4.0:*:*:*:*:*:*:*")
	b.ReportAllocs()
	for b.Loop() {
		if !c.Matches(t) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkCriterionMatchesRange(b *testing.B) {
	cr := Criterion{
		Vulnerable: true,
		Criteria:   "cpe:2.3:o:siemens:acuson_sc2000_firmware:*:*:*:*:*:*:*:*",
		Range:      Range{StartIncluding: "4.0", EndExcluding: "4.0e"},
	}
	t := mustParse(b, "cpe:2.3:o:siemens:acuson_sc2000_firmware:4.0d:*:*:*:*:*:*:*")
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := cr.Matches(t, fallbackCompare); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkEvaluateRecord evaluates the largest real record (18 AND
// configurations) against a device's firmware and hardware names.
func BenchmarkEvaluateRecord(b *testing.B) {
	path := filepath.Join(nvdDir, "CVE-2019-10964.json")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("NVD records not available: %v", err)
	}
	rec := decodeFile(b, path)
	present := []WFN{
		mustParse(b, "cpe:2.3:o:medtronic:minimed_paradigm_523_firmware:2.4a:*:*:*:*:*:*:*"),
		mustParse(b, "cpe:2.3:h:medtronic:minimed_paradigm_523:-:*:*:*:*:*:*:*"),
	}
	b.ReportAllocs()
	for b.Loop() {
		if !Evaluate(rec.Configurations, present, fallbackCompare).Vulnerable {
			b.Fatal("no match")
		}
	}
}
