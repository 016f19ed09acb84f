package cpe

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// nvdDir is ../shared/data/nvd relative to the repository root: real NVD
// records of medical-device CVEs, which nobody here wrote.
var nvdDir = filepath.Join("..", "..", "..", "shared", "data", "nvd")

func nvdFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(nvdDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Skipf("NVD records not available in %s; skipping real-data test", nvdDir)
	}
	return files
}

func decodeFile(t testing.TB, path string) CVE {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", filepath.Base(path), err)
	}
	return rec
}

// concrete turns a criterion into the name of a thing it must match: the
// criteria name with an ANY version replaced by a version inside the range
// (a bound itself when the bound is inclusive).
func concrete(t testing.TB, cr Criterion) WFN {
	t.Helper()
	w := mustParse(t, cr.Criteria)
	if !w.Version.IsAny() {
		return w
	}
	var v string
	switch r := cr.Range; {
	case r.EndIncluding != "":
		v = r.EndIncluding
	case r.StartIncluding != "":
		v = r.StartIncluding
	case r.StartExcluding != "":
		v = r.StartExcluding + ".1"
	case r.EndExcluding != "":
		v = "0"
	default:
		v = "1.0"
	}
	w.Version = mustLiteral(t, v)
	return w
}

// outside returns versions just outside cr's range, which must not match.
func outside(cr Criterion) []string {
	var vs []string
	r := cr.Range
	if r.EndExcluding != "" {
		vs = append(vs, r.EndExcluding)
	}
	if r.EndIncluding != "" {
		vs = append(vs, r.EndIncluding+".1")
	}
	if r.StartExcluding != "" {
		vs = append(vs, r.StartExcluding)
	}
	if r.StartIncluding != "" {
		if c, err := fallbackCompare("0", r.StartIncluding); err == nil && c < 0 {
			vs = append(vs, "0")
		}
	}
	return vs
}

func hasEvidence(res Result, cr Criterion) bool {
	for _, e := range res.Evidence {
		if e.Criteria == cr.Criteria && e.Range == cr.Range {
			return true
		}
	}
	return false
}

func TestNVDRecordsDecode(t *testing.T) {
	for _, path := range nvdFiles(t) {
		rec := decodeFile(t, path)
		if want := strings.TrimSuffix(filepath.Base(path), ".json"); rec.ID != want {
			t.Errorf("%s: id %q", filepath.Base(path), rec.ID)
		}
	}
}

func TestNVDRecordsMatch(t *testing.T) {
	var positives, negatives, andChecks, empty int
	for _, path := range nvdFiles(t) {
		rec := decodeFile(t, path)
		if len(rec.Configurations) == 0 {
			empty++
			res := Evaluate(rec.Configurations, []WFN{mustParse(t, "cpe:2.3:a:any:thing:1.0:*:*:*:*:*:*:*")}, fallbackCompare)
			if res.Vulnerable || len(res.Evidence) > 0 || len(res.Diagnostics) > 0 {
				t.Errorf("%s: no configurations but result %+v", rec.ID, res)
			}
			continue
		}
		for ci, cfg := range rec.Configurations {
			and := strings.EqualFold(cfg.Operator, "AND")
			for ni, node := range cfg.Nodes {
				for _, cr := range node.CPEMatch {
					if !cr.Vulnerable {
						continue
					}
					target := concrete(t, cr)
					// The platform names the other nodes of an AND require.
					var platform []WFN
					if and {
						for nj, other := range cfg.Nodes {
							if nj != ni && len(other.CPEMatch) > 0 {
								platform = append(platform, concrete(t, other.CPEMatch[0]))
							}
						}
					}
					where := rec.ID + " configuration " + strconv.Itoa(ci) + " " + cr.Criteria + " " + cr.Range.String()

					res := cfg.Evaluate(append([]WFN{target}, platform...), fallbackCompare)
					if !res.Vulnerable || !hasEvidence(res, cr) || len(res.Diagnostics) > 0 {
						t.Errorf("%s: %s does not match: %+v", where, target, res)
					}
					if all := Evaluate(rec.Configurations, append([]WFN{target}, platform...), fallbackCompare); !all.Vulnerable {
						t.Errorf("%s: record does not match %s", where, target)
					}
					positives++

					if and && len(platform) > 0 {
						if res := cfg.Evaluate([]WFN{target}, fallbackCompare); res.Vulnerable {
							t.Errorf("%s: AND matched with the platform missing: %+v", where, res)
						}
						andChecks++
					}

					for _, v := range outside(cr) {
						out := target
						out.Version = mustLiteral(t, v)
						res := cfg.Evaluate(append([]WFN{out}, platform...), fallbackCompare)
						if hasEvidence(res, cr) {
							t.Errorf("%s: version %q outside the range matched", where, v)
						}
						negatives++
					}
				}
			}
		}
	}
	t.Logf("%d positive, %d out-of-range, %d AND-without-platform checks; %d records without configurations",
		positives, negatives, andChecks, empty)
	if positives == 0 || negatives == 0 || andChecks == 0 {
		t.Error("real data exercised too little")
	}
}

