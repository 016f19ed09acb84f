package vex

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const cdxData = "../../../shared/data/sbom/cyclonedx"

func readShared(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(cdxData, rel))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("shared data %s not present (the repo must sit beside /work/shared)", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeShared(t *testing.T, rel string) ([]Statement, []string) {
	t.Helper()
	st, warns, err := DecodeCycloneDX(readShared(t, rel), rel)
	if err != nil {
		t.Fatal(err)
	}
	return st, warns
}

func countStatuses(st []Statement) map[Status]int {
	m := map[Status]int{}
	for _, s := range st {
		m[s.Status]++
	}
	return m
}

func TestCycloneDXJacksonBOMLink(t *testing.T) {
	st, warns := decodeShared(t, "bom-examples/VEX/vex.json")
	if len(st) != 1 || len(warns) != 0 {
		t.Fatalf("got %d statements, warnings %q", len(st), warns)
	}
	s := st[0]
	if s.Vulnerability != "CVE-2020-25649" || s.Status != NotAffected || s.Justification != VulnerableCodeNotInExecutePath {
		t.Errorf("statement: %+v", s)
	}
	if len(s.Aliases) != 1 || s.Aliases[0] != "SNYK-JAVA-COMFASTERXMLJACKSONCORE-1048302" {
		t.Errorf("aliases %q", s.Aliases)
	}
	p := s.Products[0]
	if p.BOMRef != "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar" ||
		p.PURL != "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar" {
		t.Errorf("product %+v", p)
	}
	if !strings.HasPrefix(s.Action, "will_not_fix, update: Upgrade com.fasterxml.jackson.core:jackson-databind") {
		t.Errorf("action %q", s.Action)
	}
	if !s.Timestamp.IsZero() || s.Format != "cyclonedx" || s.Source != "bom-examples/VEX/vex.json" {
		t.Errorf("timestamp %v format %q source %q", s.Timestamp, s.Format, s.Source)
	}
	ix := NewIndex(st)
	got, ok := ix.Lookup(Subject{VulnIDs: []string{"cve-2020-25649"}, PURL: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar"})
	if !ok || got.Status != NotAffected {
		t.Errorf("lookup by purl from the BOM-Link fragment: %v %+v", ok, got)
	}
	if _, ok := ix.Lookup(Subject{VulnIDs: []string{"CVE-2020-25649"}, PURL: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0"}); ok {
		t.Error("subject without the type=jar qualifier must not match")
	}
}

func TestCycloneDXCISACase1(t *testing.T) {
	for _, tc := range []struct {
		file, ref   string
		status      Status
		just, state string
	}{
		{"vex-affected.json", "product-DEF", Affected, "", "will_not_fix, update"},
		{"vex-fixed.json", "product-DEF", Fixed, "", ""},
		{"vex-not_affected.json", "product-ABC", NotAffected, VulnerableCodeNotPresent, "will_not_fix"},
		{"vex-under_investigation.json", "product-GHI", UnderInvestigation, "", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			st, warns := decodeShared(t, "bom-examples/VEX/CISA-Use-Cases/Case-1/"+tc.file)
			if len(st) != 1 || len(warns) != 0 {
				t.Fatalf("got %d statements, warnings %q", len(st), warns)
			}
			s := st[0]
			if s.Vulnerability != "CVE-2021-44228" || s.Status != tc.status || s.Justification != tc.just || s.Action != tc.state {
				t.Errorf("got %q %q %q %q", s.Vulnerability, s.Status, s.Justification, s.Action)
			}
			if len(s.Products) != 1 || s.Products[0].BOMRef != tc.ref || s.Products[0].PURL != "" {
				t.Errorf("products %+v", s.Products)
			}
			if !s.Timestamp.Equal(mustTime("2022-03-03T00:00:00Z")) {
				t.Errorf("timestamp %v, want metadata.timestamp", s.Timestamp)
			}
			if s.Impact == "" {
				t.Error("analysis.detail not kept")
			}
		})
	}
}

func TestCycloneDXCISACases(t *testing.T) {
	for _, tc := range []struct {
		dir                                  string
		n, notAffected, affected, fixed, inv int
	}{
		{"Case-2", 19, 19, 0, 0, 0},
		{"Case-3", 19, 6, 5, 3, 5},
		{"Case-4", 1, 0, 1, 0, 0},
		{"Case-5", 1, 0, 0, 0, 1},
		{"Case-6", 2, 1, 1, 0, 0},
		{"Case-7", 4, 2, 1, 1, 0},
		{"Case-8", 8, 4, 2, 2, 0},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			st, warns := decodeShared(t, "bom-examples/VEX/CISA-Use-Cases/"+tc.dir+"/vex.json")
			if len(warns) != 0 {
				t.Errorf("warnings %q", warns)
			}
			c := countStatuses(st)
			if len(st) != tc.n || c[NotAffected] != tc.notAffected || c[Affected] != tc.affected || c[Fixed] != tc.fixed || c[UnderInvestigation] != tc.inv {
				t.Errorf("got %d statements %v", len(st), c)
			}
		})
	}
}

func TestCycloneDXCase7Products(t *testing.T) {
	st, _ := decodeShared(t, "bom-examples/VEX/CISA-Use-Cases/Case-7/vex.json")
	ps := st[0].Products
	if len(ps) != 2 || ps[0].BOMRef != "urn:cdx:cbb2cd68-2857-43b8-a10b-e8c03d277d18/1#product-ABC" ||
		ps[1].BOMRef != "urn:cdx:e4c3eedc-4978-470c-ad02-6ffff63738ff/1#product-JKL" {
		t.Fatalf("products %+v", ps)
	}
	if len(ps[0].Versions) != 3 || ps[0].Versions[2].Range != "vers:generic/>=2.9|<=4.1" || ps[0].Versions[0].Version != "2.4" {
		t.Errorf("versions %+v", ps[0].Versions)
	}
	// resolved entry without status: the spec default "affected" is recorded.
	if v := st[3].Products[0].Versions; st[3].Status != Fixed || len(v) != 1 || v[0].Version != "5.1" || v[0].Status != "affected" {
		t.Errorf("resolved statement: %+v", st[3])
	}
}

// simpleRange understands vers:generic ranges of dotted numbers, enough for
// the CISA examples; the real comparator lives with the matcher.
func simpleRange(rng, version string) (bool, bool) {
	body, ok := strings.CutPrefix(rng, "vers:generic/")
	if !ok {
		return false, false
	}
	cmp := func(a, b string) int {
		as, bs := strings.Split(a, "."), strings.Split(b, ".")
		for i := 0; i < len(as) || i < len(bs); i++ {
			var x, y string
			if i < len(as) {
				x = as[i]
			}
			if i < len(bs) {
				y = bs[i]
			}
			if len(x) != len(y) {
				return len(x) - len(y)
			}
			if x != y {
				return strings.Compare(x, y)
			}
		}
		return 0
	}
	for _, c := range strings.Split(body, "|") {
		switch {
		case strings.HasPrefix(c, ">="):
			if cmp(version, c[2:]) < 0 {
				return false, true
			}
		case strings.HasPrefix(c, "<="):
			if cmp(version, c[2:]) > 0 {
				return false, true
			}
		default:
			return false, false
		}
	}
	return true, true
}

func TestCycloneDXCase6Versions(t *testing.T) {
	st, _ := decodeShared(t, "bom-examples/VEX/CISA-Use-Cases/Case-6/vex.json")
	plain, ranged := NewIndex(st), NewIndexWithRanges(st, simpleRange)
	for _, tc := range []struct {
		version       string
		plain, range_ Status // "" = no statement
	}{
		{"2.4", Affected, Affected},
		{"2.5", NotAffected, NotAffected},
		{"4.2", NotAffected, NotAffected},
		{"3.0", "", Affected},
		{"2.0", "", NotAffected},
		{"2.8", "", NotAffected},
		{"5.0", "", ""},
		{"", "", ""},
	} {
		for _, c := range []struct {
			ix   *Index
			want Status
		}{{plain, tc.plain}, {ranged, tc.range_}} {
			got, ok := c.ix.Lookup(Subject{VulnIDs: []string{"CVE-2021-44228"}, BOMRef: "product-ABC", Version: tc.version})
			if got.Status != c.want || ok != (c.want != "") {
				t.Errorf("version %q (ranges %v): got %q %v, want %q", tc.version, c.ix.inRange != nil, got.Status, ok, c.want)
			}
		}
	}
}

func TestCycloneDXSpecVulnerability(t *testing.T) {
	for _, v := range []string{"1.4", "1.5", "1.6"} {
		for _, ext := range []string{"json", "xml"} {
			rel := "spec-tests/" + v + "/valid-vulnerability-" + v + "." + ext
			t.Run(rel, func(t *testing.T) {
				st, warns := decodeShared(t, rel)
				if len(st) != 1 {
					t.Fatalf("got %d statements", len(st))
				}
				s := st[0]
				if s.Vulnerability != "SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111" || s.Status != NotAffected ||
					s.Justification != VulnerableCodeNotInExecutePath || strings.Join(s.Aliases, ",") != "CVE-2018-7489" {
					t.Errorf("statement %+v", s)
				}
				p := s.Products[0]
				if p.PURL != "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4" || p.BOMRef != p.PURL || len(p.Versions) != 0 {
					t.Errorf("product %+v", p)
				}
				// three "affected" entries under not_affected, then the summary
				if len(warns) != 4 || !strings.Contains(warns[0], `vulnerabilities[0].affects[0].versions[0]: status "affected" disagrees`) {
					t.Errorf("warnings %q", warns)
				}
				wantTime := mustTime("2022-02-01T00:00:00Z") // analysis.lastUpdated
				if v == "1.4" {
					wantTime = time.Time{} // 1.4 has no analysis times and no metadata.timestamp
				}
				if !s.Timestamp.Equal(wantTime) {
					t.Errorf("timestamp %v, want %v", s.Timestamp, wantTime)
				}
				if s.Source != rel {
					t.Errorf("source %q", s.Source)
				}
			})
		}
	}
}

func TestDecodeCycloneDXErrors(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", "  \n", "empty document"},
		{"yaml", "bomFormat: CycloneDX", "neither JSON nor XML"},
		{"spdx json", `{"spdxVersion":"SPDX-2.3"}`, `bomFormat: "", want "CycloneDX"`},
		{"broken json", `{"bomFormat":"CycloneDX","vulnerabilities":[`, "decoding CycloneDX"},
		{"foreign xml", `<bom xmlns="http://example.com/bom"/>`, "is not a CycloneDX namespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecodeCycloneDX([]byte(tc.doc), "x")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	if _, _, err := DecodeCycloneDX(make([]byte, MaxDocumentSize+1), "big"); err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Errorf("oversized: %v", err)
	}
}

func TestFromCycloneDXWarnings(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:11111111-2222-3333-4444-555555555555",
	"components":[{"type":"library","name":"a","bom-ref":"comp-a","purl":"pkg:npm/a@1.0.0","cpe":"cpe:2.3:a:x:a:1.0.0:*:*:*:*:*:*:*",
	  "components":[{"type":"library","name":"b","bom-ref":"comp-b","purl":"pkg:npm/b@2.0.0"}]}],
	"vulnerabilities":[
	  {"id":"","affects":[{"ref":"comp-a"}]},
	  {"id":"CVE-2024-0001"},
	  {"id":"CVE-2024-0002","analysis":{"state":"false_positive","lastUpdated":"2024-01-02T03:04:05Z"},"affects":[{"ref":"comp-b"},{"ref":"nowhere"}]},
	  {"id":"CVE-2024-0003","analysis":{"state":"not_affected","justification":"protected_at_perimeter","firstIssued":"bad"},
	   "affects":[{"ref":"urn:cdx:11111111-2222-3333-4444-555555555555/1#comp-a"}]},
	  {"id":"CVE-2024-0004","affects":[{"ref":"comp-a","versions":[{"version":"1.0.0","status":"unaffected"},{"range":"vers:npm/<2"}]}]}
	]}`
	st, warns, err := DecodeCycloneDX([]byte(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 3 {
		t.Fatalf("got %d statements", len(st))
	}
	if st[0].Status != NotAffected || st[0].Justification != FalsePositive || !st[0].Timestamp.Equal(mustTime("2024-01-02T03:04:05Z")) {
		t.Errorf("false_positive: %+v", st[0])
	}
	if st[0].Products[0].PURL != "pkg:npm/b@2.0.0" || st[0].Products[1].BOMRef != "nowhere" || st[0].Products[1].PURL != "" {
		t.Errorf("nested component / unresolved ref: %+v", st[0].Products)
	}
	if st[1].Justification != "protected_at_perimeter" || st[1].Products[0].BOMRef != "comp-a" || st[1].Products[0].CPE == "" {
		t.Errorf("BOM-Link into this BOM: %+v", st[1])
	}
	if st[2].Status != Affected || len(st[2].Products[0].Versions) != 1 || st[2].Products[0].Versions[0].Range != "vers:npm/<2" {
		t.Errorf("VDR entry: %+v", st[2])
	}
	if st[0].Source != "urn:uuid:11111111-2222-3333-4444-555555555555" {
		t.Errorf("source defaults to the serial number: %q", st[0].Source)
	}
	want := []string{
		"vulnerabilities[0].id: missing",
		"vulnerabilities[1].affects: no targets",
		`vulnerabilities[2].affects[1].ref: "nowhere" names no component`,
		`vulnerabilities[3].analysis.firstIssued: not an RFC 3339 time`,
		`vulnerabilities[4].affects[0].versions[0]: status "unaffected" disagrees with analysis "affected"`,
	}
	if len(warns) != len(want) {
		t.Fatalf("warnings %q", warns)
	}
	for i, w := range want {
		if !strings.Contains(warns[i], w) {
			t.Errorf("warning %d: %q, want %q", i, warns[i], w)
		}
	}
	if s, w := FromCycloneDX(nil, ""); s != nil || w != nil {
		t.Error("nil BOM")
	}
}

// BenchmarkDecodeCycloneDX decodes the largest CycloneDX VEX file in the
// shared data (CISA use case 2, 20 KB, 19 vulnerabilities).
func BenchmarkDecodeCycloneDX(b *testing.B) {
	data := readShared(b, "bom-examples/VEX/CISA-Use-Cases/Case-2/vex.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if st, _, err := DecodeCycloneDX(data, "case-2"); err != nil || len(st) != 19 {
			b.Fatal(err, len(st))
		}
	}
}

// BenchmarkDecodeCycloneDXXML decodes the largest CycloneDX VEX XML file.
func BenchmarkDecodeCycloneDXXML(b *testing.B) {
	data := readShared(b, "spec-tests/1.6/valid-vulnerability-1.6.xml")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if st, _, err := DecodeCycloneDX(data, "x"); err != nil || len(st) != 1 {
			b.Fatal(err, len(st))
		}
	}
}
