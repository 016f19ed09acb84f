package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/sbom"
)

// smallReport scans the Go SBOM with an OpenVEX document that says one
// component is not affected by one advisory.
func smallReport(t *testing.T) (*Report, string) {
	t.Helper()
	zipPath := filepath.Join(matchDir, "vulndb-go-a752ea54.zip")
	needData(t, zipPath)
	dir := t.TempDir()
	vexPath := filepath.Join(dir, "maker.openvex.json")
	// The maker says its use of docker 28.5.2 never reaches the code of
	// GO-2026-4883.
	doc := `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"Example Maker","timestamp":"2026-11-01T00:00:00Z","version":1,
	"statements":[{"vulnerability":{"name":"GO-2026-4883"},"products":[{"@id":"pkg:golang/github.com/docker/docker@v28.5.2%2Bincompatible"}],
	"status":"not_affected","justification":"vulnerable_code_not_in_execute_path","impact_statement":"the daemon API is not used"}]}`
	if err := os.WriteFile(vexPath, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(matchDir, "go-1x.cdx.json")
	rep, err := Run(context.Background(), Options{SBOMs: []string{src}, Advisories: []string{zipPath}, VEX: []string{vexPath}, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return rep, src
}

func TestVEXSuppresses(t *testing.T) {
	rep, _ := smallReport(t)
	active, suppressed := rep.Counts()
	if suppressed != 1 || active != 1864 {
		t.Fatalf("active %d, suppressed %d; want 1864 and 1", active, suppressed)
	}
	for _, f := range rep.Findings {
		if !f.Suppressed {
			continue
		}
		if f.AdvisoryID != "GO-2026-4883" || f.VEX == nil || f.VEX.Justification != "vulnerable_code_not_in_execute_path" ||
			f.VEX.Impact != "the daemon API is not used" || f.VEXStatus != "not_affected" {
			t.Errorf("suppressed finding %+v, VEX %+v", f, f.VEX)
		}
	}
	var table bytes.Buffer
	if err := Write(&table, FormatTable, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "not_affected (vulnerable_code_not_in_execute_path)") ||
		!strings.Contains(table.String(), "1864 finding(s) in 1 SBOM(s); 1 suppressed by VEX") {
		t.Errorf("table lacks the VEX column or the count:\n%s", lastLines(table.String(), 3))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func TestSARIF(t *testing.T) {
	rep, src := smallReport(t)
	var buf bytes.Buffer
	if err := Write(&buf, FormatSARIF, rep); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Suppressions []struct {
					Kind string `json:"kind"`
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "vigil" {
		t.Fatalf("sarif header: %+v", log)
	}
	run := log.Runs[0]
	rules := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		if rules[r.ID] {
			t.Errorf("rule %s twice", r.ID)
		}
		rules[r.ID] = true
	}
	if len(run.Results) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(rep.Findings))
	}
	suppressed := 0
	for _, r := range run.Results {
		if !rules[r.RuleID] || len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != src || r.Level == "" {
			t.Fatalf("result %+v", r)
		}
		if len(r.Suppressions) > 0 {
			suppressed++
		}
	}
	if suppressed != 1 {
		t.Errorf("%d suppressed results, want 1", suppressed)
	}
}

// TestVDR writes the CycloneDX vulnerability disclosure report and reads it
// back through Vigil's own SBOM decoder with the CycloneDX 1.6 schema: it
// must be valid, keep every component, and name each advisory once with
// the components it affects.
func TestVDR(t *testing.T) {
	rep, _ := smallReport(t)
	var buf bytes.Buffer
	if err := Write(&buf, FormatCycloneDX, rep); err != nil {
		t.Fatal(err)
	}
	doc, err := sbom.DecodeBytes(buf.Bytes(), sbom.Options{Schemas: schemas(t)})
	if err != nil {
		t.Fatalf("VDR does not validate: %v", err)
	}
	if len(doc.Components) != 1530 || doc.SpecVersion != "1.6" {
		t.Errorf("VDR: %d components, spec %s", len(doc.Components), doc.SpecVersion)
	}
	refs := map[string]bool{}
	for _, c := range doc.Components {
		refs[c.Ref] = true
	}
	vulns := *doc.CycloneDX.Vulnerabilities
	ids := map[string]bool{}
	affects := 0
	analysed := 0
	for _, v := range vulns {
		if ids[v.BOMRef] {
			t.Errorf("vulnerability %s twice", v.BOMRef)
		}
		ids[v.BOMRef] = true
		for _, a := range *v.Affects {
			if !refs[a.Ref] {
				t.Errorf("%s affects unknown ref %s", v.ID, a.Ref)
			}
			affects++
		}
		if v.Analysis != nil {
			analysed++
			if v.ID != "GO-2026-4883" || v.Analysis.State != "not_affected" || v.Analysis.Justification != "code_not_reachable" {
				t.Errorf("analysis %+v on %s", v.Analysis, v.ID)
			}
		}
	}
	if affects != len(rep.Findings) || analysed != 1 {
		t.Errorf("%d affects for %d findings, %d analyses", affects, len(rep.Findings), analysed)
	}
	// Several SBOMs cannot share one VDR.
	two := &Report{Inputs: []Input{rep.Inputs[0], rep.Inputs[0]}}
	if err := Write(&bytes.Buffer{}, FormatCycloneDX, two); err == nil {
		t.Error("a VDR for two SBOMs was written")
	}
}

func TestJSONOutput(t *testing.T) {
	rep, _ := smallReport(t)
	var buf bytes.Buffer
	if err := Write(&buf, FormatJSON, rep); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(out.Findings) != len(rep.Findings) || out.Findings[0]["advisory_id"] == "" {
		t.Errorf("%d findings decoded, want %d", len(out.Findings), len(rep.Findings))
	}
	empty := &Report{}
	buf.Reset()
	if err := Write(&buf, FormatJSON, empty); err != nil || !json.Valid(buf.Bytes()) || !strings.Contains(buf.String(), `"findings": [`) {
		t.Errorf("empty report: %q, %v", buf.String(), err)
	}
}