// TestEvaluate covers the semantics the real records do not: negation,
// AND nodes, evidence only from vulnerable criteria, diagnostics.
func TestEvaluate(t *testing.T) {
	rec := decodeFile(t, filepath.Join("testdata", "configurations.json"))
	fw := func(v string) WFN {
		return mustParse(t, "cpe:2.3:o:acme:infusion_pump_firmware:"+v+":*:*:*:*:*:*:*")
	}
	hw := mustParse(t, "cpe:2.3:h:acme:infusion_pump:-:*:*:*:*:*:*:*")
	app := func(v string) WFN { return mustParse(t, "cpe:2.3:a:acme:dicom_gateway:"+v+":*:*:*:*:*:*:*") }
	hardened := mustParse(t, "cpe:2.3:o:acme:hardened_os:2:*:*:*:*:*:*:*")
	tests := []struct {
		name     string
		present  []WFN
		evidence []string // matchCriteriaIds
	}{
		{"firmware in range on the hardware", []WFN{fw("4.0d"), hw}, []string{"A1"}},
		{"named firmware on the hardware", []WFN{hw, fw("5.0A")}, []string{"A2"}},
		{"firmware without the hardware", []WFN{fw("4.0d")}, nil},
		{"hardware alone", []WFN{hw}, nil},
		{"firmware at excluded end", []WFN{fw("4.0e"), hw}, nil},
		{"firmware of unknown version", []WFN{fw("*"), hw}, nil},
		{"app without the excluded platform", []WFN{app("2.4a")}, []string{"B1"}},
		{"app on the excluded platform", []WFN{app("2.4a"), hardened}, nil},
		{"app above the range", []WFN{app("2.4b")}, nil},
		{"both", []WFN{app("1"), fw("4.0"), hw}, []string{"A1", "B1"}},
		{"nothing present", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Evaluate(rec.Configurations, tt.present, fallbackCompare)
			var ids []string
			for _, e := range res.Evidence {
				ids = append(ids, e.MatchCriteriaID)
			}
			if res.Vulnerable != (len(tt.evidence) > 0) || strings.Join(ids, ",") != strings.Join(tt.evidence, ",") {
				t.Errorf("vulnerable %v, evidence %v; want %v", res.Vulnerable, ids, tt.evidence)
			}
			if len(res.Diagnostics) > 0 {
				t.Errorf("diagnostics: %v", res.Diagnostics)
			}
		})
	}

	t.Run("evidence names the present name and the range", func(t *testing.T) {
		res := Evaluate(rec.Configurations, []WFN{hw, fw("4.0d")}, fallbackCompare)
		if len(res.Evidence) != 1 {
			t.Fatalf("evidence %+v", res.Evidence)
		}
		e := res.Evidence[0]
		if e.Target != fw("4.0d") || e.Range.String() != ">= 4.0, < 4.0e" || !strings.Contains(e.Criteria, "infusion_pump_firmware") {
			t.Errorf("evidence %+v", e)
		}
	})

	t.Run("negated configuration names nothing", func(t *testing.T) {
		cfg := rec.Configurations[0]
		cfg.Negate = true
		if res := cfg.Evaluate(nil, fallbackCompare); res.Vulnerable {
			t.Errorf("negated configuration reported %+v", res)
		}
	})

	t.Run("AND node", func(t *testing.T) {
		cfg := Configuration{Nodes: []Node{{Operator: "AND", CPEMatch: []Criterion{
			{Vulnerable: true, Criteria: "cpe:2.3:a:acme:gw:1.0:*:*:*:*:*:*:*"},
			{Vulnerable: false, Criteria: "cpe:2.3:o:acme:os:*:*:*:*:*:*:*:*"},
		}}}}
		gw, osName := mustParse(t, "cpe:2.3:a:acme:gw:1.0:*:*:*:*:*:*:*"), mustParse(t, "cpe:2.3:o:acme:os:7:*:*:*:*:*:*:*")
		if res := cfg.Evaluate([]WFN{gw}, fallbackCompare); res.Vulnerable {
			t.Errorf("AND node held with one of two: %+v", res)
		}
		if res := cfg.Evaluate([]WFN{gw, osName}, fallbackCompare); !res.Vulnerable || len(res.Evidence) != 1 {
			t.Errorf("AND node: %+v", res)
		}
	})

	t.Run("diagnostics", func(t *testing.T) {
		cfgs := []Configuration{
			{Operator: "XOR", Nodes: []Node{{}}},
			{Nodes: []Node{{Operator: "NAND"}}},
			{Nodes: []Node{{CPEMatch: []Criterion{
				{Vulnerable: true, Criteria: "cpe:2.3:a:broken"},
				{Vulnerable: true, Criteria: "cpe:2.3:a:acme:gw:*:*:*:*:*:*:*:*", Range: Range{EndExcluding: "2"}},
			}}}},
		}
		res := Evaluate(cfgs, []WFN{mustParse(t, "cpe:2.3:a:acme:gw:1:*:*:*:*:*:*:*")}, nil)
		if res.Vulnerable || len(res.Diagnostics) != 4 {
			t.Errorf("want 4 diagnostics and no match, got %+v", res)
		}
	})
}

func TestDecode(t *testing.T) {
	wrapped := `{"cve": {"id": "CVE-1", "configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [{"vulnerable": true, "criteria": "cpe:2.3:a:v:p:*:*:*:*:*:*:*:*", "versionEndExcluding": "2"}]}]}]}}`
	rec, err := Decode(strings.NewReader(wrapped))
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != "CVE-1" || len(rec.Configurations) != 1 || rec.Configurations[0].Nodes[0].CPEMatch[0].EndExcluding != "2" {
		t.Errorf("decoded %+v", rec)
	}
	for _, bad := range []string{"", "[]", `{"configurations": 3}`, "{"} {
		if _, err := Decode(strings.NewReader(bad)); err == nil {
			t.Errorf("Decode(%q) succeeded", bad)
		}
	}
	big := strings.NewReader(`{"id": "` + strings.Repeat("x", MaxRecordSize) + `"}`)
	if _, err := Decode(big); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("oversized record: %v", err)
	}
}
